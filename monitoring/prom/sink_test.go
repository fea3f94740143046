package prom_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/internal/testenv"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/monitoringtest"
	"github.com/etlwatch/etlwatch/monitoring/prom"
)

// emitReference records the reference pipeline's kinds of metric.
func emitReference(m *monitoring.MetricsCollector) {
	ctx := context.Background()
	m.EmitCounter(ctx, "records_processed", 1000, monitoring.Dimensions{"table": "CUSTOMERS"})
	m.EmitCounter(ctx, "records_processed", 234, monitoring.Dimensions{"table": "CUSTOMERS"})
	m.EmitFailure(ctx, "table_load", "connection_timeout", monitoring.Dimensions{"table": "ORDERS"})
	m.EmitGauge(ctx, "cdc_lag_seconds", 2.5, monitoring.UnitSeconds, monitoring.Dimensions{"namespace": "bronze"})
	m.EmitGauge(ctx, "cdc_throughput", 85.5, monitoring.UnitCountPerSecond, nil)
	m.EmitDuration(ctx, "table_load_duration", 1500*time.Millisecond, monitoring.Dimensions{"table": "CUSTOMERS"})
	m.EmitDuration(ctx, "table_load_duration", 200*time.Millisecond, monitoring.Dimensions{"table": "CUSTOMERS"})
}

func TestSinkExposition(t *testing.T) {
	p := newPipeline(t, nil, monitoring.WithDurationBuckets(0.5, 1, 5))
	emitReference(p.metrics)

	const want = `
# HELP records_processed_total 
# TYPE records_processed_total counter
records_processed_total{environment="prod",job_name="bulk_load",source_name="dev_mydb",table="CUSTOMERS"} 1234
# HELP table_load_failure_total 
# TYPE table_load_failure_total counter
table_load_failure_total{environment="prod",error_type="connection_timeout",job_name="bulk_load",source_name="dev_mydb",table="ORDERS"} 1
# HELP cdc_lag_seconds 
# TYPE cdc_lag_seconds gauge
cdc_lag_seconds{environment="prod",job_name="bulk_load",namespace="bronze",source_name="dev_mydb"} 2.5
# HELP cdc_throughput_per_second 
# TYPE cdc_throughput_per_second gauge
cdc_throughput_per_second{environment="prod",job_name="bulk_load",source_name="dev_mydb"} 85.5
# HELP table_load_duration_seconds 
# TYPE table_load_duration_seconds histogram
table_load_duration_seconds_bucket{environment="prod",job_name="bulk_load",source_name="dev_mydb",table="CUSTOMERS",le="0.5"} 1
table_load_duration_seconds_bucket{environment="prod",job_name="bulk_load",source_name="dev_mydb",table="CUSTOMERS",le="1"} 1
table_load_duration_seconds_bucket{environment="prod",job_name="bulk_load",source_name="dev_mydb",table="CUSTOMERS",le="5"} 2
table_load_duration_seconds_bucket{environment="prod",job_name="bulk_load",source_name="dev_mydb",table="CUSTOMERS",le="+Inf"} 2
table_load_duration_seconds_sum{environment="prod",job_name="bulk_load",source_name="dev_mydb",table="CUSTOMERS"} 1.7
table_load_duration_seconds_count{environment="prod",job_name="bulk_load",source_name="dev_mydb",table="CUSTOMERS"} 2
`
	names := []string{"records_processed_total", "table_load_failure_total", "cdc_lag_seconds", "cdc_throughput_per_second", "table_load_duration_seconds"}
	require.NoError(t, testutil.GatherAndCompare(p.reg, strings.NewReader(want), names...))

	// The same text through the HTTP handler, as Prometheus scrapes it.
	health, err := prom.NewHealth()
	require.NoError(t, err)
	h, err := prom.NewHandler(p.reg, health)
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	require.NoError(t, testutil.ScrapeAndCompare(srv.URL+"/metrics", strings.NewReader(want), names...))

	// Every family is one of ours: no target_info, no otel_scope_* labels.
	mfs, err := p.reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		assert.NotEqual(t, "target_info", mf.GetName())
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				assert.NotContains(t, l.GetName(), "otel_scope", mf.GetName())
			}
		}
	}
}

