package iceberg_test

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/dataquality/arrowdataset"
	"github.com/etlwatch/etlwatch/iceberg"
)

// The Iceberg dataset is a Checksummer: the checker reconciles a source against the table
// directly, over several data files, and finds exactly the rows that differ.
func TestReconcileAgainstIceberg(t *testing.T) {
	ctx := t.Context()
	cat := openSQLite(t)
	m := iceberg.NewTableManager(cat, "raw")
	sc := ordersSchema()
	tbl, err := m.EnsureTable(ctx, "orders", sc)
	require.NoError(t, err)
	// Three commits, so three data files: 0..2999.
	for first := 0; first < 3000; first += 1000 {
		rec := batch(sc, first, 1000)
		res, err := m.Write(ctx, tbl, sc, iceberg.Batches(rec), nil)
		rec.Release()
		require.NoError(t, err)
		tbl = res.Table
	}
	dest := m.Dataset("orders")

	bounds, ok, err := dest.KeyBounds(ctx, "ID")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, dataquality.KeyRange{Lo: 0, Hi: 2999}, bounds)

	checker := dataquality.NewChecker()
	same := sourceOf(t, sc, 0, 3000, nil)
	res := checker.Reconcile(ctx, "orders", same, dest, dataquality.ReconcileOptions{})
	require.NoError(t, res.Err)
	assert.True(t, res.Passed, res.Details)

	// The source lacks 5, has 3000 and 3001 the table lacks, and a different qty for 1500.
	changed := sourceOf(t, sc, 0, 3002, func(id int64, qty *int32) bool {
		if id == 1500 {
			*qty = -1
		}
		return id != 5
	})
	res = checker.Reconcile(ctx, "orders", changed, dest, dataquality.ReconcileOptions{Key: "id", Columns: []string{"CUSTOMER", "qty"}})
	require.NoError(t, res.Err)
	assert.False(t, res.Passed)
	assert.Equal(t, []int64{3000, 3001}, res.Observed["missing_in_dest_keys"])
	assert.Equal(t, []int64{5}, res.Observed["missing_in_source_keys"])
	assert.Equal(t, []int64{1500}, res.Observed["changed_keys"])
	assert.EqualValues(t, 3000, res.Observed["dest_rows"])

	// Checksums of segments add up to the whole, and a range outside the keys is empty.
	spec := dataquality.ChecksumSpec{Key: "id", Columns: []string{"customer", "qty"}}
	cs, err := dest.Checksums(ctx, spec, []dataquality.KeyRange{{Lo: -10, Hi: 999}, {Lo: 1000, Hi: 2999}, {Lo: 3000, Hi: 1 << 40}})
	require.NoError(t, err)
	assert.EqualValues(t, []int64{1000, 2000, 0}, []int64{cs[0].Count, cs[1].Count, cs[2].Count})
	hs, err := dest.RowHashes(ctx, spec, dataquality.KeyRange{Lo: 998, Hi: 1001})
	require.NoError(t, err)
	require.Len(t, hs, 4)
	assert.EqualValues(t, 998, hs[0].Key)
	assert.EqualValues(t, 1001, hs[3].Key)

	_, err = dest.Checksums(ctx, dataquality.ChecksumSpec{Key: "customer"}, []dataquality.KeyRange{{Lo: 0, Hi: 1}})
	assert.ErrorContains(t, err, "not an integer")
}

// sourceOf is rows first..n-1 of ordersSchema as an arrowdataset, like batch; keep, when set,
// may change a row's qty and drop the row by returning false.
func sourceOf(t *testing.T, sc *arrow.Schema, first, n int, keep func(id int64, qty *int32) bool) *arrowdataset.Dataset {
	t.Helper()
	full := batch(sc, first, n-first)
	defer full.Release()
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	ids := full.Column(0).(*array.Int64)
	cust := full.Column(1).(*array.String)
	qtys := full.Column(2).(*array.Int32)
	for i := 0; i < ids.Len(); i++ {
		qty := qtys.Value(i)
		if keep != nil && !keep(ids.Value(i), &qty) {
			continue
		}
		b.Field(0).(*array.Int64Builder).Append(ids.Value(i))
		if cust.IsNull(i) {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.StringBuilder).Append(cust.Value(i))
		}
		b.Field(2).(*array.Int32Builder).Append(qty)
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	ds, err := arrowdataset.New(sc, []arrow.RecordBatch{rec})
	require.NoError(t, err)
	t.Cleanup(ds.Release)
	return ds
}
