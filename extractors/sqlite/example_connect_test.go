package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors/sqlite"
)

// ExampleConnect gets a *sql.DB for your own queries from a sources.yaml source: a file is
// opened read-only, as the extractor reads it.
func ExampleConnect() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "etlwatch-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "shop.db")
	_ = sqlite.CreateSample(ctx, path, 300)

	db, err := sqlite.Connect(ctx, &configloader.Source{Name: "shop", Connection: configloader.Connection{Database: path}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	var orders int
	_ = db.QueryRowContext(ctx, "SELECT count(*) FROM orders").Scan(&orders)
	_, err = db.ExecContext(ctx, "DELETE FROM orders")
	fmt.Println(orders, "orders; delete refused:", err != nil)
	// Output: 90 orders; delete refused: true
}
