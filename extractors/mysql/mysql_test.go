package mysql_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	_ "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/extractors/mysql"
	"github.com/etlwatch/etlwatch/internal/testenv"
)

const testDSN = "root@tcp(127.0.0.1:3306)/test?parseTime=true"

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var tableSeq atomic.Int64

// server returns a connection pool for setting up tables, or skips (fails under
// ETLWATCH_REQUIRE_SERVICES=1) when MariaDB is not reachable.
func server(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", testDSN+"&multiStatements=true")
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		testenv.Unavailable(t, "MariaDB/MySQL is not reachable at 127.0.0.1:3306: "+err.Error())
	}
	return db
}

// newTable creates a uniquely named InnoDB table from columns and drops it when the test ends.
func newTable(t *testing.T, db *sql.DB, columns string) string {
	t.Helper()
	name := fmt.Sprintf("etlw_my_%s_%d_%d", strings.ToLower(strings.ReplaceAll(t.Name(), "/", "_")), time.Now().UnixNano()%1e9, tableSeq.Add(1))
	if len(name) > 64 {
		name = "t" + name[len(name)-63:]
	}
	name = strings.NewReplacer("=", "_", " ", "_").Replace(name)
	exec(t, db, "CREATE TABLE `"+name+"` ("+columns+") ENGINE=InnoDB")
	t.Cleanup(func() { _, _ = db.Exec("DROP TABLE IF EXISTS `" + name + "`") })
	return name
}

func exec(t *testing.T, db *sql.DB, query string, args ...any) {
	t.Helper()
	_, err := db.Exec(query, args...)
	require.NoError(t, err)
}

// fill inserts ids from..to (step) into table's (id, val) with val = id*mul.
func fill(t *testing.T, db *sql.DB, table string, from, to, step, mul int) {
	t.Helper()
	var b strings.Builder
	n := 0
	flush := func() {
		if n > 0 {
			exec(t, db, "INSERT INTO `"+table+"` (id, val) VALUES "+b.String())
		}
		b.Reset()
		n = 0
	}
	for i := from; i <= to; i += step {
		if n > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "(%d,%d)", i, i*mul)
		if n++; n == 1000 {
			flush()
		}
	}
	flush()
}

func open(t *testing.T, opts ...mysql.Option) *mysql.Extractor {
	t.Helper()
	src := &configloader.Source{Name: "test", DatabaseType: "mysql", Connection: configloader.Connection{DSN: testDSN}}
	ext, err := mysql.Open(context.Background(), src, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = ext.Close() })
	return ext
}

// collect extracts table and returns the batches, retained, released at cleanup.
func collect(t *testing.T, snap extract.Snapshot, table *extract.Table, opts extract.ReadOptions) ([]arrow.RecordBatch, int64) {
	t.Helper()
	var recs []arrow.RecordBatch
	n, err := snap.Extract(context.Background(), table, opts, func(_ context.Context, rec arrow.RecordBatch) error {
		rec.Retain()
		recs = append(recs, rec)
		return nil
	})
	require.NoError(t, err)
	t.Cleanup(func() {
		for _, r := range recs {
			r.Release()
		}
	})
	return recs, n
}

