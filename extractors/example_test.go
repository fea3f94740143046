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

func ExampleOpen() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "etlwatch-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "sample.db")
	if err := sqlite.CreateSample(ctx, path, 300); err != nil {
		fmt.Println(err)
		return
	}
	ext, err := extractors.Open(ctx, &configloader.Source{Name: "local", DatabaseType: "sqlite",
		Connection: configloader.Connection{Database: path}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ext.Close()
	tables, _ := ext.Tables(ctx)
	fmt.Println(tables)
	snap, _ := ext.Snapshot(ctx)
	defer snap.Close()
	fmt.Println(snap.Position())
	// Output:
	// [customers order_items orders]
	// none:
}
