package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/dataquality/sqldataset"
	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/extractors/sqlite"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newDB creates a WAL-mode database file with stmts run, and returns its path and a writable
// handle (closed at cleanup).
func newDB(t *testing.T, stmts ...string) (string, *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)")
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	for _, s := range stmts {
		_, err := db.Exec(s)
		require.NoError(t, err, s)
	}
	return path, db
}

func open(t *testing.T, path string) *sqlite.Extractor {
	t.Helper()
	ext, err := sqlite.Open(context.Background(), &configloader.Source{Name: "t", DatabaseType: "sqlite", Connection: configloader.Connection{Database: path}})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, ext.Close()) })
	return ext
}

func TestDescribeTypeMapping(t *testing.T) {
	path, _ := newDB(t, `CREATE TABLE t (
		id INTEGER PRIMARY KEY, a INT, b BIGINT NOT NULL, c REAL, d DOUBLE PRECISION, e FLOAT,
		f TEXT, g VARCHAR(10), h CHAR(2), i CLOB, j BLOB, k BOOLEAN, l DATE, m DATETIME,
		n TIMESTAMP, o NUMERIC(12,2), p DECIMAL(5,0), q NUMERIC, r DECIMAL(10), s JSON, u)`)
	ext := open(t, path)
	table, err := ext.Describe(context.Background(), "T")
	require.NoError(t, err)
	assert.Equal(t, "t", table.Name)
	want := map[string]arrow.DataType{
		"id": arrow.PrimitiveTypes.Int64, "a": arrow.PrimitiveTypes.Int64, "b": arrow.PrimitiveTypes.Int64,
		"c": arrow.PrimitiveTypes.Float64, "d": arrow.PrimitiveTypes.Float64, "e": arrow.PrimitiveTypes.Float64,
		"f": arrow.BinaryTypes.String, "g": arrow.BinaryTypes.String, "h": arrow.BinaryTypes.String, "i": arrow.BinaryTypes.String,
		"j": arrow.BinaryTypes.Binary, "k": arrow.FixedWidthTypes.Boolean, "l": arrow.FixedWidthTypes.Date32,
		"m": sqlite.TimestampType, "n": sqlite.TimestampType,
		"o": &arrow.Decimal128Type{Precision: 12, Scale: 2}, "p": &arrow.Decimal128Type{Precision: 5, Scale: 0},
		"q": arrow.PrimitiveTypes.Float64, "r": arrow.PrimitiveTypes.Float64,
		"s": arrow.BinaryTypes.String, "u": arrow.BinaryTypes.String,
	}
	require.Len(t, table.Schema.Fields(), len(want))
	for _, f := range table.Schema.Fields() {
		assert.True(t, arrow.TypeEqual(want[f.Name], f.Type), "%s: got %s want %s", f.Name, f.Type, want[f.Name])
	}
	assert.Equal(t, []string{"id"}, table.PrimaryKey)
	assert.False(t, table.Schema.Field(0).Nullable, "rowid alias")
	assert.False(t, table.Schema.Field(2).Nullable, "NOT NULL")
	assert.True(t, table.Schema.Field(1).Nullable)
	assert.Equal(t, "NUMERIC(12,2)", table.SourceTypes[15])
	v, ok := table.Schema.Metadata().GetValue(extract.PrimaryKeyMetadata)
	assert.True(t, ok)
	assert.Equal(t, "id", v)
}