func TestDescribeTypeMapping(t *testing.T) {
	db := server(t)
	name := newTable(t, db, "id int PRIMARY KEY, b tinyint(1), ti tinyint, tu tinyint unsigned, s smallint NOT NULL, su smallint unsigned,"+
		" m mediumint, mu mediumint unsigned, i int, iu int unsigned, bi bigint, bu bigint unsigned,"+
		" d decimal(12,2), dw decimal(50,10), f float, db double, c char(3), vc varchar(10), tx text, e enum('a','b'), st set('x','y'),"+
		" bn binary(2), vb varbinary(10), bl blob, dt date, ts datetime(6), tz timestamp(6) NULL, tm time(6), j json, y year, bt bit(10),"+
		" `Mixed Case` varchar(5)")
	exec(t, db, "SET time_zone = '+02:00'; INSERT INTO `"+name+"` VALUES"+
		" (1, 1, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295, -9223372036854775808, 18446744073709551615,"+
		" 1234567890.12, 1234567890123456789012345678901234567890.0123456789, 1.5, 2.25, 'ab', 'v', 'hé''llo', 'b', 'x,y',"+
		" 0x00ff, 0x0102, 0xdeadbeef, '2024-02-29', '2024-02-29 13:14:15.123456', '2024-02-29 13:14:15.5', '-838:59:59.000000',"+
		" '{\"a\": 1}', 2024, b'1000000001', 'x'),"+
		" (2, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"+
		" NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)")
	ext := open(t)
	ctx := context.Background()

	tables, err := ext.Tables(ctx)
	require.NoError(t, err)
	assert.Contains(t, tables, name)
	assert.True(t, sort.StringsAreSorted(tables))

	table, err := ext.Describe(ctx, name)
	require.NoError(t, err)
	assert.Equal(t, name, table.Name)
	assert.Equal(t, []string{"id"}, table.PrimaryKey)
	pk, ok := table.Schema.Metadata().GetValue(extract.PrimaryKeyMetadata)
	assert.True(t, ok)
	assert.Equal(t, "id", pk)

	ts := &arrow.TimestampType{Unit: arrow.Microsecond}
	tsz := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	want := []struct {
		name     string
		typ      arrow.DataType
		nullable bool
	}{
		{"id", arrow.PrimitiveTypes.Int32, false},
		{"b", arrow.FixedWidthTypes.Boolean, true},
		{"ti", arrow.PrimitiveTypes.Int8, true},
		{"tu", arrow.PrimitiveTypes.Int16, true},
		{"s", arrow.PrimitiveTypes.Int16, false},
		{"su", arrow.PrimitiveTypes.Int32, true},
		{"m", arrow.PrimitiveTypes.Int32, true},
		{"mu", arrow.PrimitiveTypes.Int32, true},
		{"i", arrow.PrimitiveTypes.Int32, true},
		{"iu", arrow.PrimitiveTypes.Int64, true},
		{"bi", arrow.PrimitiveTypes.Int64, true},
		{"bu", arrow.PrimitiveTypes.Uint64, true},
		{"d", &arrow.Decimal128Type{Precision: 12, Scale: 2}, true},
		{"dw", arrow.BinaryTypes.String, true},
		{"f", arrow.PrimitiveTypes.Float32, true},
		{"db", arrow.PrimitiveTypes.Float64, true},
		{"c", arrow.BinaryTypes.String, true},
		{"vc", arrow.BinaryTypes.String, true},
		{"tx", arrow.BinaryTypes.String, true},
		{"e", arrow.BinaryTypes.String, true},
		{"st", arrow.BinaryTypes.String, true},
		{"bn", arrow.BinaryTypes.Binary, true},
		{"vb", arrow.BinaryTypes.Binary, true},
		{"bl", arrow.BinaryTypes.Binary, true},
		{"dt", arrow.FixedWidthTypes.Date32, true},
		{"ts", ts, true},
		{"tz", tsz, true},
		{"tm", arrow.BinaryTypes.String, true},
		{"j", arrow.BinaryTypes.String, true},
		{"y", arrow.PrimitiveTypes.Int16, true},
		{"bt", arrow.BinaryTypes.Binary, true},
		{"Mixed Case", arrow.BinaryTypes.String, true},
	}
	require.Len(t, table.Schema.Fields(), len(want))
	for i, w := range want {
		f := table.Schema.Field(i)
		assert.Equal(t, w.name, f.Name)
		assert.Truef(t, arrow.TypeEqual(w.typ, f.Type), "%s: got %s, want %s", w.name, f.Type, w.typ)
		assert.Equal(t, w.nullable, f.Nullable, w.name)
	}
	assert.Equal(t, "decimal(12,2)", table.SourceTypes[12])
	assert.Contains(t, table.SourceTypes[9], "unsigned")
	assertTypeMappingValues(t, ext, table)
}

