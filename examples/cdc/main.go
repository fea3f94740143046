// Command cdc shows the CDC consumer of package cdc: Debezium change events from Kafka applied
// to Apache Iceberg tables exactly once, with the cdc_* metrics and cdc_batch_complete events,
// Prometheus /metrics and /health.
//
// With --source it is the consumer of one sources.yaml source: it needs a Kafka cluster carrying
// Debezium topics (cdc.brokers, or --brokers host:port,... which overrides it; cdc.topics or
// cdc.topic_prefix; cdc.group_id) and the Iceberg catalog of the source's iceberg section,
// usually the one its bulk load wrote. It runs until SIGINT or SIGTERM (exit 0); a batch that
// cannot be committed to Iceberg stops it with exit 1. Its JSON events go to stdout; the line
// that says what it consumes goes to the terminal, or to stderr when stdout is piped.
//
//	go run ./examples/cdc --source dev_mydb [--config-dir ./config] [--brokers localhost:9092]
//
// With --demo it needs nothing but Go: it starts an in-process Kafka cluster (kfake), creates the
// quickstart's SQLite sample shop database, bulk-loads it into a local Iceberg warehouse, then
// changes the database (inserts, updates, deletes, a truncate of orders followed by re-inserts,
// and ALTER TABLE customers ADD COLUMN) while producing the Debezium event of each change (JSON
// converter with schemas, key messages, tombstones after deletes) and consuming them into
// Iceberg. When the tables hold every produced offset, it reconciles each table, SQLite against
// Iceberg, with the pipeline's data-quality checker (checksums by key range, and row counts) and
// prints a summary. On a terminal its JSON events go to cdc-events.jsonl in the data directory
// (--events FILE chooses another; "-" is stdout) and the screen keeps the summary; piped, stdout
// carries the JSON events only and the summary goes to stderr. /metrics and /health are served while it runs. It exits 0 when every
// reconciliation passed and 1 when not; --keep-serving keeps serving after that until a signal.
// The data directory is recreated on each run.
//
//	go run ./examples/cdc --demo [--dir ./cdc-demo-data] [--listen 127.0.0.1:8083] [--keep-serving]
//
// With --healthcheck it GETs the /health of a running consumer or demo at --listen (default
// 127.0.0.1:8083, the port of monitoring.prometheus.listen) and exits 0 when it is healthy, 1 when
// not: the health check of the container image, which has no curl.
//
// Bad flags exit 2.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/internal/cliusage"
	"github.com/etlwatch/etlwatch/internal/healthcheck"
	"github.com/etlwatch/etlwatch/internal/terminal"
	"github.com/etlwatch/etlwatch/monitoring/prom"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

type options struct {
	// The consumer of a source.
	source    string
	configDir string
	brokers   string

	// The demo.
	demo        bool
	dir         string
	listen      string
	keepServing bool
	rows        int
	changes     int
	batchSize   int
	interval    time.Duration
	deletes     string
	events      string
	// terminal is whether stdout is a terminal: the demo's events then go to a file.
	terminal bool

	healthcheck bool
}

// usage is what -h prints before the flags.
const usage = `cdc applies Debezium change events from Kafka to Apache Iceberg tables exactly once, with
metrics, JSON events, /metrics and /health. With --source it consumes one sources.yaml source
until SIGINT or SIGTERM; with --demo it needs nothing but Go: an in-process Kafka, a SQLite
sample bulk-loaded to a local warehouse, changes, then a reconciliation of every table.

Example:
  cdc --demo --dir ./cdc-demo-data --listen 127.0.0.1:8083

Exit codes: 0 stopped by a signal, or the demo's tables all reconciled; 1 a batch could not be
committed, or a reconciliation failed (or --healthcheck found it unhealthy); 2 bad flags.
`

