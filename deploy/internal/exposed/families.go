package exposed

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"runtime/debug"
	"sort"
	"strings"
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

// Family is an exposed metric family: its type, the names of its labels, and what exposed it.
type Family struct {
	Type   dto.MetricType
	Labels map[string]bool
	Source string
}

// Gather returns the families g exposes, by name.
func Gather(t testing.TB, g promclient.Gatherer, source string) map[string]Family {
	t.Helper()
	mfs, err := g.Gather()
	require.NoError(t, err, source)
	out := map[string]Family{}
	for _, mf := range mfs {
		f := Family{Type: mf.GetType(), Labels: map[string]bool{}, Source: source}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				f.Labels[l.GetName()] = true
			}
		}
		out[mf.GetName()] = f
	}
	return out
}

var textTypes = map[string]dto.MetricType{
	"counter": dto.MetricType_COUNTER, "gauge": dto.MetricType_GAUGE, "histogram": dto.MetricType_HISTOGRAM,
	"summary": dto.MetricType_SUMMARY, "untyped": dto.MetricType_UNTYPED,
}

// ParseText returns the families of a Prometheus text-format exposition (what /metrics serves):
// each family from its # TYPE line, with the labels of its samples (le and quantile excepted).
func ParseText(t testing.TB, body []byte, source string) map[string]Family {
	t.Helper()
	out := map[string]Family{}
	var current string
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if f, ok := strings.CutPrefix(line, "# TYPE "); ok {
			parts := strings.Fields(f)
			require.Len(t, parts, 2, "%s: %q", source, line)
			typ, ok := textTypes[parts[1]]
			require.True(t, ok, "%s: unknown type in %q", source, line)
			current = parts[0]
			out[current] = Family{Type: typ, Labels: map[string]bool{}, Source: source}
			continue
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, rest, _ := strings.Cut(line, "{")
		name = strings.Fields(name)[0]
		require.True(t, name == current || strings.HasPrefix(name, current+"_"),
			"%s: sample %s outside its family %s", source, name, current)
		if !strings.Contains(line, "{") {
			continue
		}
		labels, _, ok := strings.Cut(rest, "}")
		require.True(t, ok, "%s: %q", source, line)
		for _, pair := range splitLabels(labels) {
			l, _, _ := strings.Cut(pair, "=")
			if l = strings.TrimSpace(l); l != "" && l != "le" && l != "quantile" {
				out[current].Labels[l] = true
			}
		}
	}
	require.NoError(t, sc.Err())
	return out
}

// splitLabels splits `a="x",b="y,z"` at the commas outside quotes.
func splitLabels(s string) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
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

// NewSimulator returns a simulator whose metrics are on a new registry, as examples/simulator
// builds it, writing its log to logw.
func NewSimulator(t testing.TB, logw *bytes.Buffer, opts ...sim.Option) (*sim.Simulator, *promclient.Registry, *prom.Health) {
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

// Simulator runs a simulator on fake time until its third failure and returns what it exposes
// and the log it wrote.
func Simulator(t testing.TB) (map[string]Family, []byte) {
	t.Helper()
	var log bytes.Buffer
	clock := &stepClock{now: time.Date(2025, 1, 18, 4, 0, 0, 0, time.UTC)}
	s, reg, _ := NewSimulator(t, &log, sim.WithClock(clock), sim.WithSeed(9))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	for s.Stats().Failures < 3 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	require.NoError(t, <-done)
	return Gather(t, reg, "examples/simulator"), log.Bytes()
}

// Logexporter returns what the log exporter exposes after reading log.
func Logexporter(t testing.TB, log []byte) map[string]Family {
	t.Helper()
	path := t.TempDir() + "/etl.log"
	require.NoError(t, os.WriteFile(path, log, 0o644))
	reg := promclient.NewRegistry()
	e, err := logmetrics.New(path, reg, logmetrics.WithFromStart(), logmetrics.WithPollInterval(time.Millisecond),
		logmetrics.WithEnvironment("dev"))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	require.Eventually(t, func() bool {
		_, ok := Gather(t, reg, "")["etl_failures_total"]
		return ok && counterValue(t, reg, "etl_failures_total") >= 3
	}, 10*time.Second, 5*time.Millisecond)
	cancel()
	require.NoError(t, <-done)
	return Gather(t, reg, "examples/logexporter")
}

func counterValue(t testing.TB, g promclient.Gatherer, name string) float64 {
	mfs, err := g.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	return 0
}

// FailingExporter is a push sink whose every export fails, as CloudWatch does on AccessDenied.
type FailingExporter struct{}

// Temporality is the default.
func (FailingExporter) Temporality(k sdkmetric.InstrumentKind) metricdata.Temporality {
	return sdkmetric.DefaultTemporalitySelector(k)
}

// Aggregation is the default.
func (FailingExporter) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return sdkmetric.DefaultAggregationSelector(k)
}

