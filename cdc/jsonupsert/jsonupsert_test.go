package jsonupsert_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/goleak"

	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/cdc/jsonupsert"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/iceberg"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/twmb/franz-go/pkg/kfake.(*Cluster).run"))
}

const topic = "app.orders"

// rig is a kfake cluster with the orders topic (2 partitions) and a dead-letter topic, and a
// local Iceberg catalog.
type rig struct {
	t       *testing.T
	cluster *kfake.Cluster
	prod    *kgo.Client
	tm      *iceberg.TableManager
	src     *configloader.Source
	want    map[int64]int64 // qty by id
	end     map[int32]int64
}

func newRig(t *testing.T) *rig {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, topic, "dlq"))
	require.NoError(t, err)
	t.Cleanup(cluster.Close)
	prod, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...))
	require.NoError(t, err)
	t.Cleanup(prod.Close)
	cat, err := iceberg.OpenCatalog(t.Context(), configloader.Iceberg{Warehouse: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = cat.(interface{ Close() error }).Close() })
	src := &configloader.Source{Name: "app", CDC: configloader.CDC{Brokers: cluster.ListenAddrs(), Topics: []string{topic},
		GroupID: "etl", BatchSize: 50, CommitInterval: 50 * time.Millisecond, DeadLetterTopic: "dlq"}}
	return &rig{t: t, cluster: cluster, prod: prod, tm: iceberg.NewTableManager(cat, "raw"), src: src,
		want: map[int64]int64{}, end: map[int32]int64{}}
}

func (r *rig) produce(recs ...*kgo.Record) {
	res := r.prod.ProduceSync(r.t.Context(), recs...)
	require.NoError(r.t, res.FirstErr())
	for _, pr := range res {
		if pr.Record.Topic == topic {
			r.end[pr.Record.Partition] = max(r.end[pr.Record.Partition], pr.Record.Offset+1)
		}
	}
}

// stream produces n random upserts and deletes over 100 keys and tracks the final state.
func (r *rig) stream(rng *rand.Rand, n int) {
	var recs []*kgo.Record
	for i := range n {
		id := rng.Int64N(100) + 1
		key := []byte(fmt.Sprintf(`{"id":%d}`, id))
		if _, ok := r.want[id]; ok && rng.IntN(5) == 0 {
			delete(r.want, id)
			recs = append(recs, &kgo.Record{Topic: topic, Key: key})
			continue
		}
		qty := int64(i)
		r.want[id] = qty
		recs = append(recs, &kgo.Record{Topic: topic, Key: key, Value: []byte(fmt.Sprintf(`{"id":%d,"customer":"c%d","qty":%d}`, id, id, qty))})
	}
	r.produce(recs...)
}

// run runs a consumer of the JSON upsert format until it applied every produced record.
func (r *rig) run() {
	c, err := cdc.Open(r.src, r.tm, cdc.WithFormat(jsonupsert.New()))
	require.NoError(r.t, err)
	ctx, cancel := context.WithCancel(r.t.Context())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	require.Eventually(r.t, func() bool {
		offs, err := c.Applied(context.Background())
		require.NoError(r.t, err)
		for p, e := range r.end {
			if n, _ := offs.Get(topic, p); n < e {
				return false
			}
		}
		return true
	}, 90*time.Second, 20*time.Millisecond)
	cancel()
	require.NoError(r.t, <-done)
	c.Close()
}

// rows scans the orders table: qty by id.
func (r *rig) rows() map[int64]int64 {
	tbl, err := r.tm.Catalog().LoadTable(context.Background(), r.tm.Identifier("orders"))
	require.NoError(r.t, err)
	at, err := tbl.Scan().ToArrowTable(context.Background())
	require.NoError(r.t, err)
	defer at.Release()
	out := map[int64]int64{}
	tr := array.NewTableReader(at, 1024)
	defer tr.Release()
	for tr.Next() {
		rec := tr.RecordBatch()
		ids := rec.Column(int(rec.Schema().FieldIndices("id")[0])).(*array.Int64)
		qty := rec.Column(int(rec.Schema().FieldIndices("qty")[0])).(*array.Int64)
		for i := range ids.Len() {
			out[ids.Value(i)] = qty.Value(i)
		}
	}
	return out
}

// Plain JSON upserts and deletes (tombstones) over two partitions, applied in three runs of the
// consumer while the stream goes on: the table holds exactly the last state of every key.
func TestUpsertsAndDeletesExactlyOnce(t *testing.T) {
	r := newRig(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for range 3 {
		r.stream(rng, 400)
		r.run()
		assert.Equal(t, r.want, r.rows())
	}
	tbl, err := r.tm.Catalog().LoadTable(t.Context(), r.tm.Identifier("orders"))
	require.NoError(t, err)
	assert.Equal(t, []string{"id"}, func() []string {
		var names []string
		for _, id := range tbl.Schema().IdentifierFieldIDs {
			n, _ := tbl.Schema().FindColumnName(id)
			names = append(names, n)
		}
		return names
	}(), "the record key is the table's primary key")
}

// Records that are not upserts or deletes go to the dead-letter topic with a reason, and the
// stream goes on.
func TestBadRecordsAreSetAside(t *testing.T) {
	r := newRig(t)
	r.produce(
		&kgo.Record{Topic: topic, Key: []byte(`{"id":1}`), Value: []byte(`{"id":1,"qty":10}`)},
		&kgo.Record{Topic: topic, Value: []byte(`{"id":2,"qty":20}`)},                // no key
		&kgo.Record{Topic: topic, Key: []byte(`{"id":3}`), Value: []byte(`[1,2,3]`)}, // not an object
		&kgo.Record{Topic: topic, Key: []byte(`{"id":4}`), Value: []byte(`{"id":4,"qty":`)},
		&kgo.Record{Topic: topic, Key: []byte(`{"id":5}`), Value: []byte(`{"id":5,"qty":50}`)},
	)
	r.run()
	assert.Equal(t, map[int64]int64{1: 10, 5: 50}, r.rows())

	cons, err := kgo.NewClient(kgo.SeedBrokers(r.cluster.ListenAddrs()...), kgo.ConsumeTopics("dlq"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	require.NoError(t, err)
	defer cons.Close()
	reasons := map[string]int{}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for n := 0; n < 3 && ctx.Err() == nil; {
		for _, d := range cons.PollFetches(ctx).Records() {
			for _, h := range d.Headers {
				if h.Key == "etlwatch.error.reason" {
					reasons[string(h.Value)]++
					n++
				}
			}
		}
	}
	assert.Equal(t, map[string]int{"missing_key": 1, "invalid_envelope": 1, "invalid_json": 1}, reasons)
}
