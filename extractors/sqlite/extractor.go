package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/dataquality/sqldataset"
	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/extractors/internal/sqlnames"
)

// DriverName is the database/sql driver name of modernc.org/sqlite, which this package uses.
const DriverName = "sqlite"

// ErrUnknownTable is returned (wrapped) by [Extractor.Describe] and [Snapshot] reads for a
// table that is not in sqlite_master.
var ErrUnknownTable = errors.New("sqlite: unknown table")

// Option configures [Open] and [OpenDB].
type Option func(*config)

type config struct {
	logger *slog.Logger
}

// WithLogger sets the logger the extractor writes its progress to, each message prefixed with
// "{TABLE}: ". Default: a logger that discards everything. A nil logger keeps the default.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// Extractor reads the tables of one SQLite database. It implements [extract.Extractor] and is
// safe for concurrent use.
type Extractor struct {
	db     *sql.DB
	owned  bool // Close closes db
	logger *slog.Logger
}

var _ extract.Extractor = (*Extractor)(nil)

// Open opens the SQLite database src describes: src.Connection.DSN when set (passed to the
// driver as is), else src.Connection.Database, a file path or ":memory:". A file is opened
// read-only (mode=ro) and must exist; ":memory:" opens a new, empty, private database on a
// single connection, so a [Snapshot] holds the only connection until it is closed.
// src.DatabaseType must be "sqlite" or empty. Open pings the database.
func Open(ctx context.Context, src *configloader.Source, opts ...Option) (*Extractor, error) {
	if src == nil {
		return nil, errors.New("sqlite: open: nil source")
	}
	if src.DatabaseType != "" && src.DatabaseType != configloader.SQLite {
		return nil, fmt.Errorf("sqlite: open source %q: database_type is %q, want sqlite", src.Name, src.DatabaseType)
	}
	return New(ctx, FromSource(src), opts...)
}

// New opens the SQLite database conf describes, as [Open] does for a source of sources.yaml:
// conf.DSN when set, else conf.Database, a file path (opened read-only; it must exist) or
// ":memory:". New pings the database.
func New(ctx context.Context, conf Config, opts ...Option) (*Extractor, error) {
	db, err := openDB(ctx, conf)
	if err != nil {
		return nil, err
	}
	e := newExtractor(db, opts)
	e.owned = true
	return e, nil
}

// Connect opens the SQLite database src describes exactly as [Open] does (read-only for a file,
// which must exist; connection.dsn as it is) and returns the *sql.DB (driver "sqlite") for your
// own queries, after a successful ping. Close it when done.
// [github.com/etlwatch/etlwatch/extractors.Dataset] turns a table of it into a data-quality
// dataset whose questions run in the database.
func Connect(ctx context.Context, src *configloader.Source) (*sql.DB, error) {
	if src == nil {
		return nil, errors.New("sqlite: connect: nil source")
	}
	if src.DatabaseType != "" && src.DatabaseType != configloader.SQLite {
		return nil, fmt.Errorf("sqlite: connect source %q: database_type is %q, want sqlite", src.Name, src.DatabaseType)
	}
	return openDB(ctx, FromSource(src))
}

// openDB opens and pings the database src describes.
func openDB(ctx context.Context, conf Config) (*sql.DB, error) {
	dsn, memory := conf.DSN, false
	if dsn == "" {
		path := conf.Database
		switch path {
		case "":
			return nil, fmt.Errorf("sqlite: open source %q: connection.database (a file path or :memory:) or connection.dsn is required", conf.Name)
		case ":memory:":
			dsn, memory = ":memory:", true
		default:
			dsn = fileDSN(path, "ro")
		}
	}
	db, err := sql.Open(DriverName, dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open source %q: %w", conf.Name, err)
	}
	if memory {
		db.SetMaxOpenConns(1)
	}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: open source %q: %w", conf.Name, err)
	}
	return db, nil
}

// fileDSN returns a URI filename for path with the given mode and a busy timeout.
func fileDSN(path, mode string) string {
	u := url.URL{Scheme: "file", Opaque: (&url.URL{Path: path}).EscapedPath()}
	q := url.Values{}
	if mode != "" {
		q.Set("mode", mode)
	}
	q.Add("_pragma", "busy_timeout(5000)")
	u.RawQuery = q.Encode()
	return u.String()
}

