package cdc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/iceberg-go/catalog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/goleak"

	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/iceberg"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/monitoringtest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/twmb/franz-go/pkg/kfake.(*Cluster).run"))
}

// rowSchema is the Connect schema of the orders rows: id (key), customer, qty, updated_at.
var rowSchema = []map[string]any{
	{"type": "int64", "optional": false, "field": "id"},
	{"type": "string", "optional": true, "field": "customer"},
	{"type": "int32", "optional": true, "field": "qty"},
	{"type": "int64", "optional": true, "name": "io.debezium.time.MicroTimestamp", "version": 1, "field": "updated_at"},
}

// order is one row of the test table; nil fields are NULL.
type order struct {
	ID       int64
	Customer *string
	Qty      *int32
	Updated  int64 // microseconds
}

func (o *order) payload() map[string]any {
	if o == nil {
		return nil
	}
	m := map[string]any{"id": o.ID, "customer": nil, "qty": nil, "updated_at": o.Updated}
	if o.Customer != nil {
		m["customer"] = *o.Customer
	}
	if o.Qty != nil {
		m["qty"] = *o.Qty
	}
	return m
}

func str(s string) *string { return &s }
func i32(i int32) *int32   { return &i }

// envelope returns a Debezium PostgreSQL change event of table with schemas.enable=true.
func envelope(t testing.TB, table, op string, before, after *order, tsMs int64) []byte {
	t.Helper()
	var b, a map[string]any
	if before != nil {
		b = before.payload()
	}
	if after != nil {
		a = after.payload()
	}
	return rawEnvelope(t, table, op, rowSchema, b, a, tsMs)
}

