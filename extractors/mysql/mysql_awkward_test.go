package mysql_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/extractors/extract"
)

// cell returns the value of a column in a row as a comparable Go value: nil for NULL, the
// decimal text with all its scale digits, the timestamp as a UTC time, the date as "YYYY-MM-DD".
func cell(t *testing.T, a arrow.Array, i int) any {
	t.Helper()
	if a.IsNull(i) {
		return nil
	}
	switch c := a.(type) {
	case *array.Int8:
		return int64(c.Value(i))
	case *array.Int16:
		return int64(c.Value(i))
	case *array.Int32:
		return int64(c.Value(i))
	case *array.Int64:
		return c.Value(i)
	case *array.Uint64:
		return c.Value(i)
	case *array.Float32:
		return float64(c.Value(i))
	case *array.Float64:
		return c.Value(i)
	case *array.Boolean:
		return c.Value(i)
	case *array.String:
		return c.Value(i)
	case *array.Binary:
		return append([]byte{}, c.Value(i)...)
	case *array.Decimal128:
		return c.Value(i).ToString(c.DataType().(*arrow.Decimal128Type).Scale)
	case *array.Date32:
		return c.Value(i).ToTime().Format(time.DateOnly)
	case *array.Timestamp:
		return time.UnixMicro(int64(c.Value(i))).UTC()
	}
	t.Fatalf("no cell reader for %s", a.DataType())
	return nil
}

// rowsByKey extracts table and returns its rows as cells keyed by the formatted key columns.
// each, when not nil, is called after each batch.
func rowsByKey(t *testing.T, snap extract.Snapshot, table *extract.Table, opts extract.ReadOptions, each func(), key ...string) map[string][]any {
	t.Helper()
	out := map[string][]any{}
	n, err := snap.Extract(context.Background(), table, opts, func(_ context.Context, rec arrow.RecordBatch) error {
		for r := 0; r < int(rec.NumRows()); r++ {
			row := make([]any, rec.NumCols())
			for c := range row {
				row[c] = cell(t, rec.Column(c), r)
			}
			k := ""
			for _, name := range key {
				k += fmt.Sprint(row[rec.Schema().FieldIndices(name)[0]]) + "|"
			}
			_, dup := out[k]
			assert.False(t, dup, "key %s read twice", k)
			out[k] = row
		}
		if each != nil {
			each()
		}
		return nil
	})
	require.NoError(t, err)
	assert.EqualValues(t, len(out), n)
	return out
}

func utc(s string) time.Time {
	tm, err := time.Parse("2006-01-02 15:04:05.999999", s)
	if err != nil {
		panic(err)
	}
	return tm
}

