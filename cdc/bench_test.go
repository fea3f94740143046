package cdc_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/iceberg-go/table"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/cdc/debezium"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/iceberg"
	"github.com/etlwatch/etlwatch/internal/testenv"
)

// benchEvents builds n Debezium envelopes (schemas on) of inserts and updates over keys ids.
func benchEvents(b *testing.B, n, keys int, tsMs int64) []*kgo.Record {
	rng := rand.New(rand.NewPCG(7, 8))
	recs := make([]*kgo.Record, n)
	for i := range recs {
		id := rng.Int64N(int64(keys)) + 1
		q := int32(i)
		cust := fmt.Sprintf("customer %d", id)
		recs[i] = change(topic, keyOf("orders", id), envelope(b, "orders", "u", nil,
			&order{ID: id, Customer: &cust, Qty: &q, Updated: tsMs * 1000}, tsMs))
	}
	return recs
}

func benchCluster(b *testing.B, partitions int32) (*kfake.Cluster, *kgo.Client) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(partitions, topic))
	require.NoError(b, err)
	b.Cleanup(cluster.Close)
	prod, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...), kgo.ProducerLinger(5*time.Millisecond))
	require.NoError(b, err)
	b.Cleanup(prod.Close)
	return cluster, prod
}

// BenchmarkApply measures the consumer end to end on kfake in-process: 200k Debezium events
// (inserts and updates over 50k keys, ~1.5 KB each with their schema) already in 4 partitions are
// consumed, decoded, collapsed and committed to Iceberg (SQL catalog on SQLite, local warehouse)
// with their offsets, batches of 10,000. Next to it, the limit: the same events consumed and
// decoded by a bare franz-go client, nothing written. Both report events/s; apply_to_iceberg_vectors
// is the consumer writing deletion vectors (cdc.deletes: vectors).
func BenchmarkApply(b *testing.B) {
	const n = 200_000
	cluster, prod := benchCluster(b, 4)
	recs := benchEvents(b, n, 50_000, time.Now().UnixMilli())
	require.NoError(b, prod.ProduceSync(context.Background(), recs...).FirstErr())
	group := 0

	b.Run("consume_decode", func(b *testing.B) {
		var events int
		var cpu time.Duration
		for b.Loop() {
			cl, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...), kgo.ConsumeTopics(topic),
				kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxBytes(4<<20))
			require.NoError(b, err)
			dec, err := debezium.NewDecoder()
			require.NoError(b, err)
			var ev debezium.Event
			got := 0
			cpu0 := testenv.ProcessCPU()
			for got < n {
				fs := cl.PollRecords(context.Background(), 10_000)
				require.NoError(b, fs.Err0())
				fs.EachRecord(func(r *kgo.Record) {
					if err := dec.DecodeInto(&ev, r.Key, r.Value); err != nil {
						b.Fatal(err)
					}
					got++
				})
			}
			cpu += testenv.ProcessCPU() - cpu0
			cl.Close()
			events += got
		}
		b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
		reportCPU(b, cpu, events)
	})

	for _, deletes := range configloader.CDCDeletes() {
		name := "apply_to_iceberg"
		if deletes == configloader.DeletesVectors {
			name += "_vectors"
		}
		b.Run(name, func(b *testing.B) { benchApply(b, cluster, &group, deletes, n) })
	}
}

