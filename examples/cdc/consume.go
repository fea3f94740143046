package main

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/etlwatch/etlwatch"
	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/dataquality/cdcmonitor"
	"github.com/etlwatch/etlwatch/dataquality/sqldataset"
	"github.com/etlwatch/etlwatch/dataquality/sqlhistory"
	"github.com/etlwatch/etlwatch/extractors/sqlite"
	"github.com/etlwatch/etlwatch/iceberg"
	"github.com/etlwatch/etlwatch/internal/bulkload"
	"github.com/etlwatch/etlwatch/internal/terminal"
	"github.com/etlwatch/etlwatch/lineage/cdclineage"
	"github.com/etlwatch/etlwatch/monitoring"
)

// jobName is the job_name of the consumer's metrics and events.
const jobName = "cdc"

// consumer is the CDC job of one source: its pipeline (metrics, logger, checker, /metrics and
// /health), its Iceberg tables and the cdc.Consumer.
type consumer struct {
	p     *etlwatch.Pipeline
	tm    *iceberg.TableManager
	c     *cdc.Consumer
	close func() error // the catalog's
	// closeHistory closes the monitors' history database; nil without monitors.
	closeHistory func() error
	tally        *tally

	mu      sync.Mutex
	changes []iceberg.SchemaChange
}

// schemaChangeDescription is the HELP text of bulkload.ReportSchemaChange's metric, which the
// consumer records too.
var schemaChangeDescription = map[string]string{"schema_changes": "Schema changes applied to a table because its source drifted."}

// openConsumer builds the pipeline of src (its logger writes to stdout) and the consumer of its
// cdc section, with lineage (a STREAMING run, when lineage is configured) and the anomaly
// monitors of data_quality.monitors (their history in configDir).
func openConsumer(ctx context.Context, src *configloader.Source, configDir string, stdout io.Writer) (*consumer, error) {
	j := &consumer{tally: &tally{out: stdout}}
	p, err := etlwatch.New(ctx, jobName, src, etlwatch.WithLogOutput(j.tally), etlwatch.WithStreamingLineage(),
		etlwatch.WithMetricsOptions(monitoring.WithDescriptions(cdc.Descriptions), monitoring.WithDescriptions(schemaChangeDescription)))
	if err != nil {
		return nil, err
	}
	j.p = p
	cat, err := iceberg.OpenCatalog(p.Context(), src.Iceberg)
	if err != nil {
		j.shutdown(nil)
		return nil, fmt.Errorf("open iceberg catalog: %w", err)
	}
	if c, ok := cat.(interface{ Close() error }); ok {
		j.close = c.Close
	}
	ns := cmp.Or(src.BulkLoad.Namespace, src.Iceberg.Namespace, src.Name)
	j.tm = iceberg.NewTableManager(cat, ns, iceberg.WithLogger(p.Logger.Slog()), iceberg.WithSchemaChangeHook(j.schemaChanged))
	lin, err := cdclineage.ForPipeline(p, src)
	if err != nil {
		j.shutdown(nil)
		return nil, err
	}
	opts := []cdc.Option{cdc.WithMetrics(p.Metrics), cdc.WithLogger(p.Logger), cdc.WithNamespace(ns), cdc.WithObserver(lin)}
	if dataquality.MonitorsFrom(src.DataQuality.Monitors).Enabled() {
		mon, err := j.openMonitors(ctx, src, configDir)
		if err != nil {
			j.shutdown(nil)
			return nil, err
		}
		opts = append(opts, cdc.WithObserver(mon))
	}
	j.c, err = cdc.Open(src, j.tm, opts...)
	if err != nil {
		j.shutdown(nil)
		return nil, err
	}
	return j, nil
}

// schemaChanged reports a table whose schema the consumer evolved, as the bulk load does, and
// keeps it for the demo's summary.
func (j *consumer) schemaChanged(ctx context.Context, c iceberg.SchemaChange) {
	j.mu.Lock()
	j.changes = append(j.changes, c)
	j.mu.Unlock()
	bulkload.ReportSchemaChange(ctx, j.p, c)
}

// SchemaChanges returns the schema changes made so far.
func (j *consumer) SchemaChanges() []iceberg.SchemaChange {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]iceberg.SchemaChange(nil), j.changes...)
}

// run runs the consumer until ctx is done (nil) or it fails; a failure is reported to /health.
func (j *consumer) run(ctx context.Context) error {
	err := j.c.Run(ctx)
	if err != nil && j.p.Health != nil {
		j.p.Health.ReportFailure(err)
	}
	return err
}

