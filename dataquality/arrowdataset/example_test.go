package arrowdataset_test

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/dataquality/arrowdataset"
)

// exampleSchema is a CUSTOMERS table as an extractor would stream it.
var exampleSchema = arrow.NewSchema([]arrow.Field{
	{Name: "CUSTOMER_ID", Type: arrow.PrimitiveTypes.Int64},
	{Name: "EMAIL", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "BALANCE", Type: &arrow.Decimal128Type{Precision: 12, Scale: 2}, Nullable: true},
	{Name: "CREATED", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
}, nil)

// exampleBatch returns a record batch of the customers first to last; EMAIL is NULL for ids in
// noEmail.
func exampleBatch(first, last int64, noEmail ...int64) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, exampleSchema)
	defer b.Release()
	for id := first; id <= last; id++ {
		b.Field(0).(*array.Int64Builder).Append(id)
		if email := b.Field(1).(*array.StringBuilder); slices.Contains(noEmail, id) {
			email.AppendNull()
		} else {
			email.Append(fmt.Sprintf("c%d@example.com", id))
		}
		b.Field(2).(*array.Decimal128Builder).Append(decimal128.FromI64(id*100 + 50)) // id.50
		created, _ := arrow.TimestampFromTime(time.Date(2025, 1, 27, 10, 0, int(id), 0, time.UTC), arrow.Microsecond)
		b.Field(3).(*array.TimestampBuilder).Append(created)
	}
	return b.NewRecordBatch()
}

func ExampleNew() {
	ctx := context.Background()
	first, second := exampleBatch(1, 60), exampleBatch(61, 100)
	ds, err := arrowdataset.New(exampleSchema, []arrow.RecordBatch{first, second}, arrowdataset.WithPrimaryKey("CUSTOMER_ID"))
	first.Release() // the dataset retains what it needs
	second.Release()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ds.Release()

	n, _ := ds.RowCount(ctx)
	cols, _ := ds.Schema(ctx)
	fmt.Println(n, "rows")
	for _, c := range cols {
		fmt.Printf("%s: %s (%s)\n", c.Name, c.Type, c.DatabaseType)
	}

	checker := dataquality.NewChecker()
	fmt.Println(checker.RequiredColumns(ctx, "CUSTOMERS", ds, []string{"CUSTOMER_ID", "EMAIL"}))
	// Output:
	// 100 rows
	// CUSTOMER_ID: integer (int64)
	// EMAIL: string (utf8)
	// BALANCE: decimal (decimal(12, 2))
	// CREATED: timestamp (timestamp[us, tz=UTC])
	// CUSTOMERS: Required columns validation PASSED - no nulls in CUSTOMER_ID, EMAIL
}

// The rows a job extracted, as Arrow, reconciled with the table it loaded (here a
// MemoryDataset; in a job a sqldataset.Table): the decimal's scale and the timestamps' zone do not
// matter, only the values.
func Example_reconcile() {
	ctx := context.Background()
	batch := exampleBatch(1, 1000)
	extracted, err := arrowdataset.New(exampleSchema, []arrow.RecordBatch{batch}, arrowdataset.WithPrimaryKey("CUSTOMER_ID"))
	batch.Release()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer extracted.Release()

	// The loaded table lost customer 500, and customer 7's balance changed.
	var rows []map[string]any
	paris := time.FixedZone("CET", 3600)
	for id := int64(1); id <= 1000; id++ {
		if id == 500 {
			continue
		}
		balance := fmt.Sprintf("%d.5", id)
		if id == 7 {
			balance = "7.51"
		}
		rows = append(rows, map[string]any{
			"customer_id": id,
			"email":       fmt.Sprintf("c%d@example.com", id),
			"balance":     balance,
			"created":     time.Date(2025, 1, 27, 10, 0, int(id), 0, time.UTC).In(paris),
		})
	}
	loaded, _ := dataquality.NewMemoryDataset(dataquality.MemoryTable{
		Columns: []dataquality.Column{
			{Name: "customer_id", Type: dataquality.TypeInteger},
			{Name: "email", Type: dataquality.TypeString},
			{Name: "balance", Type: dataquality.TypeDecimal},
			{Name: "created", Type: dataquality.TypeTimestamp},
		},
		Rows: rows,
	})

	checker := dataquality.NewChecker()
	fmt.Println(checker.Reconcile(ctx, "CUSTOMERS", extracted, loaded, dataquality.ReconcileOptions{}))
	// Output:
	// CUSTOMERS: Checksum reconciliation FAILED - source: 1000 rows, dest: 999 rows; missing in dest: 1 (500); changed: 1 (7)
}

func ExampleFromTable() {
	ctx := context.Background()
	batch := exampleBatch(1, 10, 3, 4)
	tbl := array.NewTableFromRecords(exampleSchema, []arrow.RecordBatch{batch})
	batch.Release()
	ds, err := arrowdataset.FromTable(tbl)
	tbl.Release()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ds.Release()

	nulls, _ := ds.NullCounts(ctx, []string{"EMAIL"})
	latest, _, _ := ds.MaxTime(ctx, "CREATED")
	fmt.Println(nulls["EMAIL"], latest)
	// Output:
	// 2 2025-01-27 10:00:10 +0000 UTC
}

// The primary key can travel with the schema, in its metadata.
func ExampleWithPrimaryKey() {
	ctx := context.Background()
	md := arrow.NewMetadata([]string{arrowdataset.PrimaryKeyMetadataKey}, []string{"CUSTOMER_ID"})
	schema := arrow.NewSchema(exampleSchema.Fields(), &md)

	fromMetadata, _ := arrowdataset.New(schema, nil)
	fromOption, _ := arrowdataset.New(schema, nil, arrowdataset.WithPrimaryKey("EMAIL"))
	defer fromMetadata.Release()
	defer fromOption.Release()
	a, _ := fromMetadata.PrimaryKey(ctx)
	b, _ := fromOption.PrimaryKey(ctx)
	fmt.Println(a, b)
	// Output:
	// [CUSTOMER_ID] [EMAIL]
}
