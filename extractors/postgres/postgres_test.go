package postgres_test

import (
	"context"
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
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/extractors/postgres"
	"github.com/etlwatch/etlwatch/internal/testenv"
)

const testDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var tableSeq atomic.Int64

// server returns a connection for setting up tables, or skips (fails under
// ETLWATCH_REQUIRE_SERVICES=1) when PostgreSQL is not reachable.
func server(t *testing.T) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, testDSN)
	if err == nil {
		err = conn.Ping(ctx)
	}
	if err != nil {
		testenv.Unavailable(t, "PostgreSQL is not reachable at 127.0.0.1:5432: "+err.Error())
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// newTable creates a uniquely named table from columns and drops it when the test ends.
func newTable(t *testing.T, conn *pgx.Conn, columns string) string {
	t.Helper()
	name := fmt.Sprintf("etlw_pg_%s_%d_%d", strings.ToLower(strings.ReplaceAll(t.Name(), "/", "_")), time.Now().UnixNano()%1e9, tableSeq.Add(1))
	if len(name) > 63 {
		name = name[len(name)-63:]
		name = "t" + name[1:]
	}
	ctx := context.Background()
	_, err := conn.Exec(ctx, "CREATE TABLE "+pgx.Identifier{name}.Sanitize()+" ("+columns+")")
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = conn.Exec(context.Background(), "DROP TABLE IF EXISTS "+pgx.Identifier{name}.Sanitize())
	})
	return name
}

func exec(t *testing.T, conn *pgx.Conn, sql string, args ...any) {
	t.Helper()
	_, err := conn.Exec(context.Background(), sql, args...)
	require.NoError(t, err)
}

func open(t *testing.T) *postgres.Extractor {
	t.Helper()
	src := &configloader.Source{Name: "test", DatabaseType: "postgres", Connection: configloader.Connection{DSN: testDSN}}
	ext, err := postgres.Open(context.Background(), src)
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
	conn := server(t)
	name := newTable(t, conn, `id integer PRIMARY KEY, s smallint, b bigint NOT NULL, n numeric(12,2), nu numeric,
		r real, d double precision, ok boolean, tx text, vc varchar(10), ch char(3), by bytea, dt date,
		ts timestamp, tz timestamptz, tm time, u uuid, j json, jb jsonb, "Mixed Case" text`)
	exec(t, conn, "INSERT INTO "+name+` VALUES
		(1, -2, 9000000000, 1234567890.12, 3.14159265358979323846, 1.5, 2.25, true, 'hé''llo', 'v', 'ab', '\x00ff',
		 '2024-02-29', '2024-02-29 13:14:15.123456', '2024-02-29 13:14:15.5+02', '23:59:59.999999',
		 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": 1}', '{"b": [1, 2]}', 'x'),
		(2, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`)
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

	want := []struct {
		name     string
		typ      arrow.DataType
		nullable bool
		source   string
	}{
		{"id", arrow.PrimitiveTypes.Int32, false, "integer"},
		{"s", arrow.PrimitiveTypes.Int16, true, "smallint"},
		{"b", arrow.PrimitiveTypes.Int64, false, "bigint"},
		{"n", &arrow.Decimal128Type{Precision: 12, Scale: 2}, true, "numeric(12,2)"},
		{"nu", arrow.BinaryTypes.String, true, "numeric"},
		{"r", arrow.PrimitiveTypes.Float32, true, "real"},
		{"d", arrow.PrimitiveTypes.Float64, true, "double precision"},
		{"ok", arrow.FixedWidthTypes.Boolean, true, "boolean"},
		{"tx", arrow.BinaryTypes.String, true, "text"},
		{"vc", arrow.BinaryTypes.String, true, "character varying(10)"},
		{"ch", arrow.BinaryTypes.String, true, "character(3)"},
		{"by", arrow.BinaryTypes.Binary, true, "bytea"},
		{"dt", arrow.FixedWidthTypes.Date32, true, "date"},
		{"ts", &arrow.TimestampType{Unit: arrow.Microsecond}, true, "timestamp without time zone"},
		{"tz", &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, true, "timestamp with time zone"},
		{"tm", arrow.FixedWidthTypes.Time64us, true, "time without time zone"},
		{"u", arrow.BinaryTypes.String, true, "uuid"},
		{"j", arrow.BinaryTypes.String, true, "json"},
		{"jb", arrow.BinaryTypes.String, true, "jsonb"},
		{"Mixed Case", arrow.BinaryTypes.String, true, "text"},
	}
	require.Len(t, table.Schema.Fields(), len(want))
	for i, w := range want {
		f := table.Schema.Field(i)
		assert.Equal(t, w.name, f.Name)
		assert.Truef(t, arrow.TypeEqual(w.typ, f.Type), "%s: got %s, want %s", w.name, f.Type, w.typ)
		assert.Equal(t, w.nullable, f.Nullable, w.name)
		assert.Equal(t, w.source, table.SourceTypes[i], w.name)
	}
	assertTypeMappingValues(t, ext, table)
}

