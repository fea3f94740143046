package monitoring_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/goleak"

	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/monitoringtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newCollector(t *testing.T, opts ...monitoring.Option) (*monitoring.MetricsCollector, *monitoringtest.Sink, *monitoringtest.ErrorRecorder) {
	t.Helper()
	sink := monitoringtest.NewSink()
	e := monitoringtest.NewErrorRecorder()
	all := append([]monitoring.Option{
		monitoring.WithSinks(sink),
		monitoring.WithEnvironment("test"),
		monitoring.WithErrorHandler(e.Handle),
		monitoring.WithExportInterval(time.Hour),
	}, opts...)
	c, err := monitoring.NewMetricsCollector("bulk_load", "dev_mydb", all...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Shutdown(context.Background()) })
	return c, sink, e
}

func TestEmitReachesSinkWithStandardDimensions(t *testing.T) {
	ctx := context.Background()
	c, sink, e := newCollector(t)

	c.EmitCounter(ctx, "records_processed", 1000, monitoring.Dimensions{"table": "CUSTOMERS"})
	c.EmitCounter(ctx, "records_processed", 234, monitoring.Dimensions{"table": "CUSTOMERS"})
	c.EmitCounter(ctx, "records_processed", 5, monitoring.Dimensions{"table": "ORDERS"})
	c.EmitCounter(ctx, "bytes_read", 0.5, nil)
	c.EmitGauge(ctx, "cdc_lag_seconds", 2.5, monitoring.UnitSeconds, monitoring.Dimensions{"namespace": "bronze"})
	c.EmitGauge(ctx, "cdc_lag_seconds", 1.5, monitoring.UnitSeconds, monitoring.Dimensions{"namespace": "bronze"})
	c.EmitDuration(ctx, "table_load_duration", 1500*time.Millisecond, monitoring.Dimensions{"table": "CUSTOMERS"})
	c.EmitDuration(ctx, "table_load_duration", 500*time.Millisecond, monitoring.Dimensions{"table": "CUSTOMERS"})
	c.EmitSuccess(ctx, "table_load", monitoring.Dimensions{"table": "CUSTOMERS"})
	c.EmitFailure(ctx, "table_load", "*pgconn.PgError", monitoring.Dimensions{"table": "ORDERS"})
	require.NoError(t, c.ForceFlush(ctx))

	v, ok := sink.Value("records_processed", monitoring.Dimensions{"table": "CUSTOMERS"})
	require.True(t, ok)
	assert.Equal(t, 1234.0, v)
	v, ok = sink.Value("records_processed", monitoring.Dimensions{"table": "ORDERS"})
	require.True(t, ok)
	assert.Equal(t, 5.0, v)
	assert.Equal(t, 1239.0, sink.Total("records_processed", nil))
	v, _ = sink.Value("bytes_read", nil)
	assert.Equal(t, 0.5, v)

	lag := sink.Find("cdc_lag_seconds", nil)
	require.Len(t, lag, 1)
	assert.Equal(t, 1.5, lag[0].Value)
	assert.Equal(t, monitoring.KindGauge, lag[0].Kind)
	assert.Equal(t, "s", lag[0].Unit)
	assert.Equal(t, monitoring.Dimensions{"namespace": "bronze", "job_name": "bulk_load", "source_name": "dev_mydb", "environment": "test"}, lag[0].Dimensions)

	dur := sink.Find("table_load_duration", monitoring.Dimensions{"table": "CUSTOMERS"})
	require.Len(t, dur, 1)
	assert.Equal(t, uint64(2), dur[0].Count)
	assert.Equal(t, 2.0, dur[0].Value)
	assert.Equal(t, 0.5, dur[0].Min)
	assert.Equal(t, 1.5, dur[0].Max)
	assert.Equal(t, "s", dur[0].Unit)

	v, ok = sink.Value("table_load_success", monitoring.Dimensions{"table": "CUSTOMERS"})
	require.True(t, ok)
	assert.Equal(t, 1.0, v)
	v, ok = sink.Value("table_load_failure", monitoring.Dimensions{"table": "ORDERS", "error_type": "*pgconn.PgError"})
	require.True(t, ok)
	assert.Equal(t, 1.0, v)

	for _, p := range sink.Points() {
		assert.Equal(t, "bulk_load", p.Dimensions["job_name"], p.Name)
		assert.Equal(t, "dev_mydb", p.Dimensions["source_name"], p.Name)
		assert.Equal(t, "test", p.Dimensions["environment"], p.Name)
	}
	assert.Empty(t, e.Errors())
}

func TestCounterIsCumulativeAcrossFlushes(t *testing.T) {
	ctx := context.Background()
	c, sink, _ := newCollector(t)
	h := c.Counter("rows", monitoring.Dimensions{"table": "T"})
	h.Add(3)
	require.NoError(t, c.ForceFlush(ctx))
	h.Add(4)
	h.AddFloat(0.25)
	require.NoError(t, c.ForceFlush(ctx))
	v, ok := sink.Value("rows", monitoring.Dimensions{"table": "T"})
	require.True(t, ok)
	assert.Equal(t, 7.25, v)
	assert.Equal(t, 7.25, h.Value())
}

