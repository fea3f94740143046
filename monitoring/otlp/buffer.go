package otlp

import (
	"fmt"
	"slices"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// DroppedDataPointsMetric is the name of the self-metric a [Sink] sends, as a delta sum with a
// sink dimension, for the delta data points it dropped because its buffer of failed exports was
// full ([WithMaxBufferedDataPoints]) or because it shut down with some still unsent. It is sent
// once the backend answers again; [Sink.Dropped] counts the same points.
const DroppedDataPointsMetric = "etlwatch_sink_dropped_points"

// DefaultMaxBufferedDataPoints is the default of [WithMaxBufferedDataPoints].
const DefaultMaxBufferedDataPoints = 20_000

// selfScope is the instrumentation scope of the sink's self-metric.
var selfScope = instrumentation.Scope{Name: "github.com/etlwatch/etlwatch/monitoring/otlp"}

// buffer holds the delta sums and histograms of failed requests, oldest first, to be sent again
// with the next export: with delta temporality each export carries only the change since the
// previous collection, so a failed request would otherwise lose its data for good. Cumulative
// data and gauges are never kept: the next export carries them whole.
type buffer struct {
	max    int
	scopes []metricdata.ScopeMetrics // deep copies, oldest first
	points int

	dropped int64     // dropped in all
	unsent  int64     // dropped and not yet sent as the self-metric
	since   time.Time // start of the self-metric's next delta
}

// take returns the kept scopes and empties the buffer.
func (b *buffer) take() []metricdata.ScopeMetrics {
	out := b.scopes
	b.scopes, b.points = nil, 0
	return out
}

// keep copies the delta data of a failed request into the buffer.
func (b *buffer) keep(part *metricdata.ResourceMetrics) {
	for _, sm := range part.ScopeMetrics {
		var kept []metricdata.Metrics
		for _, m := range sm.Metrics {
			if data, n, ok := copyDelta(m.Data); ok && n > 0 {
				m.Data = data
				kept = append(kept, m)
				b.points += n
			}
		}
		if len(kept) > 0 {
			b.scopes = append(b.scopes, metricdata.ScopeMetrics{Scope: sm.Scope, Metrics: kept})
		}
	}
}

// trim drops the oldest points beyond the bound and returns how many it dropped.
func (b *buffer) trim() int {
	over := b.points - b.max
	if over <= 0 {
		return 0
	}
	dropped := 0
	for dropped < over && len(b.scopes) > 0 {
		sm := &b.scopes[0]
		if len(sm.Metrics) == 0 {
			b.scopes = b.scopes[1:]
			continue
		}
		v := view(sm.Metrics[0].Data)
		if k := over - dropped; k < v.n {
			sm.Metrics[0].Data = v.slice(k, v.n)
			dropped += k
			break
		}
		dropped += v.n
		sm.Metrics = sm.Metrics[1:]
	}
	b.points -= dropped
	b.count(dropped)
	return dropped
}

// count records n dropped points.
func (b *buffer) count(n int) {
	b.dropped += int64(n)
	b.unsent += int64(n)
}

// selfMetric returns the request that reports the points dropped since the last one was sent,
// nil when there are none.
func (b *buffer) selfMetric(rm *metricdata.ResourceMetrics, sink string, now time.Time) *metricdata.ResourceMetrics {
	if b.unsent == 0 {
		return nil
	}
	start := b.since
	if start.IsZero() || start.After(now) {
		start = now
	}
	return &metricdata.ResourceMetrics{Resource: rm.Resource, ScopeMetrics: []metricdata.ScopeMetrics{{
		Scope: selfScope,
		Metrics: []metricdata.Metrics{{
			Name:        DroppedDataPointsMetric,
			Description: "Delta data points of failed exports that the sink dropped, its buffer being full or the sink shut down.",
			Unit:        "{point}",
			Data: metricdata.Sum[int64]{
				Temporality: metricdata.DeltaTemporality,
				IsMonotonic: true,
				DataPoints: []metricdata.DataPoint[int64]{{
					Attributes: attribute.NewSet(attribute.String("sink", sink)),
					StartTime:  start, Time: now, Value: b.unsent,
				}},
			},
		}},
	}}}
}

// copyDelta returns a copy of a delta sum or histogram that shares no memory with a, with its
// number of points; ok is false for any other aggregation. Exemplars are not kept.
func copyDelta(a metricdata.Aggregation) (_ metricdata.Aggregation, n int, ok bool) {
	switch d := a.(type) {
	case metricdata.Sum[int64]:
		if d.Temporality == metricdata.DeltaTemporality {
			d.DataPoints = copyNumberPoints(d.DataPoints)
			return d, len(d.DataPoints), true
		}
	case metricdata.Sum[float64]:
		if d.Temporality == metricdata.DeltaTemporality {
			d.DataPoints = copyNumberPoints(d.DataPoints)
			return d, len(d.DataPoints), true
		}
	case metricdata.Histogram[int64]:
		if d.Temporality == metricdata.DeltaTemporality {
			d.DataPoints = copyHistogramPoints(d.DataPoints)
			return d, len(d.DataPoints), true
		}
	case metricdata.Histogram[float64]:
		if d.Temporality == metricdata.DeltaTemporality {
			d.DataPoints = copyHistogramPoints(d.DataPoints)
			return d, len(d.DataPoints), true
		}
	case metricdata.ExponentialHistogram[int64]:
		if d.Temporality == metricdata.DeltaTemporality {
			d.DataPoints = copyExpHistogramPoints(d.DataPoints)
			return d, len(d.DataPoints), true
		}
	case metricdata.ExponentialHistogram[float64]:
		if d.Temporality == metricdata.DeltaTemporality {
			d.DataPoints = copyExpHistogramPoints(d.DataPoints)
			return d, len(d.DataPoints), true
		}
	}
	return nil, 0, false
}

func copyNumberPoints[N int64 | float64](pts []metricdata.DataPoint[N]) []metricdata.DataPoint[N] {
	out := slices.Clone(pts)
	for i := range out {
		out[i].Exemplars = nil
	}
	return out
}

func copyHistogramPoints[N int64 | float64](pts []metricdata.HistogramDataPoint[N]) []metricdata.HistogramDataPoint[N] {
	out := slices.Clone(pts)
	for i := range out {
		out[i].Bounds = slices.Clone(out[i].Bounds)
		out[i].BucketCounts = slices.Clone(out[i].BucketCounts)
		out[i].Exemplars = nil
	}
	return out
}

func copyExpHistogramPoints[N int64 | float64](pts []metricdata.ExponentialHistogramDataPoint[N]) []metricdata.ExponentialHistogramDataPoint[N] {
	out := slices.Clone(pts)
	for i := range out {
		out[i].PositiveBucket.Counts = slices.Clone(out[i].PositiveBucket.Counts)
		out[i].NegativeBucket.Counts = slices.Clone(out[i].NegativeBucket.Counts)
		out[i].Exemplars = nil
	}
	return out
}

// droppedError reports points dropped from the buffer.
func droppedError(sink string, n int, max int, total int64, why string) error {
	return fmt.Errorf("otlp: sink %q: dropped %d delta data points of failed exports (%s, buffer of %d); %d dropped in all",
		sink, n, why, max, total)
}
