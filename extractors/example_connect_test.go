package extractors_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors"
	"github.com/etlwatch/etlwatch/extractors/sqlite"
)

// From a sources.yaml source to a *sql.DB for your own queries.
func ExampleConnect() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "etlwatch-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "shop.db")
	_ = sqlite.CreateSample(ctx, path, 300)
	cfg, err := configloader.Parse("sources.yaml", []byte(`sources:
  shop:
    database_type: sqlite   # postgres, mysql and oracle work the same way
    connection: {database: "`+path+`"}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	src, _ := cfg.Source("shop")
	db, err := extractors.Connect(ctx, src)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	var n int
	_ = db.QueryRowContext(ctx, "SELECT count(*) FROM customers").Scan(&n)
	fmt.Println(n, "customers")
	// Output: 30 customers
}

// The source side of the data-quality checks: a table of the database as a dataset whose
// questions run in the database. The destination side is the Iceberg table
// (github.com/etlwatch/etlwatch/iceberg.NewDataset).
func ExampleDataset() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "etlwatch-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "shop.db")
	_ = sqlite.CreateSample(ctx, path, 300)
	src := &configloader.Source{Name: "shop", DatabaseType: "sqlite", Connection: configloader.Connection{Database: path}}

	db, err := extractors.Connect(ctx, src)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	customers, err := extractors.Dataset(db, src, "customers")
	if err != nil {
		fmt.Println(err)
		return
	}
	rows, _ := customers.RowCount(ctx)
	key, _ := customers.PrimaryKey(ctx)
	fmt.Println(rows, "rows, primary key", key)
	// Output: 30 rows, primary key [id]
}
