package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/extractors/internal/arrowappend"
)

// ErrSnapshotClosed is returned by the reads of a closed snapshot.
var ErrSnapshotClosed = errors.New("sqlite: snapshot closed")

// snapshot is a read transaction on one connection. Its reads are serialised by mu: SQLite
// cannot share a transaction's view with another connection.
type snapshot struct {
	mu     sync.Mutex
	conn   *sql.Conn
	logger *slog.Logger
	closed bool
}

var _ extract.Snapshot = (*snapshot)(nil)

func newSnapshot(ctx context.Context, e *Extractor) (*snapshot, error) {
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlite: snapshot: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("sqlite: snapshot: begin: %w", err)
	}
	// A deferred transaction takes its read snapshot at its first read: read now, so that
	// the snapshot is as of this call.
	var n int64
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&n); err != nil {
		_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
		_ = conn.Close()
		return nil, fmt.Errorf("sqlite: snapshot: start read: %w", err)
	}
	e.logger.DebugContext(ctx, "sqlite: snapshot started")
	return &snapshot{conn: conn, logger: e.logger}, nil
}

// Position is {Kind: extract.PositionNone, Value: ""}: SQLite has no change history.
func (s *snapshot) Position() extract.Position {
	return extract.Position{Kind: extract.PositionNone}
}

// Close rolls the read transaction back and returns the connection; later calls return nil.
func (s *snapshot) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	_, rerr := s.conn.ExecContext(context.Background(), "ROLLBACK")
	cerr := s.conn.Close()
	if err := errors.Join(rerr, cerr); err != nil {
		return fmt.Errorf("sqlite: close snapshot: %w", err)
	}
	return nil
}