// eventsFile is where the demo's JSON events go on a terminal, in its data directory.
const eventsFile = "cdc-events.jsonl"

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("cdc", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cliusage.Set(fs, usage)
	fs.StringVar(&o.source, "source", "", "the sources.yaml source whose cdc section to consume (required without --demo)")
	fs.StringVar(&o.configDir, "config-dir", "", "the directory holding sources.yaml (default $CONFIG_DIR, else ./config)")
	fs.StringVar(&o.brokers, "brokers", "", "Kafka brokers, host:port,...; overrides cdc.brokers")
	fs.BoolVar(&o.demo, "demo", false, "run the self-contained demo: kfake, SQLite sample, bulk load, changes, consumer, reconciliation")
	fs.StringVar(&o.dir, "dir", "cdc-demo-data", "demo: the data directory (sample database, sources.yaml, warehouse); recreated on each run")
	fs.StringVar(&o.listen, "listen", prom.DefaultAddr, "demo: the address of the /metrics and /health server (\":8083\" for every interface); a busy port is reported and skipped")
	fs.BoolVar(&o.keepServing, "keep-serving", false, "demo: keep serving /metrics and /health after the end, until SIGINT or SIGTERM")
	fs.IntVar(&o.rows, "rows", 5000, "demo: rows of the sample database, all tables together")
	fs.IntVar(&o.changes, "changes", 3000, "demo: change events to produce")
	fs.IntVar(&o.batchSize, "batch-size", 500, "demo: cdc.batch_size, the most records one batch holds")
	fs.DurationVar(&o.interval, "commit-interval", time.Second, "demo: cdc.commit_interval, the longest a change waits for its batch's commit (the consumer's default is 10s)")
	fs.StringVar(&o.deletes, "deletes", configloader.DeletesEquality, "demo: cdc.deletes, how a commit removes the rows it replaces: equality or vectors (deletion vectors, Iceberg v3 tables)")
	fs.StringVar(&o.events, "events", "", "demo: append the JSON events to this file (\"-\": stdout); default stdout, or DIR/"+eventsFile+" on a terminal")
	fs.BoolVar(&o.healthcheck, "healthcheck", false, "GET the /health of the consumer or demo serving at --listen, exit 0 when healthy, 1 when not")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.healthcheck {
		if fs.NArg() > 0 {
			return o, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
		}
		return o, nil
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	only := func(names []string, mode string) error {
		for _, n := range names {
			if set[n] {
				return fmt.Errorf("--%s: allowed only %s", n, mode)
			}
		}
		return nil
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	case o.demo:
		if err := only([]string{"source", "config-dir", "brokers"}, "without --demo"); err != nil {
			return o, err
		}
	default:
		if err := only([]string{"dir", "listen", "keep-serving", "rows", "changes", "batch-size", "commit-interval", "deletes", "events"}, "with --demo"); err != nil {
			return o, err
		}
		if o.source == "" {
			return o, errors.New("--source is required (or --demo)")
		}
		if set["brokers"] && len(splitList(o.brokers)) == 0 {
			return o, fmt.Errorf("--brokers: found %q; allowed: host:port,...", o.brokers)
		}
		return o, nil
	}
	switch {
	case o.dir == "":
		return o, errors.New("--dir: found an empty path; allowed: a directory path")
	case o.rows < 30:
		return o, fmt.Errorf("--rows: found %d; allowed: 30 or more", o.rows)
	case o.changes < 20:
		return o, fmt.Errorf("--changes: found %d; allowed: 20 or more", o.changes)
	case o.batchSize < 1:
		return o, fmt.Errorf("--batch-size: found %d; allowed: 1 or more", o.batchSize)
	case o.interval <= 0:
		return o, fmt.Errorf("--commit-interval: found %s; allowed: a duration greater than zero, such as 1s", o.interval)
	case !slices.Contains(configloader.CDCDeletes(), o.deletes):
		return o, fmt.Errorf("--deletes: found %q; allowed: %s", o.deletes, strings.Join(configloader.CDCDeletes(), " or "))
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
		fmt.Fprintln(stderr, "cdc:", err)
		return 2
	}
	if o.healthcheck {
		return healthcheck.Run(ctx, o.listen, stderr)
	}
	o.terminal = terminal.Is(stdout)
	// The pipeline's logger writes from the consumer's goroutines too (the Kafka client's
	// callbacks): every write to stdout and stderr goes through one lock each.
	stdout, stderr = &lockedWriter{w: stdout}, &lockedWriter{w: stderr}
	if o.demo {
		return demo(ctx, o, stdout, stderr)
	}
	return consume(ctx, o, stdout, stderr)
}

// lockedWriter serialises the writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Unwrap returns the writer l locks, so that terminal.Is sees whether it is a terminal.
func (l *lockedWriter) Unwrap() io.Writer { return l.w }
