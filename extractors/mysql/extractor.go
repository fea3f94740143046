package mysql

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

	driver "github.com/go-sql-driver/mysql"

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
var ErrClosed = errors.New("mysql: extractor closed")

// DefaultPort is the port [Open] uses when connection.port is not set.
const DefaultPort = 3306

// Option configures [Open].
type Option func(*config)

type config struct {
	logger         *slog.Logger
	connectTimeout time.Duration
	firstRow       time.Duration
	firstRowSet    bool
}

// WithFirstRowTimeout bounds how long each read of a table waits for the server's first row
// (a table locked by another session, a server that stopped answering); the rows after it have
// no timeout. A read that gets no row in time fails with an [*extract.FirstRowTimeoutError]
// naming host:port and the setting to raise, and ends its snapshot (the driver drops the
// connection of a cancelled read). Zero or less waits without limit. Precedence: this option,
// then connection.first_row_timeout, then [configloader.DefaultFirstRowTimeout] (5m).
func WithFirstRowTimeout(d time.Duration) Option {
	return func(c *config) { c.firstRow, c.firstRowSet = d, true }
}

// WithConnectTimeout bounds how long connecting may take: the TCP connection and the MySQL
// handshake (greeting, TLS and authentication), for Open and for every connection the pool
// opens later. A server that does not answer in time fails with an
// [*extract.ConnectTimeoutError] naming host:port. Statements have no timeout. Precedence: this
// option, then connection.connect_timeout, then the driver's timeout parameter in
// connection.options or connection.dsn, then [configloader.DefaultConnectTimeout] (10s). Zero or
// less keeps the default.
func WithConnectTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.connectTimeout = d
		}
	}
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

// Extractor reads the tables of one MySQL or MariaDB database. It implements
// [extract.Extractor] and is safe for concurrent use.
type Extractor struct {
	db       *sql.DB
	database string
	logger   *slog.Logger
	firstRow firstrow.Limit

	snaps openset.Set[*snapshot] // open snapshots, closed by Close
}

var _ extract.Extractor = (*Extractor)(nil)

// Open connects to the database src describes and pings it. Connection.DSN (a
// github.com/go-sql-driver/mysql DSN such as "user:pass@tcp(host:3306)/db") wins when set;
// otherwise the connection is built from Host, Port (default [DefaultPort]), Database, Username,
// Password and Options (driver DSN parameters such as tls or timeout, or session variables).
// Either way the extractor sets parseTime=true, loc=UTC and the session time_zone '+00:00'; see
// the package documentation. Errors never contain the password.
func Open(ctx context.Context, src *configloader.Source, opts ...Option) (*Extractor, error) {
	if src == nil {
		return nil, errors.New("mysql: open: source is nil")
	}
	return New(ctx, FromSource(src), opts...)
}

// New connects to the database conf describes and pings it, as [Open] does for a source of
// sources.yaml: conf.DSN wins when set; otherwise the connection is built from Host, Port
// (default [DefaultPort]), Database, User, Password and Options. Errors never contain the
// password.
func New(ctx context.Context, conf Config, opts ...Option) (*Extractor, error) {
	cfg := config{logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(&cfg)
	}
	db, dc, err := openDB(ctx, conf, cfg)
	if err != nil {
		return nil, err
	}
	limit := firstrow.Choose("mysql", cfg.firstRow, cfg.firstRowSet, conf.FirstRowTimeout)
	limit.Address, limit.Server = dc.Addr, "MySQL server"
	return &Extractor{db: db, database: dc.DBName, logger: cfg.logger, firstRow: limit}, nil
}

// Connect connects to the database src describes, exactly as [Open] does (the same connection
// settings, session time zone, connect timeout and error messages), and returns a *sql.DB for
// your own queries, after a successful ping. Of the options only [WithConnectTimeout] applies.
// Close the *sql.DB when done. [github.com/etlwatch/etlwatch/extractors.Dataset] turns a table
// of it into a data-quality dataset whose questions run in the database.
func Connect(ctx context.Context, src *configloader.Source, opts ...Option) (*sql.DB, error) {
	if src == nil {
		return nil, errors.New("mysql: connect: source is nil")
	}
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	db, _, err := openDB(ctx, FromSource(src), cfg)
	return db, err
}

// openDB opens and pings the database src describes, with a bounded connect timeout.
func openDB(ctx context.Context, conf Config, cfg config) (*sql.DB, *driver.Config, error) {
	dc, secrets, err := driverConfig(conf)
	if err != nil {
		return nil, nil, err
	}
	timeout := connect.Choose("mysql", cfg.connectTimeout, conf.ConnectTimeout, dc.Timeout,
		"timeout in connection.options or connection.dsn")
	dc.Timeout = timeout.D
	if dc.DialFunc == nil && (dc.Net == "tcp" || dc.Net == "unix") { // not a network registered with RegisterDialContext
		dc.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
			return connect.Dial(ctx, network, addr, timeout.D)
		}
	}
	connector, err := driver.NewConnector(dc)
	if err != nil {
		return nil, nil, redact(fmt.Errorf("mysql: source %q: connection: %w", conf.Name, err), secrets)
	}
	// The driver bounds the dial by dc.Timeout but waits for the server's greeting for as
	// long as the context lets it: connect.Connector bounds the handshake too.
	db := sql.OpenDB(connect.Connector{Connector: connector, Timeout: timeout.D,
		OnTimeout: func(t *connect.Tracker, err error) error {
			return connect.Error(extract.ConnectTimeoutError{
				Package: "mysql", Source: conf.Name, Address: dc.Addr, Server: "MySQL server",
				Timeout: timeout.D, Setting: timeout.Setting,
			}, t, redact(err, secrets))
		}})
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		var cte *extract.ConnectTimeoutError
		if errors.As(err, &cte) {
			return nil, nil, err
		}
		return nil, nil, redact(fmt.Errorf("mysql: source %q: ping: %w", conf.Name, err), secrets)
	}
	return db, dc, nil
}

