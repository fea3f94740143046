package exposed

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/iceberg"
	"github.com/etlwatch/etlwatch/monitoring"
)

// CDCTopic is the topic EmitCDC's consumer reads; its events go to table orders of namespace
// bronze.
const CDCTopic = "bronze.siebel.orders"

// EmitCDC runs the real CDC consumer (package cdc) against an in-process Kafka (kfake) and a
// temporary Iceberg warehouse, reporting to m, through enough events to make it emit every
// metric it has: inserts, an update, a delete and its tombstone, a logical message, a record
// that is not JSON (dead-lettered), a change the bulk load already had (skipped), and a
// maintenance round. The rules and dashboards are checked against what it records, not against
// a list that could drift from the consumer.
func EmitCDC(t testing.TB, m *monitoring.MetricsCollector) {
	t.Helper()
	ctx := context.Background()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, CDCTopic, "bronze.dead_letter"))
	require.NoError(t, err)
	defer cluster.Close()
	prod, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...))
	require.NoError(t, err)
	defer prod.Close()
	cat, err := iceberg.OpenCatalog(ctx, configloader.Iceberg{Warehouse: t.TempDir()})
	require.NoError(t, err)
	defer func() {
		if c, ok := cat.(interface{ Close() error }); ok {
			_ = c.Close()
		}
	}()
	tm := iceberg.NewTableManager(cat, "bronze")
	src := &configloader.Source{Name: "siebel", CDC: configloader.CDC{Brokers: cluster.ListenAddrs(), Topics: []string{CDCTopic},
		GroupID: "etl", CommitInterval: 100 * time.Millisecond, DeadLetterTopic: "bronze.dead_letter"}}

	now := time.Now().UnixMilli()
	event := func(op string, id, qty int, tx int) *kgo.Record {
		after := fmt.Sprintf(`{"id":%d,"qty":%d}`, id, qty)
		if op == "d" {
			after = "null"
		}
		return &kgo.Record{Topic: CDCTopic, Key: []byte(fmt.Sprintf(`{"id":%d}`, id)), Value: []byte(fmt.Sprintf(
			`{"before":null,"after":%s,"source":{"connector":"postgresql","db":"siebel","schema":"public","table":"orders","ts_ms":%d,"txId":%d},"op":"%s","ts_ms":%d}`,
			after, now, tx, op, now))}
	}
	var end int64
	run := func(recs ...*kgo.Record) {
		res := prod.ProduceSync(ctx, recs...)
		require.NoError(t, res.FirstErr())
		for _, r := range res {
			end = max(end, r.Record.Offset+1)
		}
		c, err := cdc.Open(src, tm, cdc.WithMetrics(m), cdc.WithMaintenance(cdc.Maintenance{EveryBatches: 1}))
		require.NoError(t, err)
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- c.Run(runCtx) }()
		require.Eventually(t, func() bool {
			tbl, err := tm.Catalog().LoadTable(ctx, tm.Identifier("orders"))
			if err != nil {
				return false
			}
			offs, err := cdc.TableOffsets(tbl)
			if err != nil {
				return false
			}
			n, _ := offs.Get(CDCTopic, 0)
			return n >= end
		}, 20*time.Second, 10*time.Millisecond)
		cancel()
		require.NoError(t, <-done)
		c.Close()
	}
	run(event("c", 1, 10, 500), event("c", 2, 20, 500), event("u", 1, 11, 501), event("d", 2, 0, 502),
		&kgo.Record{Topic: CDCTopic, Key: []byte(`{"id":2}`)},                                       // tombstone
		&kgo.Record{Topic: CDCTopic, Key: []byte(`{"id":3}`), Value: []byte(`{"op":"c","after":{`)}, // not JSON: dead-lettered
		&kgo.Record{Topic: CDCTopic, Value: []byte(fmt.Sprintf(`{"op":"m","source":{"connector":"postgresql","db":"siebel","table":"","ts_ms":%d},"message":{"prefix":"p","content":"aGk="},"ts_ms":%d}`, now, now))})

	// What a bulk load at a PostgreSQL snapshot that saw transaction 600 records; the consumer
	// then skips that transaction's change.
	tbl, err := tm.Catalog().LoadTable(ctx, tm.Identifier("orders"))
	require.NoError(t, err)
	_, err = tm.Write(ctx, tbl, arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil), iceberg.Batches(),
		map[string]string{cdc.PropPGSnapshot: "601:601:"})
	require.NoError(t, err)
	run(event("u", 1, 12, 600), event("c", 4, 40, 700))
}