// benchApply is BenchmarkApply's consumer of n events into Iceberg, with cdc.deletes deletes.
func benchApply(b *testing.B, cluster *kfake.Cluster, group *int, deletes string, n int64) {
	var events int
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		*group++
		cat, err := iceberg.OpenCatalog(context.Background(), configloader.Iceberg{Warehouse: b.TempDir()})
		require.NoError(b, err)
		tm := iceberg.NewTableManager(cat, "raw")
		src := &configloader.Source{Name: "pg", CDC: configloader.CDC{Brokers: cluster.ListenAddrs(), Topics: []string{topic},
			GroupID: fmt.Sprintf("bench-%d", *group), BatchSize: 10_000, CommitInterval: 200 * time.Millisecond, Deletes: deletes}}
		// The observer says when every event is committed: polling the catalog would take
		// CPU from the consumer on a small machine.
		all := &appliedAll{n: n, done: make(chan struct{})}
		c, err := cdc.Open(src, tm, append(benchMaintenance(), cdc.WithObserver(all))...)
		require.NoError(b, err)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		b.StartTimer()
		stopProfile := benchProfile(b)
		cpu0 := testenv.ProcessCPU()
		go func() { done <- c.Run(ctx) }()
		<-all.done
		cpu += testenv.ProcessCPU() - cpu0
		stopProfile()
		b.StopTimer()
		require.True(b, offsetsReach(tm, n))
		cancel()
		require.NoError(b, <-done)
		c.Close()
		if cl, ok := cat.(interface{ Close() error }); ok {
			_ = cl.Close()
		}
		events += int(n)
		b.StartTimer()
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	reportCPU(b, cpu, events)
}

// reportCPU reports the CPU time (of the whole process: the in-process Kafka broker's too) the
// timed part used per million events, and how many cores it kept busy on average: steadier than
// the rates on a shared machine, and it shows whether a rate is bound by CPU or by waiting.
func reportCPU(b *testing.B, cpu time.Duration, events int) {
	b.ReportMetric(cpu.Seconds()/float64(events)*1e6, "cpu_s/Mevents")
	b.ReportMetric(cpu.Seconds()/b.Elapsed().Seconds(), "cores")
	b.ReportMetric(0, "ns/op")
}

// offsetsReach reports whether the orders table records n consumed offsets in all.
func offsetsReach(tm *iceberg.TableManager, n int64) bool {
	tbl, err := tm.Catalog().LoadTable(context.Background(), tm.Identifier("orders"))
	if err != nil {
		return false
	}
	offs, err := cdc.TableOffsets(tbl)
	if err != nil {
		return false
	}
	var total int64
	for _, ps := range offs {
		for _, o := range ps {
			total += o
		}
	}
	return total >= n
}

// BenchmarkLagUnderLoad produces a steady 10,000 events/s for 10 s while the consumer applies
// them (batches of up to 10,000), then measures each event's lag at commit: the timestamp of the
// first Iceberg snapshot whose recorded offsets cover the event, minus the event's source.ts_ms
// (stamped when produced). It reports p50, p99 and the largest lag, in seconds.
func BenchmarkLagUnderLoad(b *testing.B) {
	const rate, seconds = 10_000, 10
	for b.Loop() {
		cluster, prod := benchCluster(b, 4)
		cat, err := iceberg.OpenCatalog(context.Background(), configloader.Iceberg{Warehouse: b.TempDir()})
		require.NoError(b, err)
		tm := iceberg.NewTableManager(cat, "raw")
		src := &configloader.Source{Name: "pg", CDC: configloader.CDC{Brokers: cluster.ListenAddrs(), Topics: []string{topic}, GroupID: "lag", BatchSize: 10_000}}
		c, err := cdc.Open(src, tm)
		require.NoError(b, err)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- c.Run(ctx) }()

		// Produce in ticks of 10 ms: 100 events each, stamped with the time they are produced.
		type sent struct {
			p    int32
			off  int64
			tsMs int64
		}
		var all []sent
		tick := time.NewTicker(10 * time.Millisecond)
		rng := rand.New(rand.NewPCG(9, 10))
		for range rate * seconds / 100 {
			<-tick.C
			now := time.Now().UnixMilli()
			recs := make([]*kgo.Record, 100)
			for i := range recs {
				id := rng.Int64N(50_000) + 1
				q := int32(i)
				recs[i] = change(topic, keyOf("orders", id), envelope(b, "orders", "u", nil, &order{ID: id, Qty: &q}, now))
			}
			res := prod.ProduceSync(context.Background(), recs...)
			require.NoError(b, res.FirstErr())
			for _, r := range res {
				all = append(all, sent{r.Record.Partition, r.Record.Offset, now})
			}
		}
		tick.Stop()
		for !offsetsReach(tm, int64(len(all))) {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
		require.NoError(b, <-done)
		c.Close()

		// Commit time of each event: walk the snapshots oldest first.
		tbl, err := tm.Catalog().LoadTable(context.Background(), tm.Identifier("orders"))
		require.NoError(b, err)
		snaps := tbl.Metadata().Snapshots()
		slices.SortFunc(snaps, func(x, y table.Snapshot) int { return int(x.TimestampMs - y.TimestampMs) })
		type cover struct {
			at   int64
			offs cdc.Offsets
		}
		var covers []cover
		for _, s := range snaps {
			if s.Summary == nil {
				continue
			}
			if v, ok := s.Summary.Properties[cdc.PropOffsets]; ok {
				o, err := cdc.ParseOffsets(v)
				require.NoError(b, err)
				covers = append(covers, cover{s.TimestampMs, o})
			}
		}
		lags := make([]float64, 0, len(all))
		for _, e := range all {
			for _, cv := range covers {
				if next, ok := cv.offs.Get(topic, e.p); ok && next > e.off {
					lags = append(lags, float64(cv.at-e.tsMs)/1000)
					break
				}
			}
		}
		require.Len(b, lags, len(all), "every event's commit found")
		slices.Sort(lags)
		b.ReportMetric(lags[len(lags)/2], "p50_lag_s")
		b.ReportMetric(lags[len(lags)*99/100], "p99_lag_s")
		b.ReportMetric(lags[len(lags)-1], "max_lag_s")
		b.ReportMetric(float64(len(covers)), "commits")
		b.ReportMetric(0, "ns/op")
		if cl, ok := cat.(interface{ Close() error }); ok {
			_ = cl.Close()
		}
	}
}

