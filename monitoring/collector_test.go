package monitoring_test

import (
	"context"
	"encoding/json"
	"math"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
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
