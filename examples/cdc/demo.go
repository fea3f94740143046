package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/extractors/sqlite"
	"github.com/etlwatch/etlwatch/iceberg"
	"github.com/etlwatch/etlwatch/internal/bulkload"
	"github.com/etlwatch/etlwatch/internal/terminal"
)

const (
	demoSource = "shop"
	demoGroup  = "etlwatch-cdc-demo"
	// catchUpTimeout bounds the wait for the consumer to apply every produced event.
	catchUpTimeout = 5 * time.Minute
)

// partitions of each demo topic: one for the tables whose changes must stay in order across
// keys (the truncate, the schema change), three for order_items.
var partitions = map[string]int32{"customers": 1, "orders": 1, "order_items": 3}

// demoResult is what the demo did, for the summary.
type demoResult struct {
	dir, db, warehouse, brokers string
	events                      string // the events file, "" for stdout
	produced                    *produced
	totals                      batchTotals
	changes                     []string
	reconcile                   []dataquality.Result
	rowCounts                   []dataquality.Result
	metricsURL, healthURL       string
	health                      []string // one line per table: its metadata, files and scan plan
	skipped                     []error
	elapsed                     time.Duration
}

// demo is the program with --demo.
func demo(ctx context.Context, o options, stdout, stderr io.Writer) int {
	start := time.Now()
	fail := func(err error) int {
		fmt.Fprintln(stderr, "cdc demo:", err)
		return 1
	}
	// What a person reads goes to the screen; piped, to stderr, and stdout carries the JSON
	// events only.
	human := terminal.Human(stdout, stderr)
	res, events, cleanup, err := prepareDemo(ctx, o, stdout, human)
	defer cleanup()
	if err != nil {
		return fail(err)
	}
	dir := res.dir

	// The bulk load: the Iceberg tables the changes apply to.
	if code := bulkload.RunConfig(ctx, bulkload.Config{Source: demoSource, ConfigDir: dir, Progress: bulkload.ProgressOff, Events: res.events}, stdout, stderr); code != 0 {
		fmt.Fprintf(stderr, "cdc demo: the bulk load failed (exit %d)\n", code)
		return 1
	}
	if ctx.Err() != nil {
		return fail(ctx.Err())
	}

	cfg, err := configloader.Load(dir)
	if err != nil {
		return fail(err)
	}
	src, err := cfg.Source(demoSource)
	if err != nil {
		return fail(err)
	}
	j, err := openConsumer(ctx, src, dir, events)
	if err != nil {
		return fail(err)
	}
	defer j.shutdown(stderr)
	ctx = j.p.Context()
	res.metricsURL, res.healthURL = j.urls()
	res.skipped = j.p.Skipped()
	if res.metricsURL != "" {
		fmt.Fprintf(human, "cdc demo: serving %s and %s\n", res.metricsURL, res.healthURL)
	}

	runCtx, stopConsumer := context.WithCancel(ctx)
	defer stopConsumer()
	consumed := make(chan error, 1)
	go func() { consumed <- j.run(runCtx) }()

	// Change the database and produce the events, while the consumer applies them.
	res.produced, err = generate(ctx, res.db, strings.Split(res.brokers, ","), o.changes)
	if err != nil {
		stopConsumer()
		<-consumed
		return fail(err)
	}
	fmt.Fprintf(human, "cdc demo: produced %d change events (%d records); waiting for Iceberg to hold every offset\n",
		res.produced.Events(), res.produced.Records)
	waitErr := waitApplied(ctx, j, res.produced.End, consumed)
	stopConsumer()
	if err := <-consumed; err != nil && waitErr == nil {
		waitErr = err
	}
	if waitErr != nil {
		return fail(fmt.Errorf("consumer: %w", waitErr))
	}
	res.totals = j.tally.totals()
	for _, c := range j.SchemaChanges() {
		res.changes = append(res.changes, fmt.Sprintf("%s: %s", c.Table, c))
	}

	// Reconcile every table, SQLite against Iceberg.
	if err := reconcileAll(ctx, j, src, res); err != nil {
		return fail(err)
	}
	res.health = tableHealth(ctx, j.tm)
	res.elapsed = time.Since(start)
	code := res.print(human)
	if j.p.Health != nil {
		if code == 0 {
			j.p.Health.ReportSuccess()
		} else {
			j.p.Health.ReportFailure(errors.New("reconciliation failed"))
		}
	}
	if o.keepServing && res.metricsURL != "" {
		fmt.Fprintf(human, "serving %s and %s until SIGINT or SIGTERM\n", res.metricsURL, res.healthURL)
		<-ctx.Done()
	}
	return code
}

