package cdcmonitor_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/apache/iceberg-go/catalog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/dataquality/cdcmonitor"
	"github.com/etlwatch/etlwatch/iceberg"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/monitoringtest"
)

// stopAfterFirstCommit is an observer that ends the consumer's run after its first commit.
type stopAfterFirstCommit struct {
	once sync.Once
	stop context.CancelFunc
}

func (s *stopAfterFirstCommit) Started(context.Context, cdc.StartInfo) {}
func (s *stopAfterFirstCommit) Committed(context.Context, cdc.CommitInfo) {
	s.once.Do(s.stop)
}
func (s *stopAfterFirstCommit) Stopped(context.Context, error) {}

// TestObserverOnARealConsumer runs a CDC consumer (Kafka: an in-process kfake cluster; Iceberg:
// a local SQL catalog) with the observer: its commit sets the table's last write, records the
// schema, and the hour's rows are judged once a commit of the next hour arrives.
func TestObserverOnARealConsumer(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "pg.public.orders"))
	require.NoError(t, err)
	defer cluster.Close()
	cat, err := iceberg.OpenCatalog(ctx, configloader.Iceberg{Warehouse: t.TempDir()})
	require.NoError(t, err)
	defer cat.(catalog.Closer).Close()

	prod, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...))
	require.NoError(t, err)
	defer prod.Close()
	for id := 1; id <= 3; id++ {
		value := fmt.Sprintf(`{"before":null,"after":{"id":%d,"customer":"c%d"},"op":"c","ts_ms":1700000000000,`+
			`"source":{"connector":"postgresql","db":"shop","schema":"public","table":"orders","lsn":%d,"ts_ms":1700000000000}}`, id, id, 100+id)
		require.NoError(t, prod.ProduceSync(ctx, &kgo.Record{Topic: "pg.public.orders", Key: fmt.Appendf(nil, `{"id":%d}`, id), Value: []byte(value)}).FirstErr())
	}

	sink := monitoringtest.NewSink()
	metrics, err := monitoring.NewMetricsCollector("cdc", "shop", monitoring.WithSinks(sink))
	require.NoError(t, err)
	defer metrics.Shutdown(context.Background())
	history := dataquality.NewMemoryHistory()
	mon, err := dataquality.NewMonitor(dataquality.NewChecker(dataquality.WithMetrics(metrics)), history,
		dataquality.Monitors{Volume: true, Freshness: true, SchemaDrift: "warn"})
	require.NoError(t, err)
	obs, err := cdcmonitor.New(mon, cdcmonitor.WithFreshnessEvery(10*time.Millisecond))
	require.NoError(t, err)

	src := &configloader.Source{Name: "shop", DatabaseType: "postgres",
		CDC: configloader.CDC{Brokers: cluster.ListenAddrs(), Topics: []string{"pg.public.orders"}, GroupID: "etl", CommitInterval: 100 * time.Millisecond}}
	c, err := cdc.Open(src, iceberg.NewTableManager(cat, "shop"), cdc.WithObserver(obs), cdc.WithObserver(&stopAfterFirstCommit{stop: cancel}))
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.Run(ctx))

	require.NoError(t, metrics.ForceFlush(context.Background()))
	lw, ok := sink.Value(dataquality.LastWriteMetric, monitoring.Dimensions{"table": "orders"})
	require.True(t, ok, "the commit set the table's last write")
	assert.InDelta(t, float64(time.Now().Unix()), lw, 120)

	schema, err := history.History(context.Background(), "orders", "schema", 0)
	require.NoError(t, err)
	require.Len(t, schema, 1, "the commit's columns were recorded")
	assert.Contains(t, schema[0].Note, `"name":"customer"`)

	// The first freshness verdict: too little history to judge, said so.
	res := obs.CheckFreshness(context.Background())
	require.Len(t, res, 1)
	assert.True(t, res[0].Passed)
	assert.Equal(t, "orders", res[0].Table)

	// A commit in a later hour closes the consumer's hour: its rows are judged and stored.
	obs.Committed(context.Background(), cdc.CommitInfo{Table: "orders", Upserted: 5, CommittedAt: time.Now().Add(time.Hour)})
	vol, err := history.History(context.Background(), "orders", dataquality.MonitorVolume, 0)
	require.NoError(t, err)
	require.Len(t, vol, 1)
	assert.Equal(t, 3.0, vol[0].Value, "the three inserts of the consumer's hour")
}

func TestNewNeedsAMonitor(t *testing.T) {
	_, err := cdcmonitor.New(nil)
	assert.ErrorIs(t, err, cdcmonitor.ErrNoMonitor)
}

func TestStoppedStopsTheTimer(t *testing.T) {
	mon, err := dataquality.NewMonitor(nil, dataquality.NewMemoryHistory(), dataquality.Monitors{Freshness: true})
	require.NoError(t, err)
	obs, err := cdcmonitor.New(mon, cdcmonitor.WithFreshnessEvery(time.Millisecond))
	require.NoError(t, err)
	obs.Started(t.Context(), cdc.StartInfo{})
	obs.Committed(t.Context(), cdc.CommitInfo{Table: "t", Upserted: 1})
	time.Sleep(5 * time.Millisecond)
	obs.Stopped(t.Context(), nil)
	obs.Stopped(t.Context(), nil) // twice is fine
	assert.Len(t, obs.CheckFreshness(t.Context()), 1)
}

// A consumer that restarts and never commits: the tables it is meant to keep fresh are judged
// from the history, and their last write is exposed, so they turn stale.
func TestWithTablesJudgesTablesNeverCommittedTo(t *testing.T) {
	ctx := t.Context()
	history := dataquality.NewMemoryHistory()
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	now := start
	clock := dataquality.WithClock(func() time.Time { return now })
	first, err := dataquality.NewMonitor(dataquality.NewChecker(clock), history, dataquality.Monitors{Freshness: true})
	require.NoError(t, err)
	for i := range 24 * 6 { // the previous run: a commit every 10 minutes for a day
		now = start.Add(time.Duration(i) * 10 * time.Minute)
		first.Committed(ctx, "orders", now, 10)
	}

	// The restarted process: its metrics, its monitor, no commit.
	sink := monitoringtest.NewSink()
	metrics, err := monitoring.NewMetricsCollector("cdc", "shop", monitoring.WithSinks(sink))
	require.NoError(t, err)
	defer metrics.Shutdown(context.Background())
	mon, err := dataquality.NewMonitor(dataquality.NewChecker(clock, dataquality.WithMetrics(metrics)), history, dataquality.Monitors{Freshness: true})
	require.NoError(t, err)
	obs, err := cdcmonitor.New(mon, cdcmonitor.WithTables("orders"))
	require.NoError(t, err)
	now = now.Add(3 * time.Hour)
	res := obs.CheckFreshness(ctx)
	require.Len(t, res, 1)
	assert.False(t, res[0].Passed, res[0].Details)
	require.NoError(t, metrics.ForceFlush(ctx))
	lw, ok := sink.Value(dataquality.LastWriteMetric, monitoring.Dimensions{"table": "orders"})
	require.True(t, ok, "the last write, from the history")
	assert.Equal(t, float64(start.Add(22*time.Hour+50*time.Minute).Unix()), lw,
		"the last commit of the last finished hour (23:00 is still open when the process stops)")
}
