package cdc_test

// Tests of issue 17: a consumer that runs for days keeps its tables' metadata, files and scan
// plans bounded, commits at a cadence, and reports its tables' health.

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/iceberg-go/table"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/monitoringtest"
)

// localPath is the file system path of a file:// location.
func localPath(loc string) string { return strings.TrimPrefix(loc, "file://") }

// metadataFiles counts the metadata.json files in tbl's metadata directory.
func metadataFiles(t *testing.T, tbl *table.Table) int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(localPath(tbl.Location()), "metadata", "*.metadata.json"))
	require.NoError(t, err)
	return len(files)
}

// Many small batches of updates: without maintenance every batch leaves a snapshot, a
// metadata.json and a delete file. With it (small limits here, so that a few hundred commits
// show it), each stays within its limit, the rows are right, and the health gauges say so.
func TestTableHealthStaysBounded(t *testing.T) {
	r := newRig(t)
	r.src.CDC.BatchSize = 10
	st := newStream()
	st.produce(t, r.prod, 500)
	for p, e := range st.end {
		r.end[p] = e
	}
	m := cdc.Maintenance{MaxDeleteFiles: 4, MaxSnapshots: 8, RetainSnapshots: 3, MetadataVersions: 3}
	metrics, sink := metricsRig(t)
	logs := monitoringtest.NewLogCapture()
	r.run(cdc.WithMaintenance(m), cdc.WithMetrics(metrics), cdc.WithLogger(monitoring.NewStructuredLogger("cdc", "pg", logs.Option())))

	batches := len(logs.EventsOfType(cdc.EventBatchComplete))
	require.Greater(t, batches, 30, "enough commits to pass every limit several times")
	got := r.rows()
	assert.Equal(t, len(st.want), len(got))
	for id, q := range st.want {
		assert.Equal(t, q, got[id], "qty of %d", id)
	}

	tbl := r.loadOrdersTable()
	assert.LessOrEqual(t, len(tbl.Metadata().Snapshots()), m.MaxSnapshots+1, "snapshots: at most the limit and the commit after it")
	assert.LessOrEqual(t, metadataFiles(t, tbl), m.MetadataVersions+1, "metadata.json files on disk: the current one and the versions kept")
	tasks, err := tbl.Scan().PlanFiles(t.Context())
	require.NoError(t, err)
	deletes := map[string]bool{}
	for _, task := range tasks {
		for _, f := range task.EqualityDeleteFiles {
			deletes[f.FilePath()] = true
		}
	}
	assert.LessOrEqual(t, len(deletes), m.MaxDeleteFiles, "delete files in the scan plan")
	assert.NotEmpty(t, logs.EventsOfType(cdc.EventMaintenance))
	offs, err := cdc.TableOffsets(tbl)
	require.NoError(t, err)
	for p, e := range st.end {
		n, _ := offs.Get(topic, p)
		assert.LessOrEqual(t, n, e)
	}

	require.NoError(t, metrics.ForceFlush(context.Background()))
	dims := monitoring.Dimensions{"table": "orders"}
	for _, name := range []string{"cdc_table_snapshots", "cdc_table_metadata_files", "cdc_table_metadata_bytes", "cdc_table_data_files",
		"cdc_table_bytes", "cdc_table_avg_data_file_bytes", "cdc_table_last_commit_seconds"} {
		v, ok := sink.Value(name, dims)
		require.True(t, ok, name)
		assert.Positive(t, v, name)
	}
	v, ok := sink.Value("cdc_table_metadata_files", dims)
	require.True(t, ok)
	assert.LessOrEqual(t, v, float64(m.MetadataVersions+1))
	_, ok = sink.Value("cdc_table_since_maintenance_seconds", dims)
	assert.True(t, ok)
	assert.Positive(t, sink.Total("cdc_compactions", dims))
}

// A table much larger than its stream of changes: the consumer merges its deletes instead of
// rewriting it (the base file stays), its scan plan never holds more than MaxDeleteFiles delete
// files, and its rows stay exact through updates, deletes and re-inserts of the same keys. Once
// the deletes hold more keys than a tenth of the rows, the table is compacted in full. With
// deletion vectors (cdc.deletes: vectors) the same holds: the tail of small files is merged, the
// base keeps its vector, and no equality delete is written.
func TestDeletesMerged(t *testing.T) {
	for _, deletes := range configloader.CDCDeletes() {
		t.Run(deletes, func(t *testing.T) { testDeletesMerged(t, deletes) })
	}
}

