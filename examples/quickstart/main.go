// Command quickstart shows the whole SDK on a fresh machine: it creates an embedded SQLite sample
// shop database (customers, orders, order_items), bulk loads it into Apache Iceberg tables in a
// local warehouse with the monitored bulk load of examples/bulkload (one snapshot, one commit per
// table recording the source position, reference metrics and JSON events, row-count and
// required-columns checks, a Prometheus /metrics and /health server while the job runs), then
// reconciles the orders table row by row, SQLite against the Iceberg table, by checksums of key
// ranges, and prints what it did and where to look.
//
// It needs nothing but Go: no database server, no Iceberg catalog service, no cloud account.
//
//	go run ./examples/quickstart [-dir ./quickstart-data] [-rows 100000] [-listen 127.0.0.1:8083] [-serve-for 0s]
//
// The data directory is reused when it exists: the sample database is kept and the warehouse
// (DIR/warehouse) is loaded afresh. A busy -listen port is reported and skipped, not fatal; the
// server listens on the loopback interface only unless -listen says otherwise (-listen :8083 for
// every interface; the address goes to monitoring.prometheus.listen in the generated sources.yaml).
// -serve-for keeps /metrics and /health up that long after the load, for curl. It exits 0 when
// the load, its checks and the reconciliation passed, 1 when not, 2 for bad flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/extractors/sqlite"
	"github.com/etlwatch/etlwatch/internal/bulkload"
	"github.com/etlwatch/etlwatch/monitoring/prom"
)

const (
	sourceName     = "quickstart"
	reconcileTable = "orders"
	reconcileKey   = "id"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

type options struct {
	dir      string
	rows     int
	listen   string
	serveFor time.Duration
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.dir, "dir", "quickstart-data", "the data directory (sample database, sources.yaml, warehouse); reused when it exists")
	fs.IntVar(&o.rows, "rows", 100_000, "rows of the sample database, all tables together, when it is created")
	fs.StringVar(&o.listen, "listen", prom.DefaultAddr, "the address of the /metrics and /health server (\":8083\" for every interface); a busy port is reported and skipped")
	fs.DurationVar(&o.serveFor, "serve-for", 0, "how long to keep serving /metrics and /health after the load")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	case o.rows < 3:
		return o, fmt.Errorf("-rows: found %d; allowed: 3 or more", o.rows)
	case o.dir == "":
		return o, errors.New("-dir: found an empty path; allowed: a directory path")
	case o.serveFor < 0:
		return o, fmt.Errorf("-serve-for: found %s; allowed: 0 or more", o.serveFor)
	}
	return o, nil
}

// run is the program; it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "quickstart:", err)
		return 2
	}
	dir, err := filepath.Abs(o.dir)
	if err != nil {
		fmt.Fprintln(stderr, "quickstart:", err)
		return 1
	}
	db, created, err := prepare(ctx, dir, o)
	if err != nil {
		fmt.Fprintln(stderr, "quickstart:", err)
		return 1
	}
	warehouse := filepath.Join(dir, "warehouse")

	var sum summary
	code := bulkload.RunConfig(ctx, bulkload.Config{
		Source:    sourceName,
		ConfigDir: dir,
		AfterLoad: func(ctx context.Context, l *bulkload.Loaded) error {
			sum.loaded = l
			sum.reconcile = reconcile(ctx, l)
			sum.metricsURL, sum.healthURL = urls(l)
			sum.skipped = l.Pipeline.Skipped()
			if !sum.reconcile.Passed {
				return fmt.Errorf("reconcile %s: %s", reconcileTable, resultText(sum.reconcile))
			}
			if o.serveFor > 0 && sum.metricsURL != "" {
				fmt.Fprintf(stdout, "serving %s and %s for %s\n", sum.metricsURL, sum.healthURL, o.serveFor)
				t := time.NewTimer(o.serveFor)
				defer t.Stop()
				select {
				case <-t.C:
				case <-ctx.Done():
				}
			}
			return nil
		},
	}, stdout, stderr)

	fmt.Fprintln(stdout)
	fmt.Fprintln(stdout, "=== etlwatch quickstart ===")
	if created {
		fmt.Fprintf(stdout, "source:     created SQLite sample %s (%d rows)\n", db, o.rows)
	} else {
		fmt.Fprintf(stdout, "source:     reused SQLite sample %s\n", db)
	}
	fmt.Fprintf(stdout, "config:     %s\n", filepath.Join(dir, configloader.FileName))
	if l := sum.loaded; l != nil {
		fmt.Fprintf(stdout, "warehouse:  %s (Iceberg SQL catalog %s, namespace %q)\n",
			warehouse, filepath.Join(warehouse, "catalog.db"), l.Namespace)
		names := make([]string, 0, len(l.Rows))
		for t := range l.Rows {
			names = append(names, t)
		}
		slices.Sort(names)
		for _, t := range names {
			fmt.Fprintf(stdout, "loaded:     %-12s %8d rows\n", t, l.Rows[t])
		}
		note := ""
		if strings.HasPrefix(l.Position, "none") {
			note = "; SQLite keeps no change history to record"
		}
		fmt.Fprintf(stdout, "position:   %s (in each table's snapshot summary, etlwatch.position%s)\n", l.Position, note)
		fmt.Fprintf(stdout, "checks:     row counts and required columns passed (JSON events above)\n")
		fmt.Fprintf(stdout, "reconcile:  %s\n", resultText(sum.reconcile))
	}
	switch {
	case sum.metricsURL != "":
		fmt.Fprintf(stdout, "metrics:    %s and %s served while the job ran (-serve-for 5m keeps them up)\n",
			sum.metricsURL, sum.healthURL)
	case sum.loaded != nil:
		fmt.Fprintf(stdout, "metrics:    no /metrics server: %v\n", errors.Join(sum.skipped...))
	}
	if code != 0 {
		fmt.Fprintf(stdout, "result:     FAILED (exit %d); see the events above\n", code)
		return code
	}
	fmt.Fprintln(stdout, "result:     OK")
	return 0
}

