package arrowdataset_test

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/dataquality/arrowdataset"
)

// TestCapabilities compares every capability of an Arrow dataset of several record batches with
// a MemoryDataset holding the same rows.
func TestCapabilities(t *testing.T) {
	ctx := context.Background()
	rows := orders(2000)
	ds := arrowOrders(t, checked(t), rows, 6)
	m := memoryOrders(t, rows)

	n, err := ds.RowCount(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(2000), n)

	cols, err := ds.Schema(ctx)
	require.NoError(t, err)
	wantCols, err := m.Schema(ctx)
	require.NoError(t, err)
	require.Len(t, cols, len(wantCols))
	for i := range cols {
		assert.Equal(t, wantCols[i].Type, cols[i].Type, cols[i].Name)
	}
	assert.Equal(t, dataquality.Column{Name: "AMOUNT", Type: dataquality.TypeDecimal, DatabaseType: "decimal(12, 2)"}, cols[2])

	pk, err := ds.PrimaryKey(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"ID"}, pk, "from the schema metadata")

	names := []string{"id", "QTY", "amount", "price", "name", "data", "active", "day", "created", "at"}
	nulls, err := ds.NullCounts(ctx, names)
	require.NoError(t, err)
	wantNulls, err := m.NullCounts(ctx, names)
	require.NoError(t, err)
	assert.Equal(t, wantNulls, nulls)
	assert.Equal(t, int64(40), nulls["QTY"])

	for _, key := range [][]string{{"qty"}, {"ACTIVE", "qty"}, {"amount"}, {"day"}} {
		dups, err := ds.DuplicateKeys(ctx, key, 3)
		require.NoError(t, err)
		want, err := m.DuplicateKeys(ctx, key, 3)
		require.NoError(t, err)
		assert.Equal(t, want.Keys, dups.Keys, key)
		assert.Equal(t, want.ExtraRows, dups.ExtraRows, key)
		require.Len(t, dups.Sample, len(want.Sample), key)
		for i := range dups.Sample {
			assert.Equal(t, want.Sample[i].Count, dups.Sample[i].Count, key)
		}
	}
	// Integer and boolean keys are the same Go values as the MemoryDataset's (int64, bool).
	dups, err := ds.DuplicateKeys(ctx, []string{"ACTIVE", "qty"}, 4)
	require.NoError(t, err)
	want, err := m.DuplicateKeys(ctx, []string{"ACTIVE", "qty"}, 4)
	require.NoError(t, err)
	assert.Equal(t, want, dups)
	assert.Equal(t, []any{false, int64(1)}, dups.Sample[0].Key)
	dups, err = ds.DuplicateKeys(ctx, []string{"id"}, 10)
	require.NoError(t, err)
	assert.Equal(t, dataquality.Duplicates{}, dups)

	latest, ok, err := ds.MaxTime(ctx, "CREATED")
	require.NoError(t, err)
	require.True(t, ok)
	wantLatest, _, err := m.MaxTime(ctx, "created")
	require.NoError(t, err)
	assert.True(t, wantLatest.Equal(latest), "%v != %v", latest, wantLatest)
	assert.Equal(t, time.UTC, latest.Location())

	kb, ok, err := ds.KeyBounds(ctx, "id")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, dataquality.KeyRange{Lo: 1, Hi: 2000}, kb)

	spec := dataquality.ChecksumSpec{Key: "ID", Columns: names}
	segs := dataquality.SplitRange(dataquality.KeyRange{Lo: -5, Hi: 2100}, 37)
	sums, err := ds.Checksums(ctx, spec, segs)
	require.NoError(t, err)
	wantSums, err := m.Checksums(ctx, spec, segs)
	require.NoError(t, err)
	assert.Equal(t, wantSums, sums)

	hashes, err := ds.RowHashes(ctx, spec, dataquality.KeyRange{Lo: 990, Hi: 1010})
	require.NoError(t, err)
	wantHashes, err := m.RowHashes(ctx, spec, dataquality.KeyRange{Lo: 990, Hi: 1010})
	require.NoError(t, err)
	assert.Equal(t, wantHashes, hashes)
	require.Len(t, hashes, 21)
}

