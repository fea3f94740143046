package cdc_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/iceberg-go/table"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/iceberg"
	"github.com/etlwatch/etlwatch/internal/testenv"
)

// soakWindow is what the soak benchmark measured over one window of commits.
type soakWindow struct {
	commits        int
	commitMs       float64 // average commit time of the window, files written included
	commitP50Ms    float64 // its median
	commitP99Ms    float64 // and 99th percentile
	snapshots      int
	metadataFiles  int     // metadata.json files on disk
	metadataBytes  int64   // the newest one
	tableFiles     int     // every file under the table's location
	warehouseBytes int64   // every byte under the table's location
	scanMs         float64 // a full scan of the table
	compactScanMs  float64 // the same rows in one file, no deletes
	scanRatio      float64 // the median ratio of a scan to the compacted form's next to it
	dataFiles      int     // in the scan plan
	deleteFiles    int     // in the scan plan
	manifests      int     // of the current snapshot
	goroutines     int     // of the whole process
	heapBytes      uint64  // live heap after a collection
}

// soakObserver measures each commit and, every window commits, the table.
type soakObserver struct {
	b       *testing.B
	tm      *iceberg.TableManager
	window  int
	target  int
	done    chan struct{}
	once    sync.Once
	n       int
	sum     time.Duration
	took    []time.Duration // the window's commit times
	windows []soakWindow
}

func (o *soakObserver) Started(context.Context, cdc.StartInfo) {}
func (o *soakObserver) Stopped(context.Context, error)         {}

func (o *soakObserver) Committed(ctx context.Context, ci cdc.CommitInfo) {
	o.n++
	o.sum += ci.Duration
	o.took = append(o.took, ci.Duration)
	if o.n%o.window != 0 {
		return
	}
	slices.Sort(o.took)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	w := soakWindow{commits: o.n, commitMs: ms(o.sum) / float64(o.window),
		commitP50Ms: ms(o.took[len(o.took)/2]), commitP99Ms: ms(o.took[len(o.took)*99/100])}
	o.sum, o.took = 0, o.took[:0]
	tbl, err := o.tm.Catalog().LoadTable(ctx, o.tm.Identifier(ci.Table))
	require.NoError(o.b, err)
	w.snapshots = len(tbl.Metadata().Snapshots())
	h, err := o.tm.Health(ctx, tbl)
	require.NoError(o.b, err)
	w.metadataBytes = h.MetadataBytes
	dir := localPath(tbl.Location())
	require.NoError(o.b, filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		w.tableFiles++
		w.warehouseBytes += info.Size()
		if filepath.Ext(path) == ".json" {
			w.metadataFiles++
		}
		return nil
	}))
	runtime.GC()
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	w.goroutines, w.heapBytes = runtime.NumGoroutine(), mem.HeapAlloc
	sh, err := o.tm.ScanHealth(ctx, tbl)
	require.NoError(o.b, err)
	w.dataFiles, w.deleteFiles = sh.DataFiles, sh.DeleteFiles
	fio, err := tbl.FS(ctx)
	require.NoError(o.b, err)
	mfs, err := tbl.CurrentSnapshot().Manifests(fio)
	require.NoError(o.b, err)
	w.manifests = len(mfs)
	// The compacted form: the same rows as one file in a table of their own.
	rows, err := tbl.Scan().ToArrowTable(ctx)
	require.NoError(o.b, err)
	cm := iceberg.NewTableManager(o.tm.Catalog(), "compacted")
	compact, err := cm.EnsureTable(ctx, fmt.Sprintf("orders_%d", o.n), rows.Schema())
	require.NoError(o.b, err)
	_, err = cm.Write(ctx, compact, rows.Schema(), array2Batches(rows), nil)
	require.NoError(o.b, err)
	rows.Release()
	compact, err = cm.Catalog().LoadTable(ctx, compact.Identifier())
	require.NoError(o.b, err)
	w.scanMs, w.compactScanMs, w.scanRatio = timeScans(o.b, tbl, compact)
	o.windows = append(o.windows, w)
	if o.n >= o.target {
		o.once.Do(func() { close(o.done) })
	}
}

