package cdc_test

// Tests named after the items of issue 11 ("data trust at the edges"): each failed before the
// fix it names.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/iceberg-go/table"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/iceberg"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/monitoringtest"
)

// patchSource sets fields of an envelope's payload.source (lsn, schema, table, ...).
func patchSource(t testing.TB, env []byte, fields map[string]any) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(env, &m))
	src := m["payload"].(map[string]any)["source"].(map[string]any)
	for k, v := range fields {
		src[k] = v
	}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

// at is envelope with its change made at the source's LSN lsn.
func at(t testing.TB, lsn int64, op string, after *order) []byte {
	var before *order
	if op == "d" {
		before, after = after, nil
	}
	return patchSource(t, envelope(t, "orders", op, before, after, 1), map[string]any{"lsn": lsn})
}

// toPartition returns rec sent to partition p.
func toPartition(p int32, rec *kgo.Record) *kgo.Record { rec.Partition = p; return rec }

// producePartitions produces records to the partitions they name.
func (r *rig) producePartitions(recs ...*kgo.Record) {
	r.t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(r.cluster.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	require.NoError(r.t, err)
	defer cl.Close()
	res := cl.ProduceSync(r.t.Context(), recs...)
	require.NoError(r.t, res.FirstErr())
	for _, pr := range res {
		if pr.Record.Topic == topic {
			r.end[pr.Record.Partition] = max(r.end[pr.Record.Partition], pr.Record.Offset+1)
		}
	}
}

// deadLetters reads n records of the dead-letter topic: their headers, by reason.
func (r *rig) deadLetters(n int) map[string][]*kgo.Record {
	r.t.Helper()
	cons, err := kgo.NewClient(kgo.SeedBrokers(r.cluster.ListenAddrs()...), kgo.ConsumeTopics("dlq"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	require.NoError(r.t, err)
	defer cons.Close()
	ctx, cancel := context.WithTimeout(r.t.Context(), 10*time.Second)
	defer cancel()
	var dl []*kgo.Record
	for len(dl) < n && ctx.Err() == nil {
		fs := cons.PollFetches(ctx)
		dl = append(dl, fs.Records()...)
	}
	require.Len(r.t, dl, n)
	out := map[string][]*kgo.Record{}
	for _, d := range dl {
		out[header(d, "etlwatch.error.reason")] = append(out[header(d, "etlwatch.error.reason")], d)
	}
	return out
}

func header(r *kgo.Record, key string) string {
	for _, h := range r.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

// metricsRig returns a collector with an in-memory sink.
func metricsRig(t *testing.T) (*monitoring.MetricsCollector, *monitoringtest.Sink) {
	sink := monitoringtest.NewSink()
	m, err := monitoring.NewMetricsCollector("cdc", "pg", monitoring.WithSinks(sink))
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Shutdown(context.Background()) })
	return m, sink
}

// Item 2: a TRUNCATE sits on another partition than the rows around it; the batch applies the
// changes in the source's order (LSN), not the poll's.
func TestItem2TruncateInSourceOrder(t *testing.T) {
	t.Run("insert, truncate, insert", func(t *testing.T) {
		r := newRig(t)
		r.producePartitions(
			toPartition(0, change(topic, keyOf("orders", 1), at(t, 100, "c", &order{ID: 1, Qty: i32(1)}))),
			toPartition(1, change(topic, nil, at(t, 200, "t", nil))),
			toPartition(0, change(topic, keyOf("orders", 2), at(t, 300, "c", &order{ID: 2, Qty: i32(2)}))),
		)
		r.run()
		assert.Equal(t, map[int64]int32{2: 2}, r.rows())
	})
	t.Run("truncate first, on the partition polled last", func(t *testing.T) {
		r := newRig(t)
		r.producePartitions(
			toPartition(0, change(topic, keyOf("orders", 1), at(t, 300, "c", &order{ID: 1, Qty: i32(1)}))),
			toPartition(1, change(topic, keyOf("orders", 3), at(t, 100, "c", &order{ID: 3, Qty: i32(3)}))),
			toPartition(1, change(topic, nil, at(t, 200, "t", nil))),
		)
		r.run()
		assert.Equal(t, map[int64]int32{1: 1}, r.rows(), "3 was truncated; 1 came after the truncate")
	})
}

// Item 3: Kafka deleted records the consumer never applied. By default the consumer stops with
// a GapError and applies nothing past the gap; with WithSkipRetentionGaps it goes on and the
// gap is in the snapshot summary and the metrics.
func TestItem3RetentionGap(t *testing.T) {
	r := newRig(t)
	var recs []*kgo.Record
	for id := int64(1); id <= 10; id++ {
		recs = append(recs, toPartition(0, change(topic, keyOf("orders", id), envelope(t, "orders", "c", nil, &order{ID: id, Qty: i32(1)}, 1))))
	}
	r.producePartitions(recs...) // offsets 0-9
	r.run()
	recs = recs[:0]
	for id := int64(11); id <= 20; id++ { // offsets 10-19
		recs = append(recs, toPartition(0, change(topic, keyOf("orders", id), envelope(t, "orders", "c", nil, &order{ID: id, Qty: i32(1)}, 1))))
	}
	r.producePartitions(recs...)
	// Retention deletes offsets 10-14 before the consumer gets to them.
	req := kmsg.NewPtrDeleteRecordsRequest()
	rt := kmsg.NewDeleteRecordsRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewDeleteRecordsRequestTopicPartition()
	rp.Partition, rp.Offset = 0, 15
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	req.TimeoutMillis = 5000
	resp, err := req.RequestWith(t.Context(), r.prod)
	require.NoError(t, err)
	require.Zero(t, resp.Topics[0].Partitions[0].ErrorCode)

	m, sink := metricsRig(t)
	c, err := cdc.Open(r.src, r.tm, cdc.WithMetrics(m))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	err = c.Run(ctx)
	c.Close()
	require.ErrorIs(t, err, cdc.ErrRetentionGap)
	var gap *cdc.GapError
	require.ErrorAs(t, err, &gap)
	assert.Equal(t, cdc.GapError{Topic: topic, Partition: 0, Next: 10, LogStart: 15}, *gap)
	assert.Len(t, r.rows(), 10, "nothing past the gap was applied")
	require.NoError(t, m.ForceFlush(t.Context()))
	assert.EqualValues(t, 1, sink.Total("cdc_offset_gaps", monitoring.Dimensions{"topic": topic, "partition": "0"}))

	// Opting in: the consumer goes on from the log start and records the gap.
	r.run(cdc.WithSkipRetentionGaps())
	got := r.rows()
	assert.Len(t, got, 15, "1-10, then 16-20")
	for id := int64(11); id <= 15; id++ {
		assert.NotContains(t, got, id, "deleted by retention")
	}
	gaps, ok, err := r.tm.LastProperty(t.Context(), "orders", cdc.PropOffsetGaps)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, topic+":0=10-14", gaps)
}

// Item 4: a bulk load that replaces a table a consumer writes would delete what the consumer
// applied after the load's snapshot, and the consumer would never apply it again: Replace
// refuses, unless the load takes over (after the consumer was stopped); then the consumer
// resumes from its recorded offsets and loses nothing.
func TestItem4BulkLoadIntoLiveCDCTable(t *testing.T) {
	r := newRig(t)
	for id := int64(1); id <= 3; id++ {
		r.produce(change(topic, keyOf("orders", id), envelope(t, "orders", "c", nil, &order{ID: id, Qty: i32(1)}, 1)))
	}
	r.run()
	tbl, err := r.tm.Catalog().LoadTable(t.Context(), r.tm.Identifier("orders"))
	require.NoError(t, err)
	sc, err := table.SchemaToArrowSchema(tbl.Schema(), nil, false, false)
	require.NoError(t, err)
	load := func(opts ...iceberg.WriteOption) error { // a reload holding rows 1-3 with qty 1
		b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
		defer b.Release()
		for id := int64(1); id <= 3; id++ {
			for i, f := range sc.Fields() {
				switch f.Name {
				case "id":
					b.Field(i).(*array.Int64Builder).Append(id)
				case "qty":
					b.Field(i).(*array.Int32Builder).Append(1)
				default:
					b.Field(i).AppendNull()
				}
			}
		}
		_, err := r.tm.Write(t.Context(), tbl, sc, iceberg.Batches(b.NewRecordBatch()), map[string]string{cdc.PropPosition: "postgres_lsn:0/1"}, append(opts, iceberg.Replace())...)
		return err
	}
	err = load()
	require.ErrorIs(t, err, iceberg.ErrCDCOwned)
	assert.Contains(t, err.Error(), "--take-over-cdc")

	// The consumer is stopped; changes go on at the source; the load takes over.
	r.produce(change(topic, keyOf("orders", 2), envelope(t, "orders", "u", nil, &order{ID: 2, Qty: i32(20)}, 2)))
	require.NoError(t, load(iceberg.TakeOverFromCDC()))
	r.produce(change(topic, keyOf("orders", 4), envelope(t, "orders", "c", nil, &order{ID: 4, Qty: i32(40)}, 3)))
	r.run()
	assert.Equal(t, map[int64]int32{1: 1, 2: 20, 3: 1, 4: 40}, r.rows(), "the change made during the load and the one after it")
}

// Item 5: public.orders and sales.orders do not merge into one table: the second is set aside
// (table_name_collision), or, named with SchemaAndTable, gets its own table.
func TestItem5SameTableNameTwoSchemas(t *testing.T) {
	ev := func(schema string, id int64) *kgo.Record {
		return change(topic, keyOf("orders", id), patchSource(t, envelope(t, "orders", "c", nil, &order{ID: id, Qty: i32(int32(id))}, 1), map[string]any{"schema": schema}))
	}
	t.Run("default naming", func(t *testing.T) {
		r := newRig(t)
		r.produce(ev("public", 1))
		r.run()
		r.produce(ev("sales", 2), ev("public", 3))
		r.run()
		assert.Equal(t, map[int64]int32{1: 1, 3: 3}, r.rows())
		dl := r.deadLetters(1)
		require.Len(t, dl["table_name_collision"], 1)
		assert.Contains(t, header(dl["table_name_collision"][0], "etlwatch.error.message"), "test.sales.orders")
	})
	t.Run("SchemaAndTable", func(t *testing.T) {
		r := newRig(t)
		r.produce(ev("public", 1), ev("sales", 2))
		r.runTable("sales_orders", cdc.WithTableNaming(cdc.SchemaAndTable))
		assert.Equal(t, map[int64]int32{1: 1}, r.rowsOf("public_orders", "qty"))
		assert.Equal(t, map[int64]int32{2: 2}, r.rowsOf("sales_orders", "qty"))
	})
}

// Item 6: the source widened qty from int to bigint; values above 2^31 reach Iceberg, whose
// column is widened to long, instead of the dead-letter topic.
func TestItem6TypeWidening(t *testing.T) {
	r := newRig(t)
	r.produce(change(topic, keyOf("orders", 1), envelope(t, "orders", "c", nil, &order{ID: 1, Qty: i32(1)}, 1)))
	r.run()
	wide := append([]map[string]any{}, rowSchema...)
	wide[2] = map[string]any{"type": "int64", "optional": true, "field": "qty"}
	r.produce(change(topic, keyOf("orders", 2), rawEnvelope(t, "orders", "c", wide, nil, map[string]any{"id": 2, "customer": nil, "qty": int64(3_000_000_000), "updated_at": 0}, 2)))
	m, sink := metricsRig(t)
	r.run(cdc.WithMetrics(m))

	tbl, err := r.tm.Catalog().LoadTable(t.Context(), r.tm.Identifier("orders"))
	require.NoError(t, err)
	f, ok := tbl.Schema().FindFieldByName("qty")
	require.True(t, ok)
	assert.Equal(t, "long", f.Type.String())
	got := scanInt64(t, tbl, "qty")
	assert.Equal(t, map[int64]int64{1: 1, 2: 3_000_000_000}, got)
	require.NoError(t, m.ForceFlush(t.Context()))
	assert.Zero(t, sink.Total("cdc_events_failed", nil))
}

// scanInt64 returns col by id, as int64.
func scanInt64(t *testing.T, tbl *table.Table, col string) map[int64]int64 {
	at, err := tbl.Scan().ToArrowTable(t.Context())
	require.NoError(t, err)
	defer at.Release()
	tr := array.NewTableReader(at, 0)
	defer tr.Release()
	out := map[int64]int64{}
	for tr.Next() {
		rec := tr.RecordBatch()
		ids := rec.Column(rec.Schema().FieldIndices("id")[0]).(*array.Int64)
		vals := rec.Column(rec.Schema().FieldIndices(col)[0]).(*array.Int64)
		for i := 0; i < ids.Len(); i++ {
			out[ids.Value(i)] = vals.Value(i)
		}
	}
	return out
}

// decimalField is a Connect Decimal field of the given scale (and precision, when not 0).
func decimalField(name string, scale, precision int) map[string]any {
	params := map[string]any{"scale": itoa(scale)}
	if precision > 0 {
		params["connect.decimal.precision"] = itoa(precision)
	}
	return map[string]any{"type": "bytes", "optional": true, "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "parameters": params, "field": name}
}

func itoa(i int) string { return big.NewInt(int64(i)).String() }

// decimalBytes is unscaled as Connect encodes a Decimal: base64 of big-endian two's complement.
func decimalBytes(unscaled *big.Int) string {
	b := unscaled.Bytes()
	if len(b) == 0 || b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// Item 7: a decimal whose scale differs from the column's by 39 or more used to panic in Arrow's
// Rescale (index out of range) out of Run, crash-looping the process. An exact value is now
// rescaled, one that would lose digits is set aside, and the consumer goes on.
func TestItem7DecimalScaleFarFromColumns(t *testing.T) {
	r := newRig(t)
	fields := []map[string]any{{"type": "int64", "optional": false, "field": "id"}, decimalField("price", 2, 10)}
	r.produce(change(topic, keyOf("orders", 1), rawEnvelope(t, "orders", "c", fields, nil, map[string]any{"id": 1, "price": decimalBytes(big.NewInt(150))}, 1)))
	r.run() // price decimal(10,2)

	wide := []map[string]any{{"type": "int64", "optional": false, "field": "id"}, decimalField("price", 50, 0)}
	exact := new(big.Int).Mul(big.NewInt(275), new(big.Int).Exp(big.NewInt(10), big.NewInt(48), nil)) // 2.75 at scale 50
	lossy := new(big.Int).Add(exact, big.NewInt(1))
	r.produce(
		change(topic, keyOf("orders", 2), rawEnvelope(t, "orders", "c", wide, nil, map[string]any{"id": 2, "price": decimalBytes(exact)}, 2)),
		change(topic, keyOf("orders", 3), rawEnvelope(t, "orders", "c", wide, nil, map[string]any{"id": 3, "price": decimalBytes(lossy)}, 2)),
		change(topic, keyOf("orders", 4), rawEnvelope(t, "orders", "c", fields, nil, map[string]any{"id": 4, "price": decimalBytes(big.NewInt(400))}, 2)),
	)
	r.run()
	tbl, err := r.tm.Catalog().LoadTable(t.Context(), r.tm.Identifier("orders"))
	require.NoError(t, err)
	at, err := tbl.Scan().ToArrowTable(t.Context())
	require.NoError(t, err)
	defer at.Release()
	got := map[int64]string{}
	tr := array.NewTableReader(at, 0)
	defer tr.Release()
	for tr.Next() {
		rec := tr.RecordBatch()
		ids := rec.Column(rec.Schema().FieldIndices("id")[0]).(*array.Int64)
		prices := rec.Column(rec.Schema().FieldIndices("price")[0]).(*array.Decimal128)
		for i := 0; i < ids.Len(); i++ {
			got[ids.Value(i)] = prices.Value(i).ToString(2)
		}
	}
	assert.Equal(t, map[int64]string{1: "1.50", 2: "2.75", 4: "4.00"}, got)
	dl := r.deadLetters(1)
	assert.Len(t, dl["value_does_not_fit"], 1)
}

// Item 8: a delete whose key does not fit the key column used to skip the checks upserts get and
// fail the batch on every restart; it is set aside and the partition goes on.
func TestItem8DeleteKeyDoesNotFit(t *testing.T) {
	r := newRig(t)
	fields := []map[string]any{{"type": "int32", "optional": false, "field": "id"}, {"type": "int32", "optional": true, "field": "qty"}}
	key32 := func(id int64) []byte {
		b, _ := json.Marshal(map[string]any{"schema": map[string]any{"type": "struct", "name": "pg.public.orders.Key", "optional": false,
			"fields": []any{map[string]any{"type": "int32", "optional": false, "field": "id"}}}, "payload": map[string]any{"id": id}})
		return b
	}
	r.produce(change(topic, key32(1), rawEnvelope(t, "orders", "c", fields, nil, map[string]any{"id": 1, "qty": 1}, 1)))
	r.run()
	r.produce(
		change(topic, keyOf("orders", 3_000_000_000), rawEnvelope(t, "orders", "d", []map[string]any{{"type": "int64", "optional": false, "field": "id"}, {"type": "int32", "optional": true, "field": "qty"}},
			map[string]any{"id": int64(3_000_000_000), "qty": 1}, nil, 2)),
		change(topic, key32(2), rawEnvelope(t, "orders", "c", fields, nil, map[string]any{"id": 2, "qty": 2}, 3)),
	)
	r.run()
	assert.Equal(t, map[int64]int32{1: 1, 2: 2}, r.rows())
	assert.Len(t, r.deadLetters(1)["key_does_not_fit"], 1)
}

// Item 9: a 600 KB string in an int column used to make a 1.2 MB dead letter (the error header
// quoted the value) that the broker refused on every restart. The error text is bounded, and a
// dead letter still too large for the topic goes without its value, saying so.
func TestItem9DeadLetterTooBig(t *testing.T) {
	r := newRig(t)
	r.produce(change(topic, keyOf("orders", 1), envelope(t, "orders", "c", nil, &order{ID: 1, Qty: i32(1)}, 1)))
	r.run()
	// The dead-letter topic takes at most 700 KB per message.
	alter := kmsg.NewPtrIncrementalAlterConfigsRequest()
	res := kmsg.NewIncrementalAlterConfigsRequestResource()
	res.ResourceType, res.ResourceName = kmsg.ConfigResourceTypeTopic, "dlq"
	cfg := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
	v := "700000"
	cfg.Name, cfg.Value = "max.message.bytes", &v
	res.Configs = append(res.Configs, cfg)
	alter.Resources = append(alter.Resources, res)
	aresp, err := alter.RequestWith(t.Context(), r.prod)
	require.NoError(t, err)
	require.Zero(t, aresp.Resources[0].ErrorCode)

	bad := append([]map[string]any{}, rowSchema...)
	bad[2] = map[string]any{"type": "string", "optional": true, "field": "qty"}
	big600 := incompressible(600_000) // kfake, like Kafka, measures the compressed batch
	r.produce(
		change(topic, keyOf("orders", 2), rawEnvelope(t, "orders", "c", bad, nil, map[string]any{"id": 2, "customer": nil, "qty": big600, "updated_at": 0}, 2)),
		change(topic, keyOf("orders", 3), rawEnvelope(t, "orders", "c", bad, nil, map[string]any{"id": 3, "customer": big600[:100_000], "qty": "x" + big600[:599_000], "updated_at": 0}, 2)),
		change(topic, keyOf("orders", 4), envelope(t, "orders", "c", nil, &order{ID: 4, Qty: i32(4)}, 3)),
	)
	logs := monitoringtest.NewLogCapture()
	r.run(cdc.WithLogger(monitoring.NewStructuredLogger("cdc", "pg", logs.Option())))
	assert.Equal(t, map[int64]int32{1: 1, 4: 4}, r.rows())

	dl := r.deadLetters(2)["value_does_not_fit"]
	require.Len(t, dl, 2)
	omitted := 0
	for _, d := range dl {
		assert.LessOrEqual(t, len(header(d, "etlwatch.error.message")), 1100)
		if header(d, "etlwatch.error.value_omitted") != "" {
			omitted++
			assert.Empty(t, d.Value)
			assert.NotEmpty(t, header(d, "etlwatch.source.offset"), "the headers say where the original is")
		} else {
			assert.Greater(t, len(d.Value), 600_000, "the record as it came")
		}
	}
	assert.Equal(t, 1, omitted, "the second record with its headers is over 700 KB")
	for _, ev := range logs.EventsOfType("cdc_event_failed") {
		assert.LessOrEqual(t, len(ev.Details["error"].(string)), 1100)
	}
}

// Item 10: an invalid table name and a new table's decimal with scale > precision used to fail
// the batch on every run; the first is set aside (and nothing is written outside the
// warehouse), the second makes a table that holds it.
func TestItem10InvalidTableNameAndScale(t *testing.T) {
	r := newRig(t)
	escaped := "../../../escaped"
	r.produce(
		change(topic, keyOf("orders", 1), patchSource(t, envelope(t, "orders", "c", nil, &order{ID: 1, Qty: i32(1)}, 1), map[string]any{"table": escaped})),
		change(topic, keyOf("orders", 2), envelope(t, "orders", "c", nil, &order{ID: 2, Qty: i32(2)}, 1)),
	)
	r.run()
	assert.Equal(t, map[int64]int32{2: 2}, r.rows())
	assert.Len(t, r.deadLetters(1)["invalid_table_name"], 1)
	_, err := os.Stat(filepath.Join(os.TempDir(), "escaped"))
	assert.True(t, errors.Is(err, os.ErrNotExist))

	// PostgreSQL 15's NUMERIC(3,5): scale above precision.
	const prices = "pg.public.prices"
	r.src.CDC.Topics = append(r.src.CDC.Topics, prices)
	fields := []map[string]any{{"type": "int64", "optional": false, "field": "id"}, decimalField("rate", 5, 3)}
	env := rawEnvelope(t, "prices", "c", fields, nil, map[string]any{"id": 1, "rate": decimalBytes(big.NewInt(123))}, 1) // 0.00123
	ct := kmsg.NewPtrCreateTopicsRequest()
	ctt := kmsg.NewCreateTopicsRequestTopic()
	ctt.Topic, ctt.NumPartitions, ctt.ReplicationFactor = prices, 1, 1
	ct.Topics = append(ct.Topics, ctt)
	_, err = ct.RequestWith(t.Context(), r.prod)
	require.NoError(t, err)
	_, err = r.prod.ProduceSync(t.Context(), change(prices, keyOf("prices", 1), env)).First()
	require.NoError(t, err)
	c, err := cdc.Open(r.src, r.tm)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	require.Eventually(t, func() bool {
		_, err := r.tm.Catalog().LoadTable(context.Background(), r.tm.Identifier("prices"))
		return err == nil
	}, 20*time.Second, 20*time.Millisecond)
	cancel()
	require.NoError(t, <-done)
	c.Close()
	tbl, err := r.tm.Catalog().LoadTable(t.Context(), r.tm.Identifier("prices"))
	require.NoError(t, err)
	f, _ := tbl.Schema().FindFieldByName("rate")
	assert.Equal(t, "decimal(5, 5)", f.Type.String())
}

// Item 11: a dead-letter topic the consumer reads (under its topic prefix, or in its topics)
// turned one bad record into thousands; New refuses it.
func TestItem11DeadLetterTopicReadBack(t *testing.T) {
	r := newRig(t)
	src := *r.src
	src.CDC.Topics, src.CDC.TopicPrefix, src.CDC.DeadLetterTopic = nil, "pg.", "pg.dlq"
	_, err := cdc.Open(&src, r.tm)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cdc.dead_letter_topic")
	src.CDC.Topics, src.CDC.TopicPrefix, src.CDC.DeadLetterTopic = []string{topic, "dlq"}, "", "dlq"
	_, err = cdc.Open(&src, r.tm)
	require.Error(t, err)
	src.CDC.Topics = []string{topic}
	c, err := cdc.Open(&src, r.tm)
	require.NoError(t, err)
	c.Close()
}

// incompressible returns n random letters.
func incompressible(n int) string {
	rng := rand.New(rand.NewPCG(7, 8))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + rng.IntN(26))
	}
	return string(b)
}
