package prometheus_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"runtime/debug"
	"sort"
	"sync"
	"testing"
	"time"

	promclient "github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/examples/logexporter/logmetrics"
	"github.com/etlwatch/etlwatch/examples/simulator/sim"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/prom"
)

// family is an exposed metric family: its type and the names of its labels.
type family struct {
	typ    dto.MetricType
	labels map[string]bool
	source string
}

// families returns the families g exposes, by name.
func families(t *testing.T, g promclient.Gatherer, source string) map[string]family {
	t.Helper()
	mfs, err := g.Gather()
	require.NoError(t, err, source)
	out := map[string]family{}
	for _, mf := range mfs {
		f := family{typ: mf.GetType(), labels: map[string]bool{}, source: source}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				f.labels[l.GetName()] = true
			}
		}
		out[mf.GetName()] = f
	}
	return out
}

// stepClock is a sim.Clock that advances when slept on.
type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return nil
}

// newSimulator returns a simulator whose metrics are on a new registry, as examples/simulator
// builds it.
func newSimulator(t *testing.T, logw *bytes.Buffer, opts ...sim.Option) (*sim.Simulator, *promclient.Registry, *prom.Health) {
	t.Helper()
	reg := promclient.NewRegistry()
	sink, err := prom.NewSink(reg)
	require.NoError(t, err)
	m, err := monitoring.NewMetricsCollector("etl_simulator", "etl_process", monitoring.WithSinks(sink),
		monitoring.WithDescriptions(sim.Descriptions), monitoring.WithEnvironment("dev"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Shutdown(context.Background()) })
	health, err := prom.NewHealth(prom.WithStaleAfter(5*time.Minute), prom.WithSinkStatuses(m))
	require.NoError(t, err)
	s, err := sim.New(logw, m, append([]sim.Option{sim.WithReporter(health)}, opts...)...)
	require.NoError(t, err)
	return s, reg, health
}

// simulatorFamilies runs a simulator for ten minutes of fake time and returns what it exposes
// and the log it wrote.
func simulatorFamilies(t *testing.T) (map[string]family, []byte) {
	t.Helper()
	var log bytes.Buffer
	clock := &stepClock{now: time.Date(2025, 1, 18, 4, 0, 0, 0, time.UTC)}
	s, reg, _ := newSimulator(t, &log, sim.WithClock(clock), sim.WithSeed(9))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	for s.Stats().Failures < 3 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	require.NoError(t, <-done)
	return families(t, reg, "examples/simulator"), log.Bytes()
}

// logexporterFamilies returns what the log exporter exposes after reading log.
func logexporterFamilies(t *testing.T, log []byte) map[string]family {
	t.Helper()
	path := t.TempDir() + "/etl.log"
	require.NoError(t, os.WriteFile(path, log, 0o644))
	reg := promclient.NewRegistry()
	e, err := logmetrics.New(path, reg, logmetrics.WithFromStart(), logmetrics.WithPollInterval(time.Millisecond),
		logmetrics.WithEnvironment("dev"))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	require.Eventually(t, func() bool {
		f := families(t, reg, "")
		_, ok := f["etl_failures_total"]
		return ok && counterValue(t, reg, "etl_failures_total") >= 3
	}, 10*time.Second, 5*time.Millisecond)
	cancel()
	require.NoError(t, <-done)
	return families(t, reg, "examples/logexporter")
}

func counterValue(t *testing.T, g promclient.Gatherer, name string) float64 {
	mfs, err := g.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	return 0
}

// failingExporter is a push sink whose every export fails, as CloudWatch does on AccessDenied.
type failingExporter struct{}

func (failingExporter) Temporality(k sdkmetric.InstrumentKind) metricdata.Temporality {
	return sdkmetric.DefaultTemporalitySelector(k)
}
func (failingExporter) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return sdkmetric.DefaultAggregationSelector(k)
}
func (failingExporter) Export(context.Context, *metricdata.ResourceMetrics) error {
	return errors.New("AccessDenied")
}
func (failingExporter) ForceFlush(context.Context) error { return nil }
func (failingExporter) Shutdown(context.Context) error   { return nil }

