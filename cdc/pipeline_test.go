package cdc_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/monitoring"
)

// A consumer commits one batch while it polls and decodes the next, so under a steady stream it
// always holds records: a member that joins must still get its partitions soon, not after the
// commit interval (30 s here), and no change is lost or applied twice across the handover.
func TestRebalanceUnderSteadyLoad(t *testing.T) {
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
	a := startMember(t, src, tm)
	require.Eventually(t, func() bool { return a.applied() > 200 }, 15*time.Second, 10*time.Millisecond)
	joined := time.Now()
	b := startMember(t, src, tm)
	require.Eventually(t, func() bool { return b.applied() > 0 }, 15*time.Second, 10*time.Millisecond,
		"the joining member never applied a batch: the first one kept the rebalance waiting")
	took := time.Since(joined)
	require.Eventually(t, func() bool { return a.applied() > 0 && b.applied() > 100 }, 15*time.Second, 10*time.Millisecond)
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
