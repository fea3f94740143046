package postgres

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/dataquality/sqldataset"
	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/extractors/internal/firstrow"
	"github.com/etlwatch/etlwatch/extractors/internal/openset"
	"github.com/etlwatch/etlwatch/extractors/internal/secrets"
)

// ErrClosed is returned by the methods of an [Extractor] or a snapshot used after Close.
var ErrClosed = errors.New("postgres: extractor closed")

// Option configures [Open].
type Option func(*config)

type config struct {
	schema         string
	logger         *slog.Logger
	connectTimeout time.Duration
	firstRow       time.Duration
	firstRowSet    bool
}

// WithFirstRowTimeout bounds how long each read of a table waits for the server's first row
// (a lock held by another session, a server that stopped answering); the rows after it have no
// timeout. A read that gets no row in time fails with an [*extract.FirstRowTimeoutError] naming
// host:port and the setting to raise. Zero or less waits without limit. Precedence: this
// option, then connection.first_row_timeout, then [configloader.DefaultFirstRowTimeout] (5m).
func WithFirstRowTimeout(d time.Duration) Option {
	return func(c *config) { c.firstRow, c.firstRowSet = d, true }
}

// WithConnectTimeout bounds how long connecting may take: the TCP connection and PostgreSQL's
// handshake (TLS negotiation, startup and authentication), for Open and for every connection
// the pool opens later. A server that does not answer in time fails with an
// [*extract.ConnectTimeoutError] naming host:port. Statements have no timeout. Precedence: this
// option, then connection.connect_timeout, then connect_timeout in connection.options or
// connection.dsn, then [configloader.DefaultConnectTimeout] (10s). Zero or less keeps the default.
func WithConnectTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.connectTimeout = d
		}
	}
}

// WithSchema sets the schema whose tables the extractor lists and reads. It wins over the
// source's connection.schema; the default is "public". pg_catalog and information_schema are
// refused.
func WithSchema(name string) Option { return func(c *config) { c.schema = name } }

// WithLogger sets the logger that receives progress messages, each prefixed with "{TABLE}: ".
// The default discards them; a nil logger keeps the default.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// Extractor reads the tables of one PostgreSQL schema. It implements [extract.Extractor] and is
// safe for concurrent use.
type Extractor struct {
	pool     *pgxpool.Pool
	db       *sql.DB
	schema   string
	logger   *slog.Logger
	firstRow firstrow.Limit

	snaps openset.Set[*snapshot] // open snapshots, closed by Close
}

var _ extract.Extractor = (*Extractor)(nil)

// Open connects to the database src describes and pings it. Connection.DSN wins when set;
// otherwise the connection string is built from Host, Port (default 5432), Database, Username,
// Password and Options (libpq keywords such as sslmode). Errors never contain the password.
func Open(ctx context.Context, src *configloader.Source, opts ...Option) (*Extractor, error) {
	if src == nil {
		return nil, errors.New("postgres: open: source is nil")
	}
	return New(ctx, FromSource(src), opts...)
}

// New connects to the database conf describes and pings it, as [Open] does for a source of
// sources.yaml: conf.DSN wins when set; otherwise the connection string is built from Host,
// Port (default 5432), Database, User, Password and Options. Errors never contain the password.
func New(ctx context.Context, conf Config, opts ...Option) (*Extractor, error) {
	cfg := config{schema: cmp.Or(conf.Schema, "public"), logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.schema == "" {
		return nil, errors.New("postgres: open: schema is empty")
	}
	if s := strings.ToLower(cfg.schema); s == "pg_catalog" || s == "information_schema" {
		return nil, fmt.Errorf("postgres: open: schema %q is a system schema; use a user schema such as \"public\"", cfg.schema)
	}
	c, err := prepare(conf, cfg)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, c.pool)
	if err != nil {
		return nil, redact(fmt.Errorf("postgres: source %q: connect: %w", conf.Name, err), c.secrets)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, c.pingError(ctx, conf, err)
	}
	limit := firstrow.Choose("postgres", cfg.firstRow, cfg.firstRowSet, conf.FirstRowTimeout)
	cc := pool.Config().ConnConfig
	limit.Address, limit.Server = net.JoinHostPort(cc.Host, strconv.Itoa(int(cc.Port))), "PostgreSQL server"
	return &Extractor{
		pool:     pool,
		db:       stdlib.OpenDBFromPool(pool),
		schema:   cfg.schema,
		logger:   cfg.logger,
		firstRow: limit,
	}, nil
}