// assertTypeMappingValues reads TestDescribeTypeMapping's two rows, one of values and one of
// NULLs, and checks each value as Arrow holds it.
func assertTypeMappingValues(t *testing.T, ext *postgres.Extractor, table *extract.Table) {
	t.Helper()
	snap, err := ext.Snapshot(context.Background())
	require.NoError(t, err)
	defer snap.Close()
	recs, n := collect(t, snap, table, extract.ReadOptions{})
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
	assert.EqualValues(t, -2, col("s").(*array.Int16).Value(row))
	assert.EqualValues(t, 9000000000, col("b").(*array.Int64).Value(row))
	assert.Equal(t, big.NewInt(123456789012), col("n").(*array.Decimal128).Value(row).BigInt())
	assert.Equal(t, "3.14159265358979323846", col("nu").(*array.String).Value(row))
	assert.EqualValues(t, 1.5, col("r").(*array.Float32).Value(row))
	assert.EqualValues(t, 2.25, col("d").(*array.Float64).Value(row))
	assert.True(t, col("ok").(*array.Boolean).Value(row))
	assert.Equal(t, "hé'llo", col("tx").(*array.String).Value(row))
	assert.Equal(t, "v", col("vc").(*array.String).Value(row))
	assert.Equal(t, "ab ", col("ch").(*array.String).Value(row))
	assert.Equal(t, []byte{0, 0xff}, col("by").(*array.Binary).Value(row))
	assert.Equal(t, arrow.Date32FromTime(time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)), col("dt").(*array.Date32).Value(row))
	assert.EqualValues(t, time.Date(2024, 2, 29, 13, 14, 15, 123456000, time.UTC).UnixMicro(), col("ts").(*array.Timestamp).Value(row))
	assert.EqualValues(t, time.Date(2024, 2, 29, 11, 14, 15, 500000000, time.UTC).UnixMicro(), col("tz").(*array.Timestamp).Value(row))
	assert.EqualValues(t, (23*3600+59*60+59)*int64(time.Second/time.Microsecond)+999999, col("tm").(*array.Time64).Value(row))
	assert.Equal(t, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", col("u").(*array.String).Value(row))
	assert.JSONEq(t, `{"a": 1}`, col("j").(*array.String).Value(row))
	assert.JSONEq(t, `{"b": [1, 2]}`, col("jb").(*array.String).Value(row))
	assert.Equal(t, "x", col("Mixed Case").(*array.String).Value(row))
	for i, f := range rec.Schema().Fields() {
		if f.Name == "id" || f.Name == "b" {
			continue
		}
		assert.Truef(t, rec.Column(i).IsNull(null), "%s should be NULL", f.Name)
		assert.Equal(t, 1, rec.Column(i).NullN(), f.Name)
	}
}

func TestDescribeErrors(t *testing.T) {
	conn := server(t)
	ext := open(t)
	ctx := context.Background()

	_, err := ext.Describe(ctx, "etlw_no_such_table")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "etlw_no_such_table")

	name := newTable(t, conn, "id int PRIMARY KEY, span interval")
	_, err = ext.Describe(ctx, name)
	var ute *extract.UnsupportedTypeError
	require.ErrorAs(t, err, &ute)
	assert.Equal(t, name, ute.Table)
	assert.Equal(t, "span", ute.Column)
	assert.Equal(t, "interval", ute.Type)
	assert.Contains(t, err.Error(), name+".span")
}

// sumIDs extracts table and returns the number of rows, the sum of ids and of vals, and whether
// each id was seen once.
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
	conn := server(t)
	name := newTable(t, conn, "id bigint PRIMARY KEY, val bigint NOT NULL, note text")
	// ids with gaps and negatives: -500..-1 and every third number up to 30000.
	exec(t, conn, "INSERT INTO "+name+" SELECT g, g * 2, 'row ' || g FROM generate_series(-500, -1) g")
	exec(t, conn, "INSERT INTO "+name+" SELECT g, g * 2, NULL FROM generate_series(0, 30000, 3) g")
	var wantRows, wantSum int64
	require.NoError(t, conn.QueryRow(context.Background(), "SELECT count(*), sum(val) FROM "+name).Scan(&wantRows, &wantSum))

	ext := open(t)
	ctx := context.Background()
	table, err := ext.Describe(ctx, name)
	require.NoError(t, err)
	snap, err := ext.Snapshot(ctx)
	require.NoError(t, err)
	defer snap.Close()

	for _, parts := range []int{1, 4, 7} {
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
	conn := server(t)
	name := newTable(t, conn, "id int PRIMARY KEY, v text")
	ext := open(t)
	ctx := context.Background()
	table, err := ext.Describe(ctx, name)
	require.NoError(t, err)
	snap, err := ext.Snapshot(ctx)
	require.NoError(t, err)
	defer snap.Close()
	for _, parts := range []int{1, 4} {
		_, n := collect(t, snap, table, extract.ReadOptions{Partitions: parts})
		assert.Zero(t, n)
	}
}

