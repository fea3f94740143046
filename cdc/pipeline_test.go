package cdc_test

import (
	"bytes"
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/iceberg-go/table"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/cdc/debezium"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/monitoring"
)

// A consumer commits one batch while it polls and decodes the next, so under a steady stream it
// always holds records: a member that joins must still get its partitions soon, not after the
// commit interval (30 s here), and no change is lost or applied twice across the handover.
func TestRebalanceUnderSteadyLoad(t *testing.T) {
	testRebalanceUnderSteadyLoad(t, 15*time.Second)
}

// The consumer learns that the group wants to rebalance from kgo's OnPartitionsCallbackBlocked;
// a kgo option given to WithKafkaOptions may replace that callback. The consumer then still lets
// the group rebalance every allowEvery (10 s; 1 s here) under a steady stream, whatever its
// commit interval (30 s here) and though a table's maintenance runs beside nearly every batch:
// the member that joins gets its partitions, later (a cooperative rebalance takes two rounds).
// Before, a member that had lost the signal kept its partitions until the group kicked it out.
func TestRebalanceWithoutTheSignal(t *testing.T) {
	t.Cleanup(cdc.SetAllowEvery(time.Second))
	var called atomic.Int32
	testRebalanceUnderSteadyLoad(t, 15*time.Second, cdc.WithKafkaOptions(kgo.OnPartitionsCallbackBlocked(func(context.Context, *kgo.Client) { called.Add(1) })))
	assert.Positive(t, called.Load(), "the group waited for the first member, which the option's callback saw")
}

// As TestRebalanceWithoutTheSignal, with a table maintenance running beside nearly every batch of
// the first member (a compaction after each, held up 200 ms): once a rebalance is due, the
// consumer waits for the maintenance and lets the group rebalance, where it used to put the
// rebalance off for as long as a maintenance ran when it looked.
func TestRebalanceWithoutTheSignalDuringMaintenance(t *testing.T) {
	t.Cleanup(cdc.SetAllowEvery(time.Second))
	cdc.SetFailpointHook(func(name string) {
		if name == cdc.FailAfterMaintenanceCommit {
			time.Sleep(200 * time.Millisecond)
		}
	})
	t.Cleanup(func() { cdc.SetFailpointHook(nil) })
	// 30 s: less than the group's session timeout (45 s), after which it would give up on the
	// first member and hand its partitions over without it.
	testRebalanceUnderSteadyLoad(t, 30*time.Second,
		cdc.WithKafkaOptions(kgo.OnPartitionsCallbackBlocked(func(context.Context, *kgo.Client) {})),
		cdc.WithMaintenance(cdc.Maintenance{MaxDeleteFiles: 1}))
}

// testRebalanceUnderSteadyLoad has a second member join a steady stream that a first member,
// opened with opts, applies; the second must apply a batch within within.
func testRebalanceUnderSteadyLoad(t *testing.T, within time.Duration, opts ...cdc.Option) {
	brokers, prod, tm := groupRig(t)
	src := &configloader.Source{Name: "pg", CDC: configloader.CDC{Brokers: brokers, Topics: []string{topic},
		GroupID: "etl", BatchSize: 40, CommitInterval: 30 * time.Second}}

	// A steady stream until the handover is over: the first member is never idle.
	st := newStream()
	var stop atomic.Bool
	go func() {
		defer close(st.done)
		for !stop.Load() {
			st.produce(t, prod, 20)
			time.Sleep(10 * time.Millisecond)
		}
	}()
	// When a requirement below fails, the stream stops before its client closes (cleanups run
	// last first): it would otherwise report a closed client on t after t ended, a panic that
	// takes the whole test binary down.
	t.Cleanup(func() {
		stop.Store(true)
		<-st.done
	})
	a := startMember(t, src, tm, opts...)
	// A precondition, not what is tested: on a machine running other test binaries beside this
	// one under -race, the first member took over 15 s to join and apply its first 200 events.
	require.Eventually(t, func() bool { return a.applied() > 200 }, 60*time.Second, 10*time.Millisecond)
	joined := time.Now()
	b := startMember(t, src, tm)
	if !assert.Eventually(t, func() bool { return b.applied() > 0 }, within, 10*time.Millisecond) {
		require.FailNow(t, "the joining member never applied a batch: the first one kept the rebalance waiting", members(a, b))
	}
	took := time.Since(joined)
	// A member's batch waits for its table's maintenance, up to Maintenance.Timeout (30 s): with
	// two members committing to one table, a compaction that the other's commits fence out is
	// slow to land, and on a machine running other -race test binaries beside this one the
	// joining member's second batch took 11 s, its goroutine waiting for one (a stack dump).
	if !assert.Eventually(t, func() bool { return a.applied() > 0 && b.applied() > 100 }, 45*time.Second, 10*time.Millisecond) {
		require.FailNow(t, "the members stopped applying", members(a, b))
	}
	stop.Store(true)
	<-st.done
	// Both stop (what they hold is dropped, uncommitted); a member with a short interval and
	// large batches applies the rest, from the offsets the tables record. (In batches of 40 the
	// backlog a loaded machine builds up took over 30 s to apply.)
	a.stop(t)
	b.stop(t)
	src.CDC.BatchSize, src.CDC.CommitInterval = 5000, 100*time.Millisecond
	last := startMember(t, src, tm)
	require.Eventually(t, func() bool { return caughtUp(tm, st) }, 60*time.Second, 20*time.Millisecond)
	last.stop(t)

	assertStreamApplied(t, tm, st)
	t.Logf("b applied its first batch %v after joining; applied by a: %.0f events, by b: %.0f, of %d", took.Round(time.Millisecond), a.applied(), b.applied(), st.i)
}