// timeScans scans a and b in turn, 11 times each, and returns the median process CPU time of one
// scan of each, in milliseconds, and the median of the ratios of each pair of scans. CPU time,
// not wall time, and in turn, so that neither figure depends on what else the machine runs or on
// when the garbage collector ran; the scan is CPU-bound (local files). The consumer's own
// goroutines go on meanwhile (Kafka fetches, decoding): the ratio of two scans taken one after
// the other is steadier than the ratio of the two medians (which varied 2x between windows).
func timeScans(b *testing.B, x, y *table.Table) (float64, float64, float64) {
	const n = 11
	var tx, ty [n]time.Duration
	var ratios [n]float64
	scan := func(t *table.Table) time.Duration {
		runtime.GC()
		start := testenv.ProcessCPU()
		rows, err := t.Scan().ToArrowTable(context.Background())
		took := testenv.ProcessCPU() - start
		require.NoError(b, err)
		rows.Release()
		return took
	}
	for i := range n {
		tx[i], ty[i] = scan(x), scan(y)
		ratios[i] = float64(tx[i]) / float64(ty[i])
	}
	slices.Sort(tx[:])
	slices.Sort(ty[:])
	slices.Sort(ratios[:])
	return float64(tx[n/2].Microseconds()) / 1000, float64(ty[n/2].Microseconds()) / 1000, ratios[n/2]
}

// array2Batches yields the record batches of t.
func array2Batches(t arrow.Table) func(func(arrow.RecordBatch, error) bool) {
	return func(yield func(arrow.RecordBatch, error) bool) {
		tr := array.NewTableReader(t, 1<<16)
		defer tr.Release()
		for tr.Next() {
			rec := tr.RecordBatch()
			rec.Retain()
			if !yield(rec, nil) {
				return
			}
		}
	}
}