// benchMaintenance is no option, or maintenance off when ETLWATCH_BENCH_NO_MAINTENANCE is set:
// for a side-by-side run of what maintenance costs.
func benchMaintenance() []cdc.Option {
	if os.Getenv("ETLWATCH_BENCH_NO_MAINTENANCE") != "" {
		return []cdc.Option{cdc.WithMaintenance(cdc.Maintenance{Disabled: true})}
	}
	return nil
}

// benchProfile starts a CPU profile of the timed part of one round of the consumer when
// ETLWATCH_BENCH_CPUPROFILE names a file, or an execution trace when that name ends in ".trace"
// (rounds after the first append ".2", ".3"... to it), so that the profile holds the consumer's
// work only, not the events' setup or the anchor; the function it returns stops it. Merge the
// rounds with go tool pprof -proto FILE FILE.2 ... > merged.
func benchProfile(b *testing.B) func() {
	path := os.Getenv("ETLWATCH_BENCH_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	isTrace := strings.HasSuffix(path, ".trace")
	benchProfiles++
	if benchProfiles > 1 {
		path = fmt.Sprintf("%s.%d", path, benchProfiles)
	}
	f, err := os.Create(path)
	require.NoError(b, err)
	if isTrace {
		require.NoError(b, trace.Start(f))
		return func() {
			trace.Stop()
			require.NoError(b, f.Close())
		}
	}
	require.NoError(b, pprof.StartCPUProfile(f))
	return func() {
		pprof.StopCPUProfile()
		require.NoError(b, f.Close())
	}
}

// benchProfiles counts the profiles benchProfile wrote.
var benchProfiles int

// appliedAll is an observer that closes done once commits record n offsets in all.
type appliedAll struct {
	n    int64
	done chan struct{}
	once sync.Once
}

func (a *appliedAll) Started(context.Context, cdc.StartInfo) {}
func (a *appliedAll) Stopped(context.Context, error)         {}
func (a *appliedAll) Committed(_ context.Context, ci cdc.CommitInfo) {
	var total int64
	for _, ps := range ci.Offsets {
		for _, o := range ps {
			total += o
		}
	}
	if total >= a.n {
		a.once.Do(func() { close(a.done) })
	}
}
