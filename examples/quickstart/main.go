// Command quickstart shows the etlwatch core at work on a small simulated load, with nothing to
// install and no server: a job with a correlation ID extracts three in-memory tables with two
// workers, counts rows through bound counters, retries a transient failure, writes the reference
// JSON job and table events, exports METRIC: lines through the log sink, and prints the metrics
// summary.
//
// It needs only Go:
//
//	go run ./examples/quickstart
//
// Flags: -workers N (default 2), -console (reference text format for events instead of JSON),
// -env ENV (default $ETL_ENVIRONMENT, else dev).
//
// It stands in for the bulk load into Iceberg that examples/quickstart will run once the extractor
// and Iceberg packages exist.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/etlwatch/etlwatch/correlation"
	"github.com/etlwatch/etlwatch/monitoring"
)

type options struct {
	workers int
	console bool
	env     string
}

func main() {
	var o options
	flag.IntVar(&o.workers, "workers", 2, "parallel workers")
	flag.BoolVar(&o.console, "console", false, "write events in the reference console format")
	flag.StringVar(&o.env, "env", "", "environment (default $ETL_ENVIRONMENT, else dev)")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, o); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// table is a simulated source table: rows arrive in batches; failFirst makes the first attempt fail.
type table struct {
	name      string
	rows      int
	batch     int
	failFirst bool
}

var tables = []table{
	{name: "CUSTOMERS", rows: 1000, batch: 250},
	{name: "ORDERS", rows: 5000, batch: 1000, failFirst: true},
	{name: "ORDER_ITEMS", rows: 12000, batch: 2000},
}

// errTimeout is the transient error the simulated ORDERS extract hits once.
var errTimeout = errors.New("connection timeout while reading ORDERS")

func run(ctx context.Context, out io.Writer, o options) error {
	if o.workers < 1 {
		return fmt.Errorf("-workers %d: must be at least 1", o.workers)
	}
	ctx, _ = correlation.Ensure(ctx)

	var envOpt []monitoring.Option
	var logOpts []monitoring.LoggerOption
	if o.env != "" {
		envOpt = append(envOpt, monitoring.WithEnvironment(o.env))
		logOpts = append(logOpts, monitoring.WithEnvironment(o.env))
	}
	w := &syncWriter{w: out}
	metrics, err := monitoring.NewMetricsCollector("bulk_load", "quickstart",
		append(envOpt, monitoring.WithSinks(monitoring.NewLogSink(w)))...)
	if err != nil {
		return err
	}
	if o.console {
		logOpts = append(logOpts, monitoring.WithHandler(monitoring.NewConsoleHandler(w, nil)))
	} else {
		logOpts = append(logOpts, monitoring.WithOutput(w))
	}
	events := monitoring.NewStructuredLogger("bulk_load", "quickstart", logOpts...)

	start := time.Now()
	events.LogJobStart(ctx, monitoring.Details{"parallel_workers": o.workers, "tables_to_process": len(tables)})

	type result struct {
		ok      bool
		records int64
	}
	results := make([]result, len(tables))
	work := make(chan int)
	var wg sync.WaitGroup
	for n := range o.workers {
		wg.Go(func() {
			wctx := monitoring.ContextWithWorker(ctx, fmt.Sprintf("worker-%d", n+1))
			for i := range work {
				records, err := loadTable(wctx, metrics, events, tables[i], 2)
				results[i] = result{ok: err == nil, records: records}
			}
		})
	}
	for i := range tables {
		work <- i
	}
	close(work)
	wg.Wait()

	var done int
	var total int64
	for _, r := range results {
		if r.ok {
			done++
			total += r.records
		}
	}
	d := time.Since(start)
	metrics.EmitCounter(ctx, "job_tables_processed", float64(done), nil)
	metrics.EmitCounter(ctx, "job_records_processed", float64(total), nil)
	metrics.EmitDuration(ctx, "job_duration", d, nil)
	events.LogJobComplete(ctx, done, total, d, monitoring.Details{"failed_tables": len(tables) - done})

	if err := metrics.Shutdown(ctx); err != nil {
		return fmt.Errorf("flush metrics: %w", err)
	}
	fmt.Fprintf(w, "Metrics Summary: %s\n", metrics.Summary())
	if done != len(tables) {
		return fmt.Errorf("%d of %d tables failed", len(tables)-done, len(tables))
	}
	return nil
}

// loadTable "extracts" t with retries, the way the reference pipeline's process_single_table does.
func loadTable(ctx context.Context, metrics *monitoring.MetricsCollector, events *monitoring.StructuredLogger, t table, maxRetries int) (int64, error) {
	dims := monitoring.Dimensions{"table": t.name}
	rows := metrics.Counter("records_processed", dims)
	batchTime := metrics.Timer("batch_duration", dims)
	for attempt := 0; ; attempt++ {
		start := time.Now()
		events.LogTableStart(ctx, t.name, monitoring.Details{"attempt": attempt + 1})
		var n int64
		var err error
		for off := 0; off < t.rows; off += t.batch {
			bstart := time.Now()
			if t.failFirst && attempt == 0 && off >= t.rows/2 {
				err = errTimeout
				break
			}
			size := min(t.batch, t.rows-off)
			time.Sleep(time.Millisecond) // the simulated read
			n += int64(size)
			batchTime.Since(bstart)
		}
		if err != nil {
			metrics.EmitFailure(ctx, "table_load", "connection_timeout", dims)
			events.LogTableFailure(ctx, t.name, err, monitoring.Details{"retries_remaining": maxRetries - (attempt + 1)})
			if attempt+1 < maxRetries {
				continue
			}
			return 0, err
		}
		d := time.Since(start)
		rows.Add(n)
		metrics.EmitCounter(ctx, "table_processed", 1, dims)
		metrics.EmitDuration(ctx, "table_load_duration", d, dims)
		metrics.EmitSuccess(ctx, "table_load", dims)
		events.LogTableComplete(ctx, t.name, n, d, nil)
		return n, nil
	}
}

// syncWriter lets the event handler and the metric sink share one output without interleaving lines.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
