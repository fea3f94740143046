package iceberg_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/apache/iceberg-go/catalog"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/iceberg"
)

// A catalog without a sources.yaml: an SQL catalog in SQLite, in a local warehouse directory.
func ExampleNewCatalog() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "warehouse")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	cat, err := iceberg.NewCatalog(ctx, iceberg.CatalogConfig{Warehouse: dir})
	if err != nil {
		log.Fatal(err)
	}
	defer cat.(catalog.Closer).Close()
	m := iceberg.NewTableManager(cat, "raw")
	fmt.Println(m.Identifier("orders"))
	// A configuration prints with its credentials masked.
	fmt.Println(iceberg.CatalogConfig{Catalog: "rest", URI: "https://etl:s3cret@catalog.internal/api"})
	// Output:
	// [raw orders]
	// {Catalog:rest URI:https://etl:[REDACTED]@catalog.internal/api Warehouse:}
}

// The catalog of a sources.yaml's iceberg: block.
func ExampleOpenCatalog() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "warehouse")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	cfg, err := configloader.Parse("sources.yaml", []byte("sources:\n  shop:\n    database_type: sqlite\n    connection: {database: shop.db}\n    iceberg: {catalog: sql, warehouse: "+dir+"}\n"))
	if err != nil {
		log.Fatal(err)
	}
	cat, err := iceberg.OpenCatalog(ctx, cfg.Sources["shop"].Iceberg)
	if err != nil {
		log.Fatal(err)
	}
	defer cat.(catalog.Closer).Close()
	fmt.Println("opened")
	// Output: opened
}