func testDeletesMerged(t *testing.T, deletes string) {
	r := newRig(t)
	want := seedBase(t, r)
	r.src.CDC.Deletes = deletes
	baseFiles := dataFiles(t, r.loadOrdersTable())
	require.Len(t, baseFiles, 1, "the seed is one batch")

	r.src.CDC.BatchSize, r.src.CDC.CommitInterval = 10, 50*time.Millisecond
	rng := rand.New(rand.NewPCG(3, 4))
	var recs []*kgo.Record
	for i := range 150 {
		id := rng.Int64N(60) + 1 // few keys: each is updated, deleted and re-inserted often
		q := int32(i + 1)
		if _, ok := want[id]; ok && rng.IntN(4) == 0 {
			delete(want, id)
			recs = append(recs, change(topic, keyOf("orders", id), envelope(t, "orders", "d", &order{ID: id}, nil, 2)))
			continue
		}
		want[id] = q
		recs = append(recs, change(topic, keyOf("orders", id), envelope(t, "orders", "u", nil, &order{ID: id, Qty: &q}, 2)))
	}
	r.produce(recs...)
	metrics, sink := metricsRig(t)
	logs := monitoringtest.NewLogCapture()
	m := cdc.Maintenance{MaxDeleteFiles: 3}
	r.run(cdc.WithMaintenance(m), cdc.WithMetrics(metrics), cdc.WithLogger(monitoring.NewStructuredLogger("cdc", "pg", logs.Option())))

	assert.Equal(t, want, r.rows())
	tbl := r.loadOrdersTable()
	assert.Subset(t, dataFiles(t, tbl), baseFiles, "the base file was not rewritten")
	sh, err := r.tm.ScanHealth(t.Context(), tbl)
	require.NoError(t, err)
	assert.LessOrEqual(t, sh.DeleteFiles, m.MaxDeleteFiles)
	require.NoError(t, metrics.ForceFlush(context.Background()))
	merges := sink.Total("cdc_compactions", monitoring.Dimensions{"table": "orders", "kind": "merge"})
	assert.GreaterOrEqual(t, merges, 3.0, "merges")
	assert.Zero(t, sink.Total("cdc_compactions", monitoring.Dimensions{"table": "orders", "kind": "full"}))
	if deletes == configloader.DeletesVectors {
		assert.Equal(t, 3, tbl.Metadata().Version())
		tasks, err := tbl.Scan().PlanFiles(t.Context())
		require.NoError(t, err)
		vectors := 0
		for _, task := range tasks {
			assert.Empty(t, task.EqualityDeleteFiles, "no equality deletes")
			vectors += len(task.DeletionVectorFiles)
		}
		assert.Positive(t, vectors, "the base's deletion vector")
		assert.LessOrEqual(t, len(tasks), 1+m.MaxDeleteFiles, "data files: the base and a tail kept short")
	}

	// Deletes of over a tenth of the rows: a full compaction.
	recs = recs[:0]
	for id := int64(100); id < 400; id++ {
		delete(want, id)
		recs = append(recs, change(topic, keyOf("orders", id), envelope(t, "orders", "d", &order{ID: id}, nil, 3)))
	}
	r.produce(recs...)
	r.src.CDC.BatchSize = 100
	r.run(cdc.WithMaintenance(m), cdc.WithMetrics(metrics))
	assert.Equal(t, want, r.rows())
	require.NoError(t, metrics.ForceFlush(context.Background()))
	assert.Positive(t, sink.Total("cdc_compactions", monitoring.Dimensions{"table": "orders", "kind": "full"}))
}

// A table's maintenance runs beside the next batch: here the first maintenance (a merge of the
// deletes) is held up, just after its commit, until a batch after the one it maintains has
// written its files; that batch then commits on the maintained table. If the maintenance still
// held up the batches, none could write its files before it ended (the wait would time out).
// Every change is applied exactly once.
func TestMaintenanceBesideNextBatch(t *testing.T) {
	r := newRig(t)
	want := seedBase(t, r)
	r.src.CDC.BatchSize, r.src.CDC.CommitInterval = 20, 50*time.Millisecond
	rng := rand.New(rand.NewPCG(5, 6))
	var recs []*kgo.Record
	for i := range 400 {
		id := rng.Int64N(2000) + 1
		q := int32(i + 1)
		want[id] = q
		recs = append(recs, change(topic, keyOf("orders", id), envelope(t, "orders", "u", nil, &order{ID: id, Qty: &q}, 2)))
	}
	r.produce(recs...) // a backlog: the next batch is ready while the maintenance runs
	obs := &writesSeen{}
	var held, overlapped atomic.Bool
	cdc.SetFailpointHook(func(name string) {
		switch name {
		case cdc.FailAfterFilesWritten:
			obs.writes.Add(1)
		case cdc.FailAfterMaintenanceCommit:
			if held.CompareAndSwap(false, true) {
				// The last commit observed is the maintained batch's: its files were written
				// before it. Wait for the next batch's.
				deadline := time.Now().Add(20 * time.Second)
				for time.Now().Before(deadline) && obs.writes.Load() <= obs.atCommit.Load() {
					time.Sleep(5 * time.Millisecond)
				}
				overlapped.Store(obs.writes.Load() > obs.atCommit.Load())
			}
		}
	})
	t.Cleanup(func() { cdc.SetFailpointHook(nil) })
	metrics, sink := metricsRig(t)
	r.run(cdc.WithMaintenance(cdc.Maintenance{MaxDeleteFiles: 3}), cdc.WithMetrics(metrics), cdc.WithObserver(obs))
	cdc.SetFailpointHook(nil)

	require.True(t, held.Load(), "a maintenance ran")
	assert.True(t, overlapped.Load(), "the next batch wrote its files while the maintenance ran")
	assert.Equal(t, want, r.rows())
	require.NoError(t, metrics.ForceFlush(context.Background()))
	assert.Positive(t, sink.Total("cdc_compactions", monitoring.Dimensions{"table": "orders"}))
	assert.Zero(t, sink.Total("cdc_maintenance_failures", monitoring.Dimensions{"table": "orders"}))
}

