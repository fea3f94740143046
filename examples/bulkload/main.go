// Command bulkload shows a full, observable bulk load: the Go form of the reference pipeline's
// jobs/direct_bulk_load.py, wired for monitoring as section 1 of the integration guide describes.
// It reads every table of one sources.yaml source through a single consistent snapshot, loads
// parallel_workers tables at once into Apache Iceberg with one commit per table (whose snapshot
// summary records the source, its change-history position and the job's correlation ID), retries a
// failed table max_retries times with backoff, emits the reference metrics and JSON events, runs
// the configured data-quality checks after each table and prints the metrics summary.
//
// It needs a sources.yaml (in --config-dir, else $CONFIG_DIR, else ./config) naming a reachable
// database (postgres, mysql or sqlite) and an Iceberg catalog (by default a SQL catalog in SQLite
// under ./warehouse, nothing to install):
//
//	go run ./examples/bulkload --source dev_mydb [--table-filter '^(customers|orders)$'] \
//		[--config-dir DIR] [--workers N] [--partitions N]
//
// It exits 0 when every table loaded and passed its checks, 1 when a table failed or a check
// with on_failure: fail failed, and 2 for bad flags or a bad configuration.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"golang.org/x/sync/errgroup"

	"github.com/etlwatch/etlwatch"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/extractors"
	"github.com/etlwatch/etlwatch/iceberg"
	"github.com/etlwatch/etlwatch/monitoring"
)

// Snapshot summary properties written with each table's commit.
const (
	propSource        = "etlwatch.source"
	propPosition      = "etlwatch.position"
	propCorrelationID = "etlwatch.correlation_id"
)

// retryBackoff is the wait before a table's first retry; it doubles on each further retry, up to
// maxRetryBackoff. A variable so that tests can shorten it.
var retryBackoff = time.Second

const maxRetryBackoff = 30 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

type flags struct {
	source      string
	tableFilter string
	configDir   string
	workers     int
	partitions  int
}

func parseFlags(args []string, stderr io.Writer) (flags, error) {
	var f flags
	fs := flag.NewFlagSet("bulkload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.source, "source", "", "the sources.yaml source to load (required)")
	fs.StringVar(&f.tableFilter, "table-filter", "", "a regular expression picking the tables; overrides bulk_load.table_filter")
	fs.StringVar(&f.configDir, "config-dir", "", "the directory holding sources.yaml (default $CONFIG_DIR, else ./config)")
	fs.IntVar(&f.workers, "workers", 0, "tables loaded at once; overrides bulk_load.parallel_workers")
	fs.IntVar(&f.partitions, "partitions", 0, "readers per table; overrides bulk_load.parallel_partitions")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	switch {
	case fs.NArg() > 0:
		return f, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	case f.source == "":
		return f, errors.New("--source is required")
	case f.workers < 0:
		return f, fmt.Errorf("--workers: found %d; allowed: 1 or more", f.workers)
	case f.partitions < 0:
		return f, fmt.Errorf("--partitions: found %d; allowed: 1 or more", f.partitions)
	}
	if f.tableFilter != "" {
		if _, err := regexp.Compile(f.tableFilter); err != nil {
			return f, fmt.Errorf("--table-filter: %w", err)
		}
	}
	return f, nil
}

// tableResult is the outcome of one table.
type tableResult struct {
	table    string
	ok       bool
	records  int64
	err      error
	dqFailed bool // a data-quality check failed with on_failure: fail
}

// run is the program; it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "bulkload:", err)
		return 2
	}
	cfg, err := configloader.Load(f.configDir)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	src, err := cfg.Source(f.source)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	bl := src.BulkLoad
	if f.workers > 0 {
		bl.ParallelWorkers = f.workers
	}
	if f.partitions > 0 {
		bl.ParallelPartitions = f.partitions
	}
	if f.tableFilter != "" {
		bl.TableFilter = f.tableFilter
	}

	p, err := etlwatch.New(ctx, "bulk_load", src, etlwatch.WithLogOutput(stdout))
	if err != nil {
		fmt.Fprintln(stderr, "bulkload:", err)
		return 1
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := p.Shutdown(sctx); err != nil {
			fmt.Fprintln(stderr, "bulkload: shutdown:", err)
		}
	}()
	ctx = p.Context()
	log := p.Logger.Slog()

	j := &job{p: p, src: src, bl: bl, log: log}
	if err := j.open(ctx); err != nil {
		log.ErrorContext(ctx, "bulk load could not start", "error", err)
		fmt.Fprintln(stderr, "bulkload:", err)
		j.close()
		return 1
	}
	defer j.close()
	return j.run(ctx, stdout)
}