func TestMetricName(t *testing.T) {
	tests := []struct {
		name string
		kind monitoring.Kind
		unit monitoring.Unit
		want string
	}{
		{"records_processed", monitoring.KindCounter, monitoring.UnitCount, "records_processed_total"},
		{"records_total", monitoring.KindCounter, monitoring.UnitCount, "records_total"},
		{"records.read", monitoring.KindCounter, monitoring.UnitCount, "records_read_total"},
		{monitoring.SinkExportFailuresMetric, monitoring.KindCounter, monitoring.UnitCount, "etlwatch_sink_export_failures_total"},
		{"cdc_lag", monitoring.KindGauge, monitoring.UnitSeconds, "cdc_lag_seconds"},
		{"cdc_lag_seconds", monitoring.KindGauge, monitoring.UnitSeconds, "cdc_lag_seconds"},
		{"queue_depth", monitoring.KindGauge, monitoring.UnitCount, "queue_depth"},
		{"batch_size", monitoring.KindGauge, monitoring.UnitNone, "batch_size"},
		{"heap", monitoring.KindGauge, monitoring.UnitBytes, "heap_bytes"},
		{"cpu", monitoring.KindGauge, monitoring.UnitPercent, "cpu_percent"},
		{"flush_time", monitoring.KindGauge, monitoring.UnitMilliseconds, "flush_time_milliseconds"},
		{"throughput", monitoring.KindGauge, monitoring.UnitCountPerSecond, "throughput_per_second"},
		// The translator does not see a two-token "per_second" already in the name.
		{"records_per_second", monitoring.KindGauge, monitoring.UnitCountPerSecond, "records_per_second_per_second"},
		{"table_load_duration", monitoring.KindDuration, monitoring.UnitSeconds, "table_load_duration_seconds"},
		{"batch_seconds", monitoring.KindDuration, monitoring.UnitSeconds, "batch_seconds"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.kind.String(), func(t *testing.T) {
			got, err := prom.MetricName(tt.name, tt.kind, tt.unit)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)

			// MetricName says what the sink really exposes.
			p := newPipeline(t, nil)
			ctx := context.Background()
			switch tt.kind {
			case monitoring.KindCounter:
				p.metrics.EmitCounter(ctx, tt.name, 1, nil)
			case monitoring.KindGauge:
				p.metrics.EmitGauge(ctx, tt.name, 1, tt.unit, nil)
			case monitoring.KindDuration:
				p.metrics.EmitDuration(ctx, tt.name, time.Second, nil)
			}
			n, err := testutil.GatherAndCount(p.reg, got)
			require.NoError(t, err)
			assert.Equal(t, 1, n)
		})
	}

	_, err := prom.MetricName("x", monitoring.Kind(0), monitoring.UnitNone)
	assert.ErrorContains(t, err, "unknown kind")
}

func TestSinkOptions(t *testing.T) {
	_, err := prom.NewSink(nil)
	require.ErrorContains(t, err, "registerer is nil")

	sink, err := prom.NewSink(prometheus.NewRegistry())
	require.NoError(t, err)
	assert.Equal(t, prom.SinkName, sink.Name())
	assert.NotNil(t, sink.Reader())

	p := newPipeline(t, []prom.Option{prom.WithTargetInfo()})
	p.metrics.EmitCounter(context.Background(), "records_processed", 1, nil)
	mfs, err := p.reg.Gather()
	require.NoError(t, err)
	var labels map[string]string
	for _, mf := range mfs {
		if mf.GetName() == "target_info" {
			labels = map[string]string{}
			for _, l := range mf.GetMetric()[0].GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
		}
	}
	require.NotNil(t, labels, "target_info with WithTargetInfo")
	assert.Equal(t, "bulk_load", labels["service_name"])
	assert.Equal(t, "prod", labels["deployment_environment_name"])
}

func TestSinkSeveralCollectorsOneRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	ctx := context.Background()
	for _, job := range []string{"bulk_load", "cdc_consumer"} {
		sink, err := prom.NewSink(reg)
		require.NoError(t, err)
		m, err := monitoring.NewMetricsCollector(job, "dev_mydb", monitoring.WithEnvironment("prod"), monitoring.WithSinks(sink))
		require.NoError(t, err)
		defer m.Shutdown(ctx)
		m.EmitCounter(ctx, "records_processed", 10, nil)
	}
	const want = `
# HELP records_processed_total 
# TYPE records_processed_total counter
records_processed_total{environment="prod",job_name="bulk_load",source_name="dev_mydb"} 10
records_processed_total{environment="prod",job_name="cdc_consumer",source_name="dev_mydb"} 10
`
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(want), "records_processed_total"))
}

func TestSinkAfterShutdown(t *testing.T) {
	p := newPipeline(t, nil)
	p.metrics.EmitCounter(context.Background(), "records_processed", 1, nil)
	require.NoError(t, p.metrics.Shutdown(context.Background()))
	n, err := testutil.GatherAndCount(p.reg)
	require.NoError(t, err)
	assert.Zero(t, n, "a shut down collector contributes nothing")
}

func TestSinkExportFailureVisible(t *testing.T) {
	clock := newFakeClock()
	failing := monitoringtest.NewNamedSink("x")
	failing.FailWith(errors.New("backend unreachable"))
	p := newPipeline(t, nil, monitoring.WithSinks(failing))
	health, err := prom.NewHealth(prom.WithSinkStatuses(p.metrics), prom.WithClock(clock.Now))
	require.NoError(t, err)
	h, err := prom.NewHandler(p.reg, health)
	require.NoError(t, err)

	health.ReportSuccess()
	require.Error(t, p.metrics.ForceFlush(context.Background()))

	code, body := get(t, h, "/metrics")
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, `etlwatch_sink_export_failures_total{environment="prod",job_name="bulk_load",sink="x",source_name="dev_mydb"} 1`)

	code, body = get(t, h, "/health")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, `"status":"degraded"`)
	assert.Contains(t, body, `sink \"x\" failed its last export: error`)
	assert.Contains(t, body, `{"name":"x","exports":1,"failures":1,`)
	assert.Contains(t, body, `"last_error":"error","last_error_type":"*errors.errorString","healthy":false}`)
	assert.NotContains(t, body, "backend unreachable", "/health shows error kinds, not texts")

	failing.FailWith(nil)
	require.NoError(t, p.metrics.ForceFlush(context.Background()))
	code, body = get(t, h, "/health")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, `"status":"healthy"`)
	_, body = get(t, h, "/metrics")
	assert.Contains(t, body, `etlwatch_sink_export_failures_total{environment="prod",job_name="bulk_load",sink="x",source_name="dev_mydb"} 1`)
}