// TestSchemaCompare checks that SchemaCompare finds the Arrow dataset equal to a table with the
// types PostgreSQL reports for the same columns (see also TestPostgreSQL).
func TestSchemaCompare(t *testing.T) {
	ctx := context.Background()
	ds := arrowOrders(t, checked(t), orders(10), 1)
	pgTypes := []string{"bigint", "integer", "numeric(12,2)", "double precision", "text", "bytea", "boolean", "date",
		"timestamp with time zone", "time without time zone"}
	cols := make([]dataquality.Column, len(pgTypes))
	for i, c := range []string{"id", "qty", "amount", "price", "name", "data", "active", "day", "created", "at"} {
		cols[i] = dataquality.Column{Name: c, Type: ordersTypes[i], DatabaseType: pgTypes[i]}
	}
	pg, err := dataquality.NewMemoryDataset(dataquality.MemoryTable{Columns: cols})
	require.NoError(t, err)
	c := dataquality.NewChecker()
	r := c.SchemaCompare(ctx, "ORDERS", ds, pg)
	assert.True(t, r.Passed, r.Details)
	r = c.SchemaCompare(ctx, "ORDERS", pg, ds)
	assert.True(t, r.Passed, r.Details)
	assert.Equal(t, "Schema validation PASSED - 10 columns match", r.Details)

	// A float where the other side has a decimal is a mismatch, named with both types.
	cols[2] = dataquality.Column{Name: "amount", Type: dataquality.TypeFloat, DatabaseType: "double precision"}
	pg, err = dataquality.NewMemoryDataset(dataquality.MemoryTable{Columns: cols})
	require.NoError(t, err)
	r = c.SchemaCompare(ctx, "ORDERS", ds, pg)
	assert.False(t, r.Passed)
	assert.Equal(t, "Schema validation FAILED - type mismatches: AMOUNT decimal (decimal(12, 2)) vs float (double precision)", r.Details)
}

// TestNullCounts counts NULLs across record batches, in a dictionary whose dictionary holds a
// NULL, and in a column of type null.
func TestNullCounts(t *testing.T) {
	ctx := context.Background()
	mem := checked(t)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "n", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "s", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}, Nullable: true},
		{Name: "z", Type: arrow.Null, Nullable: true},
	}, nil)
	dictionary := func(idx []int8, valid []bool) arrow.Array {
		vb := array.NewStringBuilder(mem)
		defer vb.Release()
		vb.Append("a")
		vb.AppendNull()
		values := vb.NewArray()
		defer values.Release()
		ib := array.NewInt8Builder(mem)
		defer ib.Release()
		ib.AppendValues(idx, valid)
		indices := ib.NewArray()
		defer indices.Release()
		return array.NewDictionaryArray(schema.Field(1).Type, indices, values)
	}
	batch := func(n []int32, valid []bool, idx []int8, idxValid []bool) arrow.RecordBatch {
		nb := array.NewInt32Builder(mem)
		defer nb.Release()
		nb.AppendValues(n, valid)
		na := nb.NewArray()
		defer na.Release()
		da := dictionary(idx, idxValid)
		defer da.Release()
		za := array.NewNull(len(n))
		defer za.Release()
		return array.NewRecordBatch(schema, []arrow.Array{na, da, za}, int64(len(n)))
	}
	ds := newDataset(t, schema, []arrow.RecordBatch{
		batch([]int32{1, 2, 3}, []bool{true, false, true}, []int8{0, 1, 0}, []bool{true, true, false}), // s: a, NULL (value), NULL (index)
		batch(nil, nil, nil, nil),
		batch([]int32{4, 5}, []bool{false, false}, []int8{0, 0}, nil),
	})
	got, err := ds.NullCounts(ctx, []string{"N", "s", "z"})
	require.NoError(t, err)
	assert.Equal(t, map[string]int64{"N": 3, "s": 2, "z": 5}, got)

	_, err = ds.NullCounts(ctx, []string{"missing"})
	assert.EqualError(t, err, `arrowdataset: no column "missing"`)
}