// job holds what the tables of one run share.
type job struct {
	p   *etlwatch.Pipeline
	src *configloader.Source
	bl  configloader.BulkLoad
	log *slog.Logger

	ext    extractors.Extractor
	snap   extractors.Snapshot
	tm     *iceberg.TableManager
	closer func() error
	tables []string
}

func (j *job) open(ctx context.Context) error {
	var err error
	j.ext, err = extractors.Open(ctx, j.src, extractors.WithLogger(j.log))
	if err != nil {
		return fmt.Errorf("open extractor: %w", err)
	}
	cat, err := iceberg.OpenCatalog(ctx, j.src.Iceberg)
	if err != nil {
		return fmt.Errorf("open iceberg catalog: %w", err)
	}
	if c, ok := cat.(interface{ Close() error }); ok {
		j.closer = c.Close
	}
	ns := cmp.Or(j.bl.Namespace, j.src.Iceberg.Namespace, j.src.Name)
	j.tm = iceberg.NewTableManager(cat, ns, iceberg.WithLogger(j.log))

	all, err := j.ext.Tables(ctx)
	if err != nil {
		return fmt.Errorf("list tables: %w", err)
	}
	j.tables, err = selectTables(all, j.bl.Tables, j.bl.TableFilter)
	if err != nil {
		return err
	}
	j.snap, err = j.ext.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("start snapshot: %w", err)
	}
	return nil
}

func (j *job) close() {
	if j.snap != nil {
		_ = j.snap.Close()
	}
	if j.ext != nil {
		_ = j.ext.Close()
	}
	if j.closer != nil {
		_ = j.closer()
	}
}

// selectTables returns the configured tables (all when none are), kept by filter when set.
func selectTables(all, configured []string, filter string) ([]string, error) {
	tables := all
	if len(configured) > 0 {
		tables = configured
	}
	if filter == "" {
		return tables, nil
	}
	re, err := regexp.Compile(filter)
	if err != nil {
		return nil, fmt.Errorf("table filter: %w", err)
	}
	var out []string
	for _, t := range tables {
		if re.MatchString(t) {
			out = append(out, t)
		}
	}
	return out, nil
}

func (j *job) run(ctx context.Context, stdout io.Writer) int {
	start := time.Now()
	j.p.Logger.LogJobStart(ctx, monitoring.Details{
		"parallel_workers":    j.bl.ParallelWorkers,
		"parallel_partitions": j.bl.ParallelPartitions,
		"tables_to_process":   len(j.tables),
		"position":            j.snap.Position().String(),
	})
	j.log.InfoContext(ctx, fmt.Sprintf("bulk load of %d tables at %s, %d at once",
		len(j.tables), j.snap.Position(), j.bl.ParallelWorkers))

	results := make([]tableResult, len(j.tables))
	var g errgroup.Group // tables fail on their own: one failure must not cancel the others
	g.SetLimit(j.bl.ParallelWorkers)
	for i, t := range j.tables {
		g.Go(func() error {
			results[i] = j.processTable(ctx, t)
			return nil
		})
	}
	_ = g.Wait()

	var (
		completed int
		records   int64
		failed    = []string{}
		dqFailed  = []string{}
	)
	for _, r := range results {
		if r.ok {
			completed++
			records += r.records
		} else {
			failed = append(failed, r.table)
		}
		if r.dqFailed {
			dqFailed = append(dqFailed, r.table)
		}
	}
	d := time.Since(start)
	j.p.Metrics.EmitCounter(ctx, "job_tables_processed", float64(completed), nil)
	j.p.Metrics.EmitCounter(ctx, "job_records_processed", float64(records), nil)
	j.p.Metrics.EmitDuration(ctx, "job_duration", d, nil)
	j.p.Logger.LogJobComplete(ctx, completed, records, d, monitoring.Details{
		"failed_tables":      len(failed),
		"failed_table_names": failed,
		"dq_failed_tables":   dqFailed,
	})

	if summary, err := json.Marshal(j.p.Metrics.Summary()); err != nil {
		j.log.ErrorContext(ctx, "metrics summary", "error", err)
	} else {
		fmt.Fprintf(stdout, "metrics summary: %s\n", summary)
	}

	if len(failed) == 0 && len(dqFailed) == 0 {
		j.log.InfoContext(ctx, fmt.Sprintf("bulk load complete: %d tables, %d records in %s",
			completed, records, d.Round(time.Millisecond)))
		return 0
	}
	j.log.ErrorContext(ctx, fmt.Sprintf("bulk load FAILED: %d of %d tables loaded; failed tables: [%s]; failed data-quality checks: [%s]",
		completed, len(j.tables), strings.Join(failed, ", "), strings.Join(dqFailed, ", ")))
	return 1
}