// TestAwkwardTypes reads the extremes of every mapped type, NULL in every nullable column,
// empty strings and binaries (which are not NULL), emoji, and a column whose name holds a
// backtick, and checks each value column by column.
func TestAwkwardTypes(t *testing.T) {
	db := server(t)
	name := newTable(t, db, "id bigint unsigned PRIMARY KEY, d38 decimal(38,10), d65 decimal(65,30), d0 decimal(18,0),"+
		" dt6 datetime(6), dt0 datetime, ts6 timestamp(6) NULL, ts0 timestamp NULL, dd date, tm time(6),"+
		" b1 bit(1), b64 bit(64), flag tinyint(1), j json, bn binary(4), vb varbinary(16), bl blob, lb longblob,"+
		" e enum('small','médium','🙂') CHARACTER SET utf8mb4, st set('a','b','c'),"+
		" txt varchar(50) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, lt longtext CHARACTER SET utf8mb4, ch char(5) CHARACTER SET utf8mb4,"+
		" f float, dbl double, y year, `we``ird col` int")
	const (
		d38max = "9999999999999999999999999999.9999999999"
		d65max = "99999999999999999999999999999999999.999999999999999999999999999999"
	)
	exec(t, db, "SET time_zone = '+00:00'; INSERT INTO `"+name+"` VALUES"+
		// the largest values
		" (18446744073709551615, "+d38max+", "+d65max+", 999999999999999999,"+
		" '9999-12-31 23:59:59.999999', '9999-12-31 23:59:59', '2038-01-19 03:14:07.999999', '2038-01-19 03:14:07',"+
		" '9999-12-31', '838:59:59.999999', b'1', 0xffffffffffffffff, 1,"+
		` '{"emoji": "🙂", "n": [1, 2.5, null]}', 0xff00, 0x00, 0xdeadbeef, REPEAT(0xab, 70000),`+
		" '🙂', 'a,c', 'emoji 🙂👍🏽 ñ', REPEAT('🙂', 20000), 'ab   ', -1.5, 1.7976931348623157e308, 2155, 2147483647),"+
		// the smallest values, zeros and empties
		" (0, -"+d38max+", -"+d65max+", -999999999999999999,"+
		" '1000-01-01 00:00:00.000000', '1000-01-01 00:00:00', '1970-01-01 00:00:01.000000', '1970-01-01 00:00:01',"+
		" '1000-01-01', '-838:59:59.999999', b'0', 0x0, 0,"+
		" '[]', '', '', '', '', 'small', '', '', '', '', 0, -2.2250738585072014e-308, 1901, -2147483648),"+
		// the smallest fractions
		" (1, 0.0000000001, 0.000000000000000000000000000001, 0,"+
		" '2024-02-29 12:00:00.000001', '2024-02-29 12:00:00', '2024-02-29 12:00:00.000001', '2024-02-29 12:00:00',"+
		" '2024-02-29', '-00:00:00.000001', b'1', 0x1, 1, 'null', 0x01020304, 0x0102, 0x00, 0x00, 'médium', 'c,b', ' ', ' x ', ' ', 3.25, -0.0, 0, 0),"+
		// NULL in every nullable column
		" (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"+
		" NULL, NULL, NULL, NULL, NULL, NULL, NULL)")

	ext := open(t)
	ctx := context.Background()
	table, err := ext.Describe(ctx, name)
	require.NoError(t, err)
	dec := func(p, s int32) arrow.DataType { return &arrow.Decimal128Type{Precision: p, Scale: s} }
	wantTypes := map[string]arrow.DataType{
		"id": arrow.PrimitiveTypes.Uint64, "d38": dec(38, 10), "d65": arrow.BinaryTypes.String, "d0": dec(18, 0),
		"dt6": &arrow.TimestampType{Unit: arrow.Microsecond}, "dt0": &arrow.TimestampType{Unit: arrow.Microsecond},
		"ts6": &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, "ts0": &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"},
		"dd": arrow.FixedWidthTypes.Date32, "tm": arrow.BinaryTypes.String, "b1": arrow.BinaryTypes.Binary, "b64": arrow.BinaryTypes.Binary,
		"flag": arrow.FixedWidthTypes.Boolean, "j": arrow.BinaryTypes.String, "bn": arrow.BinaryTypes.Binary, "vb": arrow.BinaryTypes.Binary,
		"bl": arrow.BinaryTypes.Binary, "lb": arrow.BinaryTypes.Binary, "e": arrow.BinaryTypes.String, "st": arrow.BinaryTypes.String,
		"txt": arrow.BinaryTypes.String, "lt": arrow.BinaryTypes.String, "ch": arrow.BinaryTypes.String,
		"f": arrow.PrimitiveTypes.Float32, "dbl": arrow.PrimitiveTypes.Float64, "y": arrow.PrimitiveTypes.Int16, "we`ird col": arrow.PrimitiveTypes.Int32,
	}
	require.Len(t, table.Schema.Fields(), len(wantTypes))
	for _, f := range table.Schema.Fields() {
		assert.Truef(t, arrow.TypeEqual(wantTypes[f.Name], f.Type), "%s: got %s, want %s", f.Name, f.Type, wantTypes[f.Name])
		assert.Equal(t, f.Name != "id", f.Nullable, f.Name)
	}

	snap, err := ext.Snapshot(ctx)
	require.NoError(t, err)
	defer snap.Close()
	repeat := func(b []byte, n int) []byte {
		out := make([]byte, 0, len(b)*n)
		for range n {
			out = append(out, b...)
		}
		return out
	}
	want := map[string][]any{
		"18446744073709551615|": {uint64(18446744073709551615), d38max, d65max, "999999999999999999",
			utc("9999-12-31 23:59:59.999999"), utc("9999-12-31 23:59:59"), utc("2038-01-19 03:14:07.999999"), utc("2038-01-19 03:14:07"),
			"9999-12-31", "838:59:59.999999", []byte{1}, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, true,
			`{"emoji": "🙂", "n": [1, 2.5, null]}`, []byte{0xff, 0, 0, 0}, []byte{0}, []byte{0xde, 0xad, 0xbe, 0xef}, repeat([]byte{0xab}, 70000),
			"🙂", "a,c", "emoji 🙂👍🏽 ñ", string(repeat([]byte("🙂"), 20000)), "ab", -1.5, 1.7976931348623157e308, int64(2155), int64(2147483647)},
		"0|": {uint64(0), "-" + d38max, "-" + d65max, "-999999999999999999",
			utc("1000-01-01 00:00:00"), utc("1000-01-01 00:00:00"), utc("1970-01-01 00:00:01"), utc("1970-01-01 00:00:01"),
			"1000-01-01", "-838:59:59.999999", []byte{0}, []byte{0, 0, 0, 0, 0, 0, 0, 0}, false,
			"[]", []byte{0, 0, 0, 0}, []byte{}, []byte{}, []byte{}, "small", "", "", "", "", 0.0, -2.2250738585072014e-308, int64(1901), int64(-2147483648)},
		"1|": {uint64(1), "0.0000000001", "0.000000000000000000000000000001", "0",
			utc("2024-02-29 12:00:00.000001"), utc("2024-02-29 12:00:00"), utc("2024-02-29 12:00:00.000001"), utc("2024-02-29 12:00:00"),
			"2024-02-29", "-00:00:00.000001", []byte{1}, []byte{0, 0, 0, 0, 0, 0, 0, 1}, true,
			"null", []byte{1, 2, 3, 4}, []byte{1, 2}, []byte{0}, []byte{0}, "médium", "b,c", " ", " x ", "", 3.25, 0.0, int64(0), int64(0)},
		"2|": append([]any{uint64(2)}, make([]any, len(wantTypes)-1)...),
	}
	for _, parts := range []int{1, 3} {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		got := rowsByKey(t, snap, table, extract.ReadOptions{Partitions: parts, BatchRows: 2, Allocator: mem}, nil, "id")
		mem.AssertSize(t, 0)
		require.Len(t, got, len(want))
		for k, w := range want {
			g, ok := got[k]
			require.True(t, ok, "row %s missing", k)
			for c, f := range table.Schema.Fields() {
				assert.Equalf(t, w[c], g[c], "row %s column %s", k, f.Name)
			}
		}
	}
	n, err := snap.RowCount(ctx, name)
	require.NoError(t, err)
	assert.EqualValues(t, 4, n)
}

