package cdc_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/iceberg-go/table"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/iceberg"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/monitoringtest"
)

const topic = "pg.public.orders"

type rig struct {
	t       *testing.T
	cluster *kfake.Cluster
	prod    *kgo.Client
	tm      *iceberg.TableManager
	src     *configloader.Source
	end     map[int32]int64 // next offset after the last produced record, by partition
}

func newRig(t *testing.T) *rig {
	t.Helper()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, topic, "dlq"))
	require.NoError(t, err)
	t.Cleanup(cluster.Close)
	prod, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...))
	require.NoError(t, err)
	t.Cleanup(prod.Close)
	src := &configloader.Source{Name: "pg", DatabaseType: "postgres",
		CDC:      configloader.CDC{Brokers: cluster.ListenAddrs(), Topics: []string{topic}, GroupID: "etl", BatchSize: 40, CommitInterval: 50 * time.Millisecond, DeadLetterTopic: "dlq"},
		BulkLoad: configloader.BulkLoad{Namespace: "raw"}}
	return &rig{t: t, cluster: cluster, prod: prod, tm: localTables(t), src: src, end: map[int32]int64{}}
}

func (r *rig) produce(recs ...*kgo.Record) {
	r.t.Helper()
	res := r.prod.ProduceSync(r.t.Context(), recs...)
	require.NoError(r.t, res.FirstErr())
	for _, pr := range res {
		if pr.Record.Topic == topic {
			r.end[pr.Record.Partition] = max(r.end[pr.Record.Partition], pr.Record.Offset+1)
		}
	}
}

// run runs a consumer until the orders table records every produced offset, then stops it.
func (r *rig) run(opts ...cdc.Option) { r.runTable("orders", opts...) }

// runTable runs a consumer until table records every produced offset, then stops it.
func (r *rig) runTable(table string, opts ...cdc.Option) {
	r.t.Helper()
	c, err := cdc.Open(r.src, r.tm, opts...)
	require.NoError(r.t, err)
	ctx, cancel := context.WithCancel(r.t.Context())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	require.Eventually(r.t, func() bool {
		tbl, err := r.tm.Catalog().LoadTable(context.Background(), r.tm.Identifier(table))
		if err != nil {
			return false
		}
		offs, err := cdc.TableOffsets(tbl)
		require.NoError(r.t, err)
		var group map[int32]int64 // read once, when Iceberg's offsets are behind
		for p, end := range r.end {
			if n, _ := offs.Get(topic, p); n < end {
				// Records that change no table are committed in Kafka only.
				if group == nil {
					group = r.committed()
				}
				if group[p] < end {
					return false
				}
			}
		}
		return true
	}, 90*time.Second, 20*time.Millisecond) // generous: the race detector on a loaded machine is slow
	cancel()
	require.NoError(r.t, <-done)
	c.Close()
}

// committed returns the consumer group's committed offsets of the orders topic, by partition.
func (r *rig) committed() map[int32]int64 {
	r.t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(r.cluster.ListenAddrs()...))
	require.NoError(r.t, err)
	defer cl.Close()
	req := kmsg.NewPtrOffsetFetchRequest()
	req.Group = r.src.CDC.GroupID
	rt := kmsg.NewOffsetFetchRequestTopic()
	rt.Topic, rt.Partitions = topic, []int32{0, 1}
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(r.t.Context(), cl)
	require.NoError(r.t, err)
	out := map[int32]int64{}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			out[p.Partition] = p.Offset
		}
	}
	return out
}

// rows scans the orders table: qty by id.
func (r *rig) rows() map[int64]int32 { return r.rowsOf("orders", "qty") }

// rowsOf scans table: the integer column col by the integer id, failing on a duplicated id.
func (r *rig) rowsOf(table, col string) map[int64]int32 {
	r.t.Helper()
	tbl, err := r.tm.Catalog().LoadTable(r.t.Context(), r.tm.Identifier(table))
	require.NoError(r.t, err)
	at, err := tbl.Scan().ToArrowTable(r.t.Context())
	require.NoError(r.t, err)
	defer at.Release()
	out := map[int64]int32{}
	tr := array.NewTableReader(at, 0)
	defer tr.Release()
	intAt := func(a arrow.Array, i int) int64 {
		switch a := a.(type) {
		case *array.Int32:
			return int64(a.Value(i))
		case *array.Int64:
			return a.Value(i)
		}
		r.t.Fatalf("not an integer column: %s", a.DataType())
		return 0
	}
	for tr.Next() {
		rec := tr.RecordBatch()
		ids := rec.Column(rec.Schema().FieldIndices("id")[0])
		vals := rec.Column(rec.Schema().FieldIndices(col)[0])
		for i := 0; i < ids.Len(); i++ {
			id := intAt(ids, i)
			_, dup := out[id]
			require.False(r.t, dup, "id %d twice", id)
			out[id] = int32(intAt(vals, i))
		}
	}
	return out
}