func TestBoundHandlesShareSeriesWithEmit(t *testing.T) {
	ctx := context.Background()
	c, sink, _ := newCollector(t)
	dims := monitoring.Dimensions{"table": "CUSTOMERS"}
	cnt := c.Counter("rows", dims)
	g := c.Gauge("throughput", monitoring.UnitCountPerSecond, dims)
	tm := c.Timer("batch_time", dims)

	cnt.Add(10)
	c.EmitCounter(ctx, "rows", 5, monitoring.Dimensions{"table": "CUSTOMERS"})
	g.Set(85.3)
	tm.Record(2 * time.Second)
	tm.Since(time.Now().Add(-time.Second))
	c.EmitDuration(ctx, "batch_time", 3*time.Second, dims)
	require.NoError(t, c.ForceFlush(ctx))

	v, _ := sink.Value("rows", dims)
	assert.Equal(t, 15.0, v)
	v, _ = sink.Value("throughput", dims)
	assert.Equal(t, 85.3, v)
	pts := sink.Find("batch_time", dims)
	require.Len(t, pts, 1)
	assert.Equal(t, uint64(3), pts[0].Count)
	assert.GreaterOrEqual(t, pts[0].Value, 6.0)
	assert.Equal(t, "{count}/s", sink.Find("throughput", nil)[0].Unit)
}

func TestSummary(t *testing.T) {
	ctx := context.Background()
	c, _, _ := newCollector(t)
	c.EmitCounter(ctx, "table_processed", 1, monitoring.Dimensions{"table": "ORDERS"})
	c.EmitCounter(ctx, "table_processed", 1, monitoring.Dimensions{"table": "CUSTOMERS"})
	c.EmitCounter(ctx, "table_processed", 1, monitoring.Dimensions{"table": "CUSTOMERS"})
	c.EmitGauge(ctx, "lag", 3, monitoring.UnitSeconds, nil)
	c.EmitGauge(ctx, "lag", 1, monitoring.UnitSeconds, nil)
	c.EmitGauge(ctx, "lag", 2, monitoring.UnitSeconds, nil)
	c.EmitDuration(ctx, "job_duration", 4*time.Second, nil)
	c.EmitDuration(ctx, "job_duration", 2*time.Second, nil)
	_ = c.Timer("never_used", nil)

	s := c.Summary()
	assert.Equal(t, "bulk_load", s.JobName)
	assert.Equal(t, "dev_mydb", s.SourceName)
	assert.Equal(t, "test", s.Environment)
	var names []string
	for _, ss := range s.Series {
		names = append(names, ss.Name+"/"+ss.Dimensions["table"])
	}
	// Deterministic: sorted by name then dimensions; the sink-failure self-metric exists from the start.
	assert.Equal(t, []string{"etlwatch_sink_export_failures/", "job_duration/", "lag/", "table_processed/CUSTOMERS", "table_processed/ORDERS"}, names)

	cust, ok := s.Find("table_processed", monitoring.Dimensions{"table": "CUSTOMERS"})
	require.True(t, ok)
	assert.Equal(t, monitoring.KindCounter, cust.Kind)
	assert.Equal(t, monitoring.UnitCount, cust.Unit)
	assert.Equal(t, 2.0, cust.Sum)

	lag, _ := s.Find("lag", nil)
	assert.Equal(t, monitoring.SeriesSummary{Name: "lag", Kind: monitoring.KindGauge, Unit: monitoring.UnitSeconds,
		Dimensions: monitoring.Dimensions{"job_name": "bulk_load", "source_name": "dev_mydb", "environment": "test"},
		Count:      3, Sum: 6, Min: 1, Max: 3, Last: 2}, lag)
	job, _ := s.Find("job_duration", nil)
	assert.Equal(t, int64(2), job.Count)
	assert.Equal(t, 6.0, job.Sum)
	assert.Equal(t, 2.0, job.Min)
	assert.Equal(t, 4.0, job.Max)
	assert.Equal(t, 2.0, job.Last)

	// JSON: deterministic and carrying names, not numbers, for kind and unit.
	b1, err := json.Marshal(s)
	require.NoError(t, err)
	b2, _ := json.Marshal(c.Summary())
	assert.Equal(t, string(b1), string(b2))
	assert.Contains(t, string(b1), `"kind":"gauge","unit":"Seconds"`)

	// The snapshot is a copy: changing it does not change the collector.
	lag.Dimensions["job_name"] = "changed"
	again, _ := c.Summary().Find("lag", nil)
	assert.Equal(t, "bulk_load", again.Dimensions["job_name"])
}