// assertTypeMappingValues reads TestDescribeTypeMapping's two rows, one of values and one of
// NULLs, and checks each value as Arrow holds it.
func assertTypeMappingValues(t *testing.T, ext *mysql.Extractor, table *extract.Table) {
	t.Helper()
	snap, err := ext.Snapshot(context.Background())
	require.NoError(t, err)
	defer snap.Close()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) }) // after collect's cleanup releases the batches
	recs, n := collect(t, snap, table, extract.ReadOptions{Allocator: mem})
	require.EqualValues(t, 2, n)
	require.Len(t, recs, 1)
	rec := recs[0]
	col := func(name string) arrow.Array {
		idx := rec.Schema().FieldIndices(name)
		require.Len(t, idx, 1, name)
		return rec.Column(idx[0])
	}
	row := 0
	if col("id").(*array.Int32).Value(0) != 1 {
		row = 1
	}
	null := 1 - row
	assert.True(t, col("b").(*array.Boolean).Value(row))
	assert.EqualValues(t, -128, col("ti").(*array.Int8).Value(row))
	assert.EqualValues(t, 255, col("tu").(*array.Int16).Value(row))
	assert.EqualValues(t, -32768, col("s").(*array.Int16).Value(row))
	assert.EqualValues(t, 65535, col("su").(*array.Int32).Value(row))
	assert.EqualValues(t, -8388608, col("m").(*array.Int32).Value(row))
	assert.EqualValues(t, 16777215, col("mu").(*array.Int32).Value(row))
	assert.EqualValues(t, -2147483648, col("i").(*array.Int32).Value(row))
	assert.EqualValues(t, 4294967295, col("iu").(*array.Int64).Value(row))
	assert.EqualValues(t, int64(-9223372036854775808), col("bi").(*array.Int64).Value(row))
	assert.EqualValues(t, uint64(18446744073709551615), col("bu").(*array.Uint64).Value(row))
	assert.Equal(t, big.NewInt(123456789012), col("d").(*array.Decimal128).Value(row).BigInt())
	assert.Equal(t, "1234567890123456789012345678901234567890.0123456789", col("dw").(*array.String).Value(row))
	assert.EqualValues(t, 1.5, col("f").(*array.Float32).Value(row))
	assert.EqualValues(t, 2.25, col("db").(*array.Float64).Value(row))
	assert.Equal(t, "ab", col("c").(*array.String).Value(row))
	assert.Equal(t, "v", col("vc").(*array.String).Value(row))
	assert.Equal(t, "hé'llo", col("tx").(*array.String).Value(row))
	assert.Equal(t, "b", col("e").(*array.String).Value(row))
	assert.Equal(t, "x,y", col("st").(*array.String).Value(row))
	assert.Equal(t, []byte{0, 0xff}, col("bn").(*array.Binary).Value(row))
	assert.Equal(t, []byte{1, 2}, col("vb").(*array.Binary).Value(row))
	assert.Equal(t, []byte{0xde, 0xad, 0xbe, 0xef}, col("bl").(*array.Binary).Value(row))
	assert.Equal(t, arrow.Date32FromTime(time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)), col("dt").(*array.Date32).Value(row))
	assert.EqualValues(t, time.Date(2024, 2, 29, 13, 14, 15, 123456000, time.UTC).UnixMicro(), col("ts").(*array.Timestamp).Value(row))
	// Inserted at +02:00, read as the UTC instant.
	assert.EqualValues(t, time.Date(2024, 2, 29, 11, 14, 15, 500000000, time.UTC).UnixMicro(), col("tz").(*array.Timestamp).Value(row))
	assert.Equal(t, "-838:59:59.000000", col("tm").(*array.String).Value(row))
	assert.JSONEq(t, `{"a": 1}`, col("j").(*array.String).Value(row))
	assert.EqualValues(t, 2024, col("y").(*array.Int16).Value(row))
	assert.Equal(t, []byte{0x02, 0x01}, col("bt").(*array.Binary).Value(row))
	assert.Equal(t, "x", col("Mixed Case").(*array.String).Value(row))
	for i, f := range rec.Schema().Fields() {
		if f.Name == "id" || f.Name == "s" {
			continue
		}
		assert.Truef(t, rec.Column(i).IsNull(null), "%s should be NULL", f.Name)
		assert.Equal(t, 1, rec.Column(i).NullN(), f.Name)
	}
}

