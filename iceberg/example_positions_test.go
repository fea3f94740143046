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

	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/iceberg"
)

// A stream of changes applied with deletion vectors: the table is upgraded to format version 3,
// and each Apply removes the rows it replaces by position, found through one KeyIndex kept for
// the life of the writer.
func ExampleDeleteByPosition() {
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
		{Name: "qty", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, &md)
	rows := func(pairs ...int64) arrow.RecordBatch {
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		defer b.Release()
		for i := 0; i < len(pairs); i += 2 {
			b.Field(0).(*array.Int64Builder).Append(pairs[i])
			b.Field(1).(*array.Int64Builder).Append(pairs[i+1])
		}
		return b.NewRecordBatch()
	}

	m := iceberg.NewTableManager(cat, "raw")
	tbl, err := m.EnsureTable(ctx, "orders", schema)
	if err != nil {
		log.Fatal(err)
	}
	if tbl, err = m.EnableDeletionVectors(ctx, tbl); err != nil {
		log.Fatal(err)
	}
	idx := iceberg.NewKeyIndex(0)
	for _, change := range []iceberg.Change{
		{Upserts: []arrow.RecordBatch{rows(1, 10, 2, 20, 3, 30)}},
		{Upserts: []arrow.RecordBatch{rows(2, 21)}, Deletes: []arrow.RecordBatch{rows(3, 0)}},
	} {
		res, err := m.Apply(ctx, tbl, schema, change, nil, iceberg.DeleteByPosition(idx))
		if err != nil {
			log.Fatal(err)
		}
		tbl = res.Table
		fmt.Printf("rows written %d, deleted by position %d, equality deletes %v\n", res.Rows, res.DeletedByPosition, res.EqualityDeletes)
	}
	n, err := m.Dataset("orders").RowCount(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("rows:", n)
	// Output:
	// rows written 3, deleted by position 0, equality deletes false
	// rows written 1, deleted by position 2, equality deletes false
	// rows: 2
}
