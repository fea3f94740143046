package monitoringtest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/etlwatch/etlwatch/monitoring"
)

// Point is one exported data point as a [Sink] holds it. Sums (monotonic or not, such as
// OpenTelemetry's go.goroutine.count) have Kind counter, gauges gauge, histograms duration.
type Point struct {
	Name       string
	Unit       string // the UCUM unit as exported, such as "s"
	Kind       monitoring.Kind
	Dimensions monitoring.Dimensions
	Value      float64 // counter total, or gauge value; for durations the sum, in seconds
	Count      uint64  // durations: number of values
	Min, Max   float64 // durations: smallest and largest value
}

// Sink is an in-memory [monitoring.PushSink] for unit tests. It uses cumulative temporality, so
// after [monitoring.MetricsCollector.ForceFlush] it holds every series' total so far. Its methods are
// safe for concurrent use.
type Sink struct {
	name string

	mu      sync.Mutex
	points  []Point
	exports int
	fail    error
}

// NewSink returns an empty in-memory sink named "memory".
func NewSink() *Sink { return &Sink{name: "memory"} }

// NewNamedSink returns an empty in-memory sink with the given name, for tests with several sinks.
func NewNamedSink(name string) *Sink { return &Sink{name: name} }

// Name returns the sink's name.
func (s *Sink) Name() string { return s.name }

// Temporality returns cumulative temporality for every kind.
func (s *Sink) Temporality(sdkmetric.InstrumentKind) metricdata.Temporality {
	return metricdata.CumulativeTemporality
}

// Aggregation returns the OpenTelemetry default aggregation.
func (s *Sink) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return sdkmetric.DefaultAggregationSelector(k)
}

// FailWith makes every later export fail with err until it is called with nil, to test how a
// pipeline behaves when a backend is down. A failed export keeps the points of the last good one.
func (s *Sink) FailWith(err error) {
	s.mu.Lock()
	s.fail = err
	s.mu.Unlock()
}

// Export replaces the sink's points with rm's (copied: rm is reused by the SDK).
func (s *Sink) Export(_ context.Context, rm *metricdata.ResourceMetrics) error {
	var pts []Point
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			base := Point{Name: m.Name, Unit: m.Unit}
			switch d := m.Data.(type) {
			case metricdata.Sum[float64]:
				pts = appendSums(pts, base, d.DataPoints)
			case metricdata.Sum[int64]:
				pts = appendSums(pts, base, d.DataPoints)
			case metricdata.Gauge[float64]:
				pts = appendGauges(pts, base, d.DataPoints)
			case metricdata.Gauge[int64]:
				pts = appendGauges(pts, base, d.DataPoints)
			case metricdata.Histogram[float64]:
				pts = appendHistograms(pts, base, d.DataPoints)
			case metricdata.Histogram[int64]:
				pts = appendHistograms(pts, base, d.DataPoints)
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.exports++
	if s.fail != nil {
		return s.fail
	}
	s.points = pts
	return nil
}

// ForceFlush does nothing: the sink holds no buffer.
func (s *Sink) ForceFlush(context.Context) error { return nil }

// Shutdown does nothing; the points stay readable.
func (s *Sink) Shutdown(context.Context) error { return nil }

// Exports returns how many exports the sink received, failed ones included.
func (s *Sink) Exports() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.exports
}

// Points returns a copy of the points of the last successful export, sorted by name and dimensions.
func (s *Sink) Points() []Point {
	s.mu.Lock()
	pts := slices.Clone(s.points)
	s.mu.Unlock()
	slices.SortFunc(pts, func(a, b Point) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(fmt.Sprint(a.Dimensions), fmt.Sprint(b.Dimensions))
	})
	return pts
}

// Find returns the points named name whose dimensions include every entry of dims (the standard
// job_name, source_name and environment dimensions need not be given).
func (s *Sink) Find(name string, dims monitoring.Dimensions) []Point {
	var out []Point
	for _, p := range s.Points() {
		if p.Name == name && includes(p.Dimensions, dims) {
			out = append(out, p)
		}
	}
	return out
}

// Value returns the value of the one series named name whose dimensions include dims: a counter's
// total, a gauge's value or a duration's sum in seconds. ok is false when no series or more than one
// matches.
func (s *Sink) Value(name string, dims monitoring.Dimensions) (v float64, ok bool) {
	pts := s.Find(name, dims)
	if len(pts) != 1 {
		return 0, false
	}
	return pts[0].Value, true
}

// Total returns the sum of the values of every series named name whose dimensions include dims, 0
// when none matches: the total of a counter across, say, every table.
func (s *Sink) Total(name string, dims monitoring.Dimensions) float64 {
	var t float64
	for _, p := range s.Find(name, dims) {
		t += p.Value
	}
	return t
}

func appendSums[N int64 | float64](pts []Point, base Point, dps []metricdata.DataPoint[N]) []Point {
	for _, p := range dps {
		pt := base
		pt.Kind, pt.Value, pt.Dimensions = monitoring.KindCounter, float64(p.Value), dims(p.Attributes)
		pts = append(pts, pt)
	}
	return pts
}

func appendGauges[N int64 | float64](pts []Point, base Point, dps []metricdata.DataPoint[N]) []Point {
	for _, p := range dps {
		pt := base
		pt.Kind, pt.Value, pt.Dimensions = monitoring.KindGauge, float64(p.Value), dims(p.Attributes)
		pts = append(pts, pt)
	}
	return pts
}

func appendHistograms[N int64 | float64](pts []Point, base Point, dps []metricdata.HistogramDataPoint[N]) []Point {
	for _, p := range dps {
		pt := base
		pt.Kind, pt.Value, pt.Count, pt.Dimensions = monitoring.KindDuration, float64(p.Sum), p.Count, dims(p.Attributes)
		if v, ok := p.Min.Value(); ok {
			pt.Min = float64(v)
		}
		if v, ok := p.Max.Value(); ok {
			pt.Max = float64(v)
		}
		pts = append(pts, pt)
	}
	return pts
}

func includes(have, want monitoring.Dimensions) bool {
	for k, v := range want {
		if got, ok := have[k]; !ok || got != v {
			return false
		}
	}
	return true
}

func dims(set attribute.Set) monitoring.Dimensions {
	d := make(monitoring.Dimensions, set.Len())
	for _, kv := range set.ToSlice() {
		d[string(kv.Key)] = kv.Value.Emit()
	}
	return d
}