// richScrape returns /metrics after recording every kind of metric, every unit, a dropped
// measurement and a failed export.
func richScrape(t *testing.T) []byte {
	t.Helper()
	failing := monitoringtest.NewNamedSink("x")
	failing.FailWith(errors.New("down"))
	p := newPipeline(t, nil, monitoring.WithSinks(failing))
	emitReference(p.metrics)
	ctx := context.Background()
	for i, u := range []monitoring.Unit{monitoring.UnitNone, monitoring.UnitCount, monitoring.UnitBytes, monitoring.UnitPercent, monitoring.UnitCountPerSecond} {
		p.metrics.EmitGauge(ctx, "gauge"+string(rune('a'+i)), 1, u, monitoring.Dimensions{"db.system": "postgresql"})
	}
	p.metrics.EmitGauge(ctx, "bad", 1, monitoring.Unit(200), nil) // dropped
	_ = p.metrics.ForceFlush(ctx)
	health, err := prom.NewHealth()
	require.NoError(t, err)
	h, err := prom.NewHandler(p.reg, health)
	require.NoError(t, err)
	code, body := get(t, h, "/metrics")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, "etlwatch_dropped_measurements_total{")
	require.Contains(t, body, "etlwatch_sink_export_failures_total{")
	require.Contains(t, body, `db_system="postgresql"`)
	return []byte(body)
}

// TestPromtoolCheckMetrics lints the exposition with Prometheus's own promtool. The collector's
// instruments carry no description, so every family has an empty HELP, which promtool reports as
// "no help text"; any other problem fails the test.
func TestPromtoolCheckMetrics(t *testing.T) {
	promtool := testenv.Tool(t, "promtool", "apt-get install -y prometheus")
	body := richScrape(t)
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(body)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 3) { // 3: lint problems found
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
	for line := range strings.Lines(string(out)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasSuffix(line, " no help text") {
			continue
		}
		t.Errorf("promtool: %s", line)
	}
}

func TestGatherAndLint(t *testing.T) {
	p := newPipeline(t, nil)
	emitReference(p.metrics)
	problems, err := testutil.GatherAndLint(p.reg)
	require.NoError(t, err)
	assert.Empty(t, problems)
}

// TestSinkConcurrent scrapes while emitting, flushing and reporting health, then shuts down; run
// with -race.
func TestSinkConcurrent(t *testing.T) {
	p := newPipeline(t, nil, monitoring.WithSinks(monitoringtest.NewNamedSink("x")))
	health, err := prom.NewHealth(prom.WithSinkStatuses(p.metrics), prom.WithStaleAfter(time.Minute))
	require.NoError(t, err)
	h, err := prom.NewHandler(p.reg, health)
	require.NoError(t, err)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 200 {
				table := string(rune('A' + j%5))
				p.metrics.EmitCounter(ctx, "records_processed", 1, monitoring.Dimensions{"table": table})
				p.metrics.EmitGauge(ctx, "cdc_lag_seconds", float64(j), monitoring.UnitSeconds, nil)
				p.metrics.EmitDuration(ctx, "batch_duration", time.Millisecond, nil)
				if i%2 == 0 {
					health.ReportSuccess()
				} else {
					health.ReportFailure(errors.New("retry"))
				}
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			for range 20 {
				code, _ := get(t, h, "/metrics")
				assert.Equal(t, http.StatusOK, code)
				code, _ = get(t, h, "/health")
				assert.Equal(t, http.StatusOK, code)
				_ = p.metrics.ForceFlush(ctx)
			}
		})
	}
	wg.Wait()
	require.NoError(t, p.metrics.Shutdown(ctx))
	_, body := get(t, h, "/metrics")
	assert.Empty(t, body)
}

func TestSinkLabels(t *testing.T) {
	p := newPipeline(t, nil, monitoring.WithCardinalityLimit(1))
	ctx := context.Background()
	p.metrics.EmitCounter(ctx, "queries", 1, monitoring.Dimensions{"db.system": "postgresql"})
	p.metrics.EmitCounter(ctx, "queries", 1, monitoring.Dimensions{"db.system": "oracle"}) // over the limit
	mfs, err := p.reg.Gather()
	require.NoError(t, err)
	var labels []string
	for _, mf := range mfs {
		if mf.GetName() != "queries_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
		}
	}
	assert.Contains(t, labels, "db_system=postgresql")
	assert.Contains(t, labels, "otel_metric_overflow=true")
}