// TestMaxTime reads the latest value of timestamps of each unit and zone, of dates, of an
// all-NULL column, and fails on a column of another type.
func TestMaxTime(t *testing.T) {
	ctx := context.Background()
	mem := checked(t)
	ts := func(unit arrow.TimeUnit, zone string) arrow.DataType {
		return &arrow.TimestampType{Unit: unit, TimeZone: zone}
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: ts(arrow.Second, "")},
		{Name: "ms", Type: ts(arrow.Millisecond, "Asia/Tokyo")},
		{Name: "us", Type: ts(arrow.Microsecond, "UTC")},
		{Name: "ns", Type: ts(arrow.Nanosecond, "-03:00")},
		{Name: "d32", Type: arrow.FixedWidthTypes.Date32},
		{Name: "d64", Type: arrow.FixedWidthTypes.Date64},
		{Name: "none", Type: ts(arrow.Microsecond, ""), Nullable: true},
		{Name: "text", Type: arrow.BinaryTypes.String},
	}, nil)
	t1 := time.Date(2025, 1, 27, 10, 0, 0, 123456789, time.UTC)
	t2 := time.Date(1960, 5, 1, 0, 0, 1, 0, time.UTC)
	t3 := time.Date(2025, 1, 27, 9, 0, 0, 0, time.UTC)
	day := func(tm time.Time) time.Time { return tm.Truncate(24 * time.Hour) }
	ds := newDataset(t, schema, []arrow.RecordBatch{
		record(t, mem, schema, [][]any{{t2, t2, t2, t2, day(t2), day(t2), nil, "x"}}),
		record(t, mem, schema, [][]any{{t1, t1, t1, t1, day(t1), day(t1), nil, "y"}, {t3, t3, t3, t3, day(t3), day(t3), nil, "z"}}),
	})
	for col, want := range map[string]time.Time{
		"s": t1.Truncate(time.Second), "ms": t1.Truncate(time.Millisecond), "us": t1.Truncate(time.Microsecond),
		"NS": t1, "d32": day(t1), "d64": day(t1),
	} {
		got, ok, err := ds.MaxTime(ctx, col)
		require.NoError(t, err, col)
		assert.True(t, ok, col)
		assert.Equal(t, want, got, col)
	}
	_, ok, err := ds.MaxTime(ctx, "none")
	require.NoError(t, err)
	assert.False(t, ok)

	_, _, err = ds.MaxTime(ctx, "text")
	var ute *arrowdataset.UnsupportedTypeError
	require.ErrorAs(t, err, &ute)
	assert.EqualError(t, err, `arrowdataset: column "text" has type utf8; the latest time needs a timestamp, date32 or date64 column`)
	_, _, err = ds.MaxTime(ctx, "nope")
	assert.EqualError(t, err, `arrowdataset: no column "nope"`)

	// Freshness reads it.
	c := dataquality.NewChecker(dataquality.WithClock(func() time.Time { return t1.Add(30 * time.Minute) }))
	r := c.Freshness(ctx, "EVENTS", ds, "us", time.Hour)
	assert.True(t, r.Passed, r.Details)
	assert.Equal(t, "Freshness validation PASSED - latest us: 2025-01-27T10:00:00.123456Z, age: 30m0s, max age: 1h0m0s", r.Details)
}

// TestDuplicateKeySample checks the order and the Go values of sampled duplicate keys: decimals
// in numeric order as text at the column's scale, and copies of text that outlive the dataset.
func TestDuplicateKeySample(t *testing.T) {
	ctx := context.Background()
	mem := checked(t)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "Europe/Paris"}, Nullable: true},
	}, nil)
	tm := time.Date(2025, 1, 27, 10, 0, 0, 0, time.UTC)
	recs := []arrow.RecordBatch{
		record(t, mem, schema, [][]any{{"10.00", "b", tm}, {"9.00", "a", tm}, {"-1.50", "b", tm}, {nil, nil, nil}}),
		record(t, mem, schema, [][]any{{"10.00", "a", nil}, {"9.00", "a", tm}, {"-1.50", "b", tm}, {"10.00", "b", tm}, {nil, nil, nil}}),
	}
	ds, err := arrowdataset.New(schema, recs)
	require.NoError(t, err)
	for _, r := range recs {
		r.Release()
	}

	dups, err := ds.DuplicateKeys(ctx, []string{"amount"}, 10)
	require.NoError(t, err)
	assert.Equal(t, dataquality.Duplicates{Keys: 3, ExtraRows: 4, Sample: []dataquality.DuplicateKey{
		{Key: []any{"-1.50"}, Count: 2}, {Key: []any{"9.00"}, Count: 2}, {Key: []any{"10.00"}, Count: 3},
	}}, dups)

	byName, err := ds.DuplicateKeys(ctx, []string{"name", "ts"}, 1)
	require.NoError(t, err)
	assert.Equal(t, int64(2), byName.Keys)
	assert.Equal(t, int64(4), byName.ExtraRows)

	r := dataquality.NewChecker().Uniqueness(ctx, "T", ds, []string{"amount"})
	assert.Equal(t, "Uniqueness validation FAILED - 3 values of (amount) held by more than one row (4 extra rows): -1.50 (2 rows), 9.00 (2 rows), 10.00 (3 rows)", r.Details)

	ds.Release()
	// The sampled keys are copies: still readable after the memory is released.
	assert.Equal(t, []dataquality.DuplicateKey{{Key: []any{"a", tm}, Count: 2}}, byName.Sample)
}