func TestTablesAndUnknownTable(t *testing.T) {
	path, _ := newDB(t, `CREATE TABLE b (x INTEGER)`, `CREATE TABLE a (x INTEGER PRIMARY KEY AUTOINCREMENT)`, `CREATE VIEW v AS SELECT * FROM a`)
	ext := open(t, path)
	names, err := ext.Tables(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, names) // no sqlite_sequence, no view
	_, err = ext.Describe(context.Background(), "missing")
	require.ErrorIs(t, err, sqlite.ErrUnknownTable)
	assert.Contains(t, err.Error(), "missing")
	snap, err := ext.Snapshot(context.Background())
	require.NoError(t, err)
	defer snap.Close()
	_, err = snap.RowCount(context.Background(), "missing")
	require.ErrorIs(t, err, sqlite.ErrUnknownTable)
	_, err = snap.Extract(context.Background(), &extract.Table{Name: "missing", Schema: arrow.NewSchema(nil, nil)}, extract.ReadOptions{}, func(context.Context, arrow.RecordBatch) error { return nil })
	require.ErrorIs(t, err, sqlite.ErrUnknownTable)
}

// readAll extracts table and returns its rows as id -> values, failing on a duplicate.
func readAll(t *testing.T, snap extract.Snapshot, table *extract.Table, opts extract.ReadOptions) (map[int64][]any, int, int64) {
	t.Helper()
	got := map[int64][]any{}
	batches := 0
	n, err := snap.Extract(context.Background(), table, opts, func(_ context.Context, rec arrow.RecordBatch) error {
		batches++
		assert.LessOrEqual(t, int(rec.NumRows()), opts.BatchRows)
		for r := 0; r < int(rec.NumRows()); r++ {
			id := rec.Column(0).(*array.Int64).Value(r)
			_, dup := got[id]
			require.False(t, dup, "row %d read twice", id)
			var row []any
			for c := 1; c < int(rec.NumCols()); c++ {
				col := rec.Column(c)
				if col.IsNull(r) {
					row = append(row, nil)
					continue
				}
				row = append(row, col.GetOneForMarshal(r))
			}
			got[id] = row
		}
		return nil
	})
	require.NoError(t, err)
	return got, batches, n
}

func TestExtractValues(t *testing.T) {
	path, db := newDB(t, `CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, amount NUMERIC(8,2), at TIMESTAMP, day DATE, ok BOOLEAN, data BLOB, score REAL)`)
	ins, err := db.Prepare(`INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	require.NoError(t, err)
	for i := 1; i <= 100; i++ {
		var name any
		if i%7 != 0 {
			name = "n" + string(rune('a'+i%26))
		}
		var at any = "2024-03-04 05:06:07.123456"
		if i%2 == 0 {
			at = int64(1709528767) // unix seconds, same instant without the fraction
		}
		_, err := ins.Exec(i, name, float64(i)+0.25, at, "2024-03-04", i%2, []byte{byte(i)}, float64(i)/2)
		require.NoError(t, err)
	}
	require.NoError(t, ins.Close())
	ext := open(t, path)
	table, err := ext.Describe(context.Background(), "t")
	require.NoError(t, err)
	for _, parts := range []int{1, 3} {
		t.Run(fmt.Sprintf("partitions=%d", parts), func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			snap, err := ext.Snapshot(context.Background())
			require.NoError(t, err)
			defer snap.Close()
			assert.Equal(t, extract.Position{Kind: extract.PositionNone}, snap.Position())
			got, batches, n := readAll(t, snap, table, extract.ReadOptions{Partitions: parts, BatchRows: 7, Allocator: mem})
			assert.EqualValues(t, 100, n)
			assert.Len(t, got, 100)
			assert.GreaterOrEqual(t, batches, 15)
			mem.AssertSize(t, 0)
			r := got[14]
			assert.Nil(t, r[0])
			assert.Equal(t, "14.25", r[1])
			assert.Equal(t, "2024-03-04", r[3])
			assert.Equal(t, false, r[4])
			assert.Equal(t, []byte{14}, r[5])
			assert.Equal(t, 7.0, r[6])
			odd := got[15]
			assert.Equal(t, "np", odd[0])
			assert.Equal(t, true, odd[4])
		})
	}
	// Timestamps: ISO text with micros and unix seconds.
	snap, err := ext.Snapshot(context.Background())
	require.NoError(t, err)
	defer snap.Close()
	_, err = snap.Extract(context.Background(), table, extract.ReadOptions{BatchRows: 2}, func(_ context.Context, rec arrow.RecordBatch) error {
		ts := rec.Column(3).(*array.Timestamp)
		assert.Equal(t, time.Date(2024, 3, 4, 5, 6, 7, 123456000, time.UTC), ts.Value(0).ToTime(arrow.Microsecond))
		assert.Equal(t, time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC), ts.Value(1).ToTime(arrow.Microsecond))
		return errors.New("stop")
	})
	require.ErrorContains(t, err, "stop")
}

func TestSnapshotIsolation(t *testing.T) {
	path, db := newDB(t, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)`, `INSERT INTO t VALUES (1, 'a'), (2, 'b')`)
	ext := open(t, path)
	table, err := ext.Describe(context.Background(), "t")
	require.NoError(t, err)
	snap, err := ext.Snapshot(context.Background())
	require.NoError(t, err)
	defer snap.Close()
	_, err = db.Exec(`INSERT INTO t VALUES (3, 'c')`)
	require.NoError(t, err)
	_, err = db.Exec(`UPDATE t SET v = 'z' WHERE id = 1`)
	require.NoError(t, err)
	n, err := snap.RowCount(context.Background(), "t")
	require.NoError(t, err)
	assert.EqualValues(t, 2, n)
	got, _, rows := readAll(t, snap, table, extract.ReadOptions{Partitions: 2, BatchRows: 1})
	assert.EqualValues(t, 2, rows)
	assert.Equal(t, "a", got[1][0])
	require.NoError(t, snap.Close())
	snap2, err := ext.Snapshot(context.Background())
	require.NoError(t, err)
	defer snap2.Close()
	n, err = snap2.RowCount(context.Background(), "t")
	require.NoError(t, err)
	assert.EqualValues(t, 3, n)
}