// writesSeen counts the batches' file writes (by a failpoint hook) and keeps the count at the
// last commit observed.
type writesSeen struct{ writes, atCommit atomic.Int64 }

func (w *writesSeen) Started(context.Context, cdc.StartInfo) {}
func (w *writesSeen) Stopped(context.Context, error)         {}
func (w *writesSeen) Committed(context.Context, cdc.CommitInfo) {
	w.atCommit.Store(w.writes.Load())
}

// seedBase gives r's orders table its base, 2,000 rows of qty 0 in one batch (one data file, no
// deletes), and returns them. The batch's commit waits for all of them: with the rig's 50 ms
// interval a loaded machine commits them in several batches, whose deletes make the table due
// for a full compaction from the start. The rig keeps batch_size 2,000 and the one-minute
// interval.
func seedBase(t *testing.T, r *rig) map[int64]int32 {
	t.Helper()
	r.src.CDC.BatchSize, r.src.CDC.CommitInterval = 2000, time.Minute
	want := map[int64]int32{}
	var seed []*kgo.Record
	for id := int64(1); id <= 2000; id++ {
		want[id] = 0
		seed = append(seed, change(topic, keyOf("orders", id), envelope(t, "orders", "r", nil, &order{ID: id, Qty: i32(0)}, 1)))
	}
	r.produce(seed...)
	r.run()
	return want
}

// dataFiles lists the data files of tbl's scan plan.
func dataFiles(t *testing.T, tbl *table.Table) []string {
	t.Helper()
	tasks, err := tbl.Scan().PlanFiles(t.Context())
	require.NoError(t, err)
	var out []string
	for _, task := range tasks {
		out = append(out, task.File.FilePath())
	}
	return out
}

// Orphan files (what a writer that crashed between writing and committing left) older than
// orphan_older_than are removed when the consumer first commits to the table; younger ones and
// every referenced file stay.
func TestOrphanFilesRemoved(t *testing.T) {
	r := newRig(t)
	r.produce(change(topic, keyOf("orders", 1), envelope(t, "orders", "c", nil, &order{ID: 1, Qty: i32(1)}, 1)))
	r.run()
	data := filepath.Join(localPath(r.loadOrdersTable().Location()), "data")
	old, young := filepath.Join(data, "crashed-writer-old.parquet"), filepath.Join(data, "crashed-writer-young.parquet")
	for _, f := range []string{old, young} {
		require.NoError(t, os.WriteFile(f, []byte("PAR1 not committed"), 0o644))
	}
	require.NoError(t, os.Chtimes(old, time.Now().Add(-2*time.Hour), time.Now().Add(-2*time.Hour)))

	r.produce(change(topic, keyOf("orders", 2), envelope(t, "orders", "c", nil, &order{ID: 2, Qty: i32(2)}, 2)))
	logs := monitoringtest.NewLogCapture()
	r.run(cdc.WithMaintenance(cdc.Maintenance{OrphanOlderThan: time.Hour}), cdc.WithLogger(monitoring.NewStructuredLogger("cdc", "pg", logs.Option())))

	assert.NoFileExists(t, old)
	assert.FileExists(t, young)
	assert.Equal(t, map[int64]int32{1: 1, 2: 2}, r.rows(), "every referenced file is still there")
	var removed float64
	for _, e := range logs.EventsOfType(cdc.EventMaintenance) {
		if n, ok := e.Details["orphan_files_removed"].(float64); ok {
			removed += n
		}
	}
	assert.Equal(t, 1.0, removed)
}