func TestBadInputIsDroppedReportedOnceAndCounted(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		emit   func(c *monitoring.MetricsCollector)
		metric string
		reason monitoring.DropReason
	}{
		{"empty name", func(c *monitoring.MetricsCollector) { c.EmitCounter(ctx, "", 1, nil) }, "invalid", monitoring.DropInvalidName},
		{"name with space", func(c *monitoring.MetricsCollector) { c.EmitGauge(ctx, "bad name", 1, monitoring.UnitCount, nil) }, "invalid", monitoring.DropInvalidName},
		{"name starting with digit", func(c *monitoring.MetricsCollector) { c.EmitDuration(ctx, "1x", time.Second, nil) }, "invalid", monitoring.DropInvalidName},
		{"name too long", func(c *monitoring.MetricsCollector) { c.EmitCounter(ctx, strings.Repeat("a", 256), 1, nil) }, "invalid", monitoring.DropInvalidName},
		{"NaN counter", func(c *monitoring.MetricsCollector) { c.EmitCounter(ctx, "m", math.NaN(), nil) }, "m", monitoring.DropInvalidValue},
		{"Inf counter", func(c *monitoring.MetricsCollector) { c.EmitCounter(ctx, "m", math.Inf(1), nil) }, "m", monitoring.DropInvalidValue},
		{"negative counter", func(c *monitoring.MetricsCollector) { c.EmitCounter(ctx, "m", -1, nil) }, "m", monitoring.DropNegativeValue},
		{"negative bound add", func(c *monitoring.MetricsCollector) { c.Counter("m", nil).Add(-5) }, "m", monitoring.DropNegativeValue},
		{"NaN bound add", func(c *monitoring.MetricsCollector) { c.Counter("m", nil).AddFloat(math.NaN()) }, "m", monitoring.DropInvalidValue},
		{"NaN gauge", func(c *monitoring.MetricsCollector) { c.EmitGauge(ctx, "g", math.NaN(), monitoring.UnitNone, nil) }, "g", monitoring.DropInvalidValue},
		{"-Inf gauge", func(c *monitoring.MetricsCollector) { c.Gauge("g", monitoring.UnitNone, nil).Set(math.Inf(-1)) }, "g", monitoring.DropInvalidValue},
		{"negative duration", func(c *monitoring.MetricsCollector) { c.EmitDuration(ctx, "d", -time.Second, nil) }, "d", monitoring.DropNegativeValue},
		{"negative bound duration", func(c *monitoring.MetricsCollector) { c.Timer("d", nil).Record(-1) }, "d", monitoring.DropNegativeValue},
		{"empty dimension key", func(c *monitoring.MetricsCollector) { c.EmitCounter(ctx, "m", 1, monitoring.Dimensions{"": "x"}) }, "m", monitoring.DropInvalidDimension},
		{"empty key through handle", func(c *monitoring.MetricsCollector) { c.Counter("m", monitoring.Dimensions{"": "x"}).Add(1) }, "m", monitoring.DropInvalidDimension},
		{"unknown unit", func(c *monitoring.MetricsCollector) { c.EmitGauge(ctx, "g", 1, monitoring.Unit(200), nil) }, "g", monitoring.DropInvalidUnit},
		{"kind conflict", func(c *monitoring.MetricsCollector) {
			c.EmitCounter(ctx, "k", 1, nil)
			c.EmitGauge(ctx, "k", 1, monitoring.UnitNone, nil)
		}, "k", monitoring.DropKindConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, sink, e := newCollector(t)
			assert.NotPanics(t, func() {
				tt.emit(c)
				tt.emit(c)
				tt.emit(c)
			})
			require.NoError(t, c.ForceFlush(ctx))

			// Reported once, with the reason.
			reports := e.Errors()
			require.Len(t, reports, 1, "%v", reports)
			var me *monitoring.MeasurementError
			require.ErrorAs(t, reports[0], &me)
			assert.Equal(t, tt.reason, me.Reason)
			assert.NotEmpty(t, me.Detail)

			// Counted every time.
			v, ok := sink.Value(monitoring.DroppedMeasurementsMetric, monitoring.Dimensions{"reason": string(tt.reason), "metric": tt.metric})
			require.True(t, ok, "%+v", sink.Points())
			assert.Equal(t, 3.0, v)

			// Never recorded: no series of the bad measurement besides what came before it.
			for _, p := range sink.Points() {
				if p.Name == tt.metric && tt.reason != monitoring.DropKindConflict {
					assert.Equal(t, 0.0, p.Value, "%+v", p)
				}
			}
		})
	}
}

func TestCardinalityLimitFoldsIntoOverflow(t *testing.T) {
	ctx := context.Background()
	c, sink, e := newCollector(t, monitoring.WithCardinalityLimit(3))
	for i := range 10 {
		c.EmitCounter(ctx, "rows", 1, monitoring.Dimensions{"table": string(rune('A' + i))})
	}
	require.NoError(t, c.ForceFlush(ctx))
	pts := sink.Find("rows", nil)
	require.Len(t, pts, 4)
	v, ok := sink.Value("rows", monitoring.Dimensions{monitoring.OverflowDimension: "true"})
	require.True(t, ok)
	assert.Equal(t, 7.0, v)
	assert.Equal(t, 10.0, sink.Total("rows", nil))
	require.Len(t, e.Errors(), 1)
	assert.Contains(t, e.Errors()[0].Error(), "cardinality limit of 3")
}

