package iceberg_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/iceberg-go/catalog"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/iceberg"
)

// A bulk load: create the table from the extractor's Arrow schema, write its batches in one
// snapshot that records the source position, and read the position back.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "warehouse")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	cat, err := iceberg.NewCatalog(ctx, iceberg.CatalogConfig{Catalog: "sql", Warehouse: dir})
	if err != nil {
		log.Fatal(err)
	}
	defer cat.(catalog.Closer).Close()

	md := arrow.NewMetadata([]string{extract.PrimaryKeyMetadata}, []string{"id"})
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	}, &md)

	m := iceberg.NewTableManager(cat, "raw")
	tbl, err := m.EnsureTable(ctx, "customers", schema)
	if err != nil {
		log.Fatal(err)
	}

	// An extractor would yield batches as it reads them.
	batches := func(yield func(arrow.RecordBatch, error) bool) {
		for start := int64(0); start < 3; start++ {
			b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
			b.Field(0).(*array.Int64Builder).AppendValues([]int64{start * 2, start*2 + 1}, nil)
			b.Field(1).(*array.StringBuilder).AppendValues([]string{"a", "b"}, nil)
			rec := b.NewRecordBatch()
			b.Release()
			if !yield(rec, nil) {
				return
			}
		}
	}
	res, err := m.Write(ctx, tbl, schema, batches, map[string]string{
		"etlwatch.position": "postgres_lsn:0/16B3748",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("rows written:", res.Rows)
	fmt.Println("snapshots:", len(res.Table.Metadata().Snapshots()))

	pos, _, err := m.LastProperty(ctx, "customers", "etlwatch.position")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("position:", pos)

	n, err := m.Dataset("customers").RowCount(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("row count:", n)
	// Output:
	// rows written: 6
	// snapshots: 1
	// position: postgres_lsn:0/16B3748
	// row count: 6
}

// Schema evolution: the source gained a column and widened another; EnsureTable evolves the
// table and reports the change to the hook, where a pipeline would emit a schema_change event.
func ExampleTableManager_EnsureTable() {
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

	m := iceberg.NewTableManager(cat, "raw", iceberg.WithSchemaChangeHook(
		func(_ context.Context, c iceberg.SchemaChange) { fmt.Println("schema_change:", c.Table, c) }))

	md := arrow.NewMetadata([]string{extract.PrimaryKeyMetadata}, []string{"id"})
	v1 := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "qty", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	}, &md)
	v2 := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "qty", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "region", Type: arrow.BinaryTypes.String, Nullable: true},
	}, &md)
	if _, err := m.EnsureTable(ctx, "orders", v1); err != nil {
		log.Fatal(err)
	}
	tbl, err := m.EnsureTable(ctx, "orders", v2)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tbl.Schema().NumFields(), "columns")
	// Output:
	// schema_change: raw.orders added region (string); widened qty int -> long
	// 3 columns
}
