package dataquality_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/monitoringtest"
)

var night = time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC) // a Monday, 02:00

// monitorHarness is a Monitor that reports into an in-memory sink and log capture.
type monitorHarness struct {
	mon     *dataquality.Monitor
	sink    *monitoringtest.Sink
	metrics *monitoring.MetricsCollector
	logs    *monitoringtest.LogCapture
	store   *dataquality.MemoryHistory
	now     time.Time
}

func newMonitorHarness(t *testing.T, cfg dataquality.Monitors) *monitorHarness {
	t.Helper()
	h := &monitorHarness{sink: monitoringtest.NewSink(), logs: monitoringtest.NewLogCapture(), store: dataquality.NewMemoryHistory(), now: night}
	var err error
	h.metrics, err = monitoring.NewMetricsCollector("bulk_load", "dev_mydb", monitoring.WithSinks(h.sink))
	require.NoError(t, err)
	t.Cleanup(func() { _ = h.metrics.Shutdown(context.Background()) })
	logger := monitoring.NewStructuredLogger("bulk_load", "dev_mydb", h.logs.Option())
	checker := dataquality.NewChecker(dataquality.WithMetrics(h.metrics), dataquality.WithLogger(logger), dataquality.WithClock(func() time.Time { return h.now }))
	h.mon, err = dataquality.NewMonitor(checker, h.store, cfg)
	require.NoError(t, err)
	return h
}

// nightly loads rows(i) every night at 02:00 for n nights and returns the last report.
func (h *monitorHarness) nightly(t *testing.T, table string, n int, rows func(i int) int64) dataquality.MonitorReport {
	t.Helper()
	var rep dataquality.MonitorReport
	for i := range n {
		h.now = night.AddDate(0, 0, i).Add(time.Duration(i%5) * time.Minute)
		rep = h.mon.AfterLoad(context.Background(), table, dataquality.Load{Rows: rows(i)})
	}
	return rep
}

func TestNewMonitorNeedsAStore(t *testing.T) {
	_, err := dataquality.NewMonitor(nil, nil, dataquality.Monitors{Volume: true})
	assert.ErrorIs(t, err, dataquality.ErrNoHistoryStore)
}

func TestNewMonitorRejectsNonsense(t *testing.T) {
	store := dataquality.NewMemoryHistory()
	for _, cfg := range []dataquality.Monitors{
		{SchemaDrift: "loud"},
		{Seasonality: "weekly"},
		{OnAnomaly: "panic"},
		{Sensitivity: -1},
		{MinHistory: -3},
		{MaxAge: -time.Hour},
		{Exclude: []dataquality.TimeRange{{From: night, To: night}}},
	} {
		_, err := dataquality.NewMonitor(nil, store, cfg)
		assert.ErrorIs(t, err, dataquality.ErrInvalidInput, "%+v", cfg)
	}
	_, err := dataquality.NewMonitor(nil, store, dataquality.Monitors{Volume: true, SchemaDrift: "warn", Seasonality: "day_of_week", OnAnomaly: "FAIL"})
	assert.NoError(t, err)
}