// processTable loads one table with retries, then runs its data-quality checks.
func (j *job) processTable(ctx context.Context, name string) tableResult {
	res := tableResult{table: name}
	dims := monitoring.Dimensions{"table": name}
	pos := j.snap.Position().String()
	for attempt := 0; ; attempt++ {
		start := time.Now()
		j.p.Logger.LogTableStart(ctx, name, monitoring.Details{
			"parallel_partitions": j.bl.ParallelPartitions,
			"position":            pos,
			"attempt":             attempt + 1,
		})
		j.log.InfoContext(ctx, fmt.Sprintf("%s: loading (attempt %d of %d)", name, attempt+1, j.bl.MaxRetries+1))
		rows, err := j.loadTable(ctx, name)
		if err == nil {
			d := time.Since(start)
			j.p.Metrics.EmitCounter(ctx, "table_processed", 1, dims)
			j.p.Metrics.EmitCounter(ctx, "records_processed", float64(rows), dims)
			j.p.Metrics.EmitDuration(ctx, "table_load_duration", d, dims)
			j.p.Metrics.EmitSuccess(ctx, "table_load", dims)
			j.p.Logger.LogTableComplete(ctx, name, rows, d, monitoring.Details{"position": pos})
			j.log.InfoContext(ctx, fmt.Sprintf("%s: loaded %d records in %s", name, rows, d.Round(time.Millisecond)))
			res.ok, res.records = true, rows
			break
		}
		remaining := j.bl.MaxRetries - attempt
		j.p.Metrics.EmitFailure(ctx, "table_load", errorType(err), dims)
		j.p.Logger.LogTableFailure(ctx, name, err, monitoring.Details{"retries_remaining": remaining})
		j.log.WarnContext(ctx, fmt.Sprintf("%s: attempt %d failed: %v", name, attempt+1, err))
		if remaining <= 0 || ctx.Err() != nil {
			res.err = err
			return res
		}
		if err := sleep(ctx, backoff(attempt)); err != nil {
			res.err = err
			return res
		}
	}
	res.dqFailed = j.checkQuality(ctx, name)
	return res
}

// checkQuality runs the configured checks on a loaded table and reports whether one failed with
// on_failure: fail. The row count compares the snapshot's count with the destination's.
func (j *job) checkQuality(ctx context.Context, name string) bool {
	dq := j.src.DataQuality
	dest := j.tm.Dataset(name)
	var results []dataquality.Result
	if dq.CheckRowCount {
		results = append(results, j.p.Checker.RowCount(ctx, name,
			snapshotCount{j.snap, name}, dest, dq.RowCountTolerance))
	}
	rest := dq
	rest.CheckRowCount = false
	if needsMoreChecks(rest, name) {
		source, err := j.ext.Dataset(ctx, name)
		if err != nil {
			j.log.ErrorContext(ctx, fmt.Sprintf("%s: data-quality checks could not run: %v", name, err))
			return dq.OnFailure == "fail"
		}
		results = append(results, j.p.Checker.Run(ctx, name, rest, source, dest).Results...)
	}
	report := dataquality.Report{Table: name, Results: results, OnFailure: dq.OnFailure}
	if err := report.Err(); err != nil {
		j.log.ErrorContext(ctx, fmt.Sprintf("%s: DATA QUALITY FAILED: %v", name, err))
		return true
	}
	if !report.Passed() {
		j.log.WarnContext(ctx, fmt.Sprintf("%s: DATA QUALITY ISSUE (on_failure: warn)", name))
	}
	return false
}

// needsMoreChecks reports whether cfg asks for a check beyond the row count on table.
func needsMoreChecks(cfg configloader.DataQuality, table string) bool {
	for t, cols := range cfg.RequiredColumns {
		if strings.EqualFold(t, table) && len(cols) > 0 {
			return true
		}
	}
	return slices.ContainsFunc(cfg.ChecksumTables, func(t string) bool { return strings.EqualFold(t, table) })
}

