package bulkload

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/etlwatch/etlwatch"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/extractors"
	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/iceberg"
	"github.com/etlwatch/etlwatch/internal/terminal"
	"github.com/etlwatch/etlwatch/monitoring"
)

// Snapshot summary properties written with each table's commit.
const (
	propSource        = iceberg.PropSource
	propPosition      = iceberg.PropPosition
	propCorrelationID = iceberg.PropCorrelationID
	// propTransactions is PostgreSQL's transaction snapshot of the load ("xmin:xmax:xip,..."):
	// the CDC consumer skips exactly the changes of the transactions it shows as committed.
	propTransactions = iceberg.PropPGSnapshot
)

// retryBackoff is the wait before a table's first retry; it doubles on each further retry, up to
// maxRetryBackoff. A variable so that tests can shorten it.
var retryBackoff = time.Second

// progressEvery is how often a table's progress is logged when progress is shown as log lines. A
// variable so that tests can shorten it.
var progressEvery = 10 * time.Second

const maxRetryBackoff = 30 * time.Second

// tableResult is the outcome of one table.
type tableResult struct {
	table    string
	ok       bool
	records  int64
	err      error
	dqFailed bool // a data-quality check failed with on_failure: fail
}

// Run is the program examples/bulkload: it parses args as its flags and returns the exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "bulkload:", err)
		return 2
	}
	return RunConfig(ctx, f, stdout, stderr)
}

// RunConfig runs the bulk load f describes and returns the exit code: 0 when every table loaded
// and passed its checks (and f.AfterLoad succeeded), 1 when not, 2 for a bad f or configuration.
func RunConfig(ctx context.Context, f Config, stdout, stderr io.Writer) int {
	if err := f.validate(); err != nil {
		fmt.Fprintln(stderr, "bulkload:", err)
		return 2
	}
	cfg, err := configloader.Load(f.ConfigDir)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	src, err := cfg.Source(f.Source)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	bl := src.BulkLoad
	if f.Workers > 0 {
		bl.ParallelWorkers = f.Workers
	}
	if f.Partitions > 0 {
		bl.ParallelPartitions = f.Partitions
	}
	if f.TableFilter != "" {
		bl.TableFilter = f.TableFilter
	}

	started := time.Now()
	onTerminal := terminal.Is(stdout)
	prog := newProgress(f.Progress, stdout, progressEvery)
	defer prog.Close()
	stdout = prog.Writer()
	// What a person reads (the summary) goes to the screen (below the bars); piped, to stderr:
	// stdout then carries the JSON events only.
	human := stderr
	if onTerminal || prog.mode == ProgressBars {
		human = stdout
	}
	events, eventsPath, closeEvents, err := terminal.OpenEvents(f.Events, prog.mode == ProgressBars, filepath.Join(filepath.Dir(cfg.Path), DefaultEventsFile), "--events", stdout)
	if err != nil {
		fmt.Fprintln(stderr, "bulkload:", err)
		return 2
	}
	defer closeEvents()
	p, err := etlwatch.New(ctx, "bulk_load", src, etlwatch.WithLogOutput(events))
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
	prog.log = log

	j := &job{p: p, src: src, bl: bl, log: log, afterLoad: f.AfterLoad, prog: prog, takeOver: f.TakeOverCDC, summaryJSON: f.SummaryJSON,
		eventsPath: eventsPath}
	if err := j.open(ctx); err != nil {
		p.Logger.LogJobFailure(ctx, fmt.Errorf("bulk load could not start: %w", err), 0, 0, time.Since(started),
			monitoring.Details{"phase": "start"})
		fmt.Fprintln(stderr, "bulkload:", err)
		j.close()
		var nt *noTablesError
		if errors.As(err, &nt) {
			return 2
		}
		return 1
	}
	defer j.close()
	if err := j.openMonitor(ctx, f.History, filepath.Dir(cfg.Path)); err != nil {
		p.Logger.LogJobFailure(ctx, fmt.Errorf("bulk load could not start its monitors: %w", err), 0, 0, time.Since(started),
			monitoring.Details{"phase": "start"})
		fmt.Fprintln(stderr, "bulkload:", err)
		return 1
	}
	return j.run(ctx, stdout, human)
}