// Records polled while the batch before them commits are decoded before that batch has created
// (or changed) their table: a schemaless record then has no column types to go by. They are
// decoded again once the commit is over. Here the first batch creates the table and its commit
// is held up until the next record has been decoded without the table; that record's schemaless
// timestamp must still arrive as a timestamp, not be set aside.
func TestRecordsDecodedDuringACommitAreDecodedAgain(t *testing.T) {
	r := newRig(t)
	r.src.CDC.BatchSize = 1
	var hits atomic.Int32
	cdc.SetFailpointHook(func(name string) {
		if name == cdc.FailAfterFilesWritten && hits.Add(1) == 1 {
			time.Sleep(time.Second) // the first commit: Run polls and decodes the next record meanwhile
		}
	})
	t.Cleanup(func() { cdc.SetFailpointHook(nil) })
	const micros = int64(1_700_000_000_000_000)
	r.produce(change(topic, keyOf("orders", 1), envelope(t, "orders", "c", nil, &order{ID: 1, Qty: i32(1), Updated: 1}, 1)),
		schemalessUpdate(1, 20, micros+1), schemalessUpdate(1, 30, micros+2))
	metrics, sink := metricsRig(t)
	r.run(cdc.WithMetrics(metrics))
	require.NoError(t, metrics.ForceFlush(context.Background()))
	assert.Zero(t, sink.Total("cdc_events_failed", monitoring.Dimensions{}), "none set aside")
	assert.GreaterOrEqual(t, hits.Load(), int32(2), "a commit per record")
	assert.Equal(t, map[int64]int32{1: 30}, r.rows())
}

// A panic while a batch commits (here at the failpoint before its Iceberg commit) happens on the
// goroutine that commits the batch; Run raises it again on its caller's goroutine, where it can
// be recovered, as a *cdc.CommitPanic with the value and the stack. Nothing of the batch was
// committed: a restarted consumer applies every change once.
func TestCommitPanicReachesRunsCaller(t *testing.T) {
	r := newRig(t)
	var hits atomic.Int32
	cdc.SetFailpointHook(func(name string) {
		if name == cdc.FailBeforeIcebergCommit && hits.Add(1) == 1 {
			panic("boom")
		}
	})
	t.Cleanup(func() { cdc.SetFailpointHook(nil) })
	r.produce(change(topic, keyOf("orders", 1), envelope(t, "orders", "c", nil, &order{ID: 1, Qty: i32(1)}, 1)),
		change(topic, keyOf("orders", 2), envelope(t, "orders", "c", nil, &order{ID: 2, Qty: i32(2)}, 1)))
	p := runUntilPanic(t, r)
	assert.Equal(t, "boom", p.Value)
	assert.Contains(t, string(p.Stack), "processBatch", "the stack of the goroutine that panicked")
	assert.Contains(t, p.Error(), "boom")

	cdc.SetFailpointHook(nil)
	r.run()
	assert.Equal(t, map[int64]int32{1: 1, 2: 2}, r.rows())
}