func TestDescribeErrors(t *testing.T) {
	db := server(t)
	ext := open(t)
	ctx := context.Background()

	_, err := ext.Describe(ctx, "etlw_no_such_table")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "etlw_no_such_table")

	name := newTable(t, db, "id int PRIMARY KEY, place point")
	_, err = ext.Describe(ctx, name)
	var ute *extract.UnsupportedTypeError
	require.ErrorAs(t, err, &ute)
	assert.Equal(t, name, ute.Table)
	assert.Equal(t, "place", ute.Column)
	assert.Equal(t, "point", ute.Type)
	assert.Contains(t, err.Error(), name+".place")
}

// sumIDs extracts table and returns the number of rows, how often each id was seen, and the sum
// of vals.
func sumIDs(t *testing.T, snap extract.Snapshot, table *extract.Table, opts extract.ReadOptions) (rows int64, ids map[int64]int, valSum int64) {
	t.Helper()
	ids = map[int64]int{}
	n, err := snap.Extract(context.Background(), table, opts, func(_ context.Context, rec arrow.RecordBatch) error {
		if opts.BatchRows > 0 {
			assert.LessOrEqual(t, rec.NumRows(), int64(opts.BatchRows))
		}
		idc := rec.Column(0).(*array.Int64)
		valc := rec.Column(1).(*array.Int64)
		for i := 0; i < idc.Len(); i++ {
			ids[idc.Value(i)]++
			valSum += valc.Value(i)
		}
		return nil
	})
	require.NoError(t, err)
	return n, ids, valSum
}

func TestExtractPartitions(t *testing.T) {
	db := server(t)
	name := newTable(t, db, "id bigint PRIMARY KEY, val bigint NOT NULL, note text")
	fill(t, db, name, -500, -1, 1, 2) // ids with gaps and negatives
	fill(t, db, name, 0, 30000, 3, 2)
	exec(t, db, "UPDATE `"+name+"` SET note = CONCAT('row ', id) WHERE id < 0")
	var wantRows, wantSum int64
	require.NoError(t, db.QueryRow("SELECT COUNT(*), SUM(val) FROM `"+name+"`").Scan(&wantRows, &wantSum))

	ext := open(t)
	ctx := context.Background()
	table, err := ext.Describe(ctx, name)
	require.NoError(t, err)
	snap, err := ext.Snapshot(ctx)
	require.NoError(t, err)
	defer snap.Close()

	for _, parts := range []int{1, 3, 7} {
		t.Run(fmt.Sprintf("partitions=%d", parts), func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			n, ids, sum := sumIDs(t, snap, table, extract.ReadOptions{Partitions: parts, BatchRows: 1000, Allocator: mem})
			assert.Equal(t, wantRows, n)
			assert.Len(t, ids, int(wantRows))
			for id, c := range ids {
				if c != 1 {
					t.Errorf("id %d read %d times", id, c)
				}
			}
			assert.Equal(t, wantSum, sum)
		})
	}
	count, err := snap.RowCount(ctx, name)
	require.NoError(t, err)
	assert.Equal(t, wantRows, count)
}

func TestExtractEmptyTable(t *testing.T) {
	db := server(t)
	name := newTable(t, db, "id int PRIMARY KEY, v text")
	ext := open(t)
	ctx := context.Background()
	table, err := ext.Describe(ctx, name)
	require.NoError(t, err)
	snap, err := ext.Snapshot(ctx)
	require.NoError(t, err)
	defer snap.Close()
	for _, parts := range []int{1, 3} {
		_, n := collect(t, snap, table, extract.ReadOptions{Partitions: parts})
		assert.Zero(t, n)
	}
}