func TestNoKeyAndCompositeKey(t *testing.T) {
	path, _ := newDB(t,
		`CREATE TABLE nokey (id INT, v TEXT)`, `INSERT INTO nokey VALUES (1,'a'),(2,NULL),(3,'c'),(4,'d'),(5,'e')`,
		`CREATE TABLE comp (a INTEGER NOT NULL, b TEXT NOT NULL, v REAL, PRIMARY KEY (b, a))`,
		`INSERT INTO comp VALUES (1,'x',1.5),(2,'x',2.5),(1,'y',NULL)`)
	ext := open(t, path)
	snap, err := ext.Snapshot(context.Background())
	require.NoError(t, err)
	defer snap.Close()

	nokey, err := ext.Describe(context.Background(), "nokey")
	require.NoError(t, err)
	assert.Empty(t, nokey.PrimaryKey)
	assert.Nil(t, nokey.Schema.Metadata().Keys())
	got, _, n := readAll(t, snap, nokey, extract.ReadOptions{Partitions: 3, BatchRows: 2})
	assert.EqualValues(t, 5, n)
	assert.Len(t, got, 5)
	assert.Nil(t, got[2][0])

	comp, err := ext.Describe(context.Background(), "comp")
	require.NoError(t, err)
	assert.Equal(t, []string{"b", "a"}, comp.PrimaryKey)
	v, _ := comp.Schema.Metadata().GetValue(extract.PrimaryKeyMetadata)
	assert.Equal(t, "b,a", v)
	var keys []string
	n, err = snap.Extract(context.Background(), comp, extract.ReadOptions{Partitions: 3, BatchRows: 2}, func(_ context.Context, rec arrow.RecordBatch) error {
		for r := 0; r < int(rec.NumRows()); r++ {
			keys = append(keys, rec.Column(1).(*array.String).Value(r)+rec.Column(0).ValueStr(r))
		}
		return nil
	})
	require.NoError(t, err)
	assert.EqualValues(t, 3, n)
	assert.Equal(t, []string{"x1", "x2", "y1"}, keys)
}

