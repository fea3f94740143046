package oracle_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"os"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/extractors/oracle"
)

// Example reads every table of a schema as of one SCN, with four readers per table. It needs an
// Oracle server, so it has no checked output; this package has not been run against one yet.
func Example() {
	ctx := context.Background()
	src := &configloader.Source{
		Name:         "erp",
		DatabaseType: "oracle",
		Connection: configloader.Connection{
			Host: "127.0.0.1", Port: 1521, ServiceName: "FREEPDB1",
			Username: "etl", Password: configloader.Secret(os.Getenv("ORACLE_PASSWORD")),
			Options: map[string]string{"PREFETCH_ROWS": "1000"},
		},
	}
	ext, err := oracle.Open(ctx, src,
		oracle.WithSchema("SALES"),
		oracle.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, nil))))
	if err != nil {
		log.Fatal(err)
	}
	defer ext.Close()

	snap, err := ext.Snapshot(ctx) // every read below is AS OF this SCN
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
		fmt.Println(name, rows, "rows at", snap.Position()) // such as "ORDERS 1200 rows at oracle_scn:5000123"
	}
}