func TestSnapshotConsistency(t *testing.T) {
	db := server(t)
	name := newTable(t, db, "id bigint PRIMARY KEY, val bigint NOT NULL")
	fill(t, db, name, 1, 1000, 1, 0)
	exec(t, db, "UPDATE `"+name+"` SET val = 1")

	ext := open(t)
	ctx := context.Background()
	table, err := ext.Describe(ctx, name)
	require.NoError(t, err)
	snap, err := ext.Snapshot(ctx)
	require.NoError(t, err)
	defer snap.Close()

	var logBin int
	require.NoError(t, db.QueryRow("SELECT @@GLOBAL.log_bin").Scan(&logBin))
	pos := snap.Position()
	if logBin == 0 {
		assert.Equal(t, extract.Position{Kind: extract.PositionNone}, pos)
	} else {
		assert.Contains(t, []string{extract.PositionGTID, extract.PositionBinlog}, pos.Kind)
		assert.NotEmpty(t, pos.Value)
	}

	// Committed by another connection after the snapshot.
	fill(t, db, name, 1001, 1500, 1, 0)
	exec(t, db, "UPDATE `"+name+"` SET val = 1 WHERE id > 1000")
	exec(t, db, "UPDATE `"+name+"` SET val = 100 WHERE id <= 10")
	exec(t, db, "DELETE FROM `"+name+"` WHERE id BETWEEN 500 AND 509")

	for _, parts := range []int{1, 3} {
		n, ids, sum := sumIDs(t, snap, table, extract.ReadOptions{Partitions: parts, BatchRows: 128})
		assert.EqualValues(t, 1000, n)
		assert.Len(t, ids, 1000)
		assert.EqualValues(t, 1000, sum)
	}
	count, err := snap.RowCount(ctx, name)
	require.NoError(t, err)
	assert.EqualValues(t, 1000, count)

	// A new snapshot sees the changes.
	snap2, err := ext.Snapshot(ctx)
	require.NoError(t, err)
	defer snap2.Close()
	n, _, sum := sumIDs(t, snap2, table, extract.ReadOptions{Partitions: 3})
	assert.EqualValues(t, 1490, n)
	assert.EqualValues(t, 1490+99*10, sum)

	require.NoError(t, snap.Close())
	assert.ErrorIs(t, snap.Close(), mysql.ErrSnapshotClosed)
	_, err = snap.RowCount(ctx, name)
	assert.ErrorIs(t, err, mysql.ErrSnapshotClosed)
	_, err = snap.Extract(ctx, table, extract.ReadOptions{}, func(context.Context, arrow.RecordBatch) error { return nil })
	assert.ErrorIs(t, err, mysql.ErrSnapshotClosed)
}

func TestExtractWithoutSingleIntegerKey(t *testing.T) {
	db := server(t)
	for _, tc := range []struct {
		name, columns string
		pk            []string
	}{
		{"no key", "id bigint NOT NULL, val bigint NOT NULL", nil},
		{"composite key", "id bigint, val bigint, PRIMARY KEY (val, id)", []string{"val", "id"}},
		{"text key", "id bigint NOT NULL, val bigint NOT NULL, k varchar(20) PRIMARY KEY", []string{"k"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := newTable(t, db, tc.columns)
			if len(tc.pk) == 1 {
				exec(t, db, "SET SESSION max_recursive_iterations = 10000; INSERT INTO `"+name+"` WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 2500) SELECT n, n, CONCAT('k', n) FROM g")
			} else {
				fill(t, db, name, 1, 2500, 1, 1)
			}
			ext := open(t)
			ctx := context.Background()
			table, err := ext.Describe(ctx, name)
			require.NoError(t, err)
			assert.Equal(t, tc.pk, table.PrimaryKey)
			_, hasPK := table.Schema.Metadata().GetValue(extract.PrimaryKeyMetadata)
			assert.Equal(t, tc.pk != nil, hasPK)
			snap, err := ext.Snapshot(ctx)
			require.NoError(t, err)
			defer snap.Close()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			n, ids, sum := sumIDs(t, snap, table, extract.ReadOptions{Partitions: 3, BatchRows: 1000, Allocator: mem})
			assert.EqualValues(t, 2500, n)
			assert.Len(t, ids, 2500)
			assert.EqualValues(t, 2500*2501/2, sum)
		})
	}
}