// prepareDemo recreates the data directory, opens where the events go (stdout or a file, said on
// human), creates the sample database, starts the Kafka cluster with Debezium's topics and the
// dead-letter topic, and writes sources.yaml. cleanup stops the cluster and closes the events
// file; it is never nil.
func prepareDemo(ctx context.Context, o options, stdout, human io.Writer) (res *demoResult, events io.Writer, cleanup func(), err error) {
	var undo []func()
	cleanup = func() {
		for _, f := range slices.Backward(undo) {
			f()
		}
	}
	dir, err := filepath.Abs(o.dir)
	if err != nil {
		return nil, nil, cleanup, err
	}
	res = &demoResult{dir: dir, db: filepath.Join(dir, "shop.db"), warehouse: filepath.Join(dir, "warehouse")}
	if err := os.RemoveAll(dir); err != nil {
		return nil, nil, cleanup, fmt.Errorf("remove the previous data directory: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, cleanup, fmt.Errorf("data directory: %w", err)
	}
	events, eventsPath, closeEvents, err := terminal.OpenEvents(o.events, o.terminal, filepath.Join(dir, eventsFile), "--events", stdout)
	if err != nil {
		return nil, nil, cleanup, err
	}
	undo = append(undo, closeEvents)
	res.events = eventsPath
	if res.events != "" {
		fmt.Fprintf(human, "cdc demo: JSON events go to %s\n", res.events)
	}
	if err := sqlite.CreateSample(ctx, res.db, o.rows); err != nil {
		return nil, nil, cleanup, fmt.Errorf("create sample database: %w", err)
	}
	kopts := []kfake.Opt{kfake.NumBrokers(1), kfake.SeedTopics(1, deadLetter)}
	for _, t := range demoTables {
		kopts = append(kopts, kfake.SeedTopics(partitions[t], topicPrefix+t))
	}
	cluster, err := kfake.NewCluster(kopts...)
	if err != nil {
		return nil, nil, cleanup, fmt.Errorf("start kfake: %w", err)
	}
	undo = append(undo, cluster.Close)
	res.brokers = strings.Join(cluster.ListenAddrs(), ",")
	if err := writeConfig(dir, res, o); err != nil {
		return nil, nil, cleanup, err
	}
	return res, events, cleanup, nil
}

// writeConfig writes the demo's sources.yaml.
func writeConfig(dir string, res *demoResult, o options) error {
	config := fmt.Sprintf(`# Written by examples/cdc --demo.
sources:
  %s:
    database_type: sqlite
    connection:
      database: %q
    bulk_load:
      parallel_workers: 3
      max_retries: 1
      namespace: shop
    cdc:
      brokers: [%q]
      topic_prefix: %q
      group_id: %s
      batch_size: %d
      commit_interval: %s
      dead_letter_topic: %s
      deletes: %s
    iceberg:
      catalog: sql
      warehouse: %q
    data_quality:
      check_row_count: true
      on_failure: fail
      monitors:
        volume: true
        freshness: true
        schema_drift: warn
    monitoring:
      prometheus:
        listen: %q
    lineage:
      running_interval: 1s
`, demoSource, res.db, res.brokers, topicPrefix, demoGroup, o.batchSize, o.interval, deadLetter, o.deletes, res.warehouse, o.listen)
	if err := os.WriteFile(filepath.Join(dir, configloader.FileName), []byte(config), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", configloader.FileName, err)
	}
	return nil
}

// generate applies n random changes to the database at path and produces their events.
func generate(ctx context.Context, path string, brokers []string, n int) (*produced, error) {
	dsn := url.URL{Scheme: "file", Opaque: (&url.URL{Path: path}).EscapedPath(), RawQuery: "_pragma=busy_timeout(10000)"}
	db, err := sql.Open(sqlite.DriverName, dsn.String())
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	prod, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		return nil, fmt.Errorf("kafka producer: %w", err)
	}
	defer prod.Close()
	g, err := newGenerator(ctx, db, prod, sqlite.SampleSeed)
	if err != nil {
		return nil, err
	}
	return g.run(ctx, n)
}

// waitApplied waits until every table's Iceberg offsets reach the produced ends, the consumer
// stops, or catchUpTimeout passes.
func waitApplied(ctx context.Context, j *consumer, end cdc.Offsets, consumed <-chan error) error {
	deadline := time.NewTimer(catchUpTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		done, err := applied(ctx, j, end)
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-consumed:
			if err == nil {
				err = errors.New("stopped before applying every event")
			}
			return err
		case <-deadline.C:
			return fmt.Errorf("not every event was applied within %s", catchUpTimeout)
		case <-tick.C:
		}
	}
}

// applied reports whether the consumer applied every offset in end.
func applied(ctx context.Context, j *consumer, end cdc.Offsets) (bool, error) {
	offs, err := j.c.Applied(ctx)
	if err != nil {
		return false, err
	}
	for topic, ps := range end {
		for p, n := range ps {
			if got, _ := offs.Get(topic, p); got < n {
				return false, nil
			}
		}
	}
	return true, nil
}

