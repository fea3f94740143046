package extractors

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/extractors/mysql"
	"github.com/etlwatch/etlwatch/extractors/oracle"
	"github.com/etlwatch/etlwatch/extractors/postgres"
	"github.com/etlwatch/etlwatch/extractors/sqlite"
)

// The contract of every extractor, and the error of a database that did not answer in time,
// from [github.com/etlwatch/etlwatch/extractors/extract].
type (
	Extractor   = extract.Extractor
	Table       = extract.Table
	Snapshot    = extract.Snapshot
	Position    = extract.Position
	ReadOptions = extract.ReadOptions

	ConnectTimeoutError  = extract.ConnectTimeoutError
	FirstRowTimeoutError = extract.FirstRowTimeoutError
)

// Option configures [Open].
type Option func(*options)

type options struct {
	logger         *slog.Logger
	connectTimeout time.Duration
	firstRow       time.Duration
	firstRowSet    bool
}

// WithFirstRowTimeout bounds how long each read of a table waits for the database's first row
// (a table locked by another session, a server that stopped answering); the rows after it have
// no timeout, since a big table may read for hours. A read that gets no row in time fails with
// an [*extract.FirstRowTimeoutError] naming host:port and the setting to raise. Zero or less
// waits without limit. It wins over the source's connection.first_row_timeout; the default is
// [github.com/etlwatch/etlwatch/configloader.DefaultFirstRowTimeout] (5m). postgres, mysql and
// oracle; an SQLite read waits at most its busy timeout (5s) for a lock.
func WithFirstRowTimeout(d time.Duration) Option {
	return func(o *options) { o.firstRow, o.firstRowSet = d, true }
}

// WithConnectTimeout bounds how long opening the database may wait for it to accept the TCP
// connection and answer the handshake (postgres, mysql and oracle; a sqlite file has no
// network). A database that does not answer in time fails [Open] with an
// [*extract.ConnectTimeoutError] naming host:port and the setting to raise. It wins over the
// source's connection.connect_timeout; the default is
// [github.com/etlwatch/etlwatch/configloader.DefaultConnectTimeout] (10s). Statements have no
// timeout. Zero or less keeps the default.
func WithConnectTimeout(d time.Duration) Option { return func(o *options) { o.connectTimeout = d } }

// WithLogger sets the logger that receives the extractor's progress lines, each prefixed with
// "{TABLE}: " (such as "orders: extracted 900 rows in 1 batches"). Default: discard.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// Open opens the extractor for src.DatabaseType: postgres, mysql (MySQL and MariaDB), sqlite or
// oracle. Another type is an error naming what is allowed.
func Open(ctx context.Context, src *configloader.Source, opts ...Option) (Extractor, error) {
	if src == nil {
		return nil, errors.New("extractors: source is nil")
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	switch src.DatabaseType {
	case configloader.Postgres:
		opts := []postgres.Option{postgres.WithLogger(o.logger), postgres.WithConnectTimeout(o.connectTimeout)}
		if o.firstRowSet {
			opts = append(opts, postgres.WithFirstRowTimeout(o.firstRow))
		}
		e, err := postgres.Open(ctx, src, opts...)
		if err != nil {
			return nil, err
		}
		return e, nil
	case configloader.SQLite:
		e, err := sqlite.Open(ctx, src, sqlite.WithLogger(o.logger))
		if err != nil {
			return nil, err
		}
		return e, nil
	case configloader.MySQL:
		opts := []mysql.Option{mysql.WithLogger(o.logger), mysql.WithConnectTimeout(o.connectTimeout)}
		if o.firstRowSet {
			opts = append(opts, mysql.WithFirstRowTimeout(o.firstRow))
		}
		e, err := mysql.Open(ctx, src, opts...)
		if err != nil {
			return nil, err
		}
		return e, nil
	case configloader.Oracle:
		opts := []oracle.Option{oracle.WithLogger(o.logger), oracle.WithConnectTimeout(o.connectTimeout)}
		if o.firstRowSet {
			opts = append(opts, oracle.WithFirstRowTimeout(o.firstRow))
		}
		e, err := oracle.Open(ctx, src, opts...)
		if err != nil {
			return nil, err
		}
		return e, nil
	}
	return nil, unknownType(src)
}
