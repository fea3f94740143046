package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors/sqlite"
)

// A program without a sources.yaml names the file in a Config.
func ExampleNew() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	_, err := sqlite.New(context.Background(), sqlite.Config{Name: "shop", Database: filepath.Join(dir, "missing.db")})
	fmt.Println(err != nil) // a file opened read-only must exist
	ext, err := sqlite.New(context.Background(), sqlite.Config{Database: ":memory:"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ext.Close()
	tables, _ := ext.Tables(context.Background())
	fmt.Println(len(tables))
	// Output:
	// true
	// 0
}

// FromSource is the translation Open makes of a source of sources.yaml.
func ExampleFromSource() {
	cfg := sqlite.FromSource(&configloader.Source{Name: "shop", DatabaseType: configloader.SQLite,
		Connection: configloader.Connection{Database: "/data/shop.db"}})
	fmt.Println(cfg.Name, cfg.Database)
	// Output: shop /data/shop.db
}