func TestVolumeMonitor(t *testing.T) {
	ctx := context.Background()
	h := newMonitorHarness(t, dataquality.Monitors{Volume: true})
	rows := func(i int) int64 { return 1_000_000 + int64(i%4)*7_000 }

	first := h.nightly(t, "ORDERS", 1, rows)
	require.Len(t, first.Results, 1)
	assert.True(t, first.Results[0].Passed)
	assert.Contains(t, first.Results[0].Details, "Volume monitor SKIPPED - not enough history")

	rep := h.nightly(t, "ORDERS", 30, rows)
	require.Len(t, rep.Results, 1)
	assert.True(t, rep.Results[0].Passed, rep.Results[0].Details)
	assert.False(t, rep.Anomalous())

	h.now = night.AddDate(0, 0, 30)
	bad := h.mon.AfterLoad(ctx, "ORDERS", dataquality.Load{Rows: 150_000})
	require.Len(t, bad.Results, 1)
	res := bad.Results[0]
	assert.False(t, res.Passed)
	assert.True(t, bad.Anomalous())
	assert.Equal(t, dataquality.MonitorVolume, res.Check)
	assert.Contains(t, res.Details, "Volume monitor ANOMALY - 150000 rows is 85% below the expected")
	assert.Equal(t, []string{"ANOMALY ORDERS volume: " + res.Observed["reason"].(string)}, bad.Summary())
	assert.NoError(t, bad.Err(), "on_anomaly warn")
	bad.OnAnomaly = "fail"
	assert.ErrorIs(t, bad.Err(), dataquality.ErrCheckFailed)

	// Metrics: the value against its band, and the counter.
	require.NoError(t, h.metrics.ForceFlush(ctx))
	dims := monitoring.Dimensions{"table": "ORDERS", "monitor": "volume"}
	v, ok := h.sink.Value(dataquality.AnomalyValueMetric, dims)
	require.True(t, ok)
	assert.Equal(t, 150_000.0, v)
	lower, _ := h.sink.Value(dataquality.AnomalyLowerMetric, dims)
	upper, _ := h.sink.Value(dataquality.AnomalyUpperMetric, dims)
	expected, _ := h.sink.Value(dataquality.AnomalyExpectedMetric, dims)
	score, _ := h.sink.Value(dataquality.AnomalyScoreMetric, dims)
	assert.Greater(t, lower, 150_000.0)
	assert.Greater(t, upper, expected)
	assert.Less(t, score, -4.0)
	assert.Equal(t, 1.0, h.sink.Total(dataquality.AnomalyDetectedMetric, dims))
	assert.Equal(t, 1.0, h.sink.Total("dq_volume_failed", monitoring.Dimensions{"table": "ORDERS"}))

	// The event.
	events := h.logs.EventsOfType(dataquality.EventCheckComplete)
	require.NotEmpty(t, events)
	last := events[len(events)-1]
	assert.Equal(t, "WARNING", last.Severity)
	assert.Equal(t, "volume", last.Details["check"])
	assert.Equal(t, true, last.Details["anomalous"])
	assert.Contains(t, last.Details["reason"], "below the expected")

	// The anomaly is stored with its mark.
	recs, err := h.store.History(ctx, "ORDERS", dataquality.MonitorVolume, 0)
	require.NoError(t, err)
	require.Len(t, recs, 32)
	assert.True(t, recs[31].Anomalous)
}

func TestFailedLoadIsStoredButNeverABaseline(t *testing.T) {
	ctx := context.Background()
	h := newMonitorHarness(t, dataquality.Monitors{Volume: true, Freshness: true})
	h.nightly(t, "T", 20, func(int) int64 { return 1000 })
	h.now = night.AddDate(0, 0, 20)
	rep := h.mon.AfterLoad(ctx, "T", dataquality.Load{Rows: 3, Failed: true})
	assert.Empty(t, rep.Results, "a failed load is not judged")
	recs, _ := h.store.History(ctx, "T", dataquality.MonitorVolume, 0)
	require.Len(t, recs, 21)
	assert.True(t, recs[20].Failed)
	obs := dataquality.Observations(recs, dataquality.Monitors{})
	assert.True(t, obs[20].Exclude)
	assert.False(t, obs[19].Exclude)
}

