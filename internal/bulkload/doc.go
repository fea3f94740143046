// Package bulkload is the bulk load of examples/bulkload, shared with examples/quickstart: it
// reads every table of one sources.yaml source through a single consistent snapshot, loads
// parallel_workers tables at once into Apache Iceberg with one commit per table (whose snapshot
// summary records the source, its change-history position and the job's correlation ID), retries a
// failed table max_retries times with backoff, emits the reference metrics and JSON events, runs
// the configured data-quality checks after each table and prints the metrics summary.
//
// [Run] is the command line of examples/bulkload; [RunConfig] is the same run without flags, with
// [Config.AfterLoad] to work on the loaded tables while the pipeline is still up:
//
//	code := bulkload.RunConfig(ctx, bulkload.Config{
//		Source:    "dev_mydb",
//		ConfigDir: dir,
//		AfterLoad: func(ctx context.Context, l *bulkload.Loaded) error {
//			fmt.Println(l.Rows, l.Position) // rows by table, the snapshot position
//			return nil
//		},
//	}, os.Stdout, os.Stderr)
//
// # Exit codes
//
// 0 when every table loaded and passed its checks, 1 when a table failed, a check with
// on_failure: fail failed or AfterLoad returned an error, 2 for bad flags or a bad configuration.
package bulkload