// Inserts, updates, deletes with tombstones and a malformed record, consumed in batches of 40
// across two partitions: the table ends in the right state (one row per key), the malformed
// record is dead-lettered with headers saying why, and the batches are reported.
func TestConsumerAppliesChanges(t *testing.T) {
	r := newRig(t)
	now := time.Now().UnixMilli()
	var recs []*kgo.Record
	for id := int64(1); id <= 100; id++ {
		o := &order{ID: id, Customer: str(fmt.Sprintf("c%d", id)), Qty: i32(int32(id)), Updated: now * 1000}
		recs = append(recs, change(topic, keyOf("orders", id), envelope(t, "orders", "c", nil, o, now)))
	}
	for id := int64(1); id <= 10; id++ {
		before := &order{ID: id, Qty: i32(int32(id))}
		after := &order{ID: id, Customer: str("updated"), Qty: i32(int32(id + 1000)), Updated: now * 1000}
		recs = append(recs, change(topic, keyOf("orders", id), envelope(t, "orders", "u", before, after, now)))
	}
	for id := int64(91); id <= 100; id++ {
		recs = append(recs,
			change(topic, keyOf("orders", id), envelope(t, "orders", "d", &order{ID: id}, nil, now)),
			change(topic, keyOf("orders", id), nil))
	}
	recs = append(recs,
		change(topic, keyOf("orders", 1), []byte(`{"payload": {"op": "c", "after": {`)),                     // invalid JSON
		change(topic, keyOf("orders", 2), envelope(t, "orders", "x", nil, &order{ID: 2, Qty: i32(2)}, now)), // unknown op
		change(topic, nil, envelope(t, "orders", "c", nil, &order{ID: 3, Qty: i32(-1)}, now)))               // keyed table, no key
	r.produce(recs...)

	sink := monitoringtest.NewSink()
	metrics, err := monitoring.NewMetricsCollector("cdc", "pg", monitoring.WithSinks(sink))
	require.NoError(t, err)
	defer metrics.Shutdown(context.Background()) //nolint:errcheck
	logs := monitoringtest.NewLogCapture()
	r.run(cdc.WithMetrics(metrics), cdc.WithLogger(monitoring.NewStructuredLogger("cdc", "pg", logs.Option())))

	got := r.rows()
	require.Len(t, got, 90)
	for id := int64(1); id <= 90; id++ {
		want := int32(id)
		if id <= 10 {
			want += 1000
		}
		assert.Equal(t, want, got[id], "qty of %d", id)
	}

	require.NoError(t, metrics.ForceFlush(context.Background()))
	assert.EqualValues(t, 120, sink.Total("cdc_events_processed", monitoring.Dimensions{"table": "orders", "namespace": "raw"}))
	assert.EqualValues(t, 3, sink.Total("cdc_events_failed", nil))
	for _, reason := range []string{"invalid_json", "unknown_op", "missing_key"} {
		assert.EqualValues(t, 1, sink.Total("cdc_events_failed", monitoring.Dimensions{"reason": reason}), reason)
	}
	assert.EqualValues(t, 1, sink.Total("cdc_new_tables", monitoring.Dimensions{"table": "orders"}))
	assert.Positive(t, sink.Total("cdc_batch_processed", nil))
	lag, ok := sink.Value("cdc_lag_seconds", monitoring.Dimensions{"table": "orders"})
	assert.True(t, ok)
	assert.GreaterOrEqual(t, lag, 0.0)

	batches := logs.EventsOfType(cdc.EventBatchComplete)
	require.NotEmpty(t, batches)
	var processed float64
	for _, b := range batches {
		processed += b.Details["events_processed"].(float64)
		assert.NotEmpty(t, b.CorrelationID)
		for _, k := range []string{"batch_id", "events_skipped", "new_tables", "batch_duration_seconds", "throughput_records_per_sec", "max_lag_seconds"} {
			assert.Contains(t, b.Details, k)
		}
	}
	assert.EqualValues(t, 120, processed)
	require.Len(t, logs.EventsOfType("cdc_event_failed"), 3)

	// The dead letter, with its reason.
	cons, err := kgo.NewClient(kgo.SeedBrokers(r.cluster.ListenAddrs()...), kgo.ConsumeTopics("dlq"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	require.NoError(t, err)
	defer cons.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var dl []*kgo.Record
	for len(dl) < 3 && ctx.Err() == nil {
		fs := cons.PollFetches(ctx)
		require.NoError(t, fs.Err0())
		dl = append(dl, fs.Records()...)
	}
	require.Len(t, dl, 3)
	reasons := map[string]*kgo.Record{}
	for _, d := range dl {
		headers := map[string]string{}
		for _, h := range d.Headers {
			headers[h.Key] = string(h.Value)
		}
		assert.Equal(t, topic, headers["etlwatch.source.topic"])
		assert.NotEmpty(t, headers["etlwatch.error.message"])
		reasons[headers["etlwatch.error.reason"]] = d
	}
	require.Contains(t, reasons, "invalid_json")
	assert.Equal(t, `{"payload": {"op": "c", "after": {`, string(reasons["invalid_json"].Value), "the record as it came")
	assert.Contains(t, reasons, "unknown_op")
	assert.Contains(t, reasons, "missing_key")
}

// A consumer that lost Kafka's committed offsets (a new group here) resumes where Iceberg's last
// commit left each partition: nothing is applied twice, and new events are applied once.
func TestConsumerResumesFromIceberg(t *testing.T) {
	r := newRig(t)
	now := time.Now().UnixMilli()
	var recs []*kgo.Record
	for id := int64(1); id <= 30; id++ {
		o := &order{ID: id, Qty: i32(1), Updated: now * 1000}
		recs = append(recs, change(topic, keyOf("orders", id), envelope(t, "orders", "c", nil, o, now)))
	}
	r.produce(recs...)
	r.run()
	tbl, err := r.tm.Catalog().LoadTable(t.Context(), r.tm.Identifier("orders"))
	require.NoError(t, err)
	snapshots := len(tbl.Metadata().Snapshots())

	// The same events again would double nothing (upserts), but they are not even re-read:
	// a second group, with no Kafka offsets, starts where Iceberg says.
	r.src.CDC.GroupID = "etl-after-losing-kafka-offsets"
	recs = recs[:0]
	for id := int64(1); id <= 5; id++ { // five updates
		o := &order{ID: id, Qty: i32(2), Updated: now * 1000}
		recs = append(recs, change(topic, keyOf("orders", id), envelope(t, "orders", "u", nil, o, now)))
	}
	r.produce(recs...)
	r.run()

	got := r.rows()
	require.Len(t, got, 30)
	ids := make([]int, 0, len(got))
	for id, q := range got {
		ids = append(ids, int(id))
		want := int32(1)
		if id <= 5 {
			want = 2
		}
		assert.Equal(t, want, q, "qty of %d", id)
	}
	sort.Ints(ids)
	tbl, err = r.tm.Catalog().LoadTable(t.Context(), r.tm.Identifier("orders"))
	require.NoError(t, err)
	// One or two commits (one per batch) for the five updates, not a replay of the first 30.
	added := len(tbl.Metadata().Snapshots()) - snapshots
	assert.GreaterOrEqual(t, added, 1)
	assert.LessOrEqual(t, added, 2)
	offs, err := cdc.TableOffsets(tbl)
	require.NoError(t, err)
	var total int64
	for p := range r.end {
		n, _ := offs.Get(topic, p)
		total += n
	}
	assert.EqualValues(t, 35, total, "offsets recorded in Iceberg cover every record once")
}

// Two consumers in one group split the partitions; one joins mid-stream and the other leaves
// mid-stream (two rebalances); both commit to the same table; nothing is lost or duplicated.
func TestTwoConsumersRebalance(t *testing.T) {
	brokers, prod, tm := groupRig(t)
	src := &configloader.Source{Name: "pg", CDC: configloader.CDC{Brokers: brokers, Topics: []string{topic}, GroupID: "etl", BatchSize: 100, CommitInterval: 50 * time.Millisecond}}

	st := produceStream(t, prod, 4000)
	a := startMember(t, src, tm)
	require.Eventually(t, func() bool { return a.applied() > 0 }, 10*time.Second, 10*time.Millisecond)
	b := startMember(t, src, tm) // joins: the partitions are split
	require.Eventually(t, func() bool { return b.applied() > 0 }, 15*time.Second, 10*time.Millisecond)
	a.stop(t) // leaves: b takes every partition
	<-st.done
	require.Eventually(t, func() bool { return caughtUp(tm, st) }, 30*time.Second, 20*time.Millisecond)
	b.stop(t)

	assertStreamApplied(t, tm, st)
	t.Logf("applied by a: %.0f events, by b: %.0f", a.applied(), b.applied())
}

// withExtra is rowSchema plus an int column "extra".
var withExtra = append(append([]map[string]any{}, rowSchema...), map[string]any{"type": "int32", "optional": true, "field": "extra"})

// A batch holding rows of two shapes (some with a new column, later ones without) evolves the
// table for every shape: no value of the new column is dropped.
func TestConsumerBatchWithTwoShapes(t *testing.T) {
	r := newRig(t)
	r.src.CDC.BatchSize = 1000
	var recs []*kgo.Record
	for id := int64(1); id <= 14; id++ {
		row := map[string]any{"id": id, "customer": nil, "qty": 1, "updated_at": 0}
		fields := rowSchema
		if id <= 7 {
			row["extra"] = 42
			fields = withExtra
		}
		recs = append(recs, change(topic, keyOf("orders", id), rawEnvelope(t, "orders", "c", fields, nil, row, 1)))
	}
	r.produce(recs...)
	r.run()
	tbl, err := r.tm.Catalog().LoadTable(t.Context(), r.tm.Identifier("orders"))
	require.NoError(t, err)
	at, err := tbl.Scan().ToArrowTable(t.Context())
	require.NoError(t, err)
	defer at.Release()
	idx := at.Schema().FieldIndices("extra")
	require.Len(t, idx, 1, "the table has the new column")
	var fortyTwos int
	for _, chunk := range at.Column(idx[0]).Data().Chunks() {
		col := chunk.(*array.Int32)
		for i := 0; i < col.Len(); i++ {
			if col.IsValid(i) && col.Value(i) == 42 {
				fortyTwos++
			}
		}
	}
	assert.Equal(t, 7, fortyTwos)
}

// A value that does not fit its column goes to the dead-letter topic with its reason; the rest
// of the batch is applied, and the consumer goes on.
func TestConsumerValueThatDoesNotFit(t *testing.T) {
	r := newRig(t)
	r.produce(change(topic, keyOf("orders", 1), envelope(t, "orders", "c", nil, &order{ID: 1, Qty: i32(1)}, 1)))
	r.run() // the table exists, qty is an int

	badSchema := append([]map[string]any{}, rowSchema...)
	badSchema[2] = map[string]any{"type": "string", "optional": true, "field": "qty"}
	r.produce(
		change(topic, keyOf("orders", 2), rawEnvelope(t, "orders", "c", badSchema, nil, map[string]any{"id": 2, "customer": nil, "qty": "lots", "updated_at": 0}, 2)),
		change(topic, keyOf("orders", 3), envelope(t, "orders", "c", nil, &order{ID: 3, Qty: i32(3)}, 3)),
	)
	sink := monitoringtest.NewSink()
	metrics, err := monitoring.NewMetricsCollector("cdc", "pg", monitoring.WithSinks(sink))
	require.NoError(t, err)
	defer metrics.Shutdown(context.Background()) //nolint:errcheck
	r.run(cdc.WithMetrics(metrics))

	assert.Equal(t, map[int64]int32{1: 1, 3: 3}, r.rows())
	require.NoError(t, metrics.ForceFlush(context.Background()))
	assert.EqualValues(t, 1, sink.Total("cdc_events_failed", monitoring.Dimensions{"reason": "value_does_not_fit"}))
}

// The skip rule: with the bulk load's Oracle snapshot at SCN 5000, a change committed at or
// below it was in the snapshot and is skipped; a transaction that straddles the snapshot (it
// started before, committed after) is applied, as is everything later. The table ends with the
// right rows.
func TestConsumerSkipsWhatTheSnapshotHad(t *testing.T) {
	r := newRig(t)
	for id := int64(1); id <= 3; id++ {
		r.produce(change(topic, keyOf("orders", id), envelope(t, "orders", "r", nil, &order{ID: id, Qty: i32(1)}, 1)))
	}
	r.run()
	// What a bulk load of the same rows at SCN 5000 records.
	tbl, err := r.tm.Catalog().LoadTable(t.Context(), r.tm.Identifier("orders"))
	require.NoError(t, err)
	sc, err := table.SchemaToArrowSchema(tbl.Schema(), nil, false, false)
	require.NoError(t, err)
	_, err = r.tm.Write(t.Context(), tbl, sc, iceberg.Batches(), map[string]string{cdc.PropPosition: "oracle_scn:5000"})
	require.NoError(t, err)

	row := func(id int64, qty int32) map[string]any {
		return map[string]any{"id": id, "customer": nil, "qty": qty, "updated_at": 0}
	}
	r.produce(
		// Committed at 4999: the snapshot had it.
		change(topic, keyOf("orders", 1), rawEnvelope(t, "orders", "u", rowSchema, nil, row(1, 10), 2, map[string]any{"scn": "4990", "commit_scn": "4999"})),
		// Started at 4990, committed at 5001: not in the snapshot.
		change(topic, keyOf("orders", 2), rawEnvelope(t, "orders", "u", rowSchema, nil, row(2, 20), 2, map[string]any{"scn": "4990", "commit_scn": "5001"})),
		change(topic, keyOf("orders", 4), rawEnvelope(t, "orders", "c", rowSchema, nil, row(4, 40), 2, map[string]any{"scn": "6000", "commit_scn": "6000"})),
	)
	sink := monitoringtest.NewSink()
	metrics, err := monitoring.NewMetricsCollector("cdc", "pg", monitoring.WithSinks(sink))
	require.NoError(t, err)
	defer metrics.Shutdown(context.Background()) //nolint:errcheck
	r.run(cdc.WithMetrics(metrics))

	assert.Equal(t, map[int64]int32{1: 1, 2: 20, 3: 1, 4: 40}, r.rows())
	require.NoError(t, metrics.ForceFlush(context.Background()))
	assert.EqualValues(t, 1, sink.Total("cdc_events_skipped", monitoring.Dimensions{"table": "orders"}))
	assert.EqualValues(t, 2, sink.Total("cdc_events_processed", monitoring.Dimensions{"table": "orders"}))
}

// With maintenance, the tables stay compact while the consumer runs: the equality deletes of the
// many small commits are folded in, old snapshots expire, and the rows and the recorded offsets
// are what they would be without it.
func TestConsumerMaintenance(t *testing.T) {
	r := newRig(t)
	r.src.CDC.BatchSize = 20
	st := newStream()
	st.produce(t, r.prod, 600)
	for p, e := range st.end {
		r.end[p] = e
	}
	// From sources.yaml's cdc.maintenance, as a program would configure it.
	r.src.CDC.Maintenance = configloader.CDCMaintenance{EveryBatches: 5, ExpireOlderThan: time.Nanosecond, RetainSnapshots: 3}
	logs := monitoringtest.NewLogCapture()
	r.run(cdc.WithLogger(monitoring.NewStructuredLogger("cdc", "pg", logs.Option())))

	got := r.rows()
	assert.Equal(t, len(st.want), len(got))
	for id, q := range st.want {
		assert.Equal(t, q, got[id], "qty of %d", id)
	}
	rounds := logs.EventsOfType(cdc.EventMaintenance)
	require.NotEmpty(t, rounds)
	folded := 0.0
	for _, e := range rounds {
		if before, ok := e.Details["delete_files_before"].(float64); ok { // a compaction
			folded += before - e.Details["delete_files_after"].(float64)
		}
	}
	assert.Positive(t, folded, "delete files folded in by compaction")
	tbl, err := r.tm.Catalog().LoadTable(t.Context(), r.tm.Identifier("orders"))
	require.NoError(t, err)
	assert.LessOrEqual(t, len(tbl.Metadata().Snapshots()), 3+5*2, "snapshots expire")
	offs, err := cdc.TableOffsets(tbl)
	require.NoError(t, err)
	for p, e := range st.end {
		n, _ := offs.Get(topic, p)
		assert.Equal(t, e, n, "offsets of partition %d survive expiry", p)
	}
}

// topic_prefix picks every topic that starts with it; the correlation_id header of the records
// is the batch's correlation ID, in its events and in the Iceberg snapshot summary.
func TestConsumerTopicPrefixAndCorrelation(t *testing.T) {
	r := newRig(t)
	r.src.CDC.Topics, r.src.CDC.TopicPrefix = nil, "pg.public."
	const id = "3f2a9c4e-7b1d-4e8a-9c0f-5d6e7f8a9b0c"
	rec := change(topic, keyOf("orders", 1), envelope(t, "orders", "c", nil, &order{ID: 1, Qty: i32(1)}, 1))
	rec.Headers = []kgo.RecordHeader{{Key: "correlation_id", Value: []byte(id)}}
	r.produce(rec)
	logs := monitoringtest.NewLogCapture()
	r.run(cdc.WithLogger(monitoring.NewStructuredLogger("cdc", "pg", logs.Option())))

	assert.Equal(t, map[int64]int32{1: 1}, r.rows())
	batches := logs.EventsOfType(cdc.EventBatchComplete)
	require.NotEmpty(t, batches)
	assert.Equal(t, id, batches[0].CorrelationID)
	tbl, err := r.tm.Catalog().LoadTable(t.Context(), r.tm.Identifier("orders"))
	require.NoError(t, err)
	assert.Equal(t, id, iceberg.SnapshotProperties(tbl)[cdc.PropCorrelationID])
}