func TestExcludeWindows(t *testing.T) {
	cfg := dataquality.Monitors{Exclude: []dataquality.TimeRange{{From: night, To: night.AddDate(0, 0, 2)}}}
	obs := dataquality.Observations([]dataquality.HistoryRecord{{At: night.Add(time.Hour)}, {At: night.AddDate(0, 0, 2)}}, cfg)
	assert.True(t, obs[0].Exclude)
	assert.False(t, obs[1].Exclude)

	// A load inside an exclude window is reported, never as an anomaly.
	h := newMonitorHarness(t, dataquality.Monitors{Volume: true, Exclude: []dataquality.TimeRange{{From: night.AddDate(0, 0, 30), To: night.AddDate(0, 0, 31)}}})
	h.nightly(t, "T", 30, func(int) int64 { return 1000 })
	h.now = night.AddDate(0, 0, 30)
	rep := h.mon.AfterLoad(context.Background(), "T", dataquality.Load{Rows: 5})
	require.Len(t, rep.Results, 1)
	assert.True(t, rep.Results[0].Passed)
	assert.Contains(t, rep.Results[0].Details, "in an exclude window")
}

func TestFreshnessMonitor(t *testing.T) {
	ctx := context.Background()
	h := newMonitorHarness(t, dataquality.Monitors{Freshness: true})
	h.nightly(t, "CUSTOMERS", 21, func(int) int64 { return 10 })
	lastLoad := h.now

	// 02:30 the next night: on time. 04:00: stale, against the nightly cadence.
	h.now = time.Date(lastLoad.Year(), lastLoad.Month(), lastLoad.Day()+1, 2, 30, 0, 0, time.UTC)
	ok := h.mon.CheckFreshness(ctx, "CUSTOMERS")
	assert.True(t, ok.Passed, ok.Details)
	h.now = h.now.Add(90 * time.Minute)
	stale := h.mon.CheckFreshness(ctx, "CUSTOMERS")
	assert.False(t, stale.Passed, stale.Details)
	assert.Contains(t, stale.Details, "Freshness monitor ANOMALY - ")
	assert.Contains(t, stale.Details, "above the expected 24 h")

	require.NoError(t, h.metrics.ForceFlush(ctx))
	lw, found := h.sink.Value(dataquality.LastWriteMetric, monitoring.Dimensions{"table": "CUSTOMERS"})
	require.True(t, found)
	assert.Equal(t, float64(lastLoad.Unix()), lw)
	upper, _ := h.sink.Value(dataquality.AnomalyUpperMetric, monitoring.Dimensions{"table": "CUSTOMERS", "monitor": "freshness"})
	assert.InDelta(t, 25.2, upper, 0.3, "the band an alert compares time() - last write with")

	// A late load is itself an anomaly of the freshness monitor.
	h.now = lastLoad.Add(40 * time.Hour)
	rep := h.mon.AfterLoad(ctx, "CUSTOMERS", dataquality.Load{Rows: 10})
	require.Len(t, rep.Results, 1)
	assert.False(t, rep.Results[0].Passed, rep.Results[0].Details)
}

func TestFreshnessMaxAge(t *testing.T) {
	ctx := context.Background()
	h := newMonitorHarness(t, dataquality.Monitors{Freshness: true, MaxAge: 2 * time.Hour})
	r := h.mon.CheckFreshness(ctx, "NEW")
	assert.True(t, r.Passed)
	assert.Contains(t, r.Details, "SKIPPED - no successful write recorded yet")
	h.mon.AfterLoad(ctx, "NEW", dataquality.Load{Rows: 1})
	h.now = h.now.Add(3 * time.Hour)
	r = h.mon.CheckFreshness(ctx, "NEW")
	assert.False(t, r.Passed, "older than max_age with no history to learn from")
	assert.Contains(t, r.Details, "older than max_age 2h0m0s")
}