func TestLogSinkFormat(t *testing.T) {
	ctx := context.Background()
	var buf bytes.Buffer
	c, err := monitoring.NewMetricsCollector("bulk_load", "dev_mydb",
		monitoring.WithSinks(monitoring.NewLogSink(&buf)), monitoring.WithEnvironment("prod"),
		monitoring.WithExportInterval(time.Hour))
	require.NoError(t, err)
	c.EmitCounter(ctx, "table_processed", 1, monitoring.Dimensions{"table": "CUSTOMERS"})
	c.EmitGauge(ctx, "cdc_throughput_records_per_second", 85.3, monitoring.UnitCountPerSecond, nil)
	c.EmitDuration(ctx, "table_load_duration", 2*time.Second, monitoring.Dimensions{"table": "CUSTOMERS"})
	c.EmitDuration(ctx, "table_load_duration", time.Second, monitoring.Dimensions{"table": "CUSTOMERS"})
	require.NoError(t, c.Shutdown(ctx))

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	byName := map[string]map[string]any{}
	for _, l := range lines {
		require.True(t, strings.HasPrefix(l, "METRIC: {"), l)
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(l, "METRIC: ")), &m), l)
		byName[m["metric_name"].(string)] = m
		ts, err := time.Parse(time.RFC3339Nano, m["timestamp"].(string))
		require.NoError(t, err)
		assert.WithinDuration(t, time.Now(), ts, time.Minute)
	}
	// The zero-valued self-metric (no sink failures) is not written: a delta of 0 is no news.
	assert.Len(t, lines, 3, buf.String())
	tp := byName["table_processed"]
	assert.Equal(t, 1.0, tp["value"])
	assert.Equal(t, "Count", tp["unit"])
	assert.Equal(t, map[string]any{"table": "CUSTOMERS", "job_name": "bulk_load", "source_name": "dev_mydb", "environment": "prod"}, tp["dimensions"])
	assert.Equal(t, "Count/Second", byName["cdc_throughput_records_per_second"]["unit"])
	assert.Equal(t, 85.3, byName["cdc_throughput_records_per_second"]["value"])
	d := byName["table_load_duration"]
	assert.Equal(t, "Seconds", d["unit"])
	assert.Equal(t, 3.0, d["value"])
	assert.Equal(t, 2.0, d["count"])
	assert.Equal(t, 1.0, d["min"])
	assert.Equal(t, 2.0, d["max"])
	// Keys in the reference order.
	assert.Contains(t, buf.String(), `METRIC: {"metric_name":"table_processed","value":1,"unit":"Count","dimensions":{"environment":"prod","job_name":"bulk_load","source_name":"dev_mydb","table":"CUSTOMERS"},"timestamp":"`)
}

func TestLogSinkIsDelta(t *testing.T) {
	ctx := context.Background()
	var buf bytes.Buffer
	c, err := monitoring.NewMetricsCollector("j", "s", monitoring.WithSinks(monitoring.NewLogSink(&buf)), monitoring.WithExportInterval(time.Hour))
	require.NoError(t, err)
	c.EmitCounter(ctx, "rows", 5, nil)
	require.NoError(t, c.ForceFlush(ctx))
	c.EmitCounter(ctx, "rows", 2, nil)
	require.NoError(t, c.Shutdown(ctx))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 2)
	assert.Contains(t, lines[0], `"value":5,`)
	assert.Contains(t, lines[1], `"value":2,`)
}

func TestFailingSinkIsIsolatedCountedAndRecovers(t *testing.T) {
	ctx := context.Background()
	good := monitoringtest.NewNamedSink("good")
	bad := monitoringtest.NewNamedSink("bad")
	e := monitoringtest.NewErrorRecorder()
	c, err := monitoring.NewMetricsCollector("j", "s", monitoring.WithSinks(good, bad),
		monitoring.WithErrorHandler(e.Handle), monitoring.WithExportInterval(time.Hour))
	require.NoError(t, err)
	defer func() { require.NoError(t, c.Shutdown(ctx)) }()

	boom := errors.New("backend down")
	bad.FailWith(boom)
	c.EmitCounter(ctx, "rows", 1, nil)
	err = c.ForceFlush(ctx)
	require.Error(t, err)
	var se *monitoring.SinkError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "bad", se.Sink)
	assert.ErrorIs(t, err, boom)
	assert.Contains(t, err.Error(), `sink "bad"`)

	v, _ := good.Value("rows", nil)
	assert.Equal(t, 1.0, v, "the good sink still exports")
	require.Len(t, e.Errors(), 1)
	assert.ErrorIs(t, e.Errors()[0], boom)

	st := c.SinkStatuses()
	require.Len(t, st, 2)
	assert.True(t, st[0].Healthy)
	assert.False(t, st[1].Healthy)
	assert.Equal(t, int64(1), st[1].Failures)
	assert.Equal(t, "backend down", st[1].LastError)

	// Recovery: the backend returns, data recorded meanwhile arrives, the failure was counted.
	bad.FailWith(nil)
	c.EmitCounter(ctx, "rows", 1, nil)
	require.NoError(t, c.ForceFlush(ctx))
	v, _ = bad.Value("rows", nil)
	assert.Equal(t, 2.0, v)
	v, _ = bad.Value(monitoring.SinkExportFailuresMetric, monitoring.Dimensions{"sink": "bad"})
	assert.Equal(t, 1.0, v)
	v, _ = bad.Value(monitoring.SinkExportFailuresMetric, monitoring.Dimensions{"sink": "good"})
	assert.Equal(t, 0.0, v)
	st = c.SinkStatuses()
	assert.True(t, st[1].Healthy)
	assert.False(t, st[1].LastSuccess.IsZero())
}