func TestExtractErrors(t *testing.T) {
	path, _ := newDB(t, `CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)`, `INSERT INTO t VALUES (1, 1), (2, 2), (3, 'three'), (4, 4)`)
	ext := open(t, path)
	table, err := ext.Describe(context.Background(), "t")
	require.NoError(t, err)
	snap, err := ext.Snapshot(context.Background())
	require.NoError(t, err)
	defer snap.Close()

	t.Run("fn error stops", func(t *testing.T) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		calls := 0
		boom := errors.New("boom")
		n, err := snap.Extract(context.Background(), table, extract.ReadOptions{BatchRows: 1, Allocator: mem}, func(context.Context, arrow.RecordBatch) error {
			calls++
			return boom
		})
		require.ErrorIs(t, err, boom)
		assert.Equal(t, 1, calls)
		assert.EqualValues(t, 1, n)
		mem.AssertSize(t, 0)
	})
	t.Run("value does not fit", func(t *testing.T) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		for _, parts := range []int{1, 2} {
			_, err := snap.Extract(context.Background(), table, extract.ReadOptions{Partitions: parts, BatchRows: 10, Allocator: mem}, func(context.Context, arrow.RecordBatch) error { return nil })
			var ve *sqlite.ValueError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "t", ve.Table)
			assert.Equal(t, "n", ve.Column)
			assert.Equal(t, "id=3", ve.Key)
			assert.Equal(t, "text", ve.ValueType)
			assert.Contains(t, err.Error(), "t.n at id=3: text value does not fit int64")
		}
		mem.AssertSize(t, 0)
	})
	t.Run("closed", func(t *testing.T) {
		s, err := ext.Snapshot(context.Background())
		require.NoError(t, err)
		require.NoError(t, s.Close())
		require.NoError(t, s.Close())
		_, err = s.RowCount(context.Background(), "t")
		require.ErrorIs(t, err, sqlite.ErrSnapshotClosed)
	})
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	_, err := sqlite.Open(ctx, nil)
	require.Error(t, err)
	_, err = sqlite.Open(ctx, &configloader.Source{Name: "x", DatabaseType: "postgres", Connection: configloader.Connection{Database: "a.db"}})
	require.ErrorContains(t, err, "database_type")
	_, err = sqlite.Open(ctx, &configloader.Source{Name: "x"})
	require.ErrorContains(t, err, "connection.database")
	_, err = sqlite.Open(ctx, &configloader.Source{Name: "x", Connection: configloader.Connection{Database: filepath.Join(t.TempDir(), "absent.db")}})
	require.Error(t, err, "read-only open does not create a file")
	_, err = sqlite.OpenDB(nil)
	require.Error(t, err)

	path, _ := newDB(t, `CREATE TABLE t (id INTEGER PRIMARY KEY)`)
	ext := open(t, path)
	_, err = ext.DB().Exec(`INSERT INTO t VALUES (1)`)
	require.Error(t, err, "mode=ro")

	mem, err := sqlite.Open(ctx, &configloader.Source{Name: "m", Connection: configloader.Connection{Database: ":memory:"}})
	require.NoError(t, err)
	names, err := mem.Tables(ctx)
	require.NoError(t, err)
	assert.Empty(t, names)
	require.NoError(t, mem.Close())
}