func TestCommittedCountsVolumePerHour(t *testing.T) {
	ctx := context.Background()
	h := newMonitorHarness(t, dataquality.Monitors{Volume: true, Freshness: true})
	start := night
	var results []dataquality.Result
	// Three days of commits every 10 minutes, 100 rows each: 600 rows an hour.
	for i := range 3 * 24 * 6 {
		results = append(results, h.mon.Committed(ctx, "orders", start.Add(time.Duration(i)*10*time.Minute), 100)...)
	}
	require.NotEmpty(t, results)
	for _, r := range results {
		assert.True(t, r.Passed, r.Details)
	}
	recs, _ := h.store.History(ctx, "orders", dataquality.MonitorVolume, 0)
	require.Len(t, recs, 3*24-1, "every finished hour")
	assert.Equal(t, 600.0, recs[0].Value)
	gaps, _ := h.store.History(ctx, "orders", dataquality.MonitorFreshness, 0)
	require.NotEmpty(t, gaps)
	assert.InDelta(t, 1.0/6, gaps[len(gaps)-1].Value, 1e-9, "the longest gap between commits in the hour")

	// An hour with a tenth of the rows is judged when the next hour's first commit arrives.
	end := start.Add(3 * 24 * time.Hour)
	for i := range 6 {
		h.mon.Committed(ctx, "orders", end.Add(time.Duration(i)*10*time.Minute), 10)
	}
	res := h.mon.Committed(ctx, "orders", end.Add(time.Hour), 100)
	require.Len(t, res, 1)
	assert.False(t, res[0].Passed, res[0].Details)
	assert.Contains(t, res[0].Details, "60 rows is 90% below the expected 600 rows")

	// The consumer stops: an hour later the table is stale.
	h.now = end.Add(2 * time.Hour)
	stale := h.mon.CheckFreshness(ctx, "orders")
	assert.False(t, stale.Passed, stale.Details)
}

func TestNullRateMonitor(t *testing.T) {
	ctx := context.Background()
	h := newMonitorHarness(t, dataquality.Monitors{NullRate: map[string][]string{"CUSTOMERS": {"EMAIL"}}})
	for i := range 20 {
		h.now = night.AddDate(0, 0, i)
		ds := exampleCustomers(1000, func(id int64, r map[string]any) {
			if id%100 == int64(i%3) { // about 1% nulls
				r["EMAIL"] = nil
			}
		})
		rep := h.mon.AfterLoad(ctx, "CUSTOMERS", dataquality.Load{Rows: 1000, Dest: ds})
		require.Len(t, rep.Results, 1)
		assert.True(t, rep.Results[0].Passed, rep.Results[0].Details)
	}
	h.now = night.AddDate(0, 0, 20)
	rep := h.mon.AfterLoad(ctx, "CUSTOMERS", dataquality.Load{Rows: 1000, NullRates: map[string]float64{"EMAIL": 0.4}})
	require.Len(t, rep.Results, 1)
	r := rep.Results[0]
	assert.False(t, r.Passed, r.Details)
	assert.Equal(t, dataquality.MonitorNullRate, r.Check)
	assert.Equal(t, "EMAIL", r.Observed["column"])
	assert.Equal(t, "null_rate:EMAIL", rep.Verdicts[0].Monitor)

	// Without a dataset or rates, the monitor says it could not run.
	rep = h.mon.AfterLoad(ctx, "CUSTOMERS", dataquality.Load{Rows: 1000})
	require.Len(t, rep.Results, 1)
	assert.ErrorIs(t, rep.Results[0].Err, dataquality.ErrInvalidInput)
}

