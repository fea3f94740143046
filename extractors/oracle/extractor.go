package oracle

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	go_ora "github.com/sijms/go-ora/v2"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/dataquality/sqldataset"
	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/extractors/internal/firstrow"
	"github.com/etlwatch/etlwatch/extractors/internal/openset"
	"github.com/etlwatch/etlwatch/extractors/internal/secrets"
	"github.com/etlwatch/etlwatch/extractors/internal/sqlnames"
	"github.com/etlwatch/etlwatch/internal/connect"
)

// ErrClosed is returned by the methods of an [Extractor] used after Close.
var ErrClosed = errors.New("oracle: extractor closed")

// DefaultPort is the port [Open] uses when connection.port is not set.
const DefaultPort = 1521

// Option configures [Open].
type Option func(*config)

type config struct {
	owner          string
	logger         *slog.Logger
	connectTimeout time.Duration
	firstRow       time.Duration
	firstRowSet    bool
}

// WithFirstRowTimeout bounds how long each read of a table waits for the database's first row
// (a server that stopped answering, a read that waits on a busy undo); the rows after it have
// no timeout. A read that gets no row in time fails with an [*extract.FirstRowTimeoutError]
// naming host:port and the setting to raise. Zero or less waits without limit. Precedence: this
// option, then connection.first_row_timeout, then [configloader.DefaultFirstRowTimeout] (5m).
func WithFirstRowTimeout(d time.Duration) Option {
	return func(c *config) { c.firstRow, c.firstRowSet = d, true }
}

// WithConnectTimeout bounds how long connecting may take: the TCP connection and the Oracle
// handshake (connect packet, negotiation and authentication), for Open and for every
// connection the pool opens later. A server that does not answer in time fails with an
// [*extract.ConnectTimeoutError] naming host:port. Statements have no timeout (go-ora's own
// TIMEOUT parameter is a deadline on every read, statements included: leave it unset).
// Precedence: this option, then connection.connect_timeout, then
// [configloader.DefaultConnectTimeout] (10s). Zero or less keeps the default.
func WithConnectTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.connectTimeout = d
		}
	}
}

// WithSchema sets the schema (owner) whose tables the extractor lists and reads, exactly as the
// catalog spells it: "HR", not "hr", for a schema created without quotes. It wins over the
// source's connection.schema; the default is the connection user's schema, its name upper-cased, or when the username is not known (an external
// or wallet login) the answer of SELECT USER FROM DUAL. An empty name keeps the default.
func WithSchema(owner string) Option {
	return func(c *config) {
		if owner != "" {
			c.owner = owner
		}
	}
}