func TestSnapshotConsistency(t *testing.T) {
	conn := server(t)
	name := newTable(t, conn, "id bigint PRIMARY KEY, val bigint NOT NULL")
	exec(t, conn, "INSERT INTO "+name+" SELECT g, 1 FROM generate_series(1, 1000) g")

	ext := open(t)
	ctx := context.Background()
	table, err := ext.Describe(ctx, name)
	require.NoError(t, err)
	snap, err := ext.Snapshot(ctx)
	require.NoError(t, err)
	defer snap.Close()

	pos := snap.Position()
	assert.Equal(t, extract.PositionLSN, pos.Kind)
	var lsnOK bool
	require.NoError(t, conn.QueryRow(ctx, "SELECT $1::text::pg_lsn <= pg_current_wal_lsn()", pos.Value).Scan(&lsnOK))
	assert.True(t, lsnOK, "LSN %q", pos.Value)
	assert.Equal(t, "postgres_lsn:"+pos.Value, pos.String())
	assert.Regexp(t, `^\d+:\d+:[\d,]*$`, pos.Transactions, "the transaction snapshot, as pg_current_snapshot() prints it")

	// Committed by another connection after the snapshot.
	exec(t, conn, "INSERT INTO "+name+" SELECT g, 1 FROM generate_series(1001, 1500) g")
	exec(t, conn, "UPDATE "+name+" SET val = 100 WHERE id <= 10")
	exec(t, conn, "DELETE FROM "+name+" WHERE id BETWEEN 500 AND 509")

	for _, parts := range []int{1, 4} {
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
	n, _, sum := sumIDs(t, snap2, table, extract.ReadOptions{Partitions: 4})
	assert.EqualValues(t, 1490, n)
	assert.EqualValues(t, 1490+99*10, sum)

	require.NoError(t, snap.Close())
	assert.ErrorIs(t, snap.Close(), postgres.ErrSnapshotClosed)
	_, err = snap.RowCount(ctx, name)
	assert.ErrorIs(t, err, postgres.ErrSnapshotClosed)
}

func TestExtractWithoutSingleIntegerKey(t *testing.T) {
	conn := server(t)
	for _, tc := range []struct {
		name, columns string
		pk            []string
	}{
		{"no key", "id bigint NOT NULL, val bigint NOT NULL", nil},
		{"composite key", "id bigint, val bigint, PRIMARY KEY (val, id)", []string{"val", "id"}},
		{"text key", "id bigint NOT NULL, val bigint NOT NULL, k text PRIMARY KEY", []string{"k"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := newTable(t, conn, tc.columns)
			if len(tc.pk) == 1 {
				exec(t, conn, "INSERT INTO "+name+" SELECT g, g, 'k' || g FROM generate_series(1, 2500) g")
			} else {
				exec(t, conn, "INSERT INTO "+name+" SELECT g, g FROM generate_series(1, 2500) g")
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
			n, ids, sum := sumIDs(t, snap, table, extract.ReadOptions{Partitions: 4, BatchRows: 1000})
			assert.EqualValues(t, 2500, n)
			assert.Len(t, ids, 2500)
			assert.EqualValues(t, 2500*2501/2, sum)
		})
	}
}

func TestExtractStopsOnFnError(t *testing.T) {
	conn := server(t)
	name := newTable(t, conn, "id int PRIMARY KEY, val int")
	exec(t, conn, "INSERT INTO "+name+" SELECT g, g FROM generate_series(1, 20000) g")
	ext := open(t)
	ctx := context.Background()
	table, err := ext.Describe(ctx, name)
	require.NoError(t, err)
	snap, err := ext.Snapshot(ctx)
	require.NoError(t, err)
	defer snap.Close()

	boom := errors.New("boom")
	for _, parts := range []int{1, 4} {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		calls := 0
		_, err := snap.Extract(ctx, table, extract.ReadOptions{Partitions: parts, BatchRows: 100, Allocator: mem}, func(context.Context, arrow.RecordBatch) error {
			calls++
			if calls == 3 {
				return boom
			}
			return nil
		})
		assert.ErrorIs(t, err, boom)
		assert.Equal(t, 3, calls)
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
}

func TestDataset(t *testing.T) {
	conn := server(t)
	name := newTable(t, conn, "id int PRIMARY KEY, email text, age int")
	exec(t, conn, "INSERT INTO "+name+" VALUES (1, 'a@x', NULL), (2, NULL, NULL), (3, NULL, 30), (4, 'd@x', 40)")
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
		{"refused with password", configloader.Connection{Host: "127.0.0.1", Port: 1, Database: "test", Username: "u", Password: password, Options: map[string]string{"connect_timeout": "2"}}, "connect"},
		{"bad dsn with password", configloader.Connection{DSN: "postgres://u:" + password + "@127.0.0.1:1/test?sslmode=nonsense"}, "postgres"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := postgres.Open(ctx, &configloader.Source{Name: "src", Connection: tc.conn})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), password)
		})
	}
	_, err := postgres.Open(ctx, nil)
	assert.Error(t, err)
	_, err = postgres.Open(ctx, &configloader.Source{Connection: configloader.Connection{DSN: testDSN}}, postgres.WithSchema("pg_catalog"))
	assert.Error(t, err)
}