// TestCompositeAndNoKey reads a table whose primary key has three columns in an order other
// than the table's, and a table without one holding identical rows, with several partitions
// asked for (each is read by one query).
func TestCompositeAndNoKey(t *testing.T) {
	db := server(t)
	comp := newTable(t, db, "region varchar(10) CHARACTER SET utf8mb4 NOT NULL, id int NOT NULL, seq smallint NOT NULL,"+
		" amount decimal(12,2), PRIMARY KEY (region, seq, id)")
	exec(t, db, "INSERT INTO `"+comp+"` VALUES ('eu', 1, 1, 1.10), ('eu', 1, 2, NULL), ('us', 1, 1, -3.00), ('🙂', 2, 1, 0.01), ('', 0, 0, 0)")
	nokey := newTable(t, db, "a int, b varchar(5), UNIQUE KEY u (b)")
	exec(t, db, "INSERT INTO `"+nokey+"` VALUES (1, 'x'), (1, NULL), (1, NULL), (NULL, NULL)")

	ext := open(t)
	ctx := context.Background()
	snap, err := ext.Snapshot(ctx)
	require.NoError(t, err)
	defer snap.Close()

	table, err := ext.Describe(ctx, comp)
	require.NoError(t, err)
	assert.Equal(t, []string{"region", "seq", "id"}, table.PrimaryKey)
	pk, _ := table.Schema.Metadata().GetValue(extract.PrimaryKeyMetadata)
	assert.Equal(t, "region,seq,id", pk)
	got := rowsByKey(t, snap, table, extract.ReadOptions{Partitions: 4}, nil, "region", "seq", "id")
	assert.Equal(t, map[string][]any{
		"eu|1|1|": {"eu", int64(1), int64(1), "1.10"},
		"eu|2|1|": {"eu", int64(1), int64(2), nil},
		"us|1|1|": {"us", int64(1), int64(1), "-3.00"},
		"🙂|1|2|":  {"🙂", int64(2), int64(1), "0.01"},
		"|0|0|":   {"", int64(0), int64(0), "0.00"},
	}, got)

	table, err = ext.Describe(ctx, nokey)
	require.NoError(t, err)
	assert.Empty(t, table.PrimaryKey, "a unique key is not a primary key")
	var rows [][]any
	n, err := snap.Extract(ctx, table, extract.ReadOptions{Partitions: 4, BatchRows: 1}, func(_ context.Context, rec arrow.RecordBatch) error {
		assert.EqualValues(t, 1, rec.NumRows())
		rows = append(rows, []any{cell(t, rec.Column(0), 0), cell(t, rec.Column(1), 0)})
		return nil
	})
	require.NoError(t, err)
	assert.EqualValues(t, 4, n)
	assert.ElementsMatch(t, [][]any{{int64(1), "x"}, {int64(1), nil}, {int64(1), nil}, {nil, nil}}, rows)
}