// connString returns the connection string and the secrets that must not appear in errors.
func connString(c Config) (string, []string, error) {
	if dsn := c.DSN; dsn != "" {
		secrets := []string{dsn}
		if p := c.Password; p != "" {
			secrets = append(secrets, p)
		}
		if cfg, err := pgx.ParseConfig(dsn); err == nil && cfg.Password != "" {
			secrets = append(secrets, cfg.Password)
		}
		return dsn, secrets, nil
	}
	var missing []string
	if c.Host == "" {
		missing = append(missing, "host")
	}
	if c.Database == "" {
		missing = append(missing, "database")
	}
	if len(missing) > 0 {
		return "", nil, fmt.Errorf("postgres: source %q: connection.%s is required when connection.dsn is not set", c.Name, strings.Join(missing, " and connection."))
	}
	if c.Port < 0 || c.Port > 65535 {
		return "", nil, fmt.Errorf("postgres: source %q: connection.port %d is out of range 1-65535", c.Name, c.Port)
	}
	port := c.Port
	if port == 0 {
		port = 5432
	}
	kv := [][2]string{{"host", c.Host}, {"port", strconv.Itoa(port)}, {"dbname", c.Database}}
	if c.User != "" {
		kv = append(kv, [2]string{"user", c.User})
	}
	var secrets []string
	if p := c.Password; p != "" {
		kv = append(kv, [2]string{"password", p})
		secrets = append(secrets, p, quoteValue(p))
	}
	keys := make([]string, 0, len(c.Options))
	for k := range c.Options {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "" || strings.ContainsAny(k, " ='\\") {
			return "", nil, fmt.Errorf("postgres: source %q: connection.options key %q is not a connection keyword", c.Name, k)
		}
		kv = append(kv, [2]string{k, c.Options[k]})
	}
	var b strings.Builder
	for i, p := range kv {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p[0])
		b.WriteByte('=')
		b.WriteString(quoteValue(p[1]))
	}
	return b.String(), secrets, nil
}

// quoteValue quotes a libpq keyword/value connection string value.
func quoteValue(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(v) + "'"
}

// redact is [secrets.Redact].
func redact(err error, hide []string) error { return secrets.Redact(err, hide) }

func (e *Extractor) check() error {
	if e.snaps.Closed() {
		return ErrClosed
	}
	return nil
}

// Tables lists the base tables of the extractor's schema, sorted.
func (e *Extractor) Tables(ctx context.Context) ([]string, error) {
	if err := e.check(); err != nil {
		return nil, err
	}
	rows, err := e.pool.Query(ctx, `SELECT table_name::text FROM information_schema.tables
WHERE table_schema = $1 AND table_type = 'BASE TABLE'
  AND table_schema NOT IN ('pg_catalog', 'information_schema')
ORDER BY table_name`, e.schema)
	if err != nil {
		return nil, fmt.Errorf("postgres: list tables of schema %q: %w", e.schema, err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: list tables of schema %q: %w", e.schema, err)
	}
	sort.Strings(names) // byte order, whatever the database's collation
	return names, nil
}

// Describe returns table's columns as an Arrow schema with its primary key; see the package
// documentation for the type mapping. A column of an unmapped type is an
// [*extract.UnsupportedTypeError].
func (e *Extractor) Describe(ctx context.Context, table string) (*extract.Table, error) {
	if err := e.check(); err != nil {
		return nil, err
	}
	return describe(ctx, e.pool, e.schema, table)
}

// Snapshot starts a consistent snapshot: a REPEATABLE READ, READ ONLY transaction on a
// connection of its own that exports its snapshot, and records pg_current_wal_lsn() as the
// position. Every read through the snapshot imports it. Close the snapshot to end the transaction.
func (e *Extractor) Snapshot(ctx context.Context) (extract.Snapshot, error) {
	s, err := e.snaps.Start(ErrClosed, func() (*snapshot, error) { return newSnapshot(ctx, e) }, (*snapshot).end)
	if err != nil {
		return nil, err // not a nil *snapshot in a non-nil interface
	}
	return s, nil
}

// Dataset returns table as a [sqldataset.Table] over the extractor's pool, whose questions run in
// the database (outside any snapshot).
func (e *Extractor) Dataset(ctx context.Context, table string) (dataquality.Dataset, error) {
	if err := e.check(); err != nil {
		return nil, err
	}
	ds, err := sqldataset.New(e.db, sqldataset.PostgreSQL, table, sqldataset.WithSchema(e.schema))
	if err != nil {
		return nil, fmt.Errorf("postgres: dataset %s.%s: %w", e.schema, table, err)
	}
	return ds, nil
}

// Close closes the snapshots still open, then the extractor's connections, waiting for reads
// in progress to give theirs back. Later calls return [ErrClosed].
func (e *Extractor) Close() error {
	return e.snaps.CloseAll(ErrClosed, e.db.Close, func() error { e.pool.Close(); return nil })
}

// logf logs "{TABLE}: message" with ctx, which carries the job's correlation and trace IDs.
func (e *Extractor) logf(ctx context.Context, table, format string, args ...any) {
	e.logger.InfoContext(ctx, table+": "+fmt.Sprintf(format, args...))
}

var _ io.Closer = (*Extractor)(nil)
