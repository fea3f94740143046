package cdclineage_test

import (
	"context"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/apache/iceberg-go/catalog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/goleak"

	"github.com/etlwatch/etlwatch"
	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/iceberg"
	"github.com/etlwatch/etlwatch/lineage"
	"github.com/etlwatch/etlwatch/lineage/cdclineage"
	"github.com/etlwatch/etlwatch/lineage/lineagetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"))
}

// stopAfterCommits ends the consumer's run after n commits.
type stopAfterCommits struct {
	mu   sync.Mutex
	n    int
	stop context.CancelFunc
}

func (s *stopAfterCommits) Started(context.Context, cdc.StartInfo) {}
func (s *stopAfterCommits) Committed(context.Context, cdc.CommitInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n--; s.n == 0 {
		s.stop()
	}
}
func (s *stopAfterCommits) Stopped(context.Context, error) {}

// TestRealConsumer runs a CDC consumer (kfake, local SQL catalog) with the observer of a pipeline
// built with WithStreamingLineage, sending to a Marquez-like receiver: a STREAMING run with one
// START naming the topic, one COMPLETE after the clean stop, every event schema-valid, and the
// output statistics adding up to the rows the consumer applied.
func TestRealConsumer(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	rcv := lineagetest.NewReceiver(t)
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "pg.public.orders"))
	require.NoError(t, err)
	defer cluster.Close()
	warehouse := t.TempDir()
	cat, err := iceberg.OpenCatalog(ctx, configloader.Iceberg{Warehouse: warehouse})
	require.NoError(t, err)
	defer cat.(catalog.Closer).Close()

	prod, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...))
	require.NoError(t, err)
	defer prod.Close()
	for id := 1; id <= 5; id++ {
		value := fmt.Sprintf(`{"before":null,"after":{"id":%d,"customer":"c%d"},"op":"c","ts_ms":1700000000000,`+
			`"source":{"connector":"postgresql","db":"shop","schema":"public","table":"orders","lsn":%d,"ts_ms":1700000000000}}`, id, id, 100+id)
		require.NoError(t, prod.ProduceSync(ctx, &kgo.Record{Topic: "pg.public.orders", Key: fmt.Appendf(nil, `{"id":%d}`, id), Value: []byte(value)}).FirstErr())
	}

	src := &configloader.Source{Name: "shop", DatabaseType: "postgres",
		CDC:     configloader.CDC{Brokers: cluster.ListenAddrs(), Topics: []string{"pg.public.orders"}, GroupID: "etl", CommitInterval: 100 * time.Millisecond},
		Iceberg: configloader.Iceberg{Catalog: "sql", Warehouse: warehouse},
		Lineage: configloader.Lineage{Transports: []string{"http"}, URL: rcv.URL(), RunningInterval: time.Hour}}
	p, err := etlwatch.New(ctx, "cdc", src, etlwatch.WithLogOutput(io.Discard), etlwatch.WithStreamingLineage())
	require.NoError(t, err)
	obs, err := cdclineage.ForPipeline(p, src)
	require.NoError(t, err)
	c, err := cdc.Open(src, iceberg.NewTableManager(cat, "shop"), cdc.WithObserver(obs), cdc.WithObserver(&stopAfterCommits{n: 1, stop: cancel}))
	require.NoError(t, err)
	require.NoError(t, c.Run(ctx))
	c.Close()
	require.NoError(t, p.Shutdown(context.Background()))

	require.Empty(t, rcv.Rejected())
	evs := rcv.Events()
	require.Len(t, evs, 2)
	assert.Equal(t, lineage.EventStart, evs[0].EventType)
	assert.Equal(t, lineage.EventComplete, evs[1].EventType)
	for _, ev := range evs {
		assert.Equal(t, "shop.cdc", ev.Job.Name)
		assert.Equal(t, "STREAMING", ev.Job.Facets.JobType.ProcessingType)
		assert.Equal(t, p.CorrelationID(), ev.Run.Facets.Correlation.CorrelationID)
	}
	require.Len(t, evs[0].Inputs, 1)
	assert.Equal(t, lineage.Kafka(cluster.ListenAddrs()[0], "pg.public.orders"), evs[0].Inputs[0].ID())
	require.Len(t, evs[1].Outputs, 1)
	out := evs[1].Outputs[0]
	assert.Equal(t, "file", out.Namespace)
	assert.Equal(t, int64(5), *out.OutputFacets.OutputStatistics.RowCount, "the five inserts")
	assert.Positive(t, *out.OutputFacets.OutputStatistics.FileCount)
	assert.Equal(t, "shop.orders", out.Facets.Symlinks.Identifiers[0].Name)
	var cols []string
	for _, f := range out.Facets.Schema.Fields {
		cols = append(cols, f.Name)
	}
	assert.Subset(t, cols, []string{"id", "customer"})
}

// TestRunningEventsAddUp feeds commits as the consumer reports them, with a RUNNING event in
// between, and a failure at the end.
func TestRunningEventsAddUp(t *testing.T) {
	rcv := lineagetest.NewReceiver(t)
	tr, err := lineage.NewHTTPTransport(rcv.URL())
	require.NoError(t, err)
	client, err := lineage.NewClient(lineage.WithTransports(tr))
	require.NoError(t, err)
	run := client.NewStreamingRun("shop.cdc", time.Hour)
	obs, err := cdclineage.New(run, cdclineage.WithCatalog("file:///wh"))
	require.NoError(t, err)
	ctx := t.Context()
	obs.Started(ctx, cdc.StartInfo{Brokers: []string{"b:9092"}, TopicPrefix: "pg"})
	commit := func(table string, up, del int64) {
		obs.Committed(ctx, cdc.CommitInfo{Namespace: "shop", Table: table, Location: "file:///wh/shop/" + table,
			Topics: []string{"pg.public." + table}, Upserted: up, Deleted: del, DataFiles: 1, AddedBytes: 10, SnapshotID: up})
	}
	commit("orders", 10, 2)
	commit("customers", 4, 0)
	require.True(t, run.Flush())
	commit("orders", 6, 1)
	obs.Stopped(ctx, fmt.Errorf("broker gone"))
	require.NoError(t, client.Shutdown(context.Background()))

	require.Empty(t, rcv.Rejected())
	evs := rcv.Events()
	require.Len(t, evs, 3)
	assert.Equal(t, []lineage.EventType{lineage.EventStart, lineage.EventRunning, lineage.EventFail},
		[]lineage.EventType{evs[0].EventType, evs[1].EventType, evs[2].EventType})
	sums := map[string]int64{}
	for _, ev := range evs {
		for _, o := range ev.Outputs {
			sums[o.Name] += *o.OutputFacets.OutputStatistics.RowCount
		}
	}
	assert.Equal(t, map[string]int64{"/wh/shop/orders": 16, "/wh/shop/customers": 4}, sums)
	assert.Len(t, evs[1].Inputs, 2, "the topics the commits named")
	assert.Equal(t, "broker gone", evs[2].Run.Facets.ErrorMessage.Message)
}

func TestForPipelineNeedsAStreamingRun(t *testing.T) {
	src := &configloader.Source{Name: "shop", DatabaseType: "postgres"}
	p, err := etlwatch.New(t.Context(), "cdc", src, etlwatch.WithLogOutput(io.Discard))
	require.NoError(t, err)
	defer p.Shutdown(context.Background())
	_, err = cdclineage.ForPipeline(p, src)
	assert.ErrorIs(t, err, cdclineage.ErrNotStreaming)
	_, err = cdclineage.New(nil)
	assert.Error(t, err)
}