// snapshotCount is a table of the job's snapshot as a dataquality.Dataset: its rows as of the
// position the load read at.
type snapshotCount struct {
	snap  extractors.Snapshot
	table string
}

func (s snapshotCount) RowCount(ctx context.Context) (int64, error) {
	return s.snap.RowCount(ctx, s.table)
}

// loadTable reads name from the snapshot and writes it to Iceberg in one commit.
func (j *job) loadTable(ctx context.Context, name string) (int64, error) {
	desc, err := j.ext.Describe(ctx, name)
	if err != nil {
		return 0, fmt.Errorf("describe: %w", err)
	}
	tbl, err := j.tm.EnsureTable(ctx, name, desc.Schema)
	if err != nil {
		return 0, fmt.Errorf("ensure iceberg table: %w", err)
	}
	props := map[string]string{
		propSource:        j.src.Name,
		propPosition:      j.snap.Position().String(),
		propCorrelationID: j.p.CorrelationID(),
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	batches, wait := stream(ctx, func(ctx context.Context, fn func(context.Context, arrow.RecordBatch) error) (int64, error) {
		return j.snap.Extract(ctx, desc, extractors.ReadOptions{Partitions: j.bl.ParallelPartitions}, fn)
	})
	res, err := j.tm.Write(ctx, tbl, desc.Schema, batches, props)
	cancel(errWriteDone)
	extracted, extractErr := wait()
	if err != nil {
		return 0, fmt.Errorf("write: %w", err)
	}
	if extractErr != nil { // cannot happen: Write sees the extraction error
		return 0, fmt.Errorf("extract: %w", extractErr)
	}
	if extracted != res.Rows {
		return 0, fmt.Errorf("extracted %d rows but wrote %d", extracted, res.Rows)
	}
	return res.Rows, nil
}

var errWriteDone = errors.New("write finished")

// stream bridges a push-style extraction (which calls fn with each batch) to the pull-style
// sequence TableManager.Write reads. The extraction runs in its own goroutine and hands over one
// batch at a time through an unbuffered channel, so at most one batch waits between them. Each
// batch is retained before it is handed over, and released by Write or, when the handover is
// abandoned, here. An extraction error is yielded as the sequence's last element. The sequence may
// be ranged over once; wait, called after ctx is done or the sequence is exhausted, waits for the
// extraction and returns its row count and error.
func stream(ctx context.Context, extract func(context.Context, func(context.Context, arrow.RecordBatch) error) (int64, error),
) (seq func(yield func(arrow.RecordBatch, error) bool), wait func() (int64, error)) {
	ch := make(chan arrow.RecordBatch)
	done := make(chan struct{})
	var (
		rows int64
		err  error
	)
	var once sync.Once
	start := func() {
		go func() {
			defer close(done)
			defer close(ch)
			rows, err = extract(ctx, func(ctx context.Context, rec arrow.RecordBatch) error {
				rec.Retain()
				select {
				case ch <- rec:
					return nil
				case <-ctx.Done():
					rec.Release()
					return context.Cause(ctx)
				}
			})
		}()
	}
	seq = func(yield func(arrow.RecordBatch, error) bool) {
		started := false
		once.Do(func() { start(); started = true })
		if !started {
			yield(nil, errors.New("bulkload: batch stream ranged over twice"))
			return
		}
		for rec := range ch {
			if !yield(rec, nil) {
				return // the goroutine sees ctx cancelled by the caller and stops
			}
		}
		<-done
		if err != nil {
			yield(nil, err)
		}
	}
	wait = func() (int64, error) {
		started := true
		once.Do(func() { started = false })
		if !started {
			return 0, nil
		}
		<-done
		return rows, err
	}
	return seq, wait
}

// errorType is the error_type of the failure metric: the Go type of err's root cause, the same
// value LogTableFailure puts in its event (like type(e).__name__ in the reference).
func errorType(err error) string {
	for {
		var next error
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			next = u.Unwrap()
		case interface{ Unwrap() []error }:
			if errs := u.Unwrap(); len(errs) > 0 {
				next = errs[0]
			}
		}
		if next == nil {
			return fmt.Sprintf("%T", err)
		}
		err = next
	}
}

func backoff(attempt int) time.Duration {
	d := retryBackoff << attempt
	if d <= 0 || d > maxRetryBackoff {
		d = maxRetryBackoff
	}
	return d
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