// TestFromTable reads a table whose columns are chunked differently.
func TestFromTable(t *testing.T) {
	ctx := context.Background()
	mem := checked(t)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	ints := func(v ...int64) arrow.Array {
		b := array.NewInt64Builder(mem)
		defer b.Release()
		b.AppendValues(v, nil)
		return b.NewArray()
	}
	strs := func(v ...string) arrow.Array {
		b := array.NewStringBuilder(mem)
		defer b.Release()
		for _, s := range v {
			if s == "" {
				b.AppendNull()
			} else {
				b.Append(s)
			}
		}
		return b.NewArray()
	}
	idChunks := []arrow.Array{ints(5, 4), ints(3), ints(2, 1)}
	nameChunks := []arrow.Array{strs("e"), strs("d", "", "b", "a")}
	idCol := arrow.NewChunked(arrow.PrimitiveTypes.Int64, idChunks)
	nameCol := arrow.NewChunked(arrow.BinaryTypes.String, nameChunks)
	cols := []arrow.Column{*arrow.NewColumn(schema.Field(0), idCol), *arrow.NewColumn(schema.Field(1), nameCol)}
	tbl := array.NewTable(schema, cols, 5)
	for _, a := range append(idChunks, nameChunks...) {
		a.Release()
	}
	idCol.Release()
	nameCol.Release()
	for i := range cols {
		cols[i].Release()
	}

	ds, err := arrowdataset.FromTable(tbl, arrowdataset.WithPrimaryKey("id"))
	tbl.Release()
	require.NoError(t, err)
	defer ds.Release()

	m, err := dataquality.NewMemoryDataset(dataquality.MemoryTable{
		Columns: []dataquality.Column{{Name: "ID", Type: dataquality.TypeInteger}, {Name: "NAME", Type: dataquality.TypeString}},
		Rows: []map[string]any{
			{"ID": int64(1), "NAME": "a"}, {"ID": int64(2), "NAME": "b"}, {"ID": int64(3)},
			{"ID": int64(4), "NAME": "d"}, {"ID": int64(5), "NAME": "e"},
		},
	})
	require.NoError(t, err)
	r := dataquality.NewChecker().Reconcile(ctx, "T", ds, m, dataquality.ReconcileOptions{})
	require.NoError(t, r.Err)
	assert.True(t, r.Passed, r.Details)
	nulls, err := ds.NullCounts(ctx, []string{"name"})
	require.NoError(t, err)
	assert.Equal(t, int64(1), nulls["name"])

	_, err = arrowdataset.FromTable(nil)
	assert.EqualError(t, err, "arrowdataset: nil table")
}