func TestCreateSampleAndDataset(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	require.NoError(t, sqlite.CreateSample(ctx, a, 1000))
	require.NoError(t, sqlite.CreateSample(ctx, b, 1000))
	require.Error(t, sqlite.CreateSample(ctx, a, 1000), "tables exist")
	require.Error(t, sqlite.CreateSample(ctx, filepath.Join(dir, "c.db"), 2))

	ea, eb := open(t, a), open(t, b)
	names, err := ea.Tables(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"customers", "order_items", "orders"}, names)

	sa, err := ea.Snapshot(ctx)
	require.NoError(t, err)
	defer sa.Close()
	sb, err := eb.Snapshot(ctx)
	require.NoError(t, err)
	defer sb.Close()
	var total int64
	for _, name := range names {
		table, err := ea.Describe(ctx, name)
		require.NoError(t, err)
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		var rowsA, rowsB []string
		collect := func(dst *[]string) func(context.Context, arrow.RecordBatch) error {
			return func(_ context.Context, rec arrow.RecordBatch) error {
				for r := 0; r < int(rec.NumRows()); r++ {
					s := ""
					for c := 0; c < int(rec.NumCols()); c++ {
						s += rec.Column(c).ValueStr(r) + "|"
					}
					*dst = append(*dst, s)
				}
				return nil
			}
		}
		n, err := sa.Extract(ctx, table, extract.ReadOptions{Partitions: 3, BatchRows: 64, Allocator: mem}, collect(&rowsA))
		require.NoError(t, err, name)
		_, err = sb.Extract(ctx, table, extract.ReadOptions{Allocator: mem}, collect(&rowsB))
		require.NoError(t, err, name)
		mem.AssertSize(t, 0)
		assert.Equal(t, rowsA, rowsB, "deterministic %s", name)
		count, err := sa.RowCount(ctx, name)
		require.NoError(t, err)
		assert.Equal(t, count, n)
		total += n
	}
	assert.EqualValues(t, 1000, total)

	// Dataset pushes its questions down: compare with direct SQL.
	ds, err := ea.Dataset(ctx, "customers")
	require.NoError(t, err)
	tbl := ds.(*sqldataset.Table)
	n, err := tbl.RowCount(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 100, n)
	nulls, err := tbl.NullCounts(ctx, []string{"email", "birth_date", "name"})
	require.NoError(t, err)
	var wantEmail, wantBirth int64
	require.NoError(t, ea.DB().QueryRow(`SELECT count(*) - count(email), count(*) - count(birth_date) FROM customers`).Scan(&wantEmail, &wantBirth))
	assert.Equal(t, wantEmail, nulls["email"])
	assert.Equal(t, wantBirth, nulls["birth_date"])
	assert.Positive(t, nulls["email"])
	assert.Zero(t, nulls["name"])
	_, err = ea.Dataset(ctx, "")
	require.Error(t, err)
}

func TestLoggerAndPartitions(t *testing.T) {
	path, _ := newDB(t, `CREATE TABLE t (id INTEGER PRIMARY KEY)`, `INSERT INTO t VALUES (-9223372036854775808), (0), (9223372036854775807)`)
	var buf bytes.Buffer
	ext, err := sqlite.Open(context.Background(), &configloader.Source{Connection: configloader.Connection{Database: path}},
		sqlite.WithLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.NoError(t, err)
	defer ext.Close()
	table, err := ext.Describe(context.Background(), "t")
	require.NoError(t, err)
	snap, err := ext.Snapshot(context.Background())
	require.NoError(t, err)
	defer snap.Close()
	got, _, n := readAll(t, snap, table, extract.ReadOptions{Partitions: 3, BatchRows: 1})
	assert.EqualValues(t, 3, n, "full int64 range split without overflow")
	assert.Len(t, got, 3)
	out := buf.String()
	assert.Contains(t, out, `msg="t: partition 3 of 3 read"`)
	assert.Contains(t, out, `msg="t: extracted 3 rows in 3 batches"`)
	assert.Equal(t, 1, strings.Count(out, "extracted"))
}

func TestCoercion(t *testing.T) {
	path, _ := newDB(t,
		`CREATE TABLE loose (id INTEGER PRIMARY KEY, j JSON, x)`,
		`INSERT INTO loose VALUES (1, 42, 1.5), (2, 'text', X'6869'), (3, NULL, 'z')`,
		`CREATE TABLE strict (k TEXT PRIMARY KEY, s TEXT)`,
		`INSERT INTO strict VALUES ('a', 12), ('b', X'00ff')`,
		`CREATE TABLE dates (id INTEGER PRIMARY KEY, d DATE)`,
		`INSERT INTO dates VALUES (1, '2024-02-29'), (2, 'yesterday')`,
		`CREATE TABLE decs (id INTEGER PRIMARY KEY, d NUMERIC(4,2))`,
		`INSERT INTO decs VALUES (1, 12.345), (2, 7), (3, 123.4)`)
	ext := open(t, path)
	ctx := context.Background()
	snap, err := ext.Snapshot(ctx)
	require.NoError(t, err)
	defer snap.Close()
	read := func(name string) ([]string, error) {
		table, err := ext.Describe(ctx, name)
		require.NoError(t, err)
		var out []string
		_, err = snap.Extract(ctx, table, extract.ReadOptions{}, func(_ context.Context, rec arrow.RecordBatch) error {
			for r := 0; r < int(rec.NumRows()); r++ {
				row := ""
				for c := 0; c < int(rec.NumCols()); c++ {
					row += rec.Column(c).ValueStr(r) + " "
				}
				out = append(out, strings.TrimSpace(row))
			}
			return nil
		})
		return out, err
	}
	got, err := read("loose")
	require.NoError(t, err)
	assert.Equal(t, []string{"1 42 1.5", "2 text hi", "3 (null) z"}, got)

	_, err = read("strict")
	var ve *sqlite.ValueError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "k=b", ve.Key)
	assert.Equal(t, "blob", ve.ValueType)

	_, err = read("dates")
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "id=2", ve.Key)
	assert.Contains(t, err.Error(), "yesterday")

	_, err = read("decs")
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "id=3", ve.Key, "123.4 has more than 4 digits")
}

func TestSpecialPathAndJournalMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a b?c#d%20.db")
	db, err := sql.Open("sqlite", "file:"+strings.NewReplacer("?", "%3f", "#", "%23", "%", "%25", " ", "%20").Replace(path)+"?_pragma=journal_mode(DELETE)&_pragma=busy_timeout(50)")
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1)`)
	require.NoError(t, err)
	ext := open(t, path)
	snap, err := ext.Snapshot(context.Background())
	require.NoError(t, err)
	// Rollback-journal mode: the snapshot's SHARED lock keeps writers out.
	_, err = db.Exec(`INSERT INTO t VALUES (2)`)
	require.Error(t, err)
	n, err := snap.RowCount(context.Background(), "t")
	require.NoError(t, err)
	assert.EqualValues(t, 1, n)
	require.NoError(t, snap.Close())
	_, err = db.Exec(`INSERT INTO t VALUES (2)`)
	require.NoError(t, err)
}

func TestConcurrentReadsAndCancel(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shop.db")
	require.NoError(t, sqlite.CreateSample(ctx, path, 2000))
	ext := open(t, path)
	table, err := ext.Describe(ctx, "order_items")
	require.NoError(t, err)
	snap, err := ext.Snapshot(ctx)
	require.NoError(t, err)
	defer snap.Close()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	errs := make(chan error, 4)
	counts := make(chan int64, 4)
	for range 4 {
		go func() {
			n, err := snap.Extract(ctx, table, extract.ReadOptions{Partitions: 2, BatchRows: 100, Allocator: mem}, func(context.Context, arrow.RecordBatch) error { return nil })
			counts <- n
			errs <- err
		}()
	}
	for range 4 {
		require.NoError(t, <-errs)
		assert.EqualValues(t, 1200, <-counts)
	}
	cctx, cancel := context.WithCancel(ctx)
	n, err := snap.Extract(cctx, table, extract.ReadOptions{BatchRows: 10, Allocator: mem}, func(context.Context, arrow.RecordBatch) error {
		cancel()
		return nil
	})
	require.ErrorIs(t, err, context.Canceled)
	assert.Less(t, n, int64(1200))
	mem.AssertSize(t, 0)
	_, err = snap.Extract(ctx, table, extract.ReadOptions{Partitions: -1}, func(context.Context, arrow.RecordBatch) error { return nil })
	require.Error(t, err)
}
