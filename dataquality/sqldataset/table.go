package sqldataset

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/etlwatch/etlwatch/dataquality"
)

// ErrTableNotFound is wrapped by the error of every method of a [Table] whose table the catalog
// does not list (or lists more than once with names that differ only in case).
var ErrTableNotFound = errors.New("sqldataset: table not found")

// Table is a database table as a [dataquality.Dataset]. It implements every optional
// capability of package dataquality, each as one query pushed down to the database, and has
// [Table.EstimatedRowCount] besides.
//
// The table's name, schema, columns and primary key are read from the catalog on first use and
// kept: the name is matched case-insensitively (an exact match wins), so "CUSTOMERS" finds
// PostgreSQL's customers. Make a new Table after changing the table's columns. Identifiers in
// queries are always the catalog's, quoted for the dialect; values are always parameters.
//
// A Table is safe for concurrent use.
type Table struct {
	db      *sql.DB
	dialect Dialect
	schema  string
	name    string
	pk      []string

	mu   sync.Mutex
	meta *meta
}

// meta is what the catalog says about the table.
type meta struct {
	schema, name string // as the catalog spells them
	qt           string // quoted, qualified table
	columns      []dataquality.Column
	byName       map[string]int // lower-case column name -> index
	pk           []string
	pkKnown      bool
}

type config struct {
	schema string
	pk     []string
}

// Option configures a [Table].
type Option func(*config)

// WithSchema sets the schema (PostgreSQL schema, MySQL database, Oracle owner, SQLite attached
// database) that holds the table. Default: the connection's current one (current_schema(),
// DATABASE(), CURRENT_SCHEMA, main).
func WithSchema(schema string) Option {
	return func(c *config) { c.schema = schema }
}

// WithPrimaryKey sets the key columns [Table.PrimaryKey] returns, for tables without a declared
// primary key (views, Iceberg-style copies). Default: the catalog's primary key.
func WithPrimaryKey(columns ...string) Option {
	return func(c *config) { c.pk = append([]string(nil), columns...) }
}

// New returns the table named table of db, a database of the given dialect. It does not query
// the database: the catalog is read on first use. It is an error for db to be nil, the dialect
// unknown, or a name empty or holding a NUL character.
func New(db *sql.DB, dialect Dialect, table string, opts ...Option) (*Table, error) {
	var cfg config
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	switch {
	case db == nil:
		return nil, errors.New("sqldataset: nil *sql.DB")
	case !dialect.valid():
		return nil, fmt.Errorf("sqldataset: unknown dialect %v", dialect)
	}
	if _, err := dialect.QuoteIdentifier(table); err != nil {
		return nil, fmt.Errorf("sqldataset: table name: %w", err)
	}
	if cfg.schema != "" {
		if _, err := dialect.QuoteIdentifier(cfg.schema); err != nil {
			return nil, fmt.Errorf("sqldataset: schema name: %w", err)
		}
	}
	for _, k := range cfg.pk {
		if _, err := dialect.QuoteIdentifier(k); err != nil {
			return nil, fmt.Errorf("sqldataset: primary key column: %w", err)
		}
	}
	return &Table{db: db, dialect: dialect, schema: cfg.schema, name: table, pk: cfg.pk}, nil
}

// String returns the table's name as given to [New], with its schema if one was given.
func (t *Table) String() string {
	if t.schema != "" {
		return t.schema + "." + t.name
	}
	return t.name
}

// Dialect returns the table's dialect.
func (t *Table) Dialect() Dialect { return t.dialect }

func (t *Table) errorf(op string, err error) error {
	return fmt.Errorf("sqldataset: %s: %s: %w", t, op, err)
}

// resolve reads the catalog once.
func (t *Table) resolve(ctx context.Context) (*meta, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.meta != nil {
		return t.meta, nil
	}
	var m *meta
	var err error
	if t.dialect == SQLite {
		m, err = t.resolveSQLite(ctx)
	} else {
		m, err = t.resolveCatalog(ctx)
	}
	if err != nil {
		return nil, t.errorf("read catalog", err)
	}
	if len(t.pk) > 0 {
		m.pk, m.pkKnown = t.pk, true
	}
	m.byName = make(map[string]int, len(m.columns))
	for i, c := range m.columns {
		if _, dup := m.byName[strings.ToLower(c.Name)]; !dup {
			m.byName[strings.ToLower(c.Name)] = i
		}
	}
	t.meta = m
	return m, nil
}

type catalogRow struct {
	schema, table, column, typ, detail string
	precision, scale                   int64
}

