package sqlhistory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/dataquality/sqldataset"
)

// DefaultTable is the name of the history table unless [WithTable] says otherwise.
const DefaultTable = "etlwatch_dq_history"

// ErrInvalidConfig is wrapped by the error of [New] for a nil database, an unsupported dialect
// or an invalid table name.
var ErrInvalidConfig = errors.New("sqlhistory: invalid configuration")

// Store is a [dataquality.HistoryStore] in a SQL table. It is safe for concurrent use (as
// *sql.DB is).
type Store struct {
	db      *sql.DB
	dialect sqldataset.Dialect
	table   string
	insert  string
	query   string
}

type config struct{ table string }

// Option configures a [Store].
type Option func(*config)

// WithTable names the history table (letters, digits, underscores, optionally one schema
// qualifier: "etl.dq_history"). The default is [DefaultTable].
func WithTable(name string) Option { return func(c *config) { c.table = name } }

var tableName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$`)

// New returns a Store in db, whose dialect is PostgreSQL, MySQL (MariaDB too) or SQLite, and
// creates its table and index if they do not exist.
func New(ctx context.Context, db *sql.DB, dialect sqldataset.Dialect, opts ...Option) (*Store, error) {
	cfg := config{table: DefaultTable}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if db == nil {
		return nil, fmt.Errorf("%w: no database", ErrInvalidConfig)
	}
	if !tableName.MatchString(cfg.table) {
		return nil, fmt.Errorf("%w: table name %q: allowed are letters, digits and underscores, with an optional schema.", ErrInvalidConfig, cfg.table)
	}
	s := &Store{db: db, dialect: dialect, table: cfg.table}
	var ddl []string
	index := "CREATE INDEX IF NOT EXISTS " + indexName(cfg.table) + " ON " + cfg.table + " (table_name, series, at_us)"
	switch dialect {
	case sqldataset.PostgreSQL:
		s.insert = "INSERT INTO " + cfg.table + " (table_name, series, at_us, value, failed, anomalous, note) VALUES ($1, $2, $3, $4, $5, $6, $7)"
		s.query = "SELECT at_us, value, failed, anomalous, note FROM " + cfg.table + " WHERE table_name = $1 AND series = $2 ORDER BY at_us DESC LIMIT $3"
		ddl = []string{createTable(cfg.table, "double precision"), index}
	case sqldataset.MySQL:
		s.insert = "INSERT INTO " + cfg.table + " (table_name, series, at_us, value, failed, anomalous, note) VALUES (?, ?, ?, ?, ?, ?, ?)"
		s.query = "SELECT at_us, value, failed, anomalous, note FROM " + cfg.table + " WHERE table_name = ? AND series = ? ORDER BY at_us DESC LIMIT ?"
		// MySQL has no CREATE INDEX IF NOT EXISTS (MariaDB has); the index is declared with the table.
		ddl = []string{strings.TrimSuffix(createTable(cfg.table, "double"), ")") + ", INDEX " + indexName(cfg.table) + " (table_name, series, at_us))"}
	case sqldataset.SQLite:
		s.insert = "INSERT INTO " + cfg.table + " (table_name, series, at_us, value, failed, anomalous, note) VALUES (?, ?, ?, ?, ?, ?, ?)"
		s.query = "SELECT at_us, value, failed, anomalous, note FROM " + cfg.table + " WHERE table_name = ? AND series = ? ORDER BY at_us DESC LIMIT ?"
		ddl = []string{createTable(cfg.table, "double precision"), index}
	default:
		return nil, fmt.Errorf("%w: dialect %v: allowed are PostgreSQL, MySQL and SQLite", ErrInvalidConfig, dialect)
	}
	for _, q := range ddl {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("sqlhistory: create %s: %w", cfg.table, err)
		}
	}
	return s, nil
}

func createTable(name, double string) string {
	return "CREATE TABLE IF NOT EXISTS " + name + " (table_name varchar(255) NOT NULL, series varchar(128) NOT NULL, " +
		"at_us bigint NOT NULL, value " + double + " NULL, failed smallint NOT NULL, anomalous smallint NOT NULL, note text NULL)"
}

func indexName(table string) string {
	return strings.ReplaceAll(table, ".", "_") + "_idx"
}

// Table returns the history table's name.
func (s *Store) Table() string { return s.table }

// Append stores r. A NaN or infinite value is stored as NULL and read back as NaN.
func (s *Store) Append(ctx context.Context, r dataquality.HistoryRecord) error {
	var value any
	if !math.IsNaN(r.Value) && !math.IsInf(r.Value, 0) {
		value = r.Value
	}
	var note any
	if r.Note != "" {
		note = r.Note
	}
	if _, err := s.db.ExecContext(ctx, s.insert, r.Table, r.Series, r.At.UnixMicro(), value, b2i(r.Failed), b2i(r.Anomalous), note); err != nil {
		return fmt.Errorf("sqlhistory: append to %s: %w", s.table, err)
	}
	return nil
}

// History returns the newest limit records of table's series, oldest first (at most 1,000,000
// when limit <= 0). Times come back in UTC.
func (s *Store) History(ctx context.Context, table, series string, limit int) ([]dataquality.HistoryRecord, error) {
	if limit <= 0 {
		limit = 1_000_000
	}
	rows, err := s.db.QueryContext(ctx, s.query, table, series, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlhistory: read %s: %w", s.table, err)
	}
	defer rows.Close()
	var out []dataquality.HistoryRecord
	for rows.Next() {
		var at int64
		var value sql.NullFloat64
		var failed, anomalous int64
		var note sql.NullString
		if err := rows.Scan(&at, &value, &failed, &anomalous, &note); err != nil {
			return nil, fmt.Errorf("sqlhistory: read %s: %w", s.table, err)
		}
		r := dataquality.HistoryRecord{Table: table, Series: series, At: time.UnixMicro(at).UTC(), Value: math.NaN(),
			Failed: failed != 0, Anomalous: anomalous != 0, Note: note.String}
		if value.Valid {
			r.Value = value.Float64
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlhistory: read %s: %w", s.table, err)
	}
	slices.Reverse(out)
	return out, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

var _ dataquality.HistoryStore = (*Store)(nil)
