// Command bulkload shows a full, observable bulk load: the Go form of the reference pipeline's
// bulk load (jobs/direct_bulk_load.py, see the README on "the reference"), with job and table
// events, load metrics and data-quality checks around every table.
// It reads every table of one sources.yaml source through a single consistent snapshot, loads
// parallel_workers tables at once into Apache Iceberg with one commit per table (whose snapshot
// summary records the source, its change-history position and the job's correlation ID), retries a
// failed table max_retries times with backoff, emits the reference metrics and JSON events, runs
// the configured data-quality checks after each table and prints the metrics summary. On a terminal
// each running table has a live progress bar (rows, rows/s, ETA from the source's row count);
// otherwise its progress is a log line every 10 s (--progress auto|bars|log|off). On a terminal
// its JSON events go to a file (--events) and the screen keeps the bars and the summary; piped,
// stdout carries the JSON events only and the summary goes to stderr. The load itself
// lives in internal/bulkload, which examples/quickstart shares. With OPENLINEAGE_URL or a lineage:
// section it also sends OpenLineage events: the job's run and one child run per table, with the
// source and Iceberg tables, their schemas, the rows loaded, column lineage and the checks'
// results (docs/lineage.md).
//
// It needs a sources.yaml (in --config-dir, else $CONFIG_DIR, else ./config) naming a reachable
// database (postgres, mysql or sqlite) and an Iceberg catalog (by default a SQL catalog in SQLite
// under ./warehouse, nothing to install):
//
//	go run ./examples/bulkload --source dev_mydb [--table-filter '^(customers|orders)$'] \
//		[--config-dir DIR] [--workers N] [--partitions N] [--progress auto]
//
// It exits 0 when every table loaded and passed its checks, 1 when a table failed, a check
// with on_failure: fail failed or the load could not start (such as a database that does not
// answer within connection.connect_timeout), and 2 for bad flags, a bad configuration or a
// table filter that matches no table.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/etlwatch/etlwatch/internal/bulkload"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := bulkload.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