// A panic in a table's maintenance, which runs on its own goroutine beside the next batch,
// reaches Run's caller too, as a *cdc.CommitPanic with the maintenance's stack. The compaction
// had committed before it; a restarted consumer applies every change once.
func TestMaintenancePanicReachesRunsCaller(t *testing.T) {
	r := newRig(t)
	want := seedBase(t, r)
	r.src.CDC.BatchSize, r.src.CDC.CommitInterval = 20, 50*time.Millisecond
	backlog(t, r, want, 100)
	var hits atomic.Int32
	cdc.SetFailpointHook(func(name string) {
		if name == cdc.FailAfterMaintenanceCommit && hits.Add(1) == 1 {
			panic("maintenance boom")
		}
	})
	t.Cleanup(func() { cdc.SetFailpointHook(nil) })
	p := runUntilPanic(t, r, cdc.WithMaintenance(cdc.Maintenance{MaxDeleteFiles: 2}))
	assert.Equal(t, "maintenance boom", p.Value)
	assert.Contains(t, string(p.Stack), "maintainTable", "the stack of the maintenance's goroutine")

	cdc.SetFailpointHook(nil)
	r.run()
	assert.Equal(t, want, r.rows())
}

// runUntilPanic runs a consumer of r with opts until Run panics, within 60 s, and returns what
// its caller recovered: a *cdc.CommitPanic.
func runUntilPanic(t *testing.T, r *rig, opts ...cdc.Option) *cdc.CommitPanic {
	t.Helper()
	c, err := cdc.Open(r.src, r.tm, opts...)
	require.NoError(t, err)
	recovered := make(chan any, 1)
	go func() {
		defer func() { recovered <- recover() }()
		_ = c.Run(t.Context())
	}()
	var v any
	select {
	case v = <-recovered:
	case <-time.After(60 * time.Second):
		t.Fatal("Run neither panicked nor returned within 60 s")
	}
	c.Close()
	require.IsType(t, &cdc.CommitPanic{}, v, "Run's caller recovers the panic")
	return v.(*cdc.CommitPanic)
}

// panicky is the default format, except that it panics on the record of orders key 2.
type panicky struct{ cdc.Format }

func (p panicky) Decode(topic string, key, value []byte) (*debezium.Event, error) {
	if bytes.Equal(key, keyOf("orders", 2)) {
		panic("a format's bug")
	}
	return p.Format.Decode(topic, key, value)
}

// A format that panics on a record (a user's, say) has that record set aside to the dead-letter
// topic like any record it cannot decode; the others are applied and the consumer keeps running.
func TestPanickingFormatSetsRecordAside(t *testing.T) {
	r := newRig(t)
	for id := int64(1); id <= 3; id++ {
		r.produce(change(topic, keyOf("orders", id), envelope(t, "orders", "c", nil, &order{ID: id, Qty: i32(int32(id))}, 1)))
	}
	format := func(h debezium.HintFunc) (cdc.Format, error) {
		f, err := cdc.DebeziumJSON(h)
		return panicky{f}, err
	}
	metrics, sink := metricsRig(t)
	r.run(cdc.WithFormat(format), cdc.WithMetrics(metrics))
	assert.Equal(t, map[int64]int32{1: 1, 3: 3}, r.rows())
	dl := r.deadLetters(1)["invalid_envelope"]
	require.Len(t, dl, 1)
	assert.Equal(t, keyOf("orders", 2), dl[0].Key)
	assert.Contains(t, header(dl[0], "etlwatch.error.message"), "a format's bug")
	require.NoError(t, metrics.ForceFlush(context.Background()))
	assert.Equal(t, 1.0, sink.Total("cdc_events_failed", monitoring.Dimensions{}))
}

