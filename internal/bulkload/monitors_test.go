package bulkload

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/iceberg"
)

// TestMonitorsJudgeEachTableAgainstItsHistory loads the sample three times with
// data_quality.monitors: on: the first run has no history (every verdict skipped, kept in the
// default SQLite history file); the second, against two weeks of history at the same counts,
// passes; the third, after 90% of orders were deleted from the source, reports orders' volume
// as an anomaly in words, and still exits 0 (on_anomaly: warn).
func TestMonitorsJudgeEachTableAgainstItsHistory(t *testing.T) {
	dir, db := sampleSource(t, 600, "    data_quality:\n      monitors:\n        volume: true\n        schema_drift: warn\n")
	// run returns what the load passed to AfterLoad, its stdout and stderr together and its exit
	// code, and keeps in evs the events of its stdout (JSON lines only, piped).
	var evs map[string][]event
	run := func(history dataquality.HistoryStore) (*Loaded, string, int) {
		var loaded *Loaded
		var out, errOut bytes.Buffer
		code := RunConfig(t.Context(), Config{Source: "src", ConfigDir: dir, Progress: ProgressOff, History: history,
			AfterLoad: func(_ context.Context, l *Loaded) error { loaded = l; return nil }}, &out, &errOut)
		evs = events(t, out.String())
		return loaded, out.String() + errOut.String(), code
	}

	first, out, code := run(nil)
	require.Equal(t, 0, code, out)
	require.NotNil(t, first)
	require.NotEmpty(t, first.Monitors)
	for table, rep := range first.Monitors {
		require.NotEmpty(t, rep.Results, table)
		assert.Contains(t, rep.Results[0].Details, "Volume monitor SKIPPED - not enough history", table)
	}
	_, err := os.Stat(filepath.Join(dir, HistoryFile))
	require.NoError(t, err, "the default history is a SQLite file next to sources.yaml")

	// Two weeks of nightly loads at today's counts.
	ctx := t.Context()
	history := dataquality.NewMemoryHistory()
	for day := 14; day >= 1; day-- {
		for table, rows := range first.Rows {
			require.NoError(t, history.Append(ctx, dataquality.HistoryRecord{Table: table, Series: dataquality.MonitorVolume,
				At: time.Now().AddDate(0, 0, -day), Value: float64(rows) * (1 + 0.01*float64(day%3))}))
		}
	}
	second, out, code := run(history)
	require.Equal(t, 0, code, out)
	for table, rep := range second.Monitors {
		assert.False(t, rep.Anomalous(), "%s: %v", table, rep.Summary())
	}

	sdb, err := sql.Open("sqlite", db)
	require.NoError(t, err)
	_, err = sdb.ExecContext(ctx, "DELETE FROM orders WHERE id % 10 != 0")
	require.NoError(t, err)
	require.NoError(t, sdb.Close())

	third, out, code := run(history)
	require.Equal(t, 0, code, "on_anomaly: warn reports and goes on: %s", out)
	orders := third.Monitors["orders"]
	require.True(t, orders.Anomalous(), "%v", orders.Summary())
	assert.Contains(t, strings.Join(third.MonitorLines(), "\n"), "ANOMALY orders volume: ")
	assert.Contains(t, orders.Results[0].Details, "below the expected")
	assert.Contains(t, out, "orders: MONITOR ANOMALY (on_anomaly: warn)")
	var volumeEvents int
	for _, e := range evs[dataquality.EventCheckComplete] {
		if e.Details["check"] == dataquality.MonitorVolume {
			volumeEvents++
		}
	}
	assert.Equal(t, len(third.Rows), volumeEvents, "a dq_check_complete event per table's volume verdict")
	for table, rep := range third.Monitors {
		if table != "orders" {
			assert.False(t, rep.Anomalous(), "%s: %v", table, rep.Summary())
		}
	}
}

