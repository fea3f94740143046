package iceberg_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/iceberg-go/catalog"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/iceberg"
)

// The volume monitor on an Iceberg table's own snapshots: eight loads of 100 rows, then one of
// 10, judged with no other history store.
func ExampleNewSnapshotHistory() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "warehouse")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	cat, err := iceberg.OpenCatalog(ctx, configloader.Iceberg{Warehouse: dir})
	if err != nil {
		log.Fatal(err)
	}
	defer cat.(catalog.Closer).Close()
	md := arrow.NewMetadata([]string{extract.PrimaryKeyMetadata}, []string{"id"})
	sc := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, &md)
	tm := iceberg.NewTableManager(cat, "shop")
	tbl, err := tm.EnsureTable(ctx, "orders", sc)
	if err != nil {
		log.Fatal(err)
	}
	load := func(rows int) time.Time {
		b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
		defer b.Release()
		for i := range rows {
			b.Field(0).(*array.Int64Builder).Append(int64(i))
		}
		rec := b.NewRecordBatch()
		defer rec.Release()
		res, err := tm.Write(ctx, tbl, sc, iceberg.Batches(rec), nil, iceberg.Replace())
		if err != nil {
			log.Fatal(err)
		}
		tbl = res.Table
		return time.UnixMilli(tbl.CurrentSnapshot().TimestampMs)
	}
	for range 8 {
		load(100)
	}
	at := load(10)

	monitor, err := dataquality.NewMonitor(nil, iceberg.NewSnapshotHistory(tm, nil), dataquality.Monitors{Volume: true})
	if err != nil {
		log.Fatal(err)
	}
	report := monitor.AfterLoad(ctx, "orders", dataquality.Load{At: at, Rows: 10})
	fmt.Println(report.Summary()[0])
	// Output:
	// ANOMALY orders volume: 10 rows is 90% below the expected 100 rows (normal range 90 rows to 110 rows, score -2302.6)
}