// The commit cadence: records that arrive one by one are held until the batch holds batch_size
// of them (here the commit interval is an hour, so only the size can trigger), then applied in
// one commit; with a short interval a batch below batch_size is applied once its first record
// has waited that long.
func TestCommitCadence(t *testing.T) {
	r := newRig(t)
	r.src.CDC.BatchSize = 30
	logs := monitoringtest.NewLogCapture()
	c, err := cdc.Open(r.src, r.tm, cdc.WithCommitInterval(time.Hour), cdc.WithLogger(monitoring.NewStructuredLogger("cdc", "pg", logs.Option())))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	for id := int64(1); id <= 30; id++ {
		r.produce(change(topic, keyOf("orders", id), envelope(t, "orders", "c", nil, &order{ID: id, Qty: i32(1)}, id)))
		time.Sleep(5 * time.Millisecond) // most polls find one record
	}
	require.Eventually(t, func() bool { return len(r.rowsIfAny()) == 30 }, 20*time.Second, 20*time.Millisecond)
	cancel()
	require.NoError(t, <-done)
	c.Close()
	batches := logs.EventsOfType(cdc.EventBatchComplete)
	require.Len(t, batches, 1, "30 records polled one by one, one commit")
	assert.EqualValues(t, 30, batches[0].Details["records"])
	assert.Len(t, r.loadOrdersTable().Metadata().Snapshots(), 1)

	// Fewer than batch_size records: applied once the first has waited the interval.
	r.produce(change(topic, keyOf("orders", 31), envelope(t, "orders", "c", nil, &order{ID: 31, Qty: i32(1)}, 31)))
	r.run(cdc.WithCommitInterval(100 * time.Millisecond))
	assert.Len(t, r.rows(), 31)
}

// Many small data files are compacted too, when delete files alone would not trigger it.
func TestSmallFilesCompacted(t *testing.T) {
	r := newRig(t)
	r.src.CDC.BatchSize = 10
	var recs []*kgo.Record
	for id := int64(1); id <= 200; id++ {
		recs = append(recs, change(topic, keyOf("orders", id), envelope(t, "orders", "c", nil, &order{ID: id, Qty: i32(int32(id))}, id)))
	}
	r.produce(recs...)
	m := cdc.Maintenance{MaxDeleteFiles: 1000, MaxSmallFiles: 5}
	logs := monitoringtest.NewLogCapture()
	r.run(cdc.WithMaintenance(m), cdc.WithLogger(monitoring.NewStructuredLogger("cdc", "pg", logs.Option())))

	reasons := map[string]bool{}
	for _, e := range logs.EventsOfType(cdc.EventMaintenance) {
		for _, why := range strings.Split(e.Details["reason"].(string), ",") {
			reasons[why] = true
		}
	}
	assert.True(t, reasons["small_files"], "a compaction for small files: %v", reasons)
	assert.False(t, reasons["delete_files"])
	tasks, err := r.loadOrdersTable().Scan().PlanFiles(t.Context())
	require.NoError(t, err)
	assert.LessOrEqual(t, len(tasks), m.MaxSmallFiles+1, "data files in the scan plan")
	assert.Len(t, r.rows(), 200)
}

// Maintenance.MaxDeleteShare decides between merging a table's deletes and compacting it in
// full: the same 300 deletes of a 2,000-row table (15% of its rows) are merged under a share
// of 0.5 and compacted in full under 0.05; the rows are right either way.
func TestMaxDeleteShare(t *testing.T) {
	for _, tt := range []struct {
		share float64
		kind  string
	}{{0.5, "merge"}, {0.05, "full"}} {
		t.Run(tt.kind, func(t *testing.T) {
			r := newRig(t)
			want := seedBase(t, r)
			var recs []*kgo.Record
			for id := int64(100); id < 400; id++ {
				delete(want, id)
				recs = append(recs, change(topic, keyOf("orders", id), envelope(t, "orders", "d", &order{ID: id}, nil, 2)))
			}
			r.produce(recs...)
			r.src.CDC.BatchSize = 100 // 3 batches, 3 delete files: maintenance at the third
			metrics, sink := metricsRig(t)
			r.run(cdc.WithMaintenance(cdc.Maintenance{MaxDeleteFiles: 3, MaxDeleteShare: tt.share}), cdc.WithMetrics(metrics))
			assert.Equal(t, want, r.rows())
			require.NoError(t, metrics.ForceFlush(context.Background()))
			other := map[string]string{"merge": "full", "full": "merge"}[tt.kind]
			assert.Positive(t, sink.Total("cdc_compactions", monitoring.Dimensions{"table": "orders", "kind": tt.kind}), tt.kind)
			assert.Zero(t, sink.Total("cdc_compactions", monitoring.Dimensions{"table": "orders", "kind": other}), other)
		})
	}
}
