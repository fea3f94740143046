// Command quickstart shows the whole SDK on a fresh machine: it creates an embedded SQLite sample
// shop database (customers, orders, order_items), bulk loads it into Apache Iceberg tables in a
// local warehouse with the monitored bulk load of examples/bulkload (one snapshot, one commit per
// table recording the source position, reference metrics and JSON events, row-count and
// required-columns checks, a Prometheus /metrics and /health server while the job runs), then
// reconciles the orders table row by row, SQLite against the Iceberg table, by checksums of key
// ranges, and prints what it did and where to look. On a terminal its JSON events go to a file
// and the screen keeps the progress bars and the summary; piped, stdout carries the JSON events
// only and the summary goes to stderr.
//
// With OPENLINEAGE_URL set (such as http://127.0.0.1:5000, where Marquez listens), or a lineage:
// section in the generated sources.yaml, the load also sends OpenLineage events: START and
// COMPLETE of the job and of each table, with schemas, row counts, column lineage and the
// checks' results. A receiver that is down never fails or holds up the load, one that hangs
// delays its end by at most 2 s; the summary says whether lineage was delivered.
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
//
// The anomaly monitors of data_quality.monitors: (volume, freshness, null rate of
// customers.email, schema drift) judge every load against the history kept in
// DIR/etlwatch-history.db, so each run of the quickstart adds to it; the summary shows their
// verdicts in words. -simulate-days N first records N nightly loads of the sample's tables (its
// row counts with a few percent of noise, the last one a day ago), so that the monitors have a
// history to judge against at once; -runs N loads N times in a row; -drop-rows TABLE deletes 90%
// of TABLE's rows from a copy of the sample that the last run loads, an injected anomaly the
// volume monitor reports:
//
//	go run ./examples/quickstart -simulate-days 21 -drop-rows orders
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
	"github.com/etlwatch/etlwatch/internal/cliusage"
	"github.com/etlwatch/etlwatch/internal/terminal"
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
	dir          string
	rows         int
	listen       string
	serveFor     time.Duration
	runs         int
	simulateDays int
	dropRows     string
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cliusage.Set(fs, usage)
	fs.StringVar(&o.dir, "dir", "quickstart-data", "the data directory (sample database, sources.yaml, warehouse); reused when it exists")
	fs.IntVar(&o.rows, "rows", 100_000, "rows of the sample database, all tables together, when it is created")
	fs.StringVar(&o.listen, "listen", prom.DefaultAddr, "the address of the /metrics and /health server (\":8083\" for every interface); a busy port is reported and skipped")
	fs.DurationVar(&o.serveFor, "serve-for", 0, "how long to keep serving /metrics and /health after the load")
	fs.IntVar(&o.runs, "runs", 1, "how many times to load, one after the other (each run adds to the monitors' history)")
	fs.IntVar(&o.simulateDays, "simulate-days", 0, "first record this many nightly loads in the monitors' history (the sample's counts with noise)")
	fs.StringVar(&o.dropRows, "drop-rows", "", "on the last run, load a copy of the sample with 90% of this table's rows deleted (customers, orders or order_items)")
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
	case o.runs < 1:
		return o, fmt.Errorf("-runs: found %d; allowed: 1 or more", o.runs)
	case o.simulateDays < 0 || o.simulateDays > 3650:
		return o, fmt.Errorf("-simulate-days: found %d; allowed: 0 to 3650", o.simulateDays)
	case o.dropRows != "" && !slices.Contains(sampleTables, o.dropRows):
		return o, fmt.Errorf("-drop-rows: found %q; allowed: %s", o.dropRows, strings.Join(sampleTables, ", "))
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
	if o.simulateDays > 0 {
		if err := simulateHistory(ctx, dir, db, o.simulateDays); err != nil {
			fmt.Fprintln(stderr, "quickstart:", err)
			return 1
		}
	}

	// What a person reads goes to the screen; piped, to stderr, and stdout carries the JSON
	// events only.
	human := terminal.Human(stdout, stderr)
	var sum summary
	var code int
	for i := range o.runs {
		if i > 0 {
			sum = summary{}
			fmt.Fprintf(human, "\n=== run %d of %d ===\n", i+1, o.runs)
		}
		source := db
		if i == o.runs-1 && o.dropRows != "" {
			if source, err = dropRows(ctx, dir, db, o.dropRows); err != nil {
				fmt.Fprintln(stderr, "quickstart:", err)
				return 1
			}
		}
		if err := writeConfig(dir, source, o); err != nil {
			fmt.Fprintln(stderr, "quickstart:", err)
			return 1
		}
		if err := os.RemoveAll(warehouse); err != nil {
			fmt.Fprintln(stderr, "quickstart: remove the previous warehouse:", err)
			return 1
		}
		code = loadOnce(ctx, dir, o, &sum, stdout, stderr, human)
		if code != 0 {
			break
		}
	}
	return report(human, dir, db, created, o, warehouse, &sum, code)
}