// newConfig is the configuration of [Open]: the source's connection.schema, then opts.
func newConfig(conf Config, opts []Option) config {
	cfg := config{owner: conf.Schema, logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

// WithLogger sets the logger that receives progress messages, each prefixed with "{TABLE}: ".
// The default discards them; a nil logger keeps the default.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// Extractor reads the tables of one Oracle schema. It implements [extract.Extractor] and is safe
// for concurrent use.
type Extractor struct {
	db       *sql.DB
	owner    string
	logger   *slog.Logger
	firstRow firstrow.Limit

	snaps openset.Set[*snapshot] // open snapshots, closed by Close
}

var _ extract.Extractor = (*Extractor)(nil)

// Open connects to the database src describes and pings it. Connection.DSN (a go-ora URL such as
// "oracle://user:password@host:1521/service") wins when set; otherwise the URL is built with
// go_ora.BuildUrl from Host, Port (default [DefaultPort]), ServiceName (or Database when
// ServiceName is empty), Username and Password, followed by Options (go-ora URL parameters such
// as "SSL" or "TRACE FILE"), sorted. Errors never contain the password.
func Open(ctx context.Context, src *configloader.Source, opts ...Option) (*Extractor, error) {
	if src == nil {
		return nil, errors.New("oracle: open: source is nil")
	}
	return New(ctx, FromSource(src), opts...)
}

// New connects to the database conf describes and pings it, as [Open] does for a source of
// sources.yaml: conf.DSN (a go-ora URL) wins when set; otherwise the URL is built from Host,
// Port (default [DefaultPort]), ServiceName (or Database), User, Password and Options. Errors
// never contain the password.
func New(ctx context.Context, conf Config, opts ...Option) (*Extractor, error) {
	cfg := newConfig(conf, opts)
	if strings.IndexByte(cfg.owner, 0) >= 0 {
		return nil, fmt.Errorf("oracle: open: schema %q holds a NUL character", cfg.owner)
	}
	db, ci, err := openDB(ctx, conf, cfg)
	if err != nil {
		return nil, err
	}
	owner := cfg.owner
	if owner == "" {
		owner = strings.ToUpper(ci.user)
	}
	if owner == "" {
		if err := db.QueryRowContext(ctx, "SELECT USER FROM DUAL").Scan(&owner); err != nil {
			_ = db.Close()
			return nil, redact(fmt.Errorf("oracle: source %q: read the connection user: %w", conf.Name, err), ci.secrets)
		}
	}
	limit := firstrow.Choose("oracle", cfg.firstRow, cfg.firstRowSet, conf.FirstRowTimeout)
	limit.Address, limit.Server = ci.address, "Oracle database"
	return &Extractor{db: db, owner: owner, logger: cfg.logger, firstRow: limit}, nil
}

// Connect connects to the database src describes, exactly as [Open] does (the same URL, connect
// timeout and error messages), and returns a *sql.DB (driver go-ora) for your own queries, after
// a successful ping. Of the options only [WithConnectTimeout] applies. Close the *sql.DB when
// done. [github.com/etlwatch/etlwatch/extractors.Dataset] turns a table of it into a
// data-quality dataset whose questions run in the database.
func Connect(ctx context.Context, src *configloader.Source, opts ...Option) (*sql.DB, error) {
	if src == nil {
		return nil, errors.New("oracle: connect: source is nil")
	}
	conf := FromSource(src)
	db, _, err := openDB(ctx, conf, newConfig(conf, opts))
	return db, err
}

// openDB opens and pings the database src describes, with a bounded connect timeout.
func openDB(ctx context.Context, conf Config, cfg config) (*sql.DB, connInfo, error) {
	ci, err := connectionURL(conf)
	if err != nil {
		return nil, connInfo{}, err
	}
	timeout := connect.Choose("oracle", cfg.connectTimeout, conf.ConnectTimeout, 0, "")
	connector := go_ora.NewConnector(ci.url)
	if oc, ok := connector.(*go_ora.OracleConnector); ok {
		oc.Dialer(dialer{timeout.D})
	}
	db := sql.OpenDB(connect.Connector{Connector: connector, Timeout: timeout.D,
		OnTimeout: func(t *connect.Tracker, err error) error {
			return connect.Error(extract.ConnectTimeoutError{
				Package: "oracle", Source: conf.Name, Address: ci.address, Server: "Oracle listener",
				Timeout: timeout.D, Setting: timeout.Setting,
			}, t, redact(err, ci.secrets))
		}})
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		var cte *extract.ConnectTimeoutError
		if errors.As(err, &cte) {
			return nil, connInfo{}, err
		}
		return nil, connInfo{}, redact(fmt.Errorf("oracle: source %q: ping %s: %w", conf.Name, ci.address, err), ci.secrets)
	}
	return db, ci, nil
}

// dialer is go-ora's dialer: it records whether the listener accepted the connection.
type dialer struct{ timeout time.Duration }

// DialContext implements go-ora's configurations.DialerContext.
func (d dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return connect.Dial(ctx, network, addr, d.timeout)
}

// connInfo is what [Open] needs to connect: the go-ora URL, the address for messages, the user
// (the default schema) and the secrets that must not appear in errors.
type connInfo struct {
	url, address, user string
	secrets            []string
}

// connectionURL returns the go-ora URL for c. It is pure: it does not connect.
func connectionURL(c Config) (connInfo, error) {
	var ci connInfo
	if p := c.Password; p != "" {
		ci.secrets = append(ci.secrets, passwordForms(p)...)
	}
	if dsn := c.DSN; dsn != "" {
		ci.secrets = append(ci.secrets, dsn, quotedForm(dsn))
		u, err := url.Parse(dsn)
		if err != nil {
			// The parser's message quotes the DSN or a piece of it, which may be a piece of the
			// password ("invalid port \":pa$$\" after host"): it is not passed on.
			return connInfo{}, fmt.Errorf("oracle: source %q: connection.dsn is not a valid URL; want oracle://user:password@host:%d/service, "+
				"with special characters in the user and password escaped as %%XX", c.Name, DefaultPort)
		}
		if u.User != nil {
			if p, ok := u.User.Password(); ok && p != "" {
				ci.secrets = append(ci.secrets, passwordForms(p)...)
			}
			ci.user = u.User.Username()
		}
		if strings.Contains(u.Path, "@") { // an unescaped "/" in the password moved it into the path
			return connInfo{}, fmt.Errorf("oracle: source %q: connection.dsn is not a valid URL; want oracle://user:password@host:%d/service, "+
				"with special characters in the user and password escaped as %%XX", c.Name, DefaultPort)
		}
		if !strings.EqualFold(u.Scheme, "oracle") || u.Host == "" {
			return connInfo{}, fmt.Errorf("oracle: source %q: connection.dsn is not a go-ora URL; want oracle://user:password@host:%d/service", c.Name, DefaultPort)
		}
		if err := checkLOBFetch(u.Query()); err != nil {
			return connInfo{}, fmt.Errorf("oracle: source %q: connection.dsn: %w", c.Name, err)
		}
		ci.url, ci.address = dsn, u.Host+u.Path
		return ci, nil
	}
	service := c.ServiceName
	if service == "" {
		service = c.Database
	}
	var missing []string
	if c.Host == "" {
		missing = append(missing, "host")
	}
	if service == "" {
		missing = append(missing, "service_name")
	}
	if len(missing) > 0 {
		return connInfo{}, fmt.Errorf("oracle: source %q: connection.%s is required when connection.dsn is not set", c.Name, strings.Join(missing, " and connection."))
	}
	if c.Port < 0 || c.Port > 65535 {
		return connInfo{}, fmt.Errorf("oracle: source %q: connection.port %d is out of range 1-65535", c.Name, c.Port)
	}
	port := c.Port
	if port == 0 {
		port = DefaultPort
	}
	keys := make([]string, 0, len(c.Options))
	q := url.Values{}
	for k, v := range c.Options {
		if strings.TrimSpace(k) == "" || strings.ContainsAny(k, "=&?#") {
			return connInfo{}, fmt.Errorf("oracle: source %q: connection.options key %q is not a go-ora URL parameter", c.Name, k)
		}
		keys = append(keys, k)
		q.Set(k, v)
	}
	if err := checkLOBFetch(q); err != nil {
		return connInfo{}, fmt.Errorf("oracle: source %q: connection.options: %w", c.Name, err)
	}
	sort.Strings(keys)
	// go_ora.BuildUrl ranges over its options map in random order; the parameters are appended
	// here in sorted order instead, so that the URL is the same every time.
	u := go_ora.BuildUrl(c.Host, port, service, c.User, c.Password, nil)
	for i, k := range keys {
		sep := "&"
		if i == 0 {
			sep = "?"
		}
		u += sep + url.QueryEscape(k) + "=" + url.QueryEscape(c.Options[k])
	}
	ci.url, ci.user = u, c.User
	ci.address = fmt.Sprintf("%s:%d/%s", c.Host, port, service)
	return ci, nil
}

// checkLOBFetch refuses the go-ora parameter "LOB FETCH" set to STREAM (or POST): the extractor
// reads CLOB and BLOB values inline (the default, PRE), as plain strings and bytes.
func checkLOBFetch(q url.Values) error {
	for k, vs := range q {
		if strings.EqualFold(strings.TrimSpace(k), "LOB FETCH") {
			for _, v := range vs {
				if s := strings.ToUpper(strings.TrimSpace(v)); s != "PRE" && s != "INLINE" {
					return fmt.Errorf("parameter %q = %q is not supported; the extractor reads LOBs inline (PRE, the default)", k, v)
				}
			}
		}
	}
	return nil
}

// passwordForms returns the password and the escaped forms it takes in a URL or a quoted
// message.
func passwordForms(p string) []string {
	return []string{p, url.PathEscape(p), url.QueryEscape(p), url.UserPassword("u", p).String()[2:], quotedForm(p)}
}

// quotedForm returns s as %q writes it, without the quotes.
func quotedForm(s string) string {
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// redact is [secrets.Redact].
func redact(err error, hide []string) error { return secrets.Redact(err, hide) }

func (e *Extractor) check() error {
	if e.snaps.Closed() {
		return ErrClosed
	}
	return nil
}

// Tables lists the tables of the extractor's schema from ALL_TABLES, sorted in byte order,
// leaving out index-organized-table overflow and mapping segments, nested tables, temporary,
// secondary, external and dropped (recycle bin) tables.
func (e *Extractor) Tables(ctx context.Context) ([]string, error) {
	if err := e.check(); err != nil {
		return nil, err
	}
	names, err := sqlnames.Strings(ctx, e.db, tablesSQL, e.owner)
	if err != nil {
		return nil, fmt.Errorf("oracle: list tables of schema %q: %w", e.owner, err)
	}
	sort.Strings(names)
	return names, nil
}

// Describe returns table's columns as an Arrow schema with its primary key; see the package
// documentation for the type mapping. A column of an unmapped type is an
// [*extract.UnsupportedTypeError].
func (e *Extractor) Describe(ctx context.Context, table string) (*extract.Table, error) {
	if err := e.check(); err != nil {
		return nil, err
	}
	cols, err := queryColumns(ctx, e.db, e.owner, table)
	if err != nil {
		return nil, fmt.Errorf("oracle: describe %s.%s: %w", e.owner, table, err)
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("oracle: describe %s.%s: no such table in schema %q (names are case-sensitive; unquoted names are upper case)", e.owner, table, e.owner)
	}
	pk, err := sqlnames.Strings(ctx, e.db, primaryKeySQL, e.owner, table)
	if err != nil {
		return nil, fmt.Errorf("oracle: describe %s.%s: primary key: %w", e.owner, table, err)
	}
	return newTable(table, cols, pk)
}

// Snapshot reads the database's current SCN (system change number) and returns a snapshot
// whose every read is a flashback query AS OF that SCN. It holds no connection and no
// transaction; see the package documentation for what keeps it readable.
func (e *Extractor) Snapshot(ctx context.Context) (extract.Snapshot, error) {
	s, err := e.snaps.Start(ErrClosed, func() (*snapshot, error) {
		scn, err := currentSCN(ctx, e.db)
		if err != nil {
			return nil, err
		}
		return &snapshot{e: e, scn: scn}, nil
	}, func(*snapshot) error { return nil }) // nothing to end: a flashback query holds no transaction
	if err != nil {
		return nil, err // not a nil *snapshot in a non-nil interface
	}
	return s, nil
}

// Dataset returns table as a [sqldataset.Table] over the extractor's connections, whose
// questions run in the database, on current data (not AS OF a snapshot).
func (e *Extractor) Dataset(ctx context.Context, table string) (dataquality.Dataset, error) {
	if err := e.check(); err != nil {
		return nil, err
	}
	ds, err := sqldataset.New(e.db, sqldataset.Oracle, table, sqldataset.WithSchema(e.owner))
	if err != nil {
		return nil, fmt.Errorf("oracle: dataset %s.%s: %w", e.owner, table, err)
	}
	return ds, nil
}

// Close closes the snapshots still open, then the extractor's connections, waiting for reads in
// progress to give theirs back. Later calls return [ErrClosed].
func (e *Extractor) Close() error {
	return e.snaps.CloseAll(ErrClosed, e.db.Close)
}

// logf logs "{TABLE}: message" with ctx, which carries the job's correlation and trace IDs.
func (e *Extractor) logf(ctx context.Context, table, format string, args ...any) {
	e.logger.InfoContext(ctx, table+": "+fmt.Sprintf(format, args...))
}

var _ io.Closer = (*Extractor)(nil)