func TestSchemaDrift(t *testing.T) {
	ctx := context.Background()
	h := newMonitorHarness(t, dataquality.Monitors{SchemaDrift: "fail"})
	cols := []dataquality.SchemaColumn{{Name: "ID", Type: "integer", Required: true}, {Name: "EMAIL", Type: "string"}, {Name: "PHONE", Type: "string"}}
	rep := h.mon.AfterLoad(ctx, "C", dataquality.Load{Columns: cols})
	require.Len(t, rep.Results, 1)
	assert.True(t, rep.Results[0].Passed)
	assert.Contains(t, rep.Results[0].Details, "first schema recorded: 3 columns")

	rep = h.mon.AfterLoad(ctx, "C", dataquality.Load{Columns: cols})
	assert.True(t, rep.Results[0].Passed)
	assert.NoError(t, rep.Err())

	changed := []dataquality.SchemaColumn{{Name: "ID", Type: "decimal", Required: true}, {Name: "email", Type: "string", Required: true}, {Name: "CREATED", Type: "timestamp"}}
	rep = h.mon.AfterLoad(ctx, "C", dataquality.Load{Columns: changed})
	require.Len(t, rep.Results, 1)
	assert.False(t, rep.Results[0].Passed)
	assert.Equal(t, "Schema drift monitor ANOMALY - since the last load: retyped ID from integer to decimal, email became required, added CREATED (timestamp), removed PHONE", rep.Results[0].Details)
	var cf *dataquality.CheckFailedError
	require.True(t, errors.As(rep.Err(), &cf), "schema_drift: fail fails the load even with on_anomaly warn")

	// The new schema is the next load's reference.
	rep = h.mon.AfterLoad(ctx, "C", dataquality.Load{Columns: changed})
	assert.True(t, rep.Results[0].Passed)

	// From a dataset that reads its schema.
	rep = h.mon.AfterLoad(ctx, "CUSTOMERS", dataquality.Load{Dest: exampleCustomers(1, nil)})
	require.Len(t, rep.Results, 1)
	assert.Contains(t, rep.Results[0].Details, "first schema recorded: 4 columns")
}

func TestSchemaDriftWarn(t *testing.T) {
	h := newMonitorHarness(t, dataquality.Monitors{SchemaDrift: "warn"})
	h.mon.AfterLoad(context.Background(), "C", dataquality.Load{Columns: []dataquality.SchemaColumn{{Name: "A", Type: "string"}}})
	rep := h.mon.AfterLoad(context.Background(), "C", dataquality.Load{Columns: []dataquality.SchemaColumn{{Name: "B", Type: "string"}}})
	assert.True(t, rep.Anomalous())
	assert.NoError(t, rep.Err(), "warn reports without failing")
}

func TestMemoryHistoryKeepsTimeOrder(t *testing.T) {
	ctx := context.Background()
	s := dataquality.NewMemoryHistory()
	for _, d := range []int{3, 1, 2} {
		require.NoError(t, s.Append(ctx, dataquality.HistoryRecord{Table: "T", Series: "volume", At: night.AddDate(0, 0, d), Value: float64(d)}))
	}
	recs, err := s.History(ctx, "T", "volume", 2)
	require.NoError(t, err)
	require.Len(t, recs, 2)
	assert.Equal(t, 2.0, recs[0].Value)
	assert.Equal(t, 3.0, recs[1].Value)
	none, err := s.History(ctx, "T", "freshness", 10)
	require.NoError(t, err)
	assert.Empty(t, none)
	assert.False(t, math.IsNaN(recs[0].Value))
}

// TestMonitorConcurrentUse runs loads, CDC commits and freshness checks of several tables at once
// (go test -race finds unsynchronised state).
func TestMonitorConcurrentUse(t *testing.T) {
	ctx := context.Background()
	h := newMonitorHarness(t, dataquality.Monitors{Volume: true, Freshness: true, SchemaDrift: "warn"})
	var wg sync.WaitGroup
	for g := range 4 {
		table := fmt.Sprintf("t%d", g)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 30 {
				at := night.Add(time.Duration(i) * 20 * time.Minute)
				h.mon.AfterLoad(ctx, table, dataquality.Load{At: at, Rows: 100, Columns: []dataquality.SchemaColumn{{Name: "id", Type: "integer"}}})
				h.mon.Committed(ctx, table+"_cdc", at, 10)
				h.mon.CheckSchema(ctx, table+"_cdc", at, []dataquality.SchemaColumn{{Name: "id", Type: "integer"}})
				h.mon.CheckFreshness(ctx, table)
			}
		}()
	}
	wg.Wait()
	for g := range 4 {
		recs, err := h.store.History(ctx, fmt.Sprintf("t%d", g), dataquality.MonitorVolume, 0)
		require.NoError(t, err)
		assert.Len(t, recs, 30)
	}
}
