package iceberg_test

import (
	"math"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/iceberg"
)

// TestSnapshotHistory loads a table twelve times, as a nightly bulk load replaces it, then once
// with a tenth of the rows: the history comes from the snapshots (added records, times, the null
// rates recorded in their summaries), and the volume monitor finds the drop with no other store.
func TestSnapshotHistory(t *testing.T) {
	ctx := t.Context()
	cat := openSQLite(t)
	m := iceberg.NewTableManager(cat, "raw")
	sc := ordersSchema()
	tbl, err := m.EnsureTable(ctx, "orders", sc)
	require.NoError(t, err)
	write := func(rows int, nullRate float64) iceberg.WriteResult {
		rec := batch(sc, 0, rows)
		defer rec.Release()
		res, err := m.Write(ctx, tbl, sc, iceberg.Batches([]arrow.RecordBatch{rec}...),
			iceberg.NullRateProperties(map[string]float64{"customer": nullRate}), iceberg.Replace())
		require.NoError(t, err)
		tbl = res.Table
		return res
	}
	for i := range 12 {
		write(300+i%3*3, 0.333)
		time.Sleep(5 * time.Millisecond) // distinct snapshot times
	}
	last := write(30, 0.9)

	history := iceberg.NewSnapshotHistory(m, nil)
	vol, err := history.History(ctx, "orders", dataquality.MonitorVolume, 0)
	require.NoError(t, err)
	require.Len(t, vol, 13, "one record per load; the delete half of a replace is not a load")
	assert.Equal(t, 300.0, vol[0].Value)
	assert.Equal(t, 303.0, vol[1].Value)
	assert.Equal(t, 30.0, vol[12].Value)
	lastAt := time.UnixMilli(last.Table.CurrentSnapshot().TimestampMs).UTC()
	assert.True(t, vol[12].At.Equal(lastAt))

	newest, err := history.History(ctx, "orders", dataquality.MonitorVolume, 2)
	require.NoError(t, err)
	require.Len(t, newest, 2)
	assert.Equal(t, 30.0, newest[1].Value)

	fresh, err := history.History(ctx, "orders", dataquality.MonitorFreshness, 0)
	require.NoError(t, err)
	require.Len(t, fresh, 13)
	assert.True(t, math.IsNaN(fresh[0].Value) && fresh[0].Failed, "the first write has no interval")
	assert.Greater(t, fresh[1].Value, 0.0)

	nulls, err := history.History(ctx, "orders", "null_rate:customer", 0)
	require.NoError(t, err)
	require.Len(t, nulls, 13)
	assert.Equal(t, 0.9, nulls[12].Value)

	none, err := history.History(ctx, "no_such_table", dataquality.MonitorVolume, 0)
	require.NoError(t, err)
	assert.Empty(t, none)

	// The monitor, judging the last load at its snapshot's time: its own snapshot is not part of
	// its baseline, and nothing else is stored.
	mon, err := dataquality.NewMonitor(nil, history, dataquality.Monitors{Volume: true, SchemaDrift: "warn",
		NullRate: map[string][]string{"orders": {"customer"}}})
	require.NoError(t, err)
	rep := mon.AfterLoad(ctx, "orders", dataquality.Load{At: lastAt, Rows: 30, NullRates: map[string]float64{"customer": 0.9},
		Columns: []dataquality.SchemaColumn{{Name: "id", Type: "long", Required: true}}})
	require.Len(t, rep.Results, 3)
	assert.False(t, rep.Results[0].Passed, rep.Results[0].Details)
	assert.Contains(t, rep.Results[0].Details, "30 rows is 90% below the expected")
	assert.False(t, rep.Results[1].Passed, "null rate 0.9 against 0.333: %s", rep.Results[1].Details)
	assert.True(t, rep.Results[2].Passed, "first schema: %s", rep.Results[2].Details)
	vol, err = history.History(ctx, "orders", dataquality.MonitorVolume, 0)
	require.NoError(t, err)
	require.Len(t, vol, 13, "the load's record stands for its snapshot")
	assert.True(t, vol[12].Anomalous, "with the monitors' mark")

	// A failed load has no snapshot: it is kept in the fallback store, never a baseline.
	failedAt := lastAt.Add(time.Hour)
	mon.AfterLoad(ctx, "orders", dataquality.Load{At: failedAt, Rows: 3, Failed: true})
	vol, err = history.History(ctx, "orders", dataquality.MonitorVolume, 0)
	require.NoError(t, err)
	require.Len(t, vol, 14)
	assert.True(t, vol[13].Failed)
	schema, err := history.History(ctx, "orders", "schema", 0)
	require.NoError(t, err)
	assert.Len(t, schema, 1, "the schema went to the fallback store")
}

func TestNullRateProperties(t *testing.T) {
	assert.Equal(t, map[string]string{"etlwatch.null_rate.EMAIL": "0.25"}, iceberg.NullRateProperties(map[string]float64{"EMAIL": 0.25}))
}

// WithCommitProperties records what the rows written say, computed as they stream: here the
// null rate of customer, which the null-rate monitor then finds in the snapshot's summary.
func TestWithCommitProperties(t *testing.T) {
	ctx := t.Context()
	cat := openSQLite(t)
	m := iceberg.NewTableManager(cat, "raw")
	sc := ordersSchema()
	tbl, err := m.EnsureTable(ctx, "orders", sc)
	require.NoError(t, err)
	var rows, nulls int64
	counted := func(yield func(arrow.RecordBatch, error) bool) {
		for _, rec := range []arrow.RecordBatch{batch(sc, 0, 90), batch(sc, 90, 30)} {
			rows += rec.NumRows()
			nulls += int64(rec.Column(1).NullN())
			if !yield(rec, nil) { // Write releases the batch
				return
			}
		}
	}
	res, err := m.Write(ctx, tbl, sc, counted, map[string]string{"etlwatch.source": "pg"},
		iceberg.WithCommitProperties(func() map[string]string {
			return iceberg.NullRateProperties(map[string]float64{"customer": float64(nulls) / float64(rows)})
		}))
	require.NoError(t, err)
	props := iceberg.SnapshotProperties(res.Table)
	assert.Equal(t, "pg", props["etlwatch.source"])
	assert.Equal(t, "0.3333333333333333", props["etlwatch.null_rate.customer"], "every third customer is NULL")
	recs, err := iceberg.NewSnapshotHistory(m, nil).History(ctx, "orders", "null_rate:customer", 0)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.InDelta(t, 1.0/3, recs[0].Value, 1e-12)
}