// TestRelease checks that Release frees every buffer the dataset retained (the allocator is
// checked at the end of each case), once, and that methods called later fail.
func TestRelease(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	recs := []arrow.RecordBatch{
		record(t, mem, ordersSchema, [][]any{{1, 2, "3.00", 4.0, "five", []byte("6"), true, time.Unix(0, 0).UTC(), time.Now(), time.Second}}),
		record(t, mem, ordersSchema, [][]any{{2, nil, nil, nil, nil, nil, nil, nil, nil, nil}}),
	}
	ds, err := arrowdataset.New(ordersSchema, recs)
	require.NoError(t, err)
	for _, r := range recs {
		r.Release()
	}
	assert.NotZero(t, mem.CurrentAlloc(), "the dataset holds the records")
	// Build the key index, and hash, before releasing.
	r := dataquality.NewChecker().Reconcile(ctx, "T", ds, ds, dataquality.ReconcileOptions{})
	require.NoError(t, r.Err)

	ds.Release()
	mem.AssertSize(t, 0)
	ds.Release() // a second call does nothing

	_, err = ds.RowCount(ctx)
	assert.ErrorIs(t, err, arrowdataset.ErrReleased)
	_, err = ds.NullCounts(ctx, []string{"ID"})
	assert.ErrorIs(t, err, arrowdataset.ErrReleased)
	_, err = ds.DuplicateKeys(ctx, []string{"ID"}, 1)
	assert.ErrorIs(t, err, arrowdataset.ErrReleased)
	_, _, err = ds.MaxTime(ctx, "CREATED")
	assert.ErrorIs(t, err, arrowdataset.ErrReleased)
	_, err = ds.Schema(ctx)
	assert.ErrorIs(t, err, arrowdataset.ErrReleased)
	_, err = ds.PrimaryKey(ctx)
	assert.ErrorIs(t, err, arrowdataset.ErrReleased)
	_, _, err = ds.KeyBounds(ctx, "ID")
	assert.ErrorIs(t, err, arrowdataset.ErrReleased)
	_, err = ds.Checksums(ctx, dataquality.ChecksumSpec{Key: "ID", Columns: []string{"ID"}}, []dataquality.KeyRange{{Lo: 1, Hi: 2}})
	assert.ErrorIs(t, err, arrowdataset.ErrReleased)
	_, err = ds.RowHashes(ctx, dataquality.ChecksumSpec{Key: "ID", Columns: []string{"ID"}}, dataquality.KeyRange{Lo: 1, Hi: 2})
	assert.ErrorIs(t, err, arrowdataset.ErrReleased)
	r = dataquality.NewChecker().RequiredColumns(ctx, "T", ds, []string{"ID"})
	assert.ErrorIs(t, r.Err, arrowdataset.ErrReleased)

	// A failed New retains nothing.
	rec := record(t, mem, ordersSchema, [][]any{{1, nil, nil, nil, nil, nil, nil, nil, nil, nil}})
	_, err = arrowdataset.New(ordersSchema, []arrow.RecordBatch{rec, nil})
	require.Error(t, err)
	rec.Release()
	mem.AssertSize(t, 0)
}

