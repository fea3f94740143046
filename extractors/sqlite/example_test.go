package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/extractors/sqlite"
)

// sampleDB creates the sample database in a temporary directory.
func sampleDB(rows int) (path string, cleanup func()) {
	dir, err := os.MkdirTemp("", "etlwatch-sqlite-example")
	if err != nil {
		log.Fatal(err)
	}
	path = filepath.Join(dir, "shop.db")
	if err := sqlite.CreateSample(context.Background(), path, rows); err != nil {
		log.Fatal(err)
	}
	return path, func() { _ = os.RemoveAll(dir) }
}

func ExampleCreateSample() {
	path, cleanup := sampleDB(1000)
	defer cleanup()
	ctx := context.Background()
	ext, err := sqlite.Open(ctx, &configloader.Source{Name: "shop", DatabaseType: "sqlite", Connection: configloader.Connection{Database: path}})
	if err != nil {
		log.Fatal(err)
	}
	defer ext.Close()
	snap, err := ext.Snapshot(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer snap.Close()
	names, _ := ext.Tables(ctx)
	for _, name := range names {
		n, err := snap.RowCount(ctx, name)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(name, n)
	}
	// Output:
	// customers 100
	// order_items 600
	// orders 300
}

func ExampleOpen() {
	path, cleanup := sampleDB(100)
	defer cleanup()
	ctx := context.Background()
	ext, err := sqlite.Open(ctx, &configloader.Source{Name: "shop", Connection: configloader.Connection{Database: path}})
	if err != nil {
		log.Fatal(err)
	}
	defer ext.Close()
	table, err := ext.Describe(ctx, "orders")
	if err != nil {
		log.Fatal(err)
	}
	for i, f := range table.Schema.Fields() {
		fmt.Printf("%s %s -> %s nullable=%v\n", f.Name, table.SourceTypes[i], f.Type, f.Nullable)
	}
	fmt.Println("primary key:", table.PrimaryKey)
	// Output:
	// id INTEGER -> int64 nullable=false
	// customer_id INTEGER -> int64 nullable=false
	// ordered_at DATETIME -> timestamp[us, tz=UTC] nullable=false
	// status TEXT -> utf8 nullable=false
	// total DECIMAL(12,2) -> decimal(12, 2) nullable=false
	// note TEXT -> utf8 nullable=true
	// primary key: [id]
}

func ExampleOpenDB() {
	db, err := sql.Open(sqlite.DriverName, ":memory:")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // each connection to :memory: is a database of its own
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, NULL)`); err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	ext, err := sqlite.OpenDB(db)
	if err != nil {
		log.Fatal(err)
	}
	defer ext.Close() // does not close db
	table, err := ext.Describe(ctx, "t")
	if err != nil {
		log.Fatal(err)
	}
	snap, err := ext.Snapshot(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer snap.Close()
	n, err := snap.Extract(ctx, table, extract.ReadOptions{BatchRows: 2}, func(_ context.Context, rec arrow.RecordBatch) error {
		fmt.Println(rec.NumRows(), "rows:", rec.Column(1))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n, "rows at", snap.Position())
	// Output:
	// 2 rows: ["a" "b"]
	// 1 rows: [(null)]
	// 3 rows at none:
}

func ExampleExtractor_Dataset() {
	path, cleanup := sampleDB(1000)
	defer cleanup()
	ctx := context.Background()
	ext, err := sqlite.Open(ctx, &configloader.Source{Connection: configloader.Connection{Database: path}})
	if err != nil {
		log.Fatal(err)
	}
	defer ext.Close()
	ds, err := ext.Dataset(ctx, "customers")
	if err != nil {
		log.Fatal(err)
	}
	n, err := ds.RowCount(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("customers:", n)
	// Output:
	// customers: 100
}

func ExampleWithLogger() {
	path, cleanup := sampleDB(100)
	defer cleanup()
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "duration" {
				return slog.Attr{} // dropped for a deterministic output
			}
			return a
		},
	}))
	ext, err := sqlite.Open(ctx, &configloader.Source{Connection: configloader.Connection{Database: path}}, sqlite.WithLogger(logger))
	if err != nil {
		log.Fatal(err)
	}
	defer ext.Close()
	table, err := ext.Describe(ctx, "order_items")
	if err != nil {
		log.Fatal(err)
	}
	snap, err := ext.Snapshot(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer snap.Close()
	if _, err := snap.Extract(ctx, table, extract.ReadOptions{BatchRows: 25}, func(context.Context, arrow.RecordBatch) error { return nil }); err != nil {
		log.Fatal(err)
	}
	// Output:
	// level=INFO msg="order_items: extracted 60 rows in 3 batches" table=order_items rows=60 batches=3 partitions=1
}
