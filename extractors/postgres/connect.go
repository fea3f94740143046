package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/internal/connect"
)

// Connect connects to the database src describes, exactly as [Open] does (the same connection
// settings, connect timeout and error messages), and returns a *sql.DB (driver pgx) for your
// own queries, after a successful ping. Of the options only [WithConnectTimeout] applies.
// Close the *sql.DB when done. [github.com/etlwatch/etlwatch/extractors.Dataset] turns a table
// of it into a data-quality dataset whose questions run in the database.
func Connect(ctx context.Context, src *configloader.Source, opts ...Option) (*sql.DB, error) {
	if src == nil {
		return nil, errors.New("postgres: connect: source is nil")
	}
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	conf := FromSource(src)
	c, err := prepare(conf, cfg)
	if err != nil {
		return nil, err
	}
	db := stdlib.OpenDB(*c.pool.ConnConfig)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, c.pingError(ctx, conf, err)
	}
	return db, nil
}

// connection is how to connect to a source: the pool configuration with its bounded connect
// timeout, and the secrets that must not appear in errors.
type connection struct {
	pool    *pgxpool.Config
	timeout connect.Timeout
	tracker *connect.Tracker // the dials made with pool's configuration
	secrets []string
}

// prepare builds the connection to conf. It does not connect.
func prepare(conf Config, cfg config) (*connection, error) {
	dsn, secrets, err := connString(conf)
	if err != nil {
		return nil, err
	}
	pcfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, redact(fmt.Errorf("postgres: source %q: parse connection: %w", conf.Name, err), secrets)
	}
	timeout := connect.Choose("postgres", cfg.connectTimeout, conf.ConnectTimeout, pcfg.ConnConfig.ConnectTimeout,
		"connect_timeout in connection.options or connection.dsn")
	pcfg.ConnConfig.ConnectTimeout = timeout.D
	tracker := &connect.Tracker{} // at first only the ping's dials
	pcfg.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return tracker.Dial(ctx, network, addr, timeout.D)
	}
	return &connection{pool: pcfg, timeout: timeout, tracker: tracker, secrets: secrets}, nil
}

// pingError is the error of the first ping: an [*extract.ConnectTimeoutError] when the connect
// timeout ran out (and ctx had not ended), else the driver's error, without secrets.
func (c *connection) pingError(ctx context.Context, conf Config, err error) error {
	if connect.TimedOut(ctx, err) {
		cc := c.pool.ConnConfig
		return connect.Error(extract.ConnectTimeoutError{
			Package: "postgres", Source: conf.Name, Server: "PostgreSQL server",
			Address: net.JoinHostPort(cc.Host, strconv.Itoa(int(cc.Port))),
			Timeout: c.timeout.D, Setting: c.timeout.Setting,
		}, c.tracker, redact(err, c.secrets))
	}
	return redact(fmt.Errorf("postgres: source %q: ping: %w", conf.Name, err), c.secrets)
}
