package postgres_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"os"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/extractors/postgres"
)

// Example reads every table of the public schema from one consistent snapshot, with four
// readers per table. It needs a PostgreSQL server, so it has no checked output.
func Example() {
	ctx := context.Background()
	src := &configloader.Source{
		Name:         "orders_db",
		DatabaseType: "postgres",
		Connection: configloader.Connection{
			Host: "127.0.0.1", Port: 5432, Database: "test", Username: "postgres",
			Options: map[string]string{"sslmode": "disable"},
		},
	}
	ext, err := postgres.Open(ctx, src,
		postgres.WithSchema("public"),
		postgres.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, nil))))
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
		rows, err := snap.Extract(ctx, table, extract.ReadOptions{Partitions: 4}, func(ctx context.Context, rec arrow.RecordBatch) error {
			return nil // write rec somewhere; retain it to keep it after returning
		})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(name, rows, "rows at", snap.Position())
	}
}
