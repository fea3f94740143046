package cdc_test

// Tests of the "suspected" items of issue 11: each shows the suspicion is unfounded, or that the
// fix named in its comment holds.

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/iceberg-go/table"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/iceberg"
	"github.com/etlwatch/etlwatch/monitoring"
)

// ordersBatch is a batch of the orders table's schema sc holding qty by id.
func ordersBatch(sc *arrow.Schema, rows map[int64]int32) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	for _, id := range slices.Sorted(maps.Keys(rows)) {
		for i, f := range sc.Fields() {
			switch f.Name {
			case "id":
				b.Field(i).(*array.Int64Builder).Append(id)
			case "qty":
				b.Field(i).(*array.Int32Builder).Append(rows[id])
			default:
				b.Field(i).AppendNull()
			}
		}
	}
	return b.NewRecordBatch()
}

// loadOrders returns the orders table and its Arrow schema.
func (r *rig) loadOrders() (*table.Table, *arrow.Schema) {
	r.t.Helper()
	tbl, err := r.tm.Catalog().LoadTable(context.Background(), r.tm.Identifier("orders"))
	require.NoError(r.t, err)
	sc, err := table.SchemaToArrowSchema(tbl.Schema(), nil, false, false)
	require.NoError(r.t, err)
	return tbl, sc
}

// Suspected: "a commit with nothing to write only sets table properties, which does not move the
// snapshot, so the fence cannot see it". Confirmed (a stale writer's commit was accepted) and
// fixed: a batch with nothing to write for a table makes no Iceberg commit at all, so every
// commit moves the snapshot the fence checks; its progress is kept by Kafka's group commit
// (fenced by the group generation), and a restarted consumer resumes after it.
func TestSuspectedPropertyOnlyCommitIsFenced(t *testing.T) {
	r := newRig(t)
	r.produce(change(topic, keyOf("orders", 1), envelope(t, "orders", "c", nil, &order{ID: 1, Qty: i32(1)}, 1)))
	r.run()
	before := r.loadOrdersTable()

	// A tombstone alone (its delete went elsewhere): nothing to write.
	r.produce(change(topic, keyOf("orders", 1), nil))
	r.run()
	after := r.loadOrdersTable()
	assert.Equal(t, before.MetadataLocation(), after.MetadataLocation(), "no commit, not even of properties")
	_, ok := after.Properties()[cdc.PropOffsets]
	assert.False(t, ok, "no offsets in the table properties")
	var p int32
	for p = range r.end {
	}
	assert.Equal(t, r.end[p], r.committed()[p], "Kafka's group offset covers the tombstone")

	// A restarted consumer resumes after the tombstone, not at Iceberg's offset: its first
	// batch holds only the new record.
	r.produce(change(topic, keyOf("orders", 2), envelope(t, "orders", "c", nil, &order{ID: 2, Qty: i32(2)}, 2)))
	var out bytes.Buffer
	logger := monitoring.NewStructuredLogger("cdc", "pg", monitoring.WithOutput(&out))
	r.run(cdc.WithLogger(logger))
	var records []float64
	for _, line := range bytes.Split(out.Bytes(), []byte("\n")) {
		var ev struct {
			Event   string         `json:"event_type"`
			Details map[string]any `json:"details"`
		}
		if json.Unmarshal(line, &ev) == nil && ev.Event == cdc.EventBatchComplete {
			records = append(records, ev.Details["records"].(float64))
		}
	}
	assert.Equal(t, []float64{1}, records, "one batch of one record: the tombstone was not read again")
	assert.Equal(t, map[int64]int32{1: 1, 2: 2}, r.rows())
}

func (r *rig) loadOrdersTable() *table.Table { tbl, _ := r.loadOrders(); return tbl }

// Suspected: "the consumer caches the bulk load's position and transaction snapshot until
// restart: a reload does not refresh them". A bulk load that replaces the table (take-over)
// while a consumer runs brings a new transaction snapshot; the consumer's next batch was judged
// by the old one, so it is not applied: Run stops with ErrBulkLoadReplaced, and a restarted
// consumer skips what the new load holds and applies the rest.
func TestSuspectedReloadRefreshesLoadSnapshot(t *testing.T) {
	r := newRig(t)
	ev := func(op string, id int64, qty int32, tx int) []byte {
		return rawEnvelope(t, "orders", op, rowSchema, nil, (&order{ID: id, Qty: i32(qty)}).payload(), 1, map[string]any{"txId": strconv.Itoa(tx)})
	}
	r.produce(change(topic, keyOf("orders", 1), ev("c", 1, 1, 500)), change(topic, keyOf("orders", 2), ev("c", 2, 2, 501)))

	c, err := cdc.Open(r.src, r.tm)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- c.Run(t.Context()) }()
	require.Eventually(t, func() bool { return len(r.rowsIfAny()) == 2 }, 20*time.Second, 20*time.Millisecond)

	// The bulk load takes over: its snapshot holds every transaction below 600.
	tbl, sc := r.loadOrders()
	rec := ordersBatch(sc, map[int64]int32{1: 1, 2: 20, 3: 30})
	_, err = r.tm.Write(t.Context(), tbl, sc, iceberg.Batches(rec), map[string]string{cdc.PropPGSnapshot: "600:600:"}, iceberg.Replace(), iceberg.TakeOverFromCDC())
	rec.Release()
	require.NoError(t, err)

	// Transaction 550 is in the load (its qty 99 is a canary); 700 came after it.
	r.produce(change(topic, keyOf("orders", 2), ev("u", 2, 99, 550)), change(topic, keyOf("orders", 4), ev("c", 4, 40, 700)))
	select {
	case err := <-done:
		require.ErrorIs(t, err, cdc.ErrBulkLoadReplaced)
	case <-time.After(30 * time.Second):
		t.Fatal("the running consumer applied or held a batch judged by the replaced load")
	}
	c.Close() // leaves the group, so that the restarted consumer gets the partitions
	assert.Equal(t, map[int64]int32{1: 1, 2: 20, 3: 30}, r.rows(), "nothing of the batch judged by the old load was applied")

	r.run()
	assert.Equal(t, map[int64]int32{1: 1, 2: 20, 3: 30, 4: 40}, r.rows(), "the restarted consumer skipped transaction 550 and applied 700")
}

// rowsIfAny is rows, or nothing while the table does not exist yet.
func (r *rig) rowsIfAny() map[int64]int32 {
	if _, err := r.tm.Catalog().LoadTable(context.Background(), r.tm.Identifier("orders")); err != nil {
		return nil
	}
	return r.rows()
}

// Suspected: "after a partition-count increase, a key's stale version winning the collapse". A
// key's versions on two partitions (its old one and the one the new partition count hashes it
// to) are ordered by their source position within a batch, whichever partition is polled first.
// Across batches Kafka's order stands (a documented limit, see cdc/doc.go).
func TestSuspectedPartitionIncrease(t *testing.T) {
	for _, newer := range []int32{0, 1} {
		t.Run("newer version on partition "+strconv.Itoa(int(newer)), func(t *testing.T) {
			r := newRig(t)
			r.producePartitions(
				toPartition(1-newer, change(topic, keyOf("orders", 1), at(t, 100, "c", &order{ID: 1, Qty: i32(1)}))),
				toPartition(newer, change(topic, keyOf("orders", 1), at(t, 200, "u", &order{ID: 1, Qty: i32(2)}))),
			)
			r.run()
			assert.Equal(t, map[int64]int32{1: 2}, r.rows(), "the version with the later LSN wins")
		})
	}
}