func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// catalogName resolves table in the snapshot's sqlite_master.
func (s *snapshot) catalogName(ctx context.Context, table string) (string, error) {
	var name string
	err := s.conn.QueryRowContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE ORDER BY name = ? DESC LIMIT 1`, table, table).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("%w %q", ErrUnknownTable, table)
	}
	if err != nil {
		return "", fmt.Errorf("sqlite: %s: %w", table, err)
	}
	return name, nil
}

// RowCount counts the table's rows in the snapshot.
func (s *snapshot) RowCount(ctx context.Context, table string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, ErrSnapshotClosed
	}
	name, err := s.catalogName(ctx, table)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := s.conn.QueryRowContext(ctx, "SELECT count(*) FROM "+quote(name)).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: %s: count rows: %w", name, err)
	}
	return n, nil
}

type rangeQuery struct {
	sql  string
	args []any
}

// Extract streams the table in the snapshot; see [extract.Snapshot]. With opts.Partitions > 1
// and a single integer primary key the table is read as that many key ranges, one after the
// other on the snapshot's connection; otherwise in one statement. Rows are read in key order
// when the table has a primary key.
func (s *snapshot) Extract(ctx context.Context, table *extract.Table, opts extract.ReadOptions, fn func(ctx context.Context, rec arrow.RecordBatch) error) (int64, error) {
	opts, err := opts.WithDefaults()
	if err != nil {
		return 0, err
	}
	if table == nil || table.Schema == nil || fn == nil {
		return 0, errors.New("sqlite: extract: table, its schema and fn are required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, ErrSnapshotClosed
	}
	name, err := s.catalogName(ctx, table.Name)
	if err != nil {
		return 0, err
	}
	queries, err := s.plan(ctx, name, table, opts.Partitions)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	r := reader{table: table, name: name, opts: opts, fn: fn}
	r.convs = make([]arrowappend.Func, len(table.Schema.Fields()))
	for i, f := range table.Schema.Fields() {
		r.convs[i] = converterFor(f.Type, i < len(table.SourceTypes) && table.SourceTypes[i] != "" && !isFallback(table.SourceTypes[i]))
	}
	r.keyIdx = make([]int, 0, len(table.PrimaryKey))
	for _, k := range table.PrimaryKey {
		if idx := table.Schema.FieldIndices(k); len(idx) > 0 {
			r.keyIdx = append(r.keyIdx, idx[0])
		}
	}
	r.rb = array.NewRecordBuilder(opts.Allocator, table.Schema)
	defer r.rb.Release()
	for i, q := range queries {
		if err := r.run(ctx, s.conn, q); err != nil {
			return r.total, err
		}
		s.logger.DebugContext(ctx, fmt.Sprintf("%s: partition %d of %d read", name, i+1, len(queries)), "table", name, "rows", r.total)
	}
	if err := r.flush(ctx); err != nil {
		return r.total, err
	}
	s.logger.InfoContext(ctx, fmt.Sprintf("%s: extracted %d rows in %d batches", name, r.total, r.batches),
		"table", name, "rows", r.total, "batches", r.batches, "partitions", len(queries), "duration", time.Since(start))
	return r.total, nil
}

// plan returns the statements that read the table: one, or one per key range.
func (s *snapshot) plan(ctx context.Context, name string, table *extract.Table, partitions int) ([]rangeQuery, error) {
	cols := make([]string, len(table.Schema.Fields()))
	for i, f := range table.Schema.Fields() {
		cols[i] = quote(f.Name)
	}
	base := "SELECT " + strings.Join(cols, ", ") + " FROM " + quote(name)
	var order string
	if len(table.PrimaryKey) > 0 {
		keys := make([]string, len(table.PrimaryKey))
		for i, k := range table.PrimaryKey {
			keys[i] = quote(k)
		}
		order = " ORDER BY " + strings.Join(keys, ", ")
	}
	single := []rangeQuery{{sql: base + order}}
	if partitions <= 1 || len(table.PrimaryKey) != 1 {
		return single, nil
	}
	idx := table.Schema.FieldIndices(table.PrimaryKey[0])
	if len(idx) == 0 || table.Schema.Field(idx[0]).Type.ID() != arrow.INT64 {
		return single, nil
	}
	key := quote(table.PrimaryKey[0])
	var lo, hi sql.NullInt64
	err := s.conn.QueryRowContext(ctx, "SELECT min("+key+"), max("+key+") FROM "+quote(name)+" WHERE typeof("+key+") = 'integer'").Scan(&lo, &hi)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: key bounds: %w", name, err)
	}
	// Keys that are not integers (SQLite allows them) go to the first range, so every row is
	// read once; their conversion then reports them.
	other := base + " WHERE typeof(" + key + ") <> 'integer'"
	if !lo.Valid {
		return []rangeQuery{{sql: base + order}}, nil
	}
	span := uint64(hi.Int64) - uint64(lo.Int64)
	step := span/uint64(partitions) + 1
	var qs []rangeQuery
	for i := uint64(0); i < uint64(partitions); i++ {
		off := i * step
		if off > span || (i > 0 && off/i != step) {
			break
		}
		from := int64(uint64(lo.Int64) + off)
		to := hi.Int64
		if span-off >= step {
			to = int64(uint64(from) + step - 1)
		}
		where := " WHERE typeof(" + key + ") = 'integer' AND " + key + " BETWEEN ? AND ?"
		q := rangeQuery{sql: base + where + order, args: []any{from, to}}
		if i == 0 {
			q.sql = "SELECT * FROM (" + base + where + " UNION ALL " + other + ")" + order
		}
		qs = append(qs, q)
	}
	return qs, nil
}

type reader struct {
	table   *extract.Table
	name    string
	opts    extract.ReadOptions
	fn      func(ctx context.Context, rec arrow.RecordBatch) error
	convs   []arrowappend.Func
	keyIdx  []int
	rb      *array.RecordBuilder
	pending int
	total   int64
	batches int
}

func (r *reader) run(ctx context.Context, conn *sql.Conn, q rangeQuery) error {
	rows, err := conn.QueryContext(ctx, q.sql, q.args...)
	if err != nil {
		return fmt.Errorf("sqlite: %s: read: %w", r.name, err)
	}
	defer rows.Close()
	fields := r.table.Schema.Fields()
	vals := make([]any, len(fields))
	ptrs := make([]any, len(fields))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("sqlite: %s: read: %w", r.name, err)
		}
		for i, v := range vals {
			b := r.rb.Field(i)
			var cerr error
			if v == nil {
				if !fields[i].Nullable {
					cerr = errors.New("NULL in a NOT NULL column")
				} else {
					b.AppendNull()
				}
			} else {
				cerr = r.convs[i](b, v)
			}
			if cerr != nil {
				return &ValueError{Table: r.name, Column: fields[i].Name, Key: r.rowKey(vals), ValueType: storageClass(v), ArrowType: fields[i].Type.String(), Err: cerr}
			}
		}
		r.pending++
		r.total++
		if r.pending >= r.opts.BatchRows {
			if err := r.flush(ctx); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: %s: read: %w", r.name, err)
	}
	return nil
}

func (r *reader) flush(ctx context.Context) error {
	if r.pending == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlite: %s: %w", r.name, err)
	}
	rec := r.rb.NewRecordBatch()
	r.pending = 0
	r.batches++
	err := r.fn(ctx, rec)
	rec.Release()
	if err != nil {
		return fmt.Errorf("sqlite: %s: batch %d: %w", r.name, r.batches, err)
	}
	return nil
}

func (r *reader) rowKey(vals []any) string {
	if len(r.keyIdx) == 0 {
		return "row " + strconv.FormatInt(r.total+1, 10)
	}
	parts := make([]string, len(r.keyIdx))
	for i, k := range r.keyIdx {
		parts[i] = fmt.Sprintf("%s=%v", r.table.Schema.Field(k).Name, vals[k])
	}
	return strings.Join(parts, ",")
}

func storageClass(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case int64, bool:
		return "integer"
	case float64:
		return "real"
	case string, time.Time:
		return "text"
	case []byte:
		return "blob"
	}
	return fmt.Sprintf("%T", v)
}

// isFallback reports whether a declared type maps to string only as the fallback.
func isFallback(declared string) bool {
	u := strings.ToUpper(declared)
	return !(strings.Contains(u, "CHAR") || strings.Contains(u, "CLOB") || strings.Contains(u, "TEXT"))
}

// errMismatch marks a value of a storage class the column's type does not take.
var errMismatch = arrowappend.ErrMismatch

var timeFormats = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
	"2006-01-02 15:04:05.999999999 -0700 MST",
}

func parseTime(s string) (time.Time, error) {
	for _, f := range timeFormats {
		if t, err := time.Parse(f, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot parse %q as a date or time", s)
}

func toTime(v any) (time.Time, error) {
	switch v := v.(type) {
	case time.Time:
		return v, nil
	case int64:
		return time.Unix(v, 0), nil
	case float64:
		sec := int64(v)
		return time.Unix(sec, int64((v-float64(sec))*1e9)), nil
	case string:
		return parseTime(strings.TrimSpace(v))
	}
	return time.Time{}, errMismatch
}

// converterFor returns the function that appends a non-NULL value to a builder of type dt.
// strict is false for columns that are strings only as the fallback, which take any value but
// a blob that is not UTF-8, written as text.
func converterFor(dt arrow.DataType, strict bool) arrowappend.Func {
	d := decoding
	if !strict {
		d.String = lenientText
	}
	return arrowappend.For(dt, d)
}

// decoding is how a value of one of SQLite's storage classes (as the driver returns it: int64,
// float64, string, []byte, or bool and time.Time for declared types) becomes a Go value of each
// kind of column.
var decoding = arrowappend.Decoding{
	Int: func(v any) (int64, error) {
		switch v := v.(type) {
		case int64:
			return v, nil
		case bool:
			if v {
				return 1, nil
			}
			return 0, nil
		}
		return 0, errMismatch
	},
	Float: func(v any) (float64, error) {
		switch v := v.(type) {
		case float64:
			return v, nil
		case int64:
			return float64(v), nil
		}
		return 0, errMismatch
	},
	Bool: func(v any) (bool, error) {
		switch v := v.(type) {
		case bool:
			return v, nil
		case int64:
			if v != 0 && v != 1 {
				return false, fmt.Errorf("integer %d is not 0 or 1", v)
			}
			return v == 1, nil
		}
		return false, errMismatch
	},
	String: strictText,
	Binary: arrowappend.AnyText,
	Time:   toTime,
	Decimal: func(v any) (string, error) {
		switch v := v.(type) {
		case int64:
			return strconv.FormatInt(v, 10), nil
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64), nil
		case string:
			return strings.TrimSpace(v), nil
		}
		return "", errMismatch
	},
}

// strictText is the text of a value in a column declared as text: a blob is not text.
func strictText(v any) (arrowappend.Text, error) {
	switch v := v.(type) {
	case string:
		return arrowappend.String(v), nil
	case int64:
		return arrowappend.String(strconv.FormatInt(v, 10)), nil
	case float64:
		return arrowappend.String(strconv.FormatFloat(v, 'g', -1, 64)), nil
	case time.Time:
		return arrowappend.String(v.Format(time.RFC3339Nano)), nil
	}
	return arrowappend.Text{}, errMismatch
}

// lenientText is strictText that also takes a blob holding UTF-8, for the columns that are
// strings only as the fallback.
func lenientText(v any) (arrowappend.Text, error) {
	if b, ok := v.([]byte); ok && utf8.Valid(b) {
		return arrowappend.Bytes(b), nil
	}
	return strictText(v)
}