func (t *Table) resolveCatalog(ctx context.Context) (*meta, error) {
	var args []any
	if t.schema != "" {
		args = append(args, t.schema)
	}
	args = append(args, t.name)
	rows, err := t.db.QueryContext(ctx, t.dialect.columnsSQL(t.schema != ""), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var all []catalogRow
	for rows.Next() {
		var r catalogRow
		var detail sql.NullString
		var precision, scale sql.NullInt64
		if err := rows.Scan(&r.schema, &r.table, &r.column, &r.typ, &detail, &precision, &scale); err != nil {
			return nil, err
		}
		r.detail = detail.String
		r.precision, r.scale = -1, -1
		if precision.Valid {
			r.precision = precision.Int64
		}
		if scale.Valid {
			r.scale = scale.Int64
		}
		all = append(all, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var names []string
	for _, r := range all {
		if len(names) == 0 || names[len(names)-1] != r.table {
			names = append(names, r.table)
		}
	}
	name, err := t.pickName(names)
	if err != nil {
		return nil, err
	}
	m := &meta{name: name}
	for _, r := range all {
		if r.table != name {
			continue
		}
		m.schema = r.schema
		typ, db := t.dialect.normaliseType(r.typ, r.detail, r.precision, r.scale)
		m.columns = append(m.columns, dataquality.Column{Name: r.column, Type: typ, DatabaseType: db})
	}
	m.qt = t.dialect.quote(m.schema) + "." + t.dialect.quote(m.name)
	return m, nil
}

func (t *Table) resolveSQLite(ctx context.Context) (*meta, error) {
	rows, err := t.db.QueryContext(ctx, sqliteTablesSQL(t.schema), t.name)
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	name, err := t.pickName(names)
	if err != nil {
		return nil, err
	}
	args := []any{name}
	if t.schema != "" {
		args = append(args, t.schema)
	}
	crows, err := t.db.QueryContext(ctx, sqliteColumnsSQL(t.schema != ""), args...)
	if err != nil {
		return nil, err
	}
	defer crows.Close()
	m := &meta{schema: t.schema, name: name, pkKnown: true}
	type pkCol struct {
		pos  int64
		name string
	}
	var pks []pkCol
	for crows.Next() {
		var col, decl string
		var pk int64
		if err := crows.Scan(&col, &decl, &pk); err != nil {
			return nil, err
		}
		typ, db := SQLite.normaliseType(decl, "", -1, -1)
		m.columns = append(m.columns, dataquality.Column{Name: col, Type: typ, DatabaseType: db})
		if pk > 0 {
			pks = append(pks, pkCol{pk, col})
		}
	}
	if err := crows.Err(); err != nil {
		return nil, err
	}
	for pos := int64(1); pos <= int64(len(pks)); pos++ {
		for _, p := range pks {
			if p.pos == pos {
				m.pk = append(m.pk, p.name)
			}
		}
	}
	m.qt = SQLite.quote(name)
	if t.schema != "" {
		m.qt = SQLite.quote(t.schema) + "." + m.qt
	}
	return m, nil
}

// pickName chooses among the catalog's names that match t.name case-insensitively.
func (t *Table) pickName(names []string) (string, error) {
	for _, n := range names {
		if n == t.name {
			return n, nil
		}
	}
	switch len(names) {
	case 0:
		where := "the current schema"
		if t.schema != "" {
			where = "schema " + t.schema
		}
		return "", fmt.Errorf("%w: no table %q in %s", ErrTableNotFound, t.name, where)
	case 1:
		return names[0], nil
	}
	return "", fmt.Errorf("%w: %q matches %d tables that differ only in case (%s); give the exact name",
		ErrTableNotFound, t.name, len(names), strings.Join(names, ", "))
}

// columns quotes the named columns, matched case-insensitively, and returns their indexes.
func (m *meta) columnIndexes(names []string) ([]int, error) {
	idx := make([]int, len(names))
	for i, n := range names {
		j, ok := m.byName[strings.ToLower(n)]
		if !ok {
			return nil, fmt.Errorf("no column %q in table %s", n, m.name)
		}
		idx[i] = j
	}
	return idx, nil
}

func (t *Table) quoteColumns(m *meta, names []string) ([]string, []int, error) {
	idx, err := m.columnIndexes(names)
	if err != nil {
		return nil, nil, err
	}
	q := make([]string, len(idx))
	for i, j := range idx {
		q[i] = t.dialect.quote(m.columns[j].Name)
	}
	return q, idx, nil
}