// shutdown closes the consumer and the catalog and flushes and stops the pipeline.
func (j *consumer) shutdown(stderr io.Writer) {
	if j.c != nil {
		j.c.Close()
	}
	if j.close != nil {
		_ = j.close()
	}
	if j.closeHistory != nil {
		_ = j.closeHistory()
	}
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := j.p.Shutdown(sctx); err != nil && stderr != nil {
		fmt.Fprintln(stderr, "cdc: shutdown:", err)
	}
}

// urls returns the /metrics and /health URLs of the pipeline's server, empty without one.
func (j *consumer) urls() (metrics, health string) { return j.p.MetricsURLs() }

// consume is the program without --demo: the consumer of one source until a signal.
func consume(ctx context.Context, o options, stdout, stderr io.Writer) int {
	cfg, err := configloader.Load(o.configDir)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	src, err := cfg.Source(o.source)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if o.brokers != "" {
		src.CDC.Brokers = splitList(o.brokers)
	}
	j, err := openConsumer(ctx, src, filepath.Dir(cfg.Path), stdout)
	if err != nil {
		fmt.Fprintln(stderr, prefixed(err))
		return 1
	}
	defer j.shutdown(stderr)
	if m, h := j.urls(); m != "" {
		// The JSON events own stdout; piped, the line a person reads goes to stderr.
		fmt.Fprintf(terminal.Human(stdout, stderr), "cdc: consuming %s from %s; serving %s and %s\n", topicsOf(src.CDC), strings.Join(src.CDC.Brokers, ","), m, h)
	}
	if err := j.run(j.p.Context()); err != nil {
		fmt.Fprintln(stderr, prefixed(err))
		return 1
	}
	return 0
}

// prefixed returns err's text beginning with "cdc: ", as package cdc's errors do.
func prefixed(err error) string {
	if msg := err.Error(); strings.HasPrefix(msg, "cdc: ") {
		return msg
	}
	return "cdc: " + err.Error()
}

func topicsOf(c configloader.CDC) string {
	if len(c.Topics) > 0 {
		return strings.Join(c.Topics, ",")
	}
	return c.TopicPrefix + "*"
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// tally passes the pipeline's JSON events through to out and keeps the totals of the
// cdc_batch_complete events for the demo's summary. It is safe for concurrent use.
type tally struct {
	out io.Writer

	mu        sync.Mutex
	partial   []byte
	batches   int
	processed int64
	failed    int64
	maxLag    float64
	lastLag   float64
}

func (t *tally) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n, err := t.out.Write(p)
	t.partial = append(t.partial, p...)
	for {
		i := bytes.IndexByte(t.partial, '\n')
		if i < 0 {
			break
		}
		t.line(t.partial[:i])
		t.partial = t.partial[i+1:]
	}
	if len(t.partial) == 0 {
		t.partial = nil
	}
	return n, err
}

func (t *tally) line(l []byte) {
	if !bytes.Contains(l, []byte(cdc.EventBatchComplete)) {
		return
	}
	var ev struct {
		EventType string `json:"event_type"`
		Details   struct {
			Processed int64   `json:"events_processed"`
			Failed    int64   `json:"events_failed"`
			MaxLag    float64 `json:"max_lag_seconds"`
		} `json:"details"`
	}
	if json.Unmarshal(l, &ev) != nil || ev.EventType != cdc.EventBatchComplete {
		return
	}
	t.batches++
	t.processed += ev.Details.Processed
	t.failed += ev.Details.Failed
	t.maxLag = max(t.maxLag, ev.Details.MaxLag)
	t.lastLag = ev.Details.MaxLag
}

type batchTotals struct {
	Batches           int
	Processed, Failed int64
	MaxLag, LastLag   float64
}

func (t *tally) totals() batchTotals {
	t.mu.Lock()
	defer t.mu.Unlock()
	return batchTotals{t.batches, t.processed, t.failed, t.maxLag, t.lastLag}
}

// openMonitors returns the observer that runs data_quality.monitors on each commit (volume per
// table and hour, freshness, schema drift), its history in the SQLite file
// bulkload.HistoryFile in configDir, shared with the bulk load's monitors.
func (j *consumer) openMonitors(ctx context.Context, src *configloader.Source, configDir string) (*cdcmonitor.Observer, error) {
	path := filepath.Join(configDir, bulkload.HistoryFile)
	db, err := sql.Open(sqlite.DriverName, "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, fmt.Errorf("monitor history %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	j.closeHistory = db.Close
	history, err := sqlhistory.New(ctx, db, sqldataset.SQLite)
	if err != nil {
		return nil, fmt.Errorf("monitor history %s: %w", path, err)
	}
	mon, err := dataquality.NewMonitor(j.p.Checker, history, dataquality.MonitorsFrom(src.DataQuality.Monitors))
	if err != nil {
		return nil, err
	}
	return cdcmonitor.New(mon, cdcmonitor.WithTables(src.BulkLoad.Tables...))
}