// reconcileAll compares each table, SQLite against Iceberg, with the pipeline's checker: by
// checksums of key ranges on the table's integer key (the first key column of a composite key),
// and by row counts.
func reconcileAll(ctx context.Context, j *consumer, src *configloader.Source, res *demoResult) error {
	ext, err := sqlite.Open(ctx, src)
	if err != nil {
		return fmt.Errorf("open the sample database: %w", err)
	}
	defer ext.Close()
	for _, name := range demoTables {
		desc, err := ext.Describe(ctx, name)
		if err != nil {
			return err
		}
		source, err := ext.Dataset(ctx, name)
		if err != nil {
			return err
		}
		dest := j.tm.Dataset(name)
		res.reconcile = append(res.reconcile, j.p.Checker.Reconcile(ctx, name, source, dest, dataquality.ReconcileOptions{Key: desc.PrimaryKey[0]}))
		res.rowCounts = append(res.rowCounts, j.p.Checker.RowCount(ctx, name, source, dest, 0))
	}
	return nil
}

// print writes the summary and returns the exit code.
func (r *demoResult) print(w io.Writer) int {
	p := r.produced
	fmt.Fprintln(w)
	fmt.Fprintln(w, "=== etlwatch CDC demo ===")
	fmt.Fprintf(w, "source:     SQLite sample %s\n", r.db)
	fmt.Fprintf(w, "kafka:      in-process kfake cluster %s; topics %s{%s}, dead letters %s\n", r.brokers, topicPrefix, strings.Join(demoTables, ","), deadLetter)
	fmt.Fprintf(w, "warehouse:  %s (Iceberg SQL catalog, namespace \"shop\")\n", r.warehouse)
	fmt.Fprintf(w, "config:     %s\n", filepath.Join(r.dir, configloader.FileName))
	fmt.Fprintf(w, "produced:   %d change events (%d inserts, %d updates, %d deletes, %d truncate) + %d tombstones = %d records\n",
		p.Events(), p.Ops[opCreate], p.Ops[opUpdate], p.Ops[opDelete], p.Ops[opTruncate], p.Tombstones, p.Records)
	fmt.Fprintf(w, "truncated:  %s, then %d rows re-inserted\n", truncatedTable, p.Reinserted)
	t := r.totals
	fmt.Fprintf(w, "applied:    %d events in %d batches, %d failed (dead letters)\n", t.Processed, t.Batches, t.Failed)
	fmt.Fprintf(w, "lag:        max %.3f s, last batch %.3f s (now - source.ts_ms, when the batch was applied); every offset applied\n", t.MaxLag, t.LastLag)
	for _, h := range r.health {
		fmt.Fprintf(w, "health:     %s\n", h)
	}
	if len(r.changes) == 0 {
		fmt.Fprintln(w, "schema:     no schema change reached Iceberg")
	}
	for _, c := range r.changes {
		fmt.Fprintf(w, "schema:     %s\n", c)
	}
	ok := len(r.changes) > 0
	for _, res := range slices.Concat(r.reconcile, r.rowCounts) {
		ok = ok && res.Passed
		text := res.Details
		if res.Err != nil {
			text = res.Err.Error()
		}
		fmt.Fprintf(w, "%-11s %s: %s\n", map[bool]string{true: "reconcile:", false: "rows:"}[res.Check == dataquality.CheckChecksum], res.Table, text)
	}
	switch {
	case r.metricsURL != "":
		fmt.Fprintf(w, "metrics:    %s and %s served while the job ran (--keep-serving keeps them up)\n", r.metricsURL, r.healthURL)
	default:
		fmt.Fprintf(w, "metrics:    no /metrics server: %v\n", errors.Join(r.skipped...))
	}
	if r.events != "" {
		fmt.Fprintf(w, "events:     %s (JSON lines: cdc_batch_complete, dq_check_complete, ...)\n", r.events)
	}
	fmt.Fprintf(w, "took:       %s\n", r.elapsed.Round(time.Millisecond))
	if !ok {
		fmt.Fprintln(w, "result:     FAILED (exit 1)")
		return 1
	}
	fmt.Fprintln(w, "result:     OK")
	return 0
}

// tableHealth describes each demo table as the consumer left it: what a commit rewrites (the
// newest metadata.json), what the table keeps, and what a scan reads.
func tableHealth(ctx context.Context, tm *iceberg.TableManager) []string {
	var out []string
	for _, name := range demoTables {
		tbl, err := tm.Catalog().LoadTable(ctx, tm.Identifier(name))
		if err != nil {
			out = append(out, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		h, err := tm.Health(ctx, tbl)
		if err != nil {
			out = append(out, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		sh, err := tm.ScanHealth(ctx, tbl)
		if err != nil {
			out = append(out, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		out = append(out, fmt.Sprintf("%s: %d snapshots, %d metadata.json (newest %d KB), a scan reads %d data and %d delete files",
			name, h.Snapshots, h.MetadataFiles, h.MetadataBytes/1024, sh.DataFiles, sh.DeleteFiles))
	}
	return out
}