func TestPeriodicExport(t *testing.T) {
	sink := monitoringtest.NewSink()
	c, err := monitoring.NewMetricsCollector("j", "s", monitoring.WithSinks(sink), monitoring.WithExportInterval(20*time.Millisecond))
	require.NoError(t, err)
	defer c.Shutdown(context.Background())
	c.Counter("rows", nil).Add(42)
	require.Eventually(t, func() bool {
		v, _ := sink.Value("rows", nil)
		return v == 42
	}, 5*time.Second, 10*time.Millisecond)
}

func TestShutdown(t *testing.T) {
	ctx := context.Background()
	c, sink, _ := newCollector(t)
	c.EmitCounter(ctx, "rows", 7, nil)
	require.NoError(t, c.Shutdown(ctx))
	v, _ := sink.Value("rows", nil)
	assert.Equal(t, 7.0, v, "Shutdown exports what was recorded")
	assert.ErrorIs(t, c.Shutdown(ctx), monitoring.ErrShutdown)
	assert.ErrorIs(t, c.ForceFlush(ctx), monitoring.ErrShutdown)
	assert.NotPanics(t, func() { c.EmitCounter(ctx, "rows", 1, nil) })
	s, _ := c.Summary().Find("rows", nil)
	assert.Equal(t, 8.0, s.Sum)
}

// TestConcurrentEmitFlushShutdown runs emitters, flushes and Shutdown at once and proves that every
// measurement completed before Shutdown was called is exported by it.
func TestConcurrentEmitFlushShutdown(t *testing.T) {
	ctx := context.Background()
	sink := monitoringtest.NewSink()
	c, err := monitoring.NewMetricsCollector("j", "s", monitoring.WithSinks(sink), monitoring.WithExportInterval(5*time.Millisecond))
	require.NoError(t, err)

	const workers = 8
	var done [workers]atomic.Int64 // emits completed, per worker
	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bound := c.Counter("bound", nil)
			dims := monitoring.Dimensions{"worker": string(rune('a' + w%3))}
			for !stop.Load() {
				bound.Add(1)
				c.EmitCounter(ctx, "emitted", 1, dims)
				c.EmitDuration(ctx, "t", time.Millisecond, nil)
				done[w].Add(1)
			}
		}()
	}
	var fw sync.WaitGroup
	fw.Add(1)
	go func() {
		defer fw.Done()
		for !stop.Load() {
			_ = c.ForceFlush(ctx) // may race with Shutdown and return ErrShutdown
			_ = c.Summary()
		}
	}()
	time.Sleep(100 * time.Millisecond)
	var before int64
	for i := range done {
		before += done[i].Load()
	}
	require.NoError(t, c.Shutdown(ctx))
	stop.Store(true)
	wg.Wait()
	fw.Wait()
	var after int64
	for i := range done {
		after += done[i].Load()
	}

	require.Positive(t, before)
	exported := sink.Total("bound", nil)
	assert.GreaterOrEqual(t, exported, float64(before), "lost measurements")
	assert.LessOrEqual(t, exported, float64(after))
	emitted := sink.Total("emitted", nil)
	assert.GreaterOrEqual(t, emitted, float64(before))
	assert.LessOrEqual(t, emitted, float64(after))
	var count uint64
	for _, p := range sink.Find("t", nil) {
		count += p.Count
	}
	assert.GreaterOrEqual(t, count, uint64(before))
}