// TestConcurrentUse runs every method from several goroutines at once, then Release while they
// run: each call returns its result or ErrReleased (run with -race).
func TestConcurrentUse(t *testing.T) {
	ctx := context.Background()
	mem := checked(t)
	rows := orders(800)
	m := memoryOrders(t, rows)
	ds := arrowOrders(t, mem, rows, 4)

	c := dataquality.NewChecker()
	spec := dataquality.ChecksumSpec{Key: "id", Columns: []string{"ID", "NAME", "CREATED", "AMOUNT"}}
	segs := dataquality.SplitRange(dataquality.KeyRange{Lo: 1, Hi: 800}, 16)
	want, err := m.Checksums(ctx, spec, segs)
	require.NoError(t, err)

	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var err error
				switch (g + i) % 6 {
				case 0:
					var got []dataquality.Checksum
					if got, err = ds.Checksums(ctx, spec, segs); err == nil && !assert.Equal(t, want, got) {
						return
					}
				case 1:
					_, err = ds.RowHashes(ctx, spec, dataquality.KeyRange{Lo: 100, Hi: 120})
				case 2:
					_, err = ds.DuplicateKeys(ctx, []string{"qty"}, 5)
				case 3:
					_, err = ds.NullCounts(ctx, []string{"qty", "name"})
				case 4:
					_, _, err = ds.MaxTime(ctx, "created")
				case 5:
					if r := c.Reconcile(ctx, "ORDERS", ds, m, dataquality.ReconcileOptions{Threshold: 20}); r.Err != nil {
						err = r.Err
					} else if !r.Passed {
						err = errors.New(r.Details)
					}
				}
				if errors.Is(err, arrowdataset.ErrReleased) {
					return
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	time.Sleep(200 * time.Millisecond)
	ds.Release()
	time.Sleep(20 * time.Millisecond)
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestNewErrors checks what New and FromTable refuse, and the errors of bad arguments to the
// methods.
func TestNewErrors(t *testing.T) {
	mem := checked(t)
	one := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)
	withMeta := func(pk string) *arrow.Schema {
		md := arrow.NewMetadata([]string{arrowdataset.PrimaryKeyMetadataKey}, []string{pk})
		return arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "b", Type: arrow.PrimitiveTypes.Int64}}, &md)
	}
	rec := record(t, mem, one, [][]any{{1}})
	defer rec.Release()
	tests := []struct {
		name   string
		schema *arrow.Schema
		recs   []arrow.RecordBatch
		opts   []arrowdataset.Option
		want   string
	}{
		{"nil schema", nil, nil, nil, "arrowdataset: nil schema"},
		{"nil record", one, []arrow.RecordBatch{rec, nil}, nil, "arrowdataset: record 1 is nil"},
		{"other columns", arrow.NewSchema([]arrow.Field{{Name: "ID", Type: arrow.PrimitiveTypes.Int64}}, nil), []arrow.RecordBatch{rec}, nil,
			`arrowdataset: record 0: column 1 is "id" int64, the schema's is "ID" int64`},
		{"other types", arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int32}}, nil), []arrow.RecordBatch{rec}, nil,
			`arrowdataset: record 0: column 1 is "id" int64, the schema's is "id" int32`},
		{"other count", withMeta("id"), []arrow.RecordBatch{rec}, nil, "arrowdataset: record 0: has 1 columns, the schema 2"},
		{"twice", arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "ID", Type: arrow.PrimitiveTypes.Int8}}, nil), nil, nil,
			`arrowdataset: columns 1 and 2 are both named "ID" (names are case-insensitive)`},
		{"no name", arrow.NewSchema([]arrow.Field{{Name: "", Type: arrow.PrimitiveTypes.Int64}}, nil), nil, nil, "arrowdataset: column 1 has no name"},
		{"key option", one, nil, []arrowdataset.Option{arrowdataset.WithPrimaryKey("nope")},
			`arrowdataset: primary key (WithPrimaryKey): "nope" is not a column of the schema`},
		{"key metadata", withMeta("id, nope"), nil, nil,
			`arrowdataset: primary key (metadata etlwatch.primary_key): "nope" is not a column of the schema`},
		{"key metadata empty name", withMeta("id,,b"), nil, nil,
			`arrowdataset: primary key (metadata etlwatch.primary_key): "id,,b" names an empty column`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, err := arrowdataset.New(tt.schema, tt.recs, tt.opts...)
			assert.Nil(t, ds)
			assert.EqualError(t, err, tt.want)
		})
	}
}

// TestPrimaryKey checks the precedence of WithPrimaryKey over the schema metadata.
func TestPrimaryKey(t *testing.T) {
	ctx := context.Background()
	md := arrow.NewMetadata([]string{arrowdataset.PrimaryKeyMetadataKey}, []string{" region , ID "})
	schema := arrow.NewSchema([]arrow.Field{{Name: "ID", Type: arrow.PrimitiveTypes.Int64}, {Name: "REGION", Type: arrow.BinaryTypes.String}}, &md)
	tests := []struct {
		name string
		opts []arrowdataset.Option
		want []string
	}{
		{"metadata", nil, []string{"region", "ID"}},
		{"option", []arrowdataset.Option{arrowdataset.WithPrimaryKey("id")}, []string{"id"}},
		{"option says none", []arrowdataset.Option{arrowdataset.WithPrimaryKey()}, nil},
		{"nil option ignored", []arrowdataset.Option{nil}, []string{"region", "ID"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := newDataset(t, schema, nil, tt.opts...)
			pk, err := ds.PrimaryKey(ctx)
			require.NoError(t, err)
			assert.Equal(t, tt.want, pk)
		})
	}
	noMeta := newDataset(t, arrow.NewSchema(schema.Fields(), nil), nil)
	pk, err := noMeta.PrimaryKey(ctx)
	require.NoError(t, err)
	assert.Empty(t, pk)
}