func TestExtractStopsOnFnError(t *testing.T) {
	db := server(t)
	name := newTable(t, db, "id int PRIMARY KEY, val int")
	fill(t, db, name, 1, 20000, 1, 1)
	ext := open(t)
	ctx := context.Background()
	table, err := ext.Describe(ctx, name)
	require.NoError(t, err)
	snap, err := ext.Snapshot(ctx)
	require.NoError(t, err)
	defer snap.Close()

	boom := errors.New("boom")
	for _, parts := range []int{1, 3} {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		calls := 0
		n, err := snap.Extract(ctx, table, extract.ReadOptions{Partitions: parts, BatchRows: 100, Allocator: mem}, func(context.Context, arrow.RecordBatch) error {
			calls++
			if calls == 3 {
				return boom
			}
			return nil
		})
		assert.ErrorIs(t, err, boom)
		assert.Equal(t, 3, calls)
		assert.EqualValues(t, 200, n)
		mem.AssertSize(t, 0)
	}
	// The snapshot still works afterwards.
	n, err := snap.RowCount(ctx, name)
	require.NoError(t, err)
	assert.EqualValues(t, 20000, n)

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = snap.Extract(cctx, table, extract.ReadOptions{Partitions: 2}, func(context.Context, arrow.RecordBatch) error { return nil })
	assert.ErrorIs(t, err, context.Canceled)

	_, err = snap.Extract(ctx, table, extract.ReadOptions{Partitions: -1}, func(context.Context, arrow.RecordBatch) error { return nil })
	assert.Error(t, err)
	_, err = snap.Extract(ctx, nil, extract.ReadOptions{}, func(context.Context, arrow.RecordBatch) error { return nil })
	assert.Error(t, err)
	_, err = snap.Extract(ctx, table, extract.ReadOptions{}, nil)
	assert.Error(t, err)
}

// Cancelling the context mid-read ends the snapshot's connection: later reads fail, Close does
// not.
func TestExtractCancelled(t *testing.T) {
	db := server(t)
	name := newTable(t, db, "id int PRIMARY KEY, val int")
	fill(t, db, name, 1, 50000, 1, 1)
	ext := open(t)
	table, err := ext.Describe(context.Background(), name)
	require.NoError(t, err)
	snap, err := ext.Snapshot(context.Background())
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	calls := 0
	_, err = snap.Extract(ctx, table, extract.ReadOptions{BatchRows: 100, Allocator: mem}, func(context.Context, arrow.RecordBatch) error {
		if calls++; calls == 2 {
			cancel()
		}
		return nil
	})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 2, calls)
	mem.AssertSize(t, 0)
	_, err = snap.RowCount(context.Background(), name)
	assert.ErrorIs(t, err, mysql.ErrSnapshotClosed, "a cancelled read ends the snapshot, whatever the driver did with the connection")
	assert.NoError(t, snap.Close())
}

