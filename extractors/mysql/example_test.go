package mysql_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"os"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/extractors/mysql"
)

// Example reads every table of a database from one consistent snapshot. It needs a MySQL or
// MariaDB server, so it has no checked output.
func Example() {
	ctx := context.Background()
	src := &configloader.Source{
		Name:         "orders_db",
		DatabaseType: "mysql",
		Connection: configloader.Connection{
			Host: "127.0.0.1", Port: 3306, Database: "test", Username: "root",
			Options: map[string]string{"timeout": "5s"},
		},
	}
	ext, err := mysql.Open(ctx, src, mysql.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, nil))))
	if err != nil {
		log.Fatal(err)
	}
	defer ext.Close()

	snap, err := ext.Snapshot(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer snap.Close()

	names, err := ext.Tables(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, name := range names {
		table, err := ext.Describe(ctx, name)
		if err != nil {
			log.Fatal(err) // an *extract.UnsupportedTypeError names the column
		}
		rows, err := snap.Extract(ctx, table, extract.ReadOptions{BatchRows: 4096}, func(ctx context.Context, rec arrow.RecordBatch) error {
			return nil // write rec somewhere; retain it to keep it after returning
		})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(name, rows, "rows at", snap.Position())
	}
}