// Export fails.
func (FailingExporter) Export(context.Context, *metricdata.ResourceMetrics) error {
	return errors.New("AccessDenied")
}

// ForceFlush does nothing.
func (FailingExporter) ForceFlush(context.Context) error { return nil }

// Shutdown does nothing.
func (FailingExporter) Shutdown(context.Context) error { return nil }

// Etlwatch returns what an etlwatch job exposes with the CDC metrics, a failed and a passed
// data-quality check, the anomaly monitors' metrics, a sink whose exports fail, a dropped measurement and runtime metrics.
func Etlwatch(t testing.TB) map[string]Family {
	t.Helper()
	ctx := context.Background()
	old := debug.SetMemoryLimit(1 << 40) // a limit, so that etlwatch_memory_usage_ratio is reported
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	reg := promclient.NewRegistry()
	sink, err := prom.NewSink(reg)
	require.NoError(t, err)
	m, err := monitoring.NewMetricsCollector("cdc_consumer", "bronze.siebel_oracle",
		monitoring.WithSinks(sink, monitoring.NewExporterSink("cloudwatch", FailingExporter{})),
		monitoring.WithRuntimeMetrics(), monitoring.WithErrorHandler(func(error) {}))
	require.NoError(t, err)
	defer m.Shutdown(context.Background())
	EmitCDC(t, m)
	checker := dataquality.NewChecker(dataquality.WithMetrics(m))
	checker.ValidateRowCount(ctx, "orders", 1000, 990, 0)
	checker.ValidateRowCount(ctx, "customers", 10, 10, 0)
	EmitMonitors(t, m)
	zero := 0.0
	m.EmitGauge(ctx, "rows", zero/zero, monitoring.UnitNone, nil) // dropped: invalid_value
	_ = m.ForceFlush(ctx)                                         // the failing export
	return Gather(t, reg, "etlwatch")
}

// Merge returns the union of fams: a family exposed by several sources has the labels of all.
func Merge(fams ...map[string]Family) map[string]Family {
	all := map[string]Family{}
	for _, fs := range fams {
		for name, f := range fs {
			labels := map[string]bool{}
			for l := range f.Labels {
				labels[l] = true
			}
			if old, ok := all[name]; ok {
				for l := range old.Labels {
					labels[l] = true
				}
				f.Source = old.Source + ", " + f.Source
			}
			f.Labels = labels
			all[name] = f
		}
	}
	return all
}

// All is everything that etlwatch jobs, the simulator and the log exporter expose, plus the up
// series Prometheus records for each target.
func All(t testing.TB) map[string]Family {
	t.Helper()
	simF, log := Simulator(t)
	all := Merge(simF, Logexporter(t, log), Etlwatch(t))
	all["up"] = Family{Type: dto.MetricType_GAUGE, Labels: map[string]bool{}, Source: "prometheus"}
	return all
}

// Series returns the names of the series of fams: a histogram's _bucket, _sum and _count, a
// summary's _sum and _count, and the others' own names; each with the labels job and instance
// that Prometheus adds when it scrapes.
func Series(fams map[string]Family) map[string]Family {
	out := map[string]Family{}
	add := func(name string, f Family, extra ...string) {
		labels := map[string]bool{"job": true, "instance": true}
		for l := range f.Labels {
			labels[l] = true
		}
		for _, l := range extra {
			labels[l] = true
		}
		out[name] = Family{Type: f.Type, Labels: labels, Source: f.Source}
	}
	for name, f := range fams {
		switch f.Type {
		case dto.MetricType_HISTOGRAM:
			add(name+"_bucket", f, "le")
			add(name+"_sum", f)
			add(name+"_count", f)
		case dto.MetricType_SUMMARY:
			add(name, f, "quantile")
			add(name+"_sum", f)
			add(name+"_count", f)
		default:
			add(name, f)
		}
	}
	return out
}

// SortedKeys returns the keys of m in order.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