// driverConfig returns the driver configuration for src and the secrets that must not appear in
// errors.
func driverConfig(c Config) (*driver.Config, []string, error) {
	var secrets []string
	if p := c.Password; p != "" {
		secrets = append(secrets, p)
	}
	var dc *driver.Config
	if dsn := c.DSN; dsn != "" {
		secrets = append(secrets, dsn)
		parsed, err := driver.ParseDSN(dsn)
		if err != nil {
			return nil, nil, redact(fmt.Errorf("mysql: source %q: connection.dsn: %w", c.Name, err), secrets)
		}
		if parsed.Passwd != "" {
			secrets = append(secrets, parsed.Passwd)
		}
		if parsed.DBName == "" {
			return nil, nil, fmt.Errorf("mysql: source %q: connection.dsn names no database; add /database after the address", c.Name)
		}
		dc = parsed
	} else {
		var missing []string
		if c.Host == "" {
			missing = append(missing, "host")
		}
		if c.Database == "" {
			missing = append(missing, "database")
		}
		if len(missing) > 0 {
			return nil, nil, fmt.Errorf("mysql: source %q: connection.%s is required when connection.dsn is not set", c.Name, strings.Join(missing, " and connection."))
		}
		if c.Port < 0 || c.Port > 65535 {
			return nil, nil, fmt.Errorf("mysql: source %q: connection.port %d is out of range 1-65535", c.Name, c.Port)
		}
		port := c.Port
		if port == 0 {
			port = DefaultPort
		}
		dc = driver.NewConfig()
		dc.Net = "tcp"
		dc.Addr = c.Host + ":" + strconv.Itoa(port)
		if strings.HasPrefix(c.Host, "/") {
			dc.Net, dc.Addr = "unix", c.Host
		}
		dc.DBName = c.Database
		dc.User = c.User
		dc.Passwd = c.Password
		if len(c.Options) > 0 {
			keys := make([]string, 0, len(c.Options))
			for k := range c.Options {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			q := make([]string, 0, len(keys))
			for _, k := range keys {
				if k == "" || strings.ContainsAny(k, " =&?/") {
					return nil, nil, fmt.Errorf("mysql: source %q: connection.options key %q is not a DSN parameter", c.Name, k)
				}
				q = append(q, k+"="+url.QueryEscape(c.Options[k]))
			}
			dsn := dc.FormatDSN()
			sep := "?"
			if strings.Contains(dsn, "?") {
				sep = "&"
			}
			parsed, err := driver.ParseDSN(dsn + sep + strings.Join(q, "&"))
			if err != nil {
				return nil, nil, redact(fmt.Errorf("mysql: source %q: connection.options: %w", c.Name, err), secrets)
			}
			dc = parsed
		}
	}
	dc.ParseTime = true
	dc.Loc = time.UTC
	dc.InterpolateParams = true // one (text) protocol for every query
	if dc.Params == nil {
		dc.Params = map[string]string{}
	}
	dc.Params["time_zone"] = "'+00:00'"
	return dc, secrets, nil
}

// redact is [secrets.Redact].
func redact(err error, hide []string) error { return secrets.Redact(err, hide) }

func (e *Extractor) check() error {
	if e.snaps.Closed() {
		return ErrClosed
	}
	return nil
}

// Tables lists the base tables of the extractor's database, sorted.
func (e *Extractor) Tables(ctx context.Context) ([]string, error) {
	if err := e.check(); err != nil {
		return nil, err
	}
	names, err := sqlnames.Strings(ctx, e.db, `SELECT table_name FROM information_schema.tables
WHERE table_schema = ? AND table_type = 'BASE TABLE'`, e.database)
	if err != nil {
		return nil, fmt.Errorf("mysql: list tables of database %q: %w", e.database, err)
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
	return describe(ctx, e.db, e.database, table)
}

// Snapshot starts a consistent snapshot: START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY
// at REPEATABLE READ on a connection of its own, and records its binary log position (see the
// package documentation for which, and how it relates to the snapshot). Every read through the snapshot runs on that connection, one at a time. Close the
// snapshot to end the transaction.
func (e *Extractor) Snapshot(ctx context.Context) (extract.Snapshot, error) {
	s, err := e.snaps.Start(ErrClosed, func() (*snapshot, error) { return newSnapshot(ctx, e) }, (*snapshot).end)
	if err != nil {
		return nil, err // not a nil *snapshot in a non-nil interface
	}
	return s, nil
}

// Dataset returns table as a [sqldataset.Table] over the extractor's connections, whose
// questions run in the database (outside any snapshot).
func (e *Extractor) Dataset(ctx context.Context, table string) (dataquality.Dataset, error) {
	if err := e.check(); err != nil {
		return nil, err
	}
	ds, err := sqldataset.New(e.db, sqldataset.MySQL, table, sqldataset.WithSchema(e.database))
	if err != nil {
		return nil, fmt.Errorf("mysql: dataset %s.%s: %w", e.database, table, err)
	}
	return ds, nil
}

// Close closes the snapshots still open, waiting for reads in progress on them, then the
// extractor's connections. Later calls return [ErrClosed].
func (e *Extractor) Close() error {
	return e.snaps.CloseAll(ErrClosed, e.db.Close)
}

// logf logs "{TABLE}: message" with ctx, which carries the job's correlation and trace IDs.
func (e *Extractor) logf(ctx context.Context, table, format string, args ...any) {
	e.logger.InfoContext(ctx, table+": "+fmt.Sprintf(format, args...))
}

var _ io.Closer = (*Extractor)(nil)
