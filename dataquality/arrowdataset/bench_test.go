package arrowdataset_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/dataquality/arrowdataset"
)

var benchSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "qty", Type: arrow.PrimitiveTypes.Int32},
	{Name: "amount", Type: &arrow.Decimal128Type{Precision: 12, Scale: 2}},
	{Name: "name", Type: arrow.BinaryTypes.String},
	{Name: "created", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
}, nil)

// benchDataset returns n rows in batches of 64Ki rows; the row whose id is changed has another
// amount.
func benchDataset(b *testing.B, n int, changed int64) *arrowdataset.Dataset {
	b.Helper()
	var recs []arrow.RecordBatch
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for start := 0; start < n; start += 1 << 16 {
		rb := array.NewRecordBuilder(memory.DefaultAllocator, benchSchema)
		for i := start; i < min(start+1<<16, n); i++ {
			id := int64(i + 1)
			rb.Field(0).(*array.Int64Builder).Append(id)
			rb.Field(1).(*array.Int32Builder).Append(int32(i % 1000))
			amount := id * 37
			if id == changed {
				amount++
			}
			rb.Field(2).(*array.Decimal128Builder).Append(decimal128.FromI64(amount))
			rb.Field(3).(*array.StringBuilder).Append(fmt.Sprintf("customer %d", id))
			ts, _ := arrow.TimestampFromTime(base.Add(time.Duration(i)*time.Millisecond), arrow.Microsecond)
			rb.Field(4).(*array.TimestampBuilder).Append(ts)
		}
		recs = append(recs, rb.NewRecordBatch())
		rb.Release()
	}
	ds, err := arrowdataset.New(benchSchema, recs, arrowdataset.WithPrimaryKey("id"))
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range recs {
		r.Release()
	}
	b.Cleanup(ds.Release)
	return ds
}

// BenchmarkChecksums is one pass over 1M rows: the first pass of a reconciliation, after the
// key index is built.
func BenchmarkChecksums(b *testing.B) {
	ctx := context.Background()
	const n = 1_000_000
	ds := benchDataset(b, n, 0)
	spec := dataquality.ChecksumSpec{Key: "id", Columns: []string{"id", "qty", "amount", "name", "created"}}
	segs := dataquality.SplitRange(dataquality.KeyRange{Lo: 1, Hi: n}, 4096)
	if _, err := ds.Checksums(ctx, spec, segs); err != nil { // builds the key index
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := ds.Checksums(ctx, spec, segs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkReconcile reconciles two datasets of 1M rows that differ in one row, key index
// included (each iteration uses new datasets).
func BenchmarkReconcile(b *testing.B) {
	ctx := context.Background()
	const n = 1_000_000
	c := dataquality.NewChecker()
	for b.Loop() {
		b.StopTimer()
		src, dst := benchDataset(b, n, 0), benchDataset(b, n, 4242)
		b.StartTimer()
		r := c.Reconcile(ctx, "T", src, dst, dataquality.ReconcileOptions{})
		if r.Err != nil || r.Observed["changed"] != int64(1) {
			b.Fatal(r.Err, r.Details)
		}
	}
}