// TestMonitorsReadTheTablesSnapshots loads the sample eight times without monitors, then turns
// the volume monitor on: its first verdict is not skipped, since the default history reads the
// Iceberg tables' snapshots, and the load is judged against the eight before it, not itself.
func TestMonitorsReadTheTablesSnapshots(t *testing.T) {
	dir, _ := sampleSource(t, 300, "")
	for range 8 {
		var out bytes.Buffer
		require.Equal(t, 0, RunConfig(t.Context(), Config{Source: "src", ConfigDir: dir, Progress: ProgressOff}, &out, &out), out.String())
	}
	path := filepath.Join(dir, "sources.yaml")
	body, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, append(body, "    data_quality:\n      monitors:\n        volume: true\n        freshness: true\n"...), 0o600))

	var loaded *Loaded
	var out bytes.Buffer
	code := RunConfig(t.Context(), Config{Source: "src", ConfigDir: dir, Progress: ProgressOff,
		AfterLoad: func(_ context.Context, l *Loaded) error { loaded = l; return nil }}, &out, &out)
	require.Equal(t, 0, code, out.String())
	require.NotEmpty(t, loaded.Monitors)
	for table, rep := range loaded.Monitors {
		require.Len(t, rep.Verdicts, 2, table)
		v := rep.Verdicts[0]
		assert.False(t, v.Skipped, "%s: %s", table, v.Reason)
		assert.False(t, v.Anomalous, "%s: %s", table, v.Reason)
		assert.Equal(t, 8, v.TrainingPoints, "%s: the eight earlier loads, not this one", table)
		// Freshness: the interval since the eighth load, judged against the seven before it
		// (the first load has no interval), not the load's own snapshot.
		f := rep.Verdicts[1]
		assert.Equal(t, dataquality.MonitorFreshness, f.Monitor)
		assert.False(t, f.Skipped, "%s: %s", table, f.Reason)
		assert.LessOrEqual(t, f.TrainingPoints, 7, "%s: %s", table, f.Reason)
		assert.Positive(t, f.Value, table)
	}
}

// TestNullRatesGoInTheSnapshotSummary: the null rate of a monitored column is counted as the rows
// stream and recorded in the load's snapshot summary, where the next loads' monitor reads it.
func TestNullRatesGoInTheSnapshotSummary(t *testing.T) {
	dir, db := sampleSource(t, 600, "    data_quality:\n      monitors:\n        null_rate:\n          customers: [email]\n")
	sdb, err := sql.Open("sqlite", db)
	require.NoError(t, err)
	var want float64
	require.NoError(t, sdb.QueryRowContext(t.Context(), "SELECT CAST(SUM(CASE WHEN email IS NULL THEN 1 ELSE 0 END) AS REAL) / count(*) FROM customers").Scan(&want))
	require.NoError(t, sdb.Close())
	require.Positive(t, want, "the sample has customers without an email")

	var loaded *Loaded
	for range 2 {
		var out bytes.Buffer
		code := RunConfig(t.Context(), Config{Source: "src", ConfigDir: dir, Progress: ProgressOff,
			AfterLoad: func(_ context.Context, l *Loaded) error { loaded = l; return nil }}, &out, &out)
		require.Equal(t, 0, code, out.String())
	}
	cfg, err := configloader.Load(dir)
	require.NoError(t, err)
	cat, err := iceberg.OpenCatalog(t.Context(), cfg.Sources["src"].Iceberg)
	require.NoError(t, err)
	if c, ok := cat.(interface{ Close() error }); ok {
		defer c.Close()
	}
	tm := iceberg.NewTableManager(cat, loaded.Namespace)
	tbl, err := cat.LoadTable(t.Context(), tm.Identifier("customers"))
	require.NoError(t, err)
	got, err := strconv.ParseFloat(iceberg.SnapshotProperties(tbl)[iceberg.PropNullRatePrefix+"email"], 64)
	require.NoError(t, err)
	assert.InDelta(t, want, got, 1e-12)

	rep := loaded.Monitors["customers"]
	require.Len(t, rep.Verdicts, 1)
	assert.Equal(t, "null_rate:email", rep.Verdicts[0].Monitor)
	assert.InDelta(t, want, rep.Verdicts[0].Value, 1e-12)
	recs, err := iceberg.NewSnapshotHistory(tm, nil).History(t.Context(), "customers", "null_rate:email", 0)
	require.NoError(t, err)
	assert.Len(t, recs, 2, "both loads' rates, from their snapshots")
}