// loadOnce runs one monitored bulk load of the sample and fills sum; what a person reads while
// it serves goes to human.
func loadOnce(ctx context.Context, dir string, o options, sum *summary, stdout, stderr, human io.Writer) int {
	return bulkload.RunConfig(ctx, bulkload.Config{
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
				fmt.Fprintf(human, "serving %s and %s for %s\n", sum.metricsURL, sum.healthURL, o.serveFor)
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
}

// report prints the closing summary and returns the exit code.
func report(w io.Writer, dir, db string, created bool, o options, warehouse string, sum *summary, code int) int {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "=== etlwatch quickstart ===")
	if created {
		fmt.Fprintf(w, "source:     created SQLite sample %s (%d rows)\n", db, o.rows)
	} else {
		fmt.Fprintf(w, "source:     reused SQLite sample %s\n", db)
	}
	fmt.Fprintf(w, "config:     %s\n", filepath.Join(dir, configloader.FileName))
	if l := sum.loaded; l != nil {
		fmt.Fprintf(w, "warehouse:  %s (Iceberg SQL catalog %s, namespace %q)\n",
			warehouse, filepath.Join(warehouse, "catalog.db"), l.Namespace)
		names := make([]string, 0, len(l.Rows))
		for t := range l.Rows {
			names = append(names, t)
		}
		slices.Sort(names)
		for _, t := range names {
			fmt.Fprintf(w, "loaded:     %-12s %8d rows\n", t, l.Rows[t])
		}
		note := ""
		if strings.HasPrefix(l.Position, "none") {
			note = "; SQLite keeps no change history to record"
		}
		fmt.Fprintf(w, "position:   %s (in each table's snapshot summary, etlwatch.position%s)\n", l.Position, note)
		fmt.Fprintf(w, "checks:     row counts and required columns passed (their dq_check_complete events are with the JSON events)\n")
		fmt.Fprintf(w, "reconcile:  %s\n", resultText(sum.reconcile))
		printMonitors(w, dir, l)
	}
	switch {
	case sum.metricsURL != "":
		fmt.Fprintf(w, "metrics:    %s and %s served while the job ran (-serve-for 5m keeps them up)\n",
			sum.metricsURL, sum.healthURL)
	case sum.loaded != nil:
		fmt.Fprintf(w, "metrics:    no /metrics server: %v\n", errors.Join(sum.skipped...))
	}
	printLineage(w, sum)
	if code != 0 {
		fmt.Fprintf(w, "result:     FAILED (exit %d); see the JSON events\n", code)
		return code
	}
	fmt.Fprintln(w, "result:     OK")
	return 0
}

// prepare creates dir and the sample database in it unless it exists. It returns the database
// path and whether it was created.
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
	return db, created, nil
}

// writeConfig writes sources.yaml, loading the SQLite database db.
func writeConfig(dir, db string, o options) error {
	warehouse := filepath.Join(dir, "warehouse")
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
      monitors:
        volume: true
        freshness: true
        null_rate:
          customers: [email]
        schema_drift: warn
        on_anomaly: warn
    monitoring:
      prometheus:
        listen: %q
`, sourceName, db, warehouse, o.listen)
	if err := os.WriteFile(filepath.Join(dir, configloader.FileName), []byte(config), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", configloader.FileName, err)
	}
	return nil
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