// TestEmittersThenShutdownLoseNothing: when emitters finish before Shutdown, the export is exact.
func TestEmittersThenShutdownLoseNothing(t *testing.T) {
	ctx := context.Background()
	sink := monitoringtest.NewSink()
	c, err := monitoring.NewMetricsCollector("j", "s", monitoring.WithSinks(sink), monitoring.WithExportInterval(time.Millisecond))
	require.NoError(t, err)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := c.Counter("rows", monitoring.Dimensions{"w": string(rune('a' + w))})
			for i := range 20000 {
				h.Add(1)
				c.EmitCounter(ctx, "rows_emit", 1, monitoring.Dimensions{"table": string(rune('A' + i%50))})
				if i%5000 == 0 {
					_ = c.ForceFlush(ctx)
				}
			}
		}()
	}
	wg.Wait()
	require.NoError(t, c.Shutdown(ctx))
	assert.Equal(t, 160000.0, sink.Total("rows", nil))
	assert.Equal(t, 160000.0, sink.Total("rows_emit", nil))
}

func TestWithMeterProvider(t *testing.T) {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(ctx)
	c, err := monitoring.NewMetricsCollector("j", "s", monitoring.WithMeterProvider(mp), monitoring.WithEnvironment("prod"))
	require.NoError(t, err)
	c.EmitCounter(ctx, "rows", 3, monitoring.Dimensions{"table": "T"})
	c.EmitDuration(ctx, "d", time.Second, nil)
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(ctx, &rm))
	require.Len(t, rm.ScopeMetrics, 1)
	var found bool
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if m.Name == "rows" {
			sum := m.Data.(metricdata.Sum[float64])
			require.Len(t, sum.DataPoints, 1)
			assert.Equal(t, 3.0, sum.DataPoints[0].Value)
			v, _ := sum.DataPoints[0].Attributes.Value(attribute.Key("environment"))
			assert.Equal(t, "prod", v.AsString())
			found = true
		}
	}
	assert.True(t, found)
	require.NoError(t, c.Shutdown(ctx))
}

func TestWithReaders(t *testing.T) {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	c, err := monitoring.NewMetricsCollector("j", "s", monitoring.WithReaders(reader))
	require.NoError(t, err)
	c.EmitCounter(ctx, "rows", 3, nil)
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(ctx, &rm))
	require.NotEmpty(t, rm.ScopeMetrics)
	require.NoError(t, c.Shutdown(ctx))
}

