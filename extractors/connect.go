package extractors

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/dataquality/sqldataset"
	"github.com/etlwatch/etlwatch/extractors/mysql"
	"github.com/etlwatch/etlwatch/extractors/oracle"
	"github.com/etlwatch/etlwatch/extractors/postgres"
	"github.com/etlwatch/etlwatch/extractors/sqlite"
)

// Connect returns a *sql.DB for the database src describes, for your own database/sql code:
// the same connection settings, connect timeout ([WithConnectTimeout]) and error messages as
// [Open], and a successful ping. Drivers: pgx for postgres, go-sql-driver for mysql (with
// parseTime and the session in UTC), modernc for sqlite (a file read-only), go-ora for oracle.
// Close the *sql.DB when done. [Dataset] turns one of its tables into a data-quality dataset.
func Connect(ctx context.Context, src *configloader.Source, opts ...Option) (*sql.DB, error) {
	if src == nil {
		return nil, errors.New("extractors: source is nil")
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	switch src.DatabaseType {
	case configloader.Postgres:
		return postgres.Connect(ctx, src, postgres.WithConnectTimeout(o.connectTimeout))
	case configloader.MySQL:
		return mysql.Connect(ctx, src, mysql.WithConnectTimeout(o.connectTimeout))
	case configloader.SQLite:
		return sqlite.Connect(ctx, src)
	case configloader.Oracle:
		return oracle.Connect(ctx, src, oracle.WithConnectTimeout(o.connectTimeout))
	}
	return nil, unknownType(src)
}

// Dataset returns table, read through db (from [Connect], or your own handle to the same
// database), as a data-quality dataset whose questions (row counts, null counts, duplicate
// keys, checksums) run in the database: the source side of
// [github.com/etlwatch/etlwatch/dataquality.Checker.Run]. The dialect is src's database_type;
// the schema is connection.schema for postgres and oracle when set, else the connection's
// current one (for mysql, the connection's database). It does not query the database.
func Dataset(db *sql.DB, src *configloader.Source, table string) (*sqldataset.Table, error) {
	if src == nil {
		return nil, errors.New("extractors: source is nil")
	}
	var (
		dialect sqldataset.Dialect
		opts    []sqldataset.Option
	)
	switch src.DatabaseType {
	case configloader.Postgres:
		dialect = sqldataset.PostgreSQL
	case configloader.MySQL:
		dialect = sqldataset.MySQL
	case configloader.SQLite:
		dialect = sqldataset.SQLite
	case configloader.Oracle:
		dialect = sqldataset.Oracle
	default:
		return nil, unknownType(src)
	}
	if s := src.Connection.Schema; s != "" && (dialect == sqldataset.PostgreSQL || dialect == sqldataset.Oracle) {
		opts = append(opts, sqldataset.WithSchema(s))
	}
	ds, err := sqldataset.New(db, dialect, table, opts...)
	if err != nil {
		return nil, fmt.Errorf("extractors: source %q: dataset %q: %w", src.Name, table, err)
	}
	return ds, nil
}

func unknownType(src *configloader.Source) error {
	return fmt.Errorf("extractors: source %q: database_type %q: allowed: %s", src.Name, src.DatabaseType, strings.Join(configloader.DatabaseTypes(), ", "))
}