// OpenDB returns an extractor over an existing handle of the "sqlite" driver. Close does not
// close db. It is an error for db to be nil.
func OpenDB(db *sql.DB, opts ...Option) (*Extractor, error) {
	if db == nil {
		return nil, errors.New("sqlite: open: nil *sql.DB")
	}
	return newExtractor(db, opts), nil
}

func newExtractor(db *sql.DB, opts []Option) *Extractor {
	cfg := config{logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	return &Extractor{db: db, logger: cfg.logger}
}

// DB returns the extractor's database handle.
func (e *Extractor) DB() *sql.DB { return e.db }

// Tables lists the database's tables from sqlite_master, without SQLite's internal sqlite_*
// tables and without views, sorted.
func (e *Extractor) Tables(ctx context.Context) ([]string, error) {
	return tables(ctx, e.db)
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func tables(ctx context.Context, q querier) ([]string, error) {
	names, err := sqlnames.Strings(ctx, q, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list tables: %w", err)
	}
	sort.Strings(names)
	return names, nil
}

// Describe returns the table's columns in order (pragma_table_info) as an Arrow schema, mapped
// from each column's declared type as the package documentation's table says, with its primary
// key in key order. The name is matched case-insensitively, as SQLite does; Table.Name is the
// catalog's spelling. An unknown table is an error wrapping [ErrUnknownTable].
func (e *Extractor) Describe(ctx context.Context, table string) (*extract.Table, error) {
	return describe(ctx, e.db, table)
}

func describe(ctx context.Context, q querier, table string) (*extract.Table, error) {
	var name string
	err := q.QueryRowContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name = ? DESC LIMIT 1`, table, table).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w %q", ErrUnknownTable, table)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: describe %s: %w", table, err)
	}
	rows, err := q.QueryContext(ctx, `SELECT name, type, "notnull", pk FROM pragma_table_info(?) ORDER BY cid`, name)
	if err != nil {
		return nil, fmt.Errorf("sqlite: describe %s: %w", name, err)
	}
	defer rows.Close()
	type col struct {
		name, typ string
		notNull   bool
		pk        int
	}
	var cols []col
	for rows.Next() {
		var c col
		if err := rows.Scan(&c.name, &c.typ, &c.notNull, &c.pk); err != nil {
			return nil, fmt.Errorf("sqlite: describe %s: %w", name, err)
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: describe %s: %w", name, err)
	}
	var pkCols []col
	for _, c := range cols {
		if c.pk > 0 {
			pkCols = append(pkCols, c)
		}
	}
	sort.Slice(pkCols, func(i, j int) bool { return pkCols[i].pk < pkCols[j].pk })
	t := &extract.Table{Name: name}
	for _, c := range pkCols {
		t.PrimaryKey = append(t.PrimaryKey, c.name)
	}
	// A single INTEGER PRIMARY KEY column is the rowid and is never NULL.
	rowidAlias := len(pkCols) == 1 && strings.EqualFold(strings.TrimSpace(pkCols[0].typ), "INTEGER")
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{
			Name:     c.name,
			Type:     arrowType(c.typ),
			Nullable: !c.notNull && !(rowidAlias && c.pk == 1),
		}
		t.SourceTypes = append(t.SourceTypes, c.typ)
	}
	return extract.NewTable(name, fields, t.SourceTypes, t.PrimaryKey), nil
}

// Snapshot opens a read transaction on a connection of its own and returns it as an
// [extract.Snapshot]; see the package documentation for what SQLite guarantees. Its position is
// {Kind: extract.PositionNone, Value: ""}: SQLite has no change history.
func (e *Extractor) Snapshot(ctx context.Context) (extract.Snapshot, error) {
	return newSnapshot(ctx, e)
}

// Dataset returns the table as a data-quality dataset: sqldataset.New(db, sqldataset.SQLite,
// table), whose queries run on the extractor's handle, outside any snapshot.
func (e *Extractor) Dataset(ctx context.Context, table string) (dataquality.Dataset, error) {
	d, err := sqldataset.New(e.db, sqldataset.SQLite, table)
	if err != nil {
		return nil, fmt.Errorf("sqlite: dataset %s: %w", table, err)
	}
	return d, nil
}

// Close closes the database handle when [Open] opened it; after [OpenDB] it does nothing.
func (e *Extractor) Close() error {
	if !e.owned {
		return nil
	}
	return e.db.Close()
}