// BenchmarkSoak is "a day in minutes": one table of 100,000 rows gets a steady stream of small
// batches (20 updates and deletes over its keys each), one commit per batch, for
// ETLWATCH_SOAK_COMMITS commits (default 2,000; the figures in docs/BENCHMARKS.md are for
// 20,000), with the consumer's default maintenance except that time is compressed: snapshots
// expire after 30 s instead of an hour. Every tenth of the run it reports the window's average
// commit time, the table's snapshots, metadata.json files and newest size, files and bytes on
// disk, data and delete files in the scan plan and the current snapshot's manifests, and the scan
// time against the same rows compacted into one file (scan_x: the median ratio over 11 pairs of
// scans, one of each in turn; the medians of each's CPU time beside it); the commit time as the window's mean,
// median and 99th percentile (the mean of one window swings by a third on a shared machine);
// and the process's goroutines and live heap (after a collection), which must not grow.
// ETLWATCH_SOAK_DELETES=vectors has the consumer write deletion vectors (cdc.deletes).
// Run with -benchtime=1x.
func BenchmarkSoak(b *testing.B) {
	commits := 2000
	if v, err := strconv.Atoi(os.Getenv("ETLWATCH_SOAK_COMMITS")); err == nil && v > 0 {
		commits = v
	}
	const perCommit, keys = 20, 100_000
	for b.Loop() {
		cluster, prod := benchCluster(b, 1)
		cat, err := iceberg.OpenCatalog(context.Background(), configloader.Iceberg{Warehouse: b.TempDir()})
		require.NoError(b, err)
		tm := iceberg.NewTableManager(cat, "raw")
		obs := &soakObserver{b: b, tm: tm, window: max(commits/10, 1), target: commits, done: make(chan struct{})}
		src := &configloader.Source{Name: "pg", CDC: configloader.CDC{Brokers: cluster.ListenAddrs(), Topics: []string{topic}, GroupID: "soak", BatchSize: keys,
			Deletes: os.Getenv("ETLWATCH_SOAK_DELETES")}}
		now := time.Now().UnixMilli()

		// The table's initial rows, as a snapshot (op r) applied in one batch.
		var seed []*kgo.Record
		for id := int64(1); id <= keys; id++ {
			cust := fmt.Sprintf("customer %d", id)
			seed = append(seed, change(topic, keyOf("orders", id), envelope(b, "orders", "r", nil, &order{ID: id, Customer: &cust, Qty: i32(0)}, now)))
		}
		require.NoError(b, prod.ProduceSync(context.Background(), seed...).FirstErr())
		sc, err := cdc.Open(src, tm, cdc.WithCommitInterval(time.Second))
		require.NoError(b, err)
		sctx, scancel := context.WithCancel(context.Background())
		sdone := make(chan error, 1)
		go func() { sdone <- sc.Run(sctx) }()
		for !offsetsReach(tm, keys) {
			time.Sleep(20 * time.Millisecond)
		}
		scancel()
		require.NoError(b, <-sdone)
		sc.Close()

		src.CDC.BatchSize = perCommit
		c, err := cdc.Open(src, tm, cdc.WithObserver(obs), cdc.WithCommitInterval(time.Hour),
			cdc.WithMaintenance(cdc.Maintenance{ExpireOlderThan: 30 * time.Second, MaxDeleteFiles: soakMaxDeletes(), MaxDeleteShare: soakMaxDeleteShare()}))
		require.NoError(b, err)

		// The stream, produced ahead in chunks so that the consumer never waits for it.
		rng := rand.New(rand.NewPCG(11, 12))
		var recs []*kgo.Record
		for i := range commits * perCommit {
			id := rng.Int64N(keys) + 1
			q := int32(i)
			switch op := rng.IntN(10); {
			case op == 0:
				recs = append(recs, change(topic, keyOf("orders", id), envelope(b, "orders", "d", nil, &order{ID: id, Qty: &q}, now)))
			default:
				recs = append(recs, change(topic, keyOf("orders", id), envelope(b, "orders", "u", nil, &order{ID: id, Qty: &q}, now)))
			}
		}
		// Every batch holds exactly perCommit records: the stream is produced before the
		// consumer starts.
		for start := 0; start < len(recs); start += 10_000 {
			require.NoError(b, prod.ProduceSync(context.Background(), recs[start:min(start+10_000, len(recs))]...).FirstErr())
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		began := time.Now()
		go func() { done <- c.Run(ctx) }()
		select {
		case <-obs.done:
		case err := <-done:
			b.Fatalf("the consumer stopped: %v", err)
		}
		took := time.Since(began)
		cancel()
		require.NoError(b, <-done)
		c.Close()

		// To stdout: the benchmark log keeps only its first lines.
		fmt.Printf("%d commits of %d events in %s\n", obs.n, perCommit, took.Round(time.Second))
		fmt.Printf("%8s %9s %7s %7s %9s %8s %10s %7s %10s %5s %7s %6s %6s %8s %8s %6s %7s", "commits", "commit_ms", "p50_ms", "p99_ms", "snapshots", "md_files", "md_newestB", "files", "bytes", "data", "deletes", "mnfsts", "scan_x", "scan_ms", "cmpct_ms", "gorout", "heap_MB")
		fmt.Println()
		for _, w := range obs.windows {
			fmt.Printf("%8d %9.1f %7.1f %7.1f %9d %8d %10d %7d %10d %5d %7d %6d %6.2f %8.1f %8.1f %6d %7.1f", w.commits, w.commitMs, w.commitP50Ms, w.commitP99Ms, w.snapshots, w.metadataFiles, w.metadataBytes,
				w.tableFiles, w.warehouseBytes, w.dataFiles, w.deleteFiles, w.manifests, w.scanRatio, w.scanMs, w.compactScanMs, w.goroutines, float64(w.heapBytes)/(1<<20))
			fmt.Println()
		}
		first, last := obs.windows[0], obs.windows[len(obs.windows)-1]
		worstScan := 0.0
		for _, w := range obs.windows {
			worstScan = max(worstScan, w.scanRatio)
		}
		b.ReportMetric(first.commitMs, "commit_ms_start")
		b.ReportMetric(last.commitMs, "commit_ms_end")
		b.ReportMetric(last.commitMs/first.commitMs, "commit_end/start")
		b.ReportMetric(last.commitP50Ms/first.commitP50Ms, "commit_p50_end/start")
		b.ReportMetric(float64(last.metadataBytes), "metadata_bytes_end")
		b.ReportMetric(float64(last.tableFiles), "files_end")
		b.ReportMetric(worstScan, "worst_scan/compacted")
		b.ReportMetric(float64(obs.n)/took.Seconds(), "commits/s")
		b.ReportMetric(float64(last.heapBytes)/float64(first.heapBytes), "heap_end/start")
		b.ReportMetric(float64(last.goroutines-first.goroutines), "goroutines_end-start")
		b.ReportMetric(0, "ns/op")
		if cl, ok := cat.(interface{ Close() error }); ok {
			_ = cl.Close()
		}
	}
}

// soakMaxDeleteShare is ETLWATCH_SOAK_MAX_DELETE_SHARE, else 0 (the default).
func soakMaxDeleteShare() float64 {
	v, _ := strconv.ParseFloat(os.Getenv("ETLWATCH_SOAK_MAX_DELETE_SHARE"), 64)
	return v
}

// soakMaxDeletes is ETLWATCH_SOAK_MAX_DELETE_FILES, else 0 (the default).
func soakMaxDeletes() int {
	n, _ := strconv.Atoi(os.Getenv("ETLWATCH_SOAK_MAX_DELETE_FILES"))
	return n
}
