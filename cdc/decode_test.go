package cdc_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/monitoring"
)

// schemalessUpdate is a Debezium update of the orders table with schemas.enable=false: its
// updated_at is a bare number that only the table's column says is a timestamp.
func schemalessUpdate(id, qty, micros int64) *kgo.Record {
	v := fmt.Sprintf(`{"before":null,"after":{"id":%d,"customer":"c%d","qty":%d,"updated_at":%d},"op":"u","ts_ms":1,`+
		`"source":{"connector":"postgresql","ts_ms":1,"db":"test","schema":"public","table":"orders","lsn":%d}}`, id, id, qty, micros, 5000+id)
	return change(topic, []byte(fmt.Sprintf(`{"id":%d}`, id)), []byte(v))
}

// Schemaless events are typed by the table's columns from the first record a restarted
// consumer reads, in a batch decoded sequentially (a few records) and in one decoded by several
// goroutines (many): none is set aside, every timestamp lands as the table's timestamp.
func TestDecodeSchemalessWithTableTypes(t *testing.T) {
	for _, n := range []int64{3, 1500} {
		t.Run(fmt.Sprintf("%d records", n), func(t *testing.T) {
			r := newRig(t)
			r.src.CDC.BatchSize = 2000
			// The table, created from events with their schema: updated_at is a timestamp.
			r.produce(change(topic, keyOf("orders", 1), envelope(t, "orders", "c", nil, &order{ID: 1, Qty: i32(1), Updated: 1}, 1)))
			r.run()
			const micros = int64(1_700_000_000_000_000)
			var recs []*kgo.Record
			for id := int64(1); id <= n; id++ {
				recs = append(recs, schemalessUpdate(id, id*10, micros+id))
			}
			r.produce(recs...)
			metrics, sink := metricsRig(t)
			r.run(cdc.WithMetrics(metrics)) // a new consumer: nothing cached
			require.NoError(t, metrics.ForceFlush(context.Background()))
			assert.Zero(t, sink.Total("cdc_events_failed", monitoring.Dimensions{}), "none set aside")

			got := r.rows()
			require.Len(t, got, int(n))
			for id := int64(1); id <= n; id++ {
				assert.EqualValues(t, id*10, got[id], "qty of %d", id)
			}
			tbl := r.loadOrdersTable()
			at, err := tbl.Scan().ToArrowTable(t.Context())
			require.NoError(t, err)
			defer at.Release()
			col := at.Column(at.Schema().FieldIndices("updated_at")[0])
			require.IsType(t, &arrow.TimestampType{}, col.DataType())
			for _, chunk := range col.Data().Chunks() {
				ts := chunk.(*array.Timestamp)
				for i := range ts.Len() {
					assert.Greater(t, int64(ts.Value(i)), micros, "a timestamp in microseconds")
				}
			}
		})
	}
}