// The CDC consumer's metrics, as the rules expect it to record them (issue 6): the contract
// between examples/cdc and rules/cdc.rules.yml.
func emitCDC(ctx context.Context, m *monitoring.MetricsCollector) {
	dims := monitoring.Dimensions{"namespace": "bronze", "table": "orders"}
	m.EmitGauge(ctx, "cdc_lag_seconds", 2.1, monitoring.UnitSeconds, dims)
	m.EmitGauge(ctx, "cdc_throughput_records_per_sec", 85.3, monitoring.UnitNone, nil)
	m.EmitDuration(ctx, "cdc_batch_processing_time", 11700*time.Millisecond, nil)
	m.EmitCounter(ctx, "cdc_events_failed", 1, nil)
	m.EmitCounter(ctx, "cdc_events_processed", 1000, nil)
	m.EmitCounter(ctx, "cdc_events_skipped", 10, nil)
}

// etlwatchFamilies returns what an etlwatch job exposes with the CDC metrics, a failed
// data-quality check, a sink whose exports fail, a dropped measurement and runtime metrics.
func etlwatchFamilies(t *testing.T) map[string]family {
	t.Helper()
	ctx := t.Context()
	old := debug.SetMemoryLimit(1 << 40) // a limit, so that etlwatch_memory_usage_ratio is reported
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	reg := promclient.NewRegistry()
	sink, err := prom.NewSink(reg)
	require.NoError(t, err)
	m, err := monitoring.NewMetricsCollector("cdc_consumer", "bronze.siebel_oracle",
		monitoring.WithSinks(sink, monitoring.NewExporterSink("cloudwatch", failingExporter{})),
		monitoring.WithRuntimeMetrics(), monitoring.WithErrorHandler(func(error) {}))
	require.NoError(t, err)
	defer m.Shutdown(context.Background())
	emitCDC(ctx, m)
	checker := dataquality.NewChecker(dataquality.WithMetrics(m))
	checker.ValidateRowCount(ctx, "orders", 1000, 990, 0)
	checker.ValidateRowCount(ctx, "customers", 10, 10, 0)
	m.EmitGauge(ctx, "rows", nanValue(), monitoring.UnitNone, nil) // dropped: invalid_value
	_ = m.ForceFlush(ctx)                                          // the failing export
	return families(t, reg, "etlwatch")
}

func nanValue() float64 {
	zero := 0.0
	return zero / zero
}

// exposedFamilies is everything that etlwatch jobs, the simulator and the log exporter expose.
func exposedFamilies(t *testing.T) map[string]family {
	t.Helper()
	simF, log := simulatorFamilies(t)
	all := map[string]family{}
	for _, fs := range []map[string]family{simF, logexporterFamilies(t, log), etlwatchFamilies(t)} {
		for name, f := range fs {
			if old, ok := all[name]; ok {
				for l := range old.labels {
					f.labels[l] = true
				}
			}
			all[name] = f
		}
	}
	// What Prometheus itself records for each target.
	all["up"] = family{typ: dto.MetricType_GAUGE, labels: map[string]bool{}, source: "prometheus"}
	return all
}

// seriesNames returns the names of the series of the exposed families: a histogram's
// _bucket, _sum and _count, a summary's _sum and _count, and the others' own names.
func seriesNames(fams map[string]family) map[string]family {
	out := map[string]family{}
	for name, f := range fams {
		switch f.typ {
		case dto.MetricType_HISTOGRAM:
			b := family{typ: f.typ, labels: map[string]bool{"le": true}, source: f.source}
			for l := range f.labels {
				b.labels[l] = true
			}
			out[name+"_bucket"], out[name+"_sum"], out[name+"_count"] = b, f, f
		case dto.MetricType_SUMMARY:
			out[name+"_sum"], out[name+"_count"] = f, f
		default:
			out[name] = f
		}
	}
	for _, f := range out {
		f.labels["job"], f.labels["instance"] = true, true // added by Prometheus when it scrapes
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// freePort returns a free TCP port on 127.0.0.1.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
