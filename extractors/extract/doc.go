// Package extract defines what a database extractor is: the [Extractor] interface, the [Table]
// description with its Arrow schema, the consistent [Snapshot] with its [Position], and
// [ReadOptions]. The database packages (github.com/etlwatch/etlwatch/extractors/postgres, .../mysql,
// .../sqlite, .../oracle) implement it; github.com/etlwatch/etlwatch/extractors re-exports it and
// opens the right one from a sources.yaml source.
//
// It is a leaf package so that the database packages and the package that chooses among them can
// both import it.
//
// # Reading a table
//
//	ext, err := postgres.Open(ctx, src)
//	if err != nil {
//		return err
//	}
//	defer ext.Close()
//	table, err := ext.Describe(ctx, "customers")
//	if err != nil {
//		return err
//	}
//	snap, err := ext.Snapshot(ctx) // every read below sees the same data
//	if err != nil {
//		return err
//	}
//	defer snap.Close()
//	rows, err := snap.Extract(ctx, table, extract.ReadOptions{Partitions: 4}, func(ctx context.Context, rec arrow.RecordBatch) error {
//		return writer.Write(rec) // called by one goroutine at a time
//	})
//	fmt.Println(table.Name, rows, "rows at", snap.Position())
package extract