// TestChecksumErrors checks keys that are not integers, keys that do not fit an int64, NULL
// keys, unknown columns, an empty dataset and a cancelled context.
func TestChecksumErrors(t *testing.T) {
	ctx := context.Background()
	mem := checked(t)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: arrow.PrimitiveTypes.Int32},
		{Name: "u", Type: arrow.PrimitiveTypes.Uint64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String},
		{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int8)},
	}, nil)
	lb := array.NewListBuilder(mem, arrow.PrimitiveTypes.Int8)
	lb.AppendNull()
	lb.AppendNull()
	lb.AppendNull()
	la := lb.NewArray()
	lb.Release()
	ub := array.NewUint64Builder(mem)
	ub.AppendValues([]uint64{1, math.MaxUint64, 0}, []bool{true, true, false})
	ua := ub.NewArray()
	ub.Release()
	sb := array.NewStringBuilder(mem)
	sb.AppendValues([]string{"a", "b", "c"}, nil)
	sa := sb.NewArray()
	sb.Release()
	kb := array.NewInt32Builder(mem)
	kb.AppendValues([]int32{1, 2, 3}, nil)
	ka := kb.NewArray()
	kb.Release()
	rec := array.NewRecordBatch(schema, []arrow.Array{ka, ua, sa, la}, 3)
	ka.Release()
	ua.Release()
	sa.Release()
	la.Release()
	ds := newDataset(t, schema, []arrow.RecordBatch{rec})

	_, _, err := ds.KeyBounds(ctx, "s")
	assert.EqualError(t, err, `arrowdataset: column "s" has type utf8; the key must be an integer type (int8 to int64, uint8 to uint64)`)
	assert.ErrorIs(t, err, dataquality.ErrUnsupported)
	_, _, err = ds.KeyBounds(ctx, "u")
	assert.EqualError(t, err, `arrowdataset: record 0, row 1: column "u": key 18446744073709551615 does not fit an int64`)
	_, err = ds.Checksums(ctx, dataquality.ChecksumSpec{Key: "u", Columns: []string{"s"}}, []dataquality.KeyRange{{Lo: 0, Hi: 5}})
	assert.ErrorContains(t, err, "does not fit an int64")
	_, err = ds.RowHashes(ctx, dataquality.ChecksumSpec{Key: "u", Columns: []string{"L"}}, dataquality.KeyRange{Lo: 0, Hi: 5})
	assert.EqualError(t, err, `arrowdataset: column "l" has type list<item: int8, nullable>; `+
		"only integer, float, decimal, bool, string, binary, date, time, timestamp and null types (and dictionaries of them) have a canonical encoding")
	_, err = ds.RowHashes(ctx, dataquality.ChecksumSpec{Key: "u", Columns: []string{"x"}}, dataquality.KeyRange{Lo: 0, Hi: 5})
	assert.EqualError(t, err, `arrowdataset: no column "x"`)
	_, err = ds.Checksums(ctx, dataquality.ChecksumSpec{Key: "x", Columns: []string{"s"}}, nil)
	assert.EqualError(t, err, `arrowdataset: no column "x"`)

	// Reconcile reports the unsupported column as a failed check.
	r := dataquality.NewChecker().Reconcile(ctx, "T", ds, ds, dataquality.ReconcileOptions{Key: "k"})
	assert.ErrorIs(t, r.Err, dataquality.ErrUnsupported)
	assert.Contains(t, r.Details, `column "l" has type list<item: int8, nullable>`)

	// NULL keys are in no range; an empty dataset has no bounds.
	schema2 := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int16, Nullable: true}}, nil)
	nulls := newDataset(t, schema2, []arrow.RecordBatch{record(t, mem, schema2, [][]any{{nil}, {nil}})})
	_, ok, err := nulls.KeyBounds(ctx, "k")
	require.NoError(t, err)
	assert.False(t, ok)
	sums, err := nulls.Checksums(ctx, dataquality.ChecksumSpec{Key: "k", Columns: []string{"k"}}, []dataquality.KeyRange{{Lo: math.MinInt64, Hi: math.MaxInt64}})
	require.NoError(t, err)
	assert.Equal(t, []dataquality.Checksum{{}}, sums)
	empty := newDataset(t, schema2, nil)
	_, ok, err = empty.KeyBounds(ctx, "k")
	require.NoError(t, err)
	assert.False(t, ok)
	n, err := empty.RowCount(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = ds.RowCount(cancelled)
	assert.ErrorIs(t, err, context.Canceled)
	_, err = nulls.Checksums(cancelled, dataquality.ChecksumSpec{Key: "k", Columns: []string{"k"}}, []dataquality.KeyRange{{Lo: 0, Hi: 1}})
	assert.ErrorIs(t, err, context.Canceled)
}
