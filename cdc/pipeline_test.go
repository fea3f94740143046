package cdc_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/iceberg"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/monitoringtest"
)

// A consumer commits one batch while it polls and decodes the next, so under a steady stream it
// always holds records: a member that joins must still get its partitions soon, not after the
// commit interval (30 s here), and no change is lost or applied twice across the handover.
func TestRebalanceUnderSteadyLoad(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, topic))
	require.NoError(t, err)
	defer cluster.Close()
	prod, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...))
	require.NoError(t, err)
	defer prod.Close()
	cat, err := iceberg.OpenCatalog(t.Context(), configloader.Iceberg{Warehouse: t.TempDir()})
	require.NoError(t, err)
	defer func() {
		if c, ok := cat.(interface{ Close() error }); ok {
			_ = c.Close()
		}
	}()
	tm := iceberg.NewTableManager(cat, "raw")
	src := &configloader.Source{Name: "pg", CDC: configloader.CDC{Brokers: cluster.ListenAddrs(), Topics: []string{topic},
		GroupID: "etl", BatchSize: 40, CommitInterval: 30 * time.Second}}

	type member struct {
		c      *cdc.Consumer
		cancel context.CancelFunc
		done   chan error
		logs   *monitoringtest.LogCapture
	}
	start := func() *member {
		m := &member{done: make(chan error, 1), logs: monitoringtest.NewLogCapture()}
		m.c, err = cdc.Open(src, tm, cdc.WithLogger(monitoring.NewStructuredLogger("cdc", "pg", m.logs.Option())))
		require.NoError(t, err)
		var ctx context.Context
		ctx, m.cancel = context.WithCancel(t.Context())
		go func() { m.done <- m.c.Run(ctx) }()
		return m
	}
	applied := func(m *member) (n float64) {
		for _, e := range m.logs.EventsOfType(cdc.EventBatchComplete) {
			n += e.Details["events_processed"].(float64)
		}
		return n
	}

	// A steady stream until the handover is over: the first member is never idle.
	st := newStream()
	var stop atomic.Bool
	go func() {
		defer close(st.done)
		for !stop.Load() {
			st.produce(t, prod, 20)
			time.Sleep(2 * time.Millisecond)
		}
	}()
	a := start()
	require.Eventually(t, func() bool { return applied(a) > 200 }, 15*time.Second, 10*time.Millisecond)
	joined := time.Now()
	b := start()
	require.Eventually(t, func() bool { return applied(b) > 0 }, 15*time.Second, 10*time.Millisecond,
		"the joining member never applied a batch: the first one kept the rebalance waiting")
	took := time.Since(joined)
	require.Eventually(t, func() bool { return applied(a) > 0 && applied(b) > 100 }, 15*time.Second, 10*time.Millisecond)
	stop.Store(true)
	<-st.done
	// Both stop (what they hold is dropped, uncommitted); a member with a short interval applies
	// the rest, from the offsets the tables record.
	for _, m := range []*member{a, b} {
		m.cancel()
		require.NoError(t, <-m.done)
		m.c.Close()
	}
	src.CDC.CommitInterval = 100 * time.Millisecond
	last := start()
	require.Eventually(t, func() bool { return caughtUp(tm, st) }, 30*time.Second, 20*time.Millisecond)
	last.cancel()
	require.NoError(t, <-last.done)
	last.c.Close()

	r := &rig{t: t, tm: tm}
	got := r.rows() // fails on a duplicated id
	st.mu.Lock()
	defer st.mu.Unlock()
	assert.Equal(t, len(st.want), len(got))
	for id, q := range st.want {
		assert.Equal(t, q, got[id], "qty of %d", id)
	}
	t.Logf("b applied its first batch %v after joining; applied by a: %.0f events, by b: %.0f", took.Round(time.Millisecond), applied(a), applied(b))
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