// Two batches in flight: while a batch waits to commit (held at the failpoint after its files
// are written), the next one collects its records and writes its own files; then the first one
// panics. The next batch commits nothing and removes its files (the first one's stay behind,
// as after a crash), Run's caller recovers the first one's panic, and a restarted consumer
// applies every change exactly once.
func TestNextBatchCommitsNothingWhenTheOneBeforeFails(t *testing.T) {
	r := newRig(t)
	want := seedBase(t, r)
	r.src.CDC.BatchSize, r.src.CDC.CommitInterval = 20, 50*time.Millisecond
	backlog(t, r, want, 150) // the next batch is ready while one commits
	tbl, err := r.tm.Catalog().LoadTable(t.Context(), r.tm.Identifier("orders"))
	require.NoError(t, err)
	orphansBefore := len(unreferencedParquet(t, tbl))

	var files atomic.Int32
	var overlapped atomic.Bool
	cdc.SetFailpointHook(func(name string) {
		if name != cdc.FailAfterFilesWritten || files.Add(1) != 3 {
			return
		}
		// The third batch's files are written; the fourth batch's are written meanwhile.
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) && files.Load() < 4 {
			time.Sleep(5 * time.Millisecond)
		}
		overlapped.Store(files.Load() >= 4)
		panic("boom after the next batch's files")
	})
	t.Cleanup(func() { cdc.SetFailpointHook(nil) })
	commits := &commitCount{}
	p := runUntilPanic(t, r, cdc.WithMaintenance(cdc.Maintenance{Disabled: true}), cdc.WithObserver(commits))
	assert.Equal(t, "boom after the next batch's files", p.Value)
	require.True(t, overlapped.Load(), "the next batch wrote its files while the one before waited to commit")
	assert.Equal(t, int32(4), files.Load(), "no batch after the next one wrote files")
	assert.Equal(t, int64(2), commits.n.Load(), "only the two batches before committed")

	tbl, err = r.tm.Catalog().LoadTable(t.Context(), r.tm.Identifier("orders"))
	require.NoError(t, err)
	// The failed batch's data and delete files stay, as after a crash (orphan-file cleanup
	// takes them); the next batch removed its own.
	assert.Len(t, unreferencedParquet(t, tbl), orphansBefore+2, "the failed batch's two files, not the next one's")

	cdc.SetFailpointHook(nil)
	r.run()
	assert.Equal(t, want, r.rows())
}

// commitCount is an observer that counts the tables' commits.
type commitCount struct{ n atomic.Int64 }

func (c *commitCount) Started(context.Context, cdc.StartInfo)    {}
func (c *commitCount) Stopped(context.Context, error)            {}
func (c *commitCount) Committed(context.Context, cdc.CommitInfo) { c.n.Add(1) }

// backlog produces 200 updates of the orders rows 1..ids (qty 1..200, the last wins) and
// records them in want.
func backlog(t *testing.T, r *rig, want map[int64]int32, ids int64) {
	t.Helper()
	var recs []*kgo.Record
	for i := range 200 {
		id := int64(i)%ids + 1
		q := int32(i + 1)
		want[id] = q
		recs = append(recs, change(topic, keyOf("orders", id), envelope(t, "orders", "u", nil, &order{ID: id, Qty: &q}, 2)))
	}
	r.produce(recs...)
}

// unreferencedParquet lists the Parquet files under tbl's location that no snapshot of its
// metadata references.
func unreferencedParquet(t *testing.T, tbl *table.Table) []string {
	return unreferenced(t, tbl, "*.parquet")
}

// unreferenced lists the files of tbl's data directory matching pattern that no snapshot of its
// metadata references.
func unreferenced(t *testing.T, tbl *table.Table, pattern string) []string {
	t.Helper()
	fs, err := tbl.FS(t.Context())
	require.NoError(t, err)
	referenced := map[string]bool{}
	for _, s := range tbl.Metadata().Snapshots() {
		manifests, err := s.Manifests(fs)
		require.NoError(t, err)
		for _, mf := range manifests {
			entries, err := mf.FetchEntries(fs, false)
			require.NoError(t, err)
			for _, e := range entries {
				referenced[localPath(e.DataFile().FilePath())] = true
			}
		}
	}
	all, err := filepath.Glob(filepath.Join(localPath(tbl.Location()), "data", pattern))
	require.NoError(t, err)
	var out []string
	for _, f := range all {
		if !referenced[f] {
			out = append(out, f)
		}
	}
	return out
}