// job holds what the tables of one run share.
type job struct {
	p   *etlwatch.Pipeline
	src *configloader.Source
	bl  configloader.BulkLoad
	log *slog.Logger

	afterLoad func(context.Context, *Loaded) error
	takeOver  bool // Config.TakeOverCDC
	// summaryJSON is Config.SummaryJSON.
	summaryJSON bool
	// eventsPath is the file the events go to; "" for stdout.
	eventsPath string
	ns         string
	prog       *progress   // nil: none
	lin        *jobLineage // nil: no lineage

	counts sync.Map // table -> its row count in the snapshot (int64), once counted

	// loadFn, when set, replaces loadTable: benchmarks use it to time the monitoring around a load.
	loadFn func(ctx context.Context, name string, onBatch func(rows int64)) (int64, error)

	ext    extractors.Extractor
	snap   extractors.Snapshot
	tm     *iceberg.TableManager
	closer func() error
	tables []string

	monitor    *dataquality.Monitor // nil without data_quality.monitors:
	historyDB  *sql.DB              // the default history's database, closed with the job
	monMu      sync.Mutex
	monReports map[string]dataquality.MonitorReport
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
	j.ns = cmp.Or(j.bl.Namespace, j.src.Iceberg.Namespace, j.src.Name)
	j.tm = iceberg.NewTableManager(cat, j.ns, iceberg.WithLogger(j.log), iceberg.WithSchemaChangeHook(j.schemaChanged))

	all, err := j.ext.Tables(ctx)
	if err != nil {
		return fmt.Errorf("list tables: %w", err)
	}
	j.tables, err = selectTables(all, j.bl.Tables, j.bl.TableFilter)
	if err != nil {
		return err
	}
	if len(j.tables) == 0 {
		return &noTablesError{source: j.src.Name, filter: j.bl.TableFilter, configured: j.bl.Tables, all: all}
	}
	j.snap, err = j.ext.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("start snapshot: %w", err)
	}
	return nil
}

// schemaChanged reports a table whose schema evolved because the source drifted.
func (j *job) schemaChanged(ctx context.Context, c iceberg.SchemaChange) {
	ReportSchemaChange(ctx, j.p, c)
}

// ReportSchemaChange reports a table whose schema evolved because the source drifted, as the
// reference pipeline's SchemaTracker does: a schema_change event, a schema_changes metric and a
// warning line. The bulk load and the CDC consumer use it as their iceberg.WithSchemaChangeHook.
func ReportSchemaChange(ctx context.Context, p *etlwatch.Pipeline, c iceberg.SchemaChange) {
	names := func(cs []iceberg.ColumnChange) []string {
		out := make([]string, len(cs))
		for i, c := range cs {
			out[i] = c.Name
		}
		return out
	}
	table := c.Table[strings.LastIndex(c.Table, ".")+1:]
	p.Metrics.EmitCounter(ctx, "schema_changes", 1, monitoring.Dimensions{"table": table})
	p.Logger.LogEvent(ctx, EventSchemaChange, monitoring.Details{
		"table":            table,
		"iceberg_table":    c.Table,
		"added_columns":    names(c.Added),
		"widened_columns":  names(c.Widened),
		"optional_columns": names(c.Optional),
		"schema_id":        c.SchemaID,
		"change":           c.String(),
	})
	p.Logger.Slog().WarnContext(ctx, fmt.Sprintf("%s: schema changed: %s", table, c))
}

// EventSchemaChange is the event type written when a table's schema evolved during a load.
const EventSchemaChange = "schema_change"

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
	if j.historyDB != nil {
		_ = j.historyDB.Close()
	}
}