// liveRow is a row of the table TestSnapshotUnderWrites writes to.
type liveRow struct {
	id     int64
	val    int64
	note   any // string or nil
	amount string
	at     time.Time
}

func (r liveRow) cells() []any {
	return []any{r.id, r.val, r.note, r.amount, r.at}
}

// TestSnapshotUnderWrites runs a writer (inserts, updates and deletes, one transaction each)
// before, during and after the snapshot, and a transaction that is open when the snapshot starts
// and commits after it. Writes and Snapshot() are serialised, so the rows committed before
// Snapshot() are known exactly: every Extract and RowCount through the snapshot returns exactly
// them, value by value, while the writer keeps going.
func TestSnapshotUnderWrites(t *testing.T) {
	db := server(t)
	name := newTable(t, db, "id bigint PRIMARY KEY, val bigint NOT NULL, note varchar(40) CHARACTER SET utf8mb4, amount decimal(38,10) NOT NULL, at datetime(6) NOT NULL")
	ctx := context.Background()
	q := "`" + name + "`"

	w := &liveWriter{db: db, q: q, base: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), rng: rand.New(rand.NewPCG(1, 2)), model: map[int64]liveRow{}}
	model := w.model
	for range 300 {
		require.NoError(t, w.write(ctx))
	}

	// A transaction open across Snapshot(), on rows the writer never touches (negative ids).
	exec(t, db, "INSERT INTO "+q+" VALUES (-2, 2, 'before', 0, '2000-01-01')")
	model[-2] = liveRow{id: -2, val: 2, note: "before", amount: "0.0000000000", at: utc("2000-01-01 00:00:00")}
	open1, err := db.Conn(ctx)
	require.NoError(t, err)
	defer open1.Close()
	_, err = open1.ExecContext(ctx, "BEGIN")
	require.NoError(t, err)
	_, err = open1.ExecContext(ctx, "INSERT INTO "+q+" VALUES (-1, 1, 'uncommitted', 1, '2000-01-01')")
	require.NoError(t, err)
	_, err = open1.ExecContext(ctx, "UPDATE "+q+" SET note = 'uncommitted' WHERE id = -2")
	require.NoError(t, err)

	ext := open(t)
	table, err := ext.Describe(ctx, name)
	require.NoError(t, err)
	w.mu.Lock()
	snap, err := ext.Snapshot(ctx)
	want := map[string][]any{}
	for id, r := range model {
		want[fmt.Sprint(id)+"|"] = r.cells()
	}
	writesBefore := w.writes
	w.mu.Unlock()
	require.NoError(t, err)
	defer snap.Close()
	_, err = open1.ExecContext(ctx, "COMMIT")
	require.NoError(t, err)

	// The writer runs while the snapshot is read; after each batch, it commits once more.
	stop := make(chan struct{})
	done := make(chan error, 1)
	go w.run(ctx, stop, done)
	interleave := func() { w.interleave(t) }
	for _, parts := range []int{1, 4} {
		got := rowsByKey(t, snap, table, extract.ReadOptions{Partitions: parts, BatchRows: 16}, interleave, "id")
		assert.Equal(t, len(want), len(got), "partitions=%d", parts)
		for k, w := range want {
			assert.Equalf(t, w, got[k], "partitions=%d row %s", parts, k)
		}
		for k := range got {
			_, ok := want[k]
			assert.Truef(t, ok, "partitions=%d: row %s was committed after the snapshot", parts, k)
		}
		n, err := snap.RowCount(ctx, name)
		require.NoError(t, err)
		assert.EqualValues(t, len(want), n)
	}
	close(stop)
	require.NoError(t, <-done)
	w.mu.Lock()
	assert.Greater(t, w.writes, writesBefore+len(want)/16, "the writer committed between the batches")
	w.mu.Unlock()

	// The database has moved on: a new snapshot sees the writes and the late commit.
	var now int
	require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM "+q).Scan(&now))
	snap2, err := ext.Snapshot(ctx)
	require.NoError(t, err)
	defer snap2.Close()
	n, err := snap2.RowCount(ctx, name)
	require.NoError(t, err)
	assert.EqualValues(t, now, n)
	ids := make([]int64, 0)
	got := rowsByKey(t, snap2, table, extract.ReadOptions{Partitions: 3}, nil, "id")
	for k := range got {
		var id int64
		_, _ = fmt.Sscan(k[:len(k)-1], &id)
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	assert.Equal(t, []int64{-2, -1}, ids[:2])
	assert.Equal(t, "uncommitted", got["-2|"][2])
}