// rawEnvelope is envelope with any row schema and images.
func rawEnvelope(t testing.TB, table, op string, fields []map[string]any, before, after map[string]any, tsMs int64, source ...map[string]any) []byte {
	t.Helper()
	rowStruct := func(field string) map[string]any {
		return map[string]any{"type": "struct", "fields": fields, "optional": true, "name": "pg.public." + table + ".Value", "field": field}
	}
	schema := map[string]any{
		"type": "struct", "optional": false, "name": "pg.public." + table + ".Envelope",
		"fields": []any{
			rowStruct("before"), rowStruct("after"),
			map[string]any{"type": "struct", "optional": false, "name": "io.debezium.connector.postgresql.Source", "field": "source", "fields": []any{
				map[string]any{"type": "string", "optional": false, "field": "connector"},
				map[string]any{"type": "int64", "optional": false, "field": "ts_ms"},
				map[string]any{"type": "string", "optional": false, "field": "db"},
				map[string]any{"type": "string", "optional": false, "field": "schema"},
				map[string]any{"type": "string", "optional": false, "field": "table"},
				map[string]any{"type": "int64", "optional": true, "field": "lsn"},
			}},
			map[string]any{"type": "string", "optional": false, "field": "op"},
			map[string]any{"type": "int64", "optional": true, "field": "ts_ms"},
		},
	}
	payload := map[string]any{
		"before": before, "after": after, "op": op, "ts_ms": tsMs,
		"source": map[string]any{"connector": "postgresql", "ts_ms": tsMs, "db": "test", "schema": "public", "table": table, "lsn": 1000 + tsMs},
	}
	// Extra source fields (Oracle's scn and commit_scn, say), declared as optional strings.
	srcSchema := schema["fields"].([]any)[2].(map[string]any)
	for _, extra := range source {
		for k, v := range extra {
			payload["source"].(map[string]any)[k] = v
			srcSchema["fields"] = append(srcSchema["fields"].([]any), map[string]any{"type": "string", "optional": true, "field": k})
		}
	}
	b, err := json.Marshal(map[string]any{"schema": schema, "payload": payload})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// keyOf returns the key message of id.
func keyOf(table string, id int64) []byte {
	return []byte(fmt.Sprintf(`{"schema":{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"}],"optional":false,"name":"pg.public.%s.Key"},"payload":{"id":%d}}`, table, id))
}

// change is a record to produce: a key and a value (nil: tombstone).
func change(topic string, key, value []byte) *kgo.Record {
	return &kgo.Record{Topic: topic, Key: key, Value: value}
}

// stream is a stream of changes being produced: want is the final state (qty by id), end the next
// offset after the last record of each partition; mu guards both; done closes at the end of an
// asynchronous [produceStream].
type stream struct {
	mu   sync.Mutex
	want map[int64]int32
	end  map[int32]int64
	done chan struct{}
	rng  *rand.Rand
	i    int
	// mirror, when set, is a second topic that gets the same changes for the table "items", so
	// that batches span two tables.
	mirror    string
	mirrorEnd map[int32]int64
}

func newStream() *stream {
	return &stream{want: map[int64]int32{}, end: map[int32]int64{}, mirrorEnd: map[int32]int64{}, done: make(chan struct{}), rng: rand.New(rand.NewPCG(1, 2))}
}

// produceStream produces, in the background, events random inserts, updates and deletes (with
// their tombstones) over 200 keys of the orders table, pausing now and then so that the stream
// lasts a while.
func produceStream(t *testing.T, prod *kgo.Client, events int) *stream {
	st := newStream()
	go func() {
		defer close(st.done)
		st.produce(t, prod, events)
	}()
	// A test that fails early still waits for its producer, which would otherwise report on t
	// after t ended (a panic that takes the whole test binary down).
	t.Cleanup(func() { <-st.done })
	return st
}

// produce produces events more changes and returns when they are all acknowledged.
func (st *stream) produce(t *testing.T, prod *kgo.Client, events int) {
	now := time.Now().UnixMilli()
	for range events {
		st.i++
		i := st.i
		id := st.rng.Int64N(200) + 1
		var recs []*kgo.Record
		st.mu.Lock()
		_, exists := st.want[id]
		switch {
		case !exists:
			q := int32(i)
			st.want[id] = q
			recs = append(recs, change(topic, keyOf("orders", id), envelope(t, "orders", "c", nil, &order{ID: id, Qty: &q}, now)))
		case st.rng.IntN(5) == 0:
			delete(st.want, id)
			recs = append(recs, change(topic, keyOf("orders", id), envelope(t, "orders", "d", &order{ID: id}, nil, now)),
				change(topic, keyOf("orders", id), nil))
		default:
			q := int32(i)
			st.want[id] = q
			recs = append(recs, change(topic, keyOf("orders", id), envelope(t, "orders", "u", nil, &order{ID: id, Qty: &q}, now)))
		}
		st.mu.Unlock()
		if st.mirror != "" {
			for _, r := range slices.Clone(recs) {
				v := r.Value
				if v != nil {
					v = bytes.ReplaceAll(v, []byte(`"orders"`), []byte(`"items"`))
					v = bytes.ReplaceAll(v, []byte(`pg.public.orders.`), []byte(`pg.public.items.`))
				}
				recs = append(recs, change(st.mirror, keyOf("items", mustID(r.Key)), v))
			}
		}
		res := prod.ProduceSync(context.Background(), recs...)
		if err := res.FirstErr(); err != nil {
			t.Errorf("produce: %v", err)
			return
		}
		st.mu.Lock()
		for _, pr := range res {
			end := st.end
			if pr.Record.Topic == st.mirror {
				end = st.mirrorEnd
			}
			end[pr.Record.Partition] = max(end[pr.Record.Partition], pr.Record.Offset+1)
		}
		st.mu.Unlock()
		if i%500 == 0 {
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// mustID returns the id of a key message.
func mustID(key []byte) int64 {
	var k struct {
		Payload struct{ ID int64 } `json:"payload"`
	}
	if err := json.Unmarshal(key, &k); err != nil {
		panic(err)
	}
	return k.Payload.ID
}

// caughtUp reports whether tm's orders table records every offset of st.
func caughtUp(tm *iceberg.TableManager, st *stream) bool {
	tbl, err := tm.Catalog().LoadTable(context.Background(), tm.Identifier("orders"))
	if err != nil {
		return false
	}
	offs, err := cdc.TableOffsets(tbl)
	if err != nil {
		return false
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for p, e := range st.end {
		if n, _ := offs.Get(topic, p); n < e {
			return false
		}
	}
	return true
}

// openCatalog opens the SQL catalog of warehouse, closed when the test ends.
func openCatalog(t *testing.T, warehouse string) catalog.Catalog {
	t.Helper()
	cat, err := iceberg.OpenCatalog(context.Background(), configloader.Iceberg{Warehouse: warehouse})
	require.NoError(t, err)
	t.Cleanup(func() {
		if c, ok := cat.(interface{ Close() error }); ok {
			_ = c.Close()
		}
	})
	return cat
}

// member is a consumer of a group test, running until stop.
type member struct {
	c      *cdc.Consumer
	cancel context.CancelFunc
	done   chan error
	logs   *monitoringtest.LogCapture
}

// startMember opens a consumer of src on tm with opts, logging to a capture, and runs it.
func startMember(t *testing.T, src *configloader.Source, tm *iceberg.TableManager, opts ...cdc.Option) *member {
	t.Helper()
	m := &member{done: make(chan error, 1), logs: monitoringtest.NewLogCapture()}
	c, err := cdc.Open(src, tm, append([]cdc.Option{cdc.WithLogger(monitoring.NewStructuredLogger("cdc", "pg", m.logs.Option()))}, opts...)...)
	require.NoError(t, err)
	m.c = c
	var ctx context.Context
	ctx, m.cancel = context.WithCancel(t.Context())
	go func() { m.done <- m.c.Run(ctx) }()
	return m
}

// stop stops the member and checks that it stopped cleanly.
func (m *member) stop(t *testing.T) {
	t.Helper()
	m.cancel()
	require.NoError(t, <-m.done)
	m.c.Close()
}

// ended says whether the member's Run has returned, and with what, without waiting; once it
// has, stop reports the same error.
func (m *member) ended() string {
	select {
	case err := <-m.done:
		m.done <- err
		return fmt.Sprintf("its Run returned: %v", err)
	default:
		return "its Run goes on"
	}
}

// members describes, for a failure's message, what each member applied, whether its Run has
// returned, and its last 8 logged events, a line each.
func members(ms ...*member) string {
	var b strings.Builder
	for i, m := range ms {
		evs := m.logs.Events()
		fmt.Fprintf(&b, "member %c applied %.0f events; %s; its last events:", 'a'+i, m.applied(), m.ended())
		for _, e := range evs[max(0, len(evs)-8):] {
			fmt.Fprintf(&b, "\n  %s %s %s %v", e.Timestamp.Format("15:04:05.000"), e.Severity, e.EventType, e.Details)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// applied is how many events the member's batches processed.
func (m *member) applied() (n float64) {
	for _, e := range m.logs.EventsOfType(cdc.EventBatchComplete) {
		n += e.Details["events_processed"].(float64)
	}
	return n
}

// groupRig is a kfake cluster with topic in 4 partitions, a producer and a table manager on a
// local catalog, for tests of a consumer group.
func groupRig(t *testing.T) (brokers []string, prod *kgo.Client, tm *iceberg.TableManager) {
	t.Helper()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, topic))
	require.NoError(t, err)
	t.Cleanup(cluster.Close)
	prod, err = kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...))
	require.NoError(t, err)
	t.Cleanup(prod.Close)
	return cluster.ListenAddrs(), prod, localTables(t)
}

// assertStreamApplied checks that the orders table holds exactly the rows st produced, each once.
func assertStreamApplied(t *testing.T, tm *iceberg.TableManager, st *stream) {
	t.Helper()
	r := &rig{t: t, tm: tm}
	got := r.rows() // fails on a duplicated id
	st.mu.Lock()
	defer st.mu.Unlock()
	assert.Equal(t, len(st.want), len(got))
	for id, q := range st.want {
		assert.Equal(t, q, got[id], "qty of %d", id)
	}
}

// localTables is a table manager of namespace raw on a local catalog, closed when t ends.
func localTables(t *testing.T) *iceberg.TableManager {
	t.Helper()
	cat, err := iceberg.OpenCatalog(t.Context(), configloader.Iceberg{Warehouse: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() {
		if c, ok := cat.(interface{ Close() error }); ok {
			_ = c.Close()
		}
	})
	return iceberg.NewTableManager(cat, "raw")
}