// prepare creates dir, the sample database in it unless it exists, and sources.yaml, and removes
// the warehouse of an earlier run, which a new load would otherwise append to. It returns the
// database path and whether it was created.
func prepare(ctx context.Context, dir string, o options) (db string, created bool, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", false, fmt.Errorf("data directory: %w", err)
	}
	db = filepath.Join(dir, "shop.db")
	switch _, err := os.Stat(db); {
	case errors.Is(err, os.ErrNotExist):
		if err := sqlite.CreateSample(ctx, db, o.rows); err != nil {
			_ = os.Remove(db)
			return "", false, fmt.Errorf("create sample database: %w", err)
		}
		created = true
	case err != nil:
		return "", false, fmt.Errorf("sample database: %w", err)
	}
	warehouse := filepath.Join(dir, "warehouse")
	if err := os.RemoveAll(warehouse); err != nil {
		return "", false, fmt.Errorf("remove the previous warehouse: %w", err)
	}
	config := fmt.Sprintf(`# Written by examples/quickstart.
sources:
  %s:
    database_type: sqlite
    connection:
      database: %q
    bulk_load:
      parallel_workers: 3
      max_retries: 1
      namespace: shop
    iceberg:
      catalog: sql
      warehouse: %q
    data_quality:
      check_row_count: true
      required_columns:
        customers: [id, name]
        orders: [id, customer_id]
      on_failure: fail
    monitoring:
      prometheus:
        listen: %q
`, sourceName, db, warehouse, o.listen)
	if err := os.WriteFile(filepath.Join(dir, configloader.FileName), []byte(config), 0o644); err != nil {
		return "", false, fmt.Errorf("write %s: %w", configloader.FileName, err)
	}
	return db, created, nil
}

// summary is what the run did, for the closing report.
type summary struct {
	loaded     *bulkload.Loaded
	reconcile  dataquality.Result
	metricsURL string
	healthURL  string
	skipped    []error
}

// reconcile compares the source table reconcileTable, with its queries pushed down to SQLite,
// with the Iceberg table, whose checksums come from scans pruned by key range, and reports the
// result through the pipeline's checker.
func reconcile(ctx context.Context, l *bulkload.Loaded) dataquality.Result {
	source, err := l.Extractor.Dataset(ctx, reconcileTable)
	if err != nil {
		return dataquality.Result{Check: "reconcile", Table: reconcileTable, Err: fmt.Errorf("source dataset: %w", err)}
	}
	checker := l.Pipeline.Checker
	if checker == nil {
		checker = dataquality.NewChecker()
	}
	return checker.Reconcile(ctx, reconcileTable, source, l.Tables.Dataset(reconcileTable), dataquality.ReconcileOptions{Key: reconcileKey})
}

func resultText(r dataquality.Result) string {
	if r.Err != nil {
		return fmt.Sprintf("%s: %v", r.Table, r.Err)
	}
	return r.Details
}

// urls returns the /metrics and /health URLs of the pipeline's server, empty without one.
func urls(l *bulkload.Loaded) (metrics, health string) { return l.Pipeline.MetricsURLs() }