func TestDataset(t *testing.T) {
	db := server(t)
	name := newTable(t, db, "id int PRIMARY KEY, email text, age int")
	exec(t, db, "INSERT INTO `"+name+"` VALUES (1, 'a@x', NULL), (2, NULL, NULL), (3, NULL, 30), (4, 'd@x', 40)")
	ext := open(t)
	ctx := context.Background()
	ds, err := ext.Dataset(ctx, name)
	require.NoError(t, err)
	n, err := ds.RowCount(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 4, n)
	nc, ok := ds.(dataquality.NullCounter)
	require.True(t, ok)
	nulls, err := nc.NullCounts(ctx, []string{"id", "email", "age"})
	require.NoError(t, err)
	assert.Equal(t, map[string]int64{"id": 0, "email": 2, "age": 2}, nulls)

	// An unknown table is an error, at the latest when the dataset is first asked.
	ds, err = ext.Dataset(ctx, "etlw_no_such_table")
	if err == nil {
		_, err = ds.RowCount(ctx)
	}
	assert.ErrorContains(t, err, "etlw_no_such_table")
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	const password = "s3cr3t-pa55word"
	for _, tc := range []struct {
		name string
		conn configloader.Connection
		want string
	}{
		{"no host", configloader.Connection{Database: "test"}, "connection.host"},
		{"no database", configloader.Connection{Host: "127.0.0.1"}, "connection.database"},
		{"bad port", configloader.Connection{Host: "127.0.0.1", Database: "test", Port: 70000}, "connection.port"},
		{"bad option", configloader.Connection{Host: "127.0.0.1", Database: "test", Options: map[string]string{"a b": "c"}}, "connection.options"},
		{"bad option value", configloader.Connection{Host: "127.0.0.1", Database: "test", Password: password, Options: map[string]string{"timeout": "soon"}}, "connection.options"},
		{"refused with password", configloader.Connection{Host: "127.0.0.1", Port: 1, Database: "test", Username: "u", Password: password, Options: map[string]string{"timeout": "2s"}}, "ping"},
		{"bad dsn with password", configloader.Connection{DSN: "u:" + password + "@tcp(127.0.0.1:1/test"}, "connection.dsn"},
		{"dsn without database", configloader.Connection{DSN: "u:" + password + "@tcp(127.0.0.1:1)/"}, "database"},
		{"dsn refused", configloader.Connection{DSN: "u:" + password + "@tcp(127.0.0.1:1)/test?timeout=2s"}, "ping"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mysql.Open(ctx, &configloader.Source{Name: "src", Connection: tc.conn})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), password)
		})
	}
	_, err := mysql.Open(ctx, nil)
	assert.Error(t, err)
}

func TestOpenFromFields(t *testing.T) {
	db := server(t)
	ctx := context.Background()
	src := &configloader.Source{Name: "fields", Connection: configloader.Connection{
		Host: "127.0.0.1", Database: "test", Username: "root",
		Options: map[string]string{"timeout": "5s", "sql_mode": "'ANSI_QUOTES'"},
	}}
	ext, err := mysql.Open(ctx, src, mysql.WithLogger(nil))
	require.NoError(t, err)
	name := newTable(t, db, "id int PRIMARY KEY")
	tables, err := ext.Tables(ctx)
	require.NoError(t, err)
	assert.Contains(t, tables, name)
	snap, err := ext.Snapshot(ctx) // left open: Close ends it
	require.NoError(t, err)
	require.NoError(t, ext.Close())
	assert.ErrorIs(t, ext.Close(), mysql.ErrClosed)
	assert.ErrorIs(t, snap.Close(), mysql.ErrSnapshotClosed)
	_, err = ext.Snapshot(ctx)
	assert.ErrorIs(t, err, mysql.ErrClosed)
	_, err = ext.Tables(ctx)
	assert.ErrorIs(t, err, mysql.ErrClosed)
	_, err = ext.Describe(ctx, name)
	assert.ErrorIs(t, err, mysql.ErrClosed)
	_, err = ext.Dataset(ctx, name)
	assert.ErrorIs(t, err, mysql.ErrClosed)
}

func TestLogger(t *testing.T) {
	db := server(t)
	name := newTable(t, db, "id int PRIMARY KEY, val int")
	fill(t, db, name, 1, 10, 1, 1)
	var buf strings.Builder
	ext := open(t, mysql.WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	ctx := context.Background()
	table, err := ext.Describe(ctx, name)
	require.NoError(t, err)
	snap, err := ext.Snapshot(ctx)
	require.NoError(t, err)
	defer snap.Close()
	_, n := collect(t, snap, table, extract.ReadOptions{Partitions: 2})
	assert.EqualValues(t, 10, n)
	assert.Contains(t, buf.String(), `msg="`+name+`: extracted 10 rows"`)
}