// run loads the tables and returns the exit code: events (and what was asked for as JSON) go to
// stdout, the summary a person reads to human.
func (j *job) run(ctx context.Context, stdout, human io.Writer) (code int) {
	j.lin = j.startLineage()
	defer func() { j.lin.end(ctx, code) }()
	start := time.Now()
	j.p.Logger.LogJobStart(ctx, monitoring.Details{
		"parallel_workers":    j.bl.ParallelWorkers,
		"parallel_partitions": j.bl.ParallelPartitions,
		"tables_to_process":   len(j.tables),
		"position":            j.snap.Position().String(),
	})
	at := "at " + j.snap.Position().String()
	if pos := j.snap.Position(); pos.Kind == extract.PositionNone || pos.Value == "" {
		at = "(the source records no change-history position: no binlog, WAL or SCN)"
	}
	j.log.InfoContext(ctx, fmt.Sprintf("bulk load of %d tables %s, %d at once", len(j.tables), at, j.bl.ParallelWorkers))

	results := make([]tableResult, len(j.tables))
	var g errgroup.Group // tables fail on their own: one failure must not cancel the others
	g.SetLimit(j.bl.ParallelWorkers)
	for i, t := range j.tables {
		g.Go(func() error {
			results[i] = j.lin.table(ctx, t, j.processTable)
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

	if !j.summaryJSON {
		fmt.Fprint(human, j.p.Metrics.Summary().Text())
	} else if summary, err := json.Marshal(struct {
		Summary monitoring.Summary `json:"metrics_summary"`
	}{j.p.Metrics.Summary()}); err != nil {
		j.log.ErrorContext(ctx, "metrics summary", "error", err)
	} else {
		fmt.Fprintf(stdout, "%s\n", summary)
	}
	j.printSummary(human, completed, records, d, results)

	if len(failed) == 0 && len(dqFailed) == 0 {
		j.log.InfoContext(ctx, fmt.Sprintf("bulk load complete: %d tables, %d records in %s",
			completed, records, d.Round(time.Millisecond)))
		if j.afterLoad == nil {
			return 0
		}
		l := &Loaded{Pipeline: j.p, Source: j.src, Extractor: j.ext, Tables: j.tm, Namespace: j.ns,
			Position: j.snap.Position().String(), Rows: make(map[string]int64, len(results)), Monitors: j.monitorReports()}
		for _, r := range results {
			l.Rows[r.table] = r.records
		}
		if err := j.afterLoad(ctx, l); err != nil {
			j.log.ErrorContext(ctx, "after the bulk load", "error", err)
			j.p.Logger.LogJobFailure(ctx, fmt.Errorf("after the bulk load: %w", err), completed, records, time.Since(start),
				monitoring.Details{"phase": "after_load"})
			return 1
		}
		return 0
	}
	msg := fmt.Sprintf("bulk load FAILED: %d of %d tables loaded; failed tables: [%s]; failed data-quality checks: [%s]",
		completed, len(j.tables), strings.Join(failed, ", "), strings.Join(dqFailed, ", "))
	j.p.Logger.LogJobFailure(ctx, errors.New(msg), completed, records, d, monitoring.Details{
		"phase":              "load",
		"failed_table_names": failed,
		"dq_failed_tables":   dqFailed,
	})
	return 1
}

// processTable loads one table with retries, then runs its data-quality checks.
func (j *job) processTable(ctx context.Context, name string) tableResult {
	res := tableResult{table: name}
	dims := monitoring.Dimensions{"table": name}
	pos := j.snap.Position().String()
	prog := j.startProgress(ctx, name)
	defer prog.finish()
	for attempt := 0; ; attempt++ {
		prog.reset()
		start := time.Now()
		j.p.Logger.LogTableStart(ctx, name, monitoring.Details{
			"parallel_partitions": j.bl.ParallelPartitions,
			"position":            pos,
			"attempt":             attempt + 1,
		})
		j.log.InfoContext(ctx, fmt.Sprintf("%s: loading (attempt %d of %d)", name, attempt+1, j.bl.MaxRetries+1))
		load := j.loadTable
		if j.loadFn != nil {
			load = j.loadFn
		}
		rows, err := load(ctx, name, prog.add)
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
		j.p.Metrics.EmitFailure(ctx, "table_load", monitoring.ErrorType(err), dims)
		j.p.Logger.LogTableFailure(ctx, name, err, monitoring.Details{"retries_remaining": remaining})
		j.log.WarnContext(ctx, fmt.Sprintf("%s: attempt %d failed: %v", name, attempt+1, err))
		if remaining <= 0 || ctx.Err() != nil {
			res.err = err
			j.monitorTable(ctx, name, res)
			return res
		}
		if err := sleep(ctx, backoff(attempt)); err != nil {
			res.err = err
			return res
		}
	}
	res.dqFailed = j.checkQuality(ctx, name)
	if j.monitorTable(ctx, name, res) {
		res.dqFailed = true
	}
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
			snapshotCount{j, name}, dest, dq.RowCountTolerance))
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
	j.lin.checked(name, results)
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

// startProgress starts showing name's progress, with the table's row count in the snapshot
// for the ETA when progress is shown at all.
func (j *job) startProgress(ctx context.Context, name string) *tableProgress {
	prog := j.prog
	if prog == nil {
		prog = &progress{mode: ProgressOff, now: time.Now}
	}
	total := int64(-1)
	if prog.mode != ProgressOff {
		if n, err := j.rowCount(ctx, name); err == nil {
			total = n
		}
	}
	return prog.start(name, total)
}

// rowCount counts name's rows in the job's snapshot, once.
func (j *job) rowCount(ctx context.Context, name string) (int64, error) {
	if n, ok := j.counts.Load(name); ok {
		return n.(int64), nil
	}
	n, err := j.snap.RowCount(ctx, name)
	if err != nil {
		return 0, err
	}
	j.counts.Store(name, n)
	return n, nil
}

// snapshotCount is a table of the job's snapshot as a dataquality.Dataset: its rows as of the
// position the load read at.
type snapshotCount struct {
	j     *job
	table string
}

func (s snapshotCount) RowCount(ctx context.Context) (int64, error) {
	return s.j.rowCount(ctx, s.table)
}