func TestOpenFromFields(t *testing.T) {
	server(t)
	ctx := context.Background()
	src := &configloader.Source{Name: "fields", Connection: configloader.Connection{
		Host: "127.0.0.1", Port: 5432, Database: "test", Username: "postgres",
		Options: map[string]string{"sslmode": "disable", "application_name": "etlwatch test"},
	}}
	ext, err := postgres.Open(ctx, src, postgres.WithSchema("public"), postgres.WithLogger(nil))
	require.NoError(t, err)
	_, err = ext.Tables(ctx)
	require.NoError(t, err)
	snap, err := ext.Snapshot(ctx) // left open: Close ends it
	require.NoError(t, err)
	require.NoError(t, ext.Close())
	assert.ErrorIs(t, ext.Close(), postgres.ErrClosed)
	assert.ErrorIs(t, snap.Close(), postgres.ErrSnapshotClosed)
	_, err = ext.Snapshot(ctx)
	assert.ErrorIs(t, err, postgres.ErrClosed)
	_, err = ext.Tables(ctx)
	assert.ErrorIs(t, err, postgres.ErrClosed)
}

func TestLogger(t *testing.T) {
	conn := server(t)
	name := newTable(t, conn, "id int PRIMARY KEY")
	exec(t, conn, "INSERT INTO "+name+" SELECT generate_series(1, 10)")
	var buf strings.Builder
	src := &configloader.Source{Name: "test", Connection: configloader.Connection{DSN: testDSN}}
	ctx := context.Background()
	ext, err := postgres.Open(ctx, src, postgres.WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	require.NoError(t, err)
	defer ext.Close()
	table, err := ext.Describe(ctx, name)
	require.NoError(t, err)
	snap, err := ext.Snapshot(ctx)
	require.NoError(t, err)
	defer snap.Close()
	_, n := collect(t, snap, table, extract.ReadOptions{Partitions: 2})
	assert.EqualValues(t, 10, n)
	assert.Contains(t, buf.String(), `msg="`+name+`: extracted 10 rows"`)
}

// connection.schema in sources.yaml picks the schema; WithSchema wins over it.
func TestSchemaFromConfig(t *testing.T) {
	conn := server(t)
	schema := fmt.Sprintf("etlw_schema_%d", time.Now().UnixNano()%1e9)
	exec(t, conn, "CREATE SCHEMA "+schema+"; CREATE TABLE "+schema+".items (id int PRIMARY KEY, name text); INSERT INTO "+schema+".items VALUES (1, 'a'), (2, NULL)")
	t.Cleanup(func() { _, _ = conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE") })
	ctx := context.Background()
	src := &configloader.Source{Name: "s", DatabaseType: "postgres", Connection: configloader.Connection{DSN: testDSN, Schema: schema}}

	ext, err := postgres.Open(ctx, src)
	require.NoError(t, err)
	defer ext.Close()
	tables, err := ext.Tables(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"items"}, tables)
	table, err := ext.Describe(ctx, "items")
	require.NoError(t, err)
	snap, err := ext.Snapshot(ctx)
	require.NoError(t, err)
	defer snap.Close()
	_, n := collect(t, snap, table, extract.ReadOptions{})
	assert.EqualValues(t, 2, n)

	other, err := postgres.Open(ctx, src, postgres.WithSchema("public"))
	require.NoError(t, err)
	defer other.Close()
	tables, err = other.Tables(ctx)
	require.NoError(t, err)
	assert.NotContains(t, tables, "items")
}