func TestNewMetricsCollectorValidates(t *testing.T) {
	mp := sdkmetric.NewMeterProvider()
	defer mp.Shutdown(context.Background())
	tests := []struct {
		name string
		job  string
		opts []monitoring.Option
		want string
	}{
		{"empty job", "", nil, "job name is empty"},
		{"bad limit", "j", []monitoring.Option{monitoring.WithCardinalityLimit(0)}, "cardinality limit 0"},
		{"nil sink", "j", []monitoring.Option{monitoring.WithSinks(nil)}, "sink 0 is nil"},
		{"duplicate sink", "j", []monitoring.Option{monitoring.WithSinks(monitoringtest.NewSink(), monitoringtest.NewSink())}, `two sinks are named "memory"`},
		{"provider and sinks", "j", []monitoring.Option{monitoring.WithMeterProvider(mp), monitoring.WithSinks(monitoringtest.NewSink())}, "cannot be combined"},
		{"buckets", "j", []monitoring.Option{monitoring.WithDurationBuckets(2, 1)}, "increasing"},
		{"negative interval", "j", []monitoring.Option{monitoring.WithExportInterval(-1)}, "must not be negative"},
		{"not a sink kind", "j", []monitoring.Option{monitoring.WithSinks(nameOnly{})}, "neither a PushSink nor a PullSink"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := monitoring.NewMetricsCollector(tt.job, "s", tt.opts...)
			require.Error(t, err)
			assert.Nil(t, c)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

type nameOnly struct{}

func (nameOnly) Name() string { return "x" }

func TestEnvironmentPrecedence(t *testing.T) {
	t.Setenv(monitoring.EnvironmentVariable, "")
	c, err := monitoring.NewMetricsCollector("j", "s")
	require.NoError(t, err)
	assert.Equal(t, "dev", c.Environment())
	require.NoError(t, c.Shutdown(context.Background()))

	t.Setenv(monitoring.EnvironmentVariable, "staging")
	c, err = monitoring.NewMetricsCollector("j", "s")
	require.NoError(t, err)
	assert.Equal(t, "staging", c.Environment())
	require.NoError(t, c.Shutdown(context.Background()))

	c, err = monitoring.NewMetricsCollector("j", "s", monitoring.WithEnvironment("prod"))
	require.NoError(t, err)
	assert.Equal(t, "prod", c.Environment())
	require.NoError(t, c.Shutdown(context.Background()))
}

func TestCallerDimensionOverridesStandard(t *testing.T) {
	ctx := context.Background()
	c, sink, _ := newCollector(t)
	c.EmitCounter(ctx, "rows", 1, monitoring.Dimensions{"source_name": "other"})
	require.NoError(t, c.ForceFlush(ctx))
	pts := sink.Find("rows", nil)
	require.Len(t, pts, 1)
	assert.Equal(t, "other", pts[0].Dimensions["source_name"])
}

func TestHotPathsDoNotAllocate(t *testing.T) {
	ctx := context.Background()
	c, _, _ := newCollector(t)
	cnt := c.Counter("rows", monitoring.Dimensions{"table": "T"})
	g := c.Gauge("lag", monitoring.UnitSeconds, monitoring.Dimensions{"table": "T"})
	tm := c.Timer("batch", monitoring.Dimensions{"table": "T"})
	dims := monitoring.Dimensions{"table": "T"}
	c.EmitCounter(ctx, "emitted", 1, dims)
	c.EmitCounter(ctx, "emitted", 1, dims) // promote into the lock-free index
	assert.Zero(t, testing.AllocsPerRun(1000, func() { cnt.Add(1) }))
	assert.Zero(t, testing.AllocsPerRun(1000, func() { g.Set(1) }))
	assert.Zero(t, testing.AllocsPerRun(1000, func() { tm.Record(time.Millisecond) }))
	assert.Zero(t, testing.AllocsPerRun(1000, func() { c.EmitCounter(ctx, "emitted", 1, dims) }))
	assert.Zero(t, testing.AllocsPerRun(1000, func() { c.EmitGauge(ctx, "lag", 2, monitoring.UnitSeconds, dims) }))
}

func TestUnit(t *testing.T) {
	for _, u := range []monitoring.Unit{monitoring.UnitNone, monitoring.UnitCount, monitoring.UnitSeconds, monitoring.UnitMilliseconds, monitoring.UnitCountPerSecond, monitoring.UnitBytes, monitoring.UnitPercent} {
		byName, ok := monitoring.ParseUnit(u.String())
		assert.True(t, ok)
		assert.Equal(t, u, byName)
		if u != monitoring.UnitNone {
			byCode, ok := monitoring.ParseUnit(u.UCUM())
			assert.True(t, ok)
			assert.Equal(t, u, byCode)
		}
		b, err := u.MarshalText()
		require.NoError(t, err)
		var back monitoring.Unit
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, u, back)
	}
	_, ok := monitoring.ParseUnit("furlongs")
	assert.False(t, ok)
	_, err := monitoring.Unit(99).MarshalText()
	assert.Error(t, err)
}

// TestManySeriesAndKeySets resolves thousands of series, with several key sets under one name, from
// several goroutines, and checks every total: the lock-free index must find each series again.
func TestManySeriesAndKeySets(t *testing.T) {
	ctx := context.Background()
	c, sink, e := newCollector(t, monitoring.WithCardinalityLimit(100000))
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 3000 {
				table := "T" + strconv.Itoa(i%1000)
				c.EmitCounter(ctx, "rows", 1, monitoring.Dimensions{"table": table})
				c.EmitCounter(ctx, "rows", 2, monitoring.Dimensions{"table": table, "partition": strconv.Itoa(w)})
				c.EmitCounter(ctx, "rows", 4, nil)
			}
		}()
	}
	wg.Wait()
	require.NoError(t, c.ForceFlush(ctx))
	assert.Empty(t, e.Errors())
	assert.Len(t, sink.Find("rows", nil), 1000+4000+1)
	for _, table := range []string{"T0", "T999", "T500"} {
		v, ok := sink.Value("rows", monitoring.Dimensions{"table": table, "partition": "2"})
		require.True(t, ok)
		assert.Equal(t, 6.0, v) // 3 emits of 2
		pts := sink.Find("rows", monitoring.Dimensions{"table": table})
		require.Len(t, pts, 5) // the table-only series and one per partition
	}
	assert.Equal(t, float64(4*3000*(1+2+4)), sink.Total("rows", nil))
}

func TestWithMeterProviderShutdownUnregisters(t *testing.T) {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(ctx)
	c, err := monitoring.NewMetricsCollector("j", "s", monitoring.WithMeterProvider(mp))
	require.NoError(t, err)
	c.EmitCounter(ctx, "rows", 3, nil)
	c.EmitGauge(ctx, "lag", 3, monitoring.UnitSeconds, nil)
	require.NoError(t, c.Shutdown(ctx))
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(ctx, &rm))
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[float64]:
				assert.Empty(t, d.DataPoints, m.Name)
			case metricdata.Gauge[float64]:
				assert.Empty(t, d.DataPoints, m.Name)
			}
		}
	}
}

// hangingSink's Export blocks, ignoring its context, until release is closed.
type hangingSink struct {
	*monitoringtest.Sink
	release chan struct{}
	entered chan struct{}
	once    sync.Once
}

func (h *hangingSink) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	h.once.Do(func() { close(h.entered) })
	<-h.release
	return h.Sink.Export(ctx, rm)
}