// liveWriter commits transactions of random inserts, updates and deletes to a table, and keeps
// model, the rows committed, in step under mu.
type liveWriter struct {
	db     *sql.DB
	q      string // the quoted table
	base   time.Time
	rng    *rand.Rand
	mu     sync.Mutex // held by a write and by Snapshot()
	model  map[int64]liveRow
	nextID int64
	writes int
}

// write commits one to three changes in one transaction.
func (w *liveWriter) write(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	changed := map[int64]*liveRow{} // nil: deleted
	for range 1 + w.rng.IntN(3) {
		switch op := w.rng.IntN(10); {
		case op < 6 || len(w.model) < 10: // insert
			w.nextID++
			r := liveRow{id: w.nextID * 7, val: w.rng.Int64N(1 << 40), amount: fmt.Sprintf("%d.%010d", w.rng.IntN(1e6), w.rng.IntN(1e9)),
				at: w.base.Add(time.Duration(w.rng.Int64N(1e15)) * time.Microsecond)}
			if w.rng.IntN(4) > 0 {
				r.note = fmt.Sprintf("note %d 🙂", r.id)
			}
			if _, err := tx.Exec("INSERT INTO "+w.q+" VALUES (?, ?, ?, ?, ?)", r.id, r.val, r.note, r.amount, r.at); err != nil {
				return err
			}
			changed[r.id] = &r
		default: // update or delete an existing row
			var id int64
			for k := range w.model { // a random row
				id = k
				break
			}
			if _, gone := changed[id]; gone || id <= 0 { // not the negative ids of the open transaction

				continue
			}
			if op < 9 {
				r := w.model[id]
				r.val = -r.val - 1
				r.note = nil
				if _, err := tx.Exec("UPDATE "+w.q+" SET val = ?, note = NULL WHERE id = ?", r.val, id); err != nil {
					return err
				}
				changed[id] = &r
			} else {
				if _, err := tx.Exec("DELETE FROM "+w.q+" WHERE id = ?", id); err != nil {
					return err
				}
				changed[id] = nil
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	for id, r := range changed {
		if r == nil {
			delete(w.model, id)
		} else {
			w.model[id] = *r
		}
	}
	w.writes++
	return nil
}

// run writes until stop is closed, then sends nil (or the first error) to done.
func (w *liveWriter) run(ctx context.Context, stop <-chan struct{}, done chan<- error) {
	for {
		select {
		case <-stop:
			done <- nil
			return
		default:
		}
		if err := w.write(ctx); err != nil {
			done <- err
			return
		}
	}
}

// interleave waits (up to 5s) for the writer to commit once more.
func (w *liveWriter) interleave(t *testing.T) {
	w.mu.Lock()
	seen := w.writes
	w.mu.Unlock()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Microsecond) {
		w.mu.Lock()
		moved := w.writes > seen
		w.mu.Unlock()
		if moved {
			return
		}
	}
	t.Error("the writer made no progress")
}

// TestInvalidDates: the zero date reads as 0001-01-01 (documented); a date with a zero month or
// day, or a day its month lacks, which the server stores under a lax sql_mode, fails naming the
// column and the value. The driver alone read '2024-00-15' as 2023-12-15 and '2024-02-31' as
// 2024-03-02, silently.
func TestInvalidDates(t *testing.T) {
	db := server(t)
	name := newTable(t, db, "id int PRIMARY KEY, d date NULL, dt datetime(6) NULL, ts timestamp NULL")
	exec(t, db, "SET SESSION sql_mode = ''; INSERT INTO `"+name+"` VALUES (1, '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00'),"+
		" (2, '2024-02-29', '2024-02-29 10:00:00.5', NULL)")
	ext := open(t)
	ctx := context.Background()
	table, err := ext.Describe(ctx, name)
	require.NoError(t, err)
	snap, err := ext.Snapshot(ctx)
	require.NoError(t, err)
	got := rowsByKey(t, snap, table, extract.ReadOptions{}, nil, "id")
	zero := time.Time{}
	assert.Equal(t, map[string][]any{
		"1|": {int64(1), "0001-01-01", zero, zero},
		"2|": {int64(2), "2024-02-29", utc("2024-02-29 10:00:00.5"), nil},
	}, got)
	require.NoError(t, snap.Close())

	for _, tc := range []struct{ mode, column, values, bad string }{
		{"", "d", "(3, '2024-00-15', NULL, NULL)", "2024-00-15"},
		{"", "dt", "(3, NULL, '2024-02-00 10:00:00', NULL)", "2024-02-00 10:00:00.000000"},
		{"ALLOW_INVALID_DATES", "d", "(3, '2024-02-31', NULL, NULL)", "2024-02-31"},
	} {
		exec(t, db, "DELETE FROM `"+name+"` WHERE id = 3")
		exec(t, db, "SET SESSION sql_mode = '"+tc.mode+"'; INSERT INTO `"+name+"` VALUES "+tc.values)
		snap, err := ext.Snapshot(ctx)
		require.NoError(t, err)
		_, err = snap.Extract(ctx, table, extract.ReadOptions{}, func(context.Context, arrow.RecordBatch) error { return nil })
		require.Error(t, err, tc.bad)
		assert.Contains(t, err.Error(), "extract: column "+tc.column+": \""+tc.bad+"\" is not a date Arrow can hold")
		n, err := snap.RowCount(ctx, name)
		require.NoError(t, err, "the snapshot is still usable")
		assert.EqualValues(t, 3, n)
		require.NoError(t, snap.Close())
	}
}

// TestExtremeKeys splits key ranges that span the whole int64 range, and an int unsigned key at
// its largest value, into partitions; every row is read once.
func TestExtremeKeys(t *testing.T) {
	db := server(t)
	ext := open(t)
	ctx := context.Background()
	for _, tc := range []struct{ columns, values string }{
		{"id bigint PRIMARY KEY, v int", "(-9223372036854775808, 1), (-1, 2), (0, 3), (1, 4), (9223372036854775807, 5)"},
		{"id int unsigned PRIMARY KEY, v int", "(0, 1), (2147483648, 2), (4294967295, 3)"},
		{"id tinyint PRIMARY KEY, v int", "(-128, 1), (0, 2), (127, 3)"},
	} {
		name := newTable(t, db, tc.columns)
		exec(t, db, "INSERT INTO `"+name+"` VALUES "+tc.values)
		table, err := ext.Describe(ctx, name)
		require.NoError(t, err)
		snap, err := ext.Snapshot(ctx)
		require.NoError(t, err)
		var want int64
		require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM `"+name+"`").Scan(&want))
		for _, parts := range []int{2, 3, 7} {
			got := rowsByKey(t, snap, table, extract.ReadOptions{Partitions: parts}, nil, "id")
			assert.Len(t, got, int(want), "%s partitions=%d", tc.columns, parts)
		}
		require.NoError(t, snap.Close())
	}
}

// TestFloatPrecision: the text protocol prints a FLOAT with 6 significant digits, so that
// 16777215 read as 16777200 and 1.2345678 as 1.23457; read as DOUBLE, each value is the float32
// the server stores.
func TestFloatPrecision(t *testing.T) {
	db := server(t)
	name := newTable(t, db, "id int PRIMARY KEY, f float, f2 float NOT NULL")
	exec(t, db, "INSERT INTO `"+name+"` VALUES (1, 16777215, -3.4e38), (2, 1.2345678, 1.17549435e-38), (3, NULL, -0.1)")
	ext := open(t)
	ctx := context.Background()
	table, err := ext.Describe(ctx, name)
	require.NoError(t, err)
	snap, err := ext.Snapshot(ctx)
	require.NoError(t, err)
	defer snap.Close()
	got := rowsByKey(t, snap, table, extract.ReadOptions{Partitions: 2}, nil, "id")
	f := func(x float32) any { return float64(x) }
	assert.Equal(t, map[string][]any{
		"1|": {int64(1), f(16777215), f(-3.4e38)},
		"2|": {int64(2), f(1.2345678), f(1.17549435e-38)},
		"3|": {int64(3), nil, f(-0.1)},
	}, got)
}