func TestHangingSinkBlocksNeitherRecordingNorOtherSinksNorShutdown(t *testing.T) {
	ctx := context.Background()
	hang := &hangingSink{Sink: monitoringtest.NewNamedSink("hang"), release: make(chan struct{}), entered: make(chan struct{})}
	good := monitoringtest.NewNamedSink("good")
	e := monitoringtest.NewErrorRecorder()
	c, err := monitoring.NewMetricsCollector("j", "s", monitoring.WithSinks(hang, good),
		monitoring.WithErrorHandler(e.Handle), monitoring.WithExportInterval(time.Hour))
	require.NoError(t, err)

	c.EmitCounter(ctx, "rows", 1, nil)
	fctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	err = c.ForceFlush(fctx)
	cancel()
	require.Error(t, err)
	assert.Contains(t, err.Error(), `sink "hang"`)
	assert.NotContains(t, err.Error(), `sink "good"`)
	<-hang.entered
	v, _ := good.Value("rows", nil)
	assert.Equal(t, 1.0, v, "the other sink exported")

	// Recording goes on while the sink hangs.
	done := make(chan struct{})
	go func() {
		for range 1000 {
			c.EmitCounter(ctx, "rows", 1, nil)
		}
		close(done)
	}()
	<-done

	sctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	err = c.Shutdown(sctx)
	cancel()
	require.Error(t, err)
	var se *monitoring.SinkError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "hang", se.Sink)
	v, _ = good.Value("rows", nil)
	assert.Equal(t, 1001.0, v, "Shutdown exported to the healthy sink")

	st := c.SinkStatuses()
	assert.False(t, st[0].Healthy)
	assert.Contains(t, st[0].LastError, "deadline exceeded")

	// Once the backend lets go, every goroutine ends (TestMain checks for leaks).
	close(hang.release)
}

func TestSinkDownForManyIntervalsReportsOnceCountsAllAndRecovers(t *testing.T) {
	ctx := context.Background()
	sink := monitoringtest.NewNamedSink("backend")
	e := monitoringtest.NewErrorRecorder()
	c, err := monitoring.NewMetricsCollector("j", "s", monitoring.WithSinks(sink),
		monitoring.WithErrorHandler(e.Handle), monitoring.WithExportInterval(time.Hour))
	require.NoError(t, err)
	defer c.Shutdown(ctx)

	sink.FailWith(errors.New("AccessDenied"))
	rows := c.Counter("rows", monitoring.Dimensions{"table": "T"})
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range 500 { // 500 failed intervals
		rows.Add(10)
		c.EmitGauge(ctx, "lag", 1, monitoring.UnitSeconds, nil)
		c.EmitDuration(ctx, "batch", time.Millisecond, nil)
		require.Error(t, c.ForceFlush(ctx))
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	// Memory stays bounded: nothing accumulates per failed interval in the collector.
	assert.Less(t, int64(after.HeapAlloc)-int64(before.HeapAlloc), int64(4<<20))
	require.Len(t, e.Errors(), 1, "a backend that stays down is reported once")

	st := c.SinkStatuses()[0]
	assert.Equal(t, int64(500), st.Failures)

	sink.FailWith(nil)
	require.NoError(t, c.ForceFlush(ctx))
	v, _ := sink.Value("rows", monitoring.Dimensions{"table": "T"})
	assert.Equal(t, 5000.0, v, "data recorded while the backend was down arrives after recovery")
	v, _ = sink.Value(monitoring.SinkExportFailuresMetric, monitoring.Dimensions{"sink": "backend"})
	assert.Equal(t, 500.0, v)

	sink.FailWith(errors.New("AccessDenied"))
	require.Error(t, c.ForceFlush(ctx))
	assert.Len(t, e.Errors(), 2, "a new outage after a recovery is reported again")
}

func TestRuntimeMetrics(t *testing.T) {
	ctx := context.Background()
	t.Setenv("GOMEMLIMIT", "")
	old := debug.SetMemoryLimit(512 << 20)
	defer debug.SetMemoryLimit(old)
	sink := monitoringtest.NewSink()
	c, err := monitoring.NewMetricsCollector("j", "s", monitoring.WithSinks(sink), monitoring.WithRuntimeMetrics(),
		monitoring.WithExportInterval(time.Hour))
	require.NoError(t, err)
	require.NoError(t, c.ForceFlush(ctx))
	require.NoError(t, c.Shutdown(ctx))

	ratio, ok := sink.Value(monitoring.MemoryUsageRatioMetric, monitoring.Dimensions{"job_name": "j"})
	require.True(t, ok, "%v", sink.Points())
	assert.Greater(t, ratio, 0.0)
	assert.Less(t, ratio, 1.0)
	limit, ok := sink.Value(monitoring.MemoryLimitMetric, nil)
	require.True(t, ok)
	assert.Positive(t, limit)
	assert.LessOrEqual(t, limit, float64(512<<20))
	assert.NotEmpty(t, sink.Find("go.goroutine.count", nil), "OpenTelemetry's runtime metrics are exported")
	assert.NotEmpty(t, sink.Find("go.memory.used", nil))

	_, err = monitoring.NewMetricsCollector("j", "s", monitoring.WithRuntimeMetrics(),
		monitoring.WithMeterProvider(sdkmetric.NewMeterProvider()))
	assert.ErrorContains(t, err, "WithRuntimeMetrics cannot be combined")
}
