package otlp

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
)

func attrs(i int) attribute.Set {
	return attribute.NewSet(attribute.Int("i", i), attribute.String("table", fmt.Sprintf("T%03d", i)))
}

// sampleExport has two scopes and every aggregation kind, with 1 to 7 points per metric.
func sampleExport() *metricdata.ResourceMetrics {
	num := func(n int) []metricdata.DataPoint[float64] {
		var dps []metricdata.DataPoint[float64]
		for i := range n {
			dps = append(dps, metricdata.DataPoint[float64]{Attributes: attrs(i), Value: float64(i)})
		}
		return dps
	}
	var hist []metricdata.HistogramDataPoint[float64]
	for i := range 5 {
		hist = append(hist, metricdata.HistogramDataPoint[float64]{Attributes: attrs(i), Count: uint64(i),
			Bounds: []float64{1, 2, 3}, BucketCounts: []uint64{0, 1, 0, 0}})
	}
	var ints []metricdata.DataPoint[int64]
	for i := range 4 {
		ints = append(ints, metricdata.DataPoint[int64]{Attributes: attrs(i), Value: int64(i)})
	}
	return &metricdata.ResourceMetrics{
		Resource: resource.NewSchemaless(attribute.String("service.name", "job")),
		ScopeMetrics: []metricdata.ScopeMetrics{
			{Scope: instrumentation.Scope{Name: "a"}, Metrics: []metricdata.Metrics{
				{Name: "rows", Unit: "{count}", Data: metricdata.Sum[float64]{DataPoints: num(7), Temporality: metricdata.DeltaTemporality, IsMonotonic: true}},
				{Name: "lag", Data: metricdata.Gauge[float64]{DataPoints: num(1)}},
				{Name: "empty", Data: metricdata.Gauge[float64]{}},
				{Name: "dur", Unit: "s", Data: metricdata.Histogram[float64]{DataPoints: hist, Temporality: metricdata.DeltaTemporality}},
			}},
			{Scope: instrumentation.Scope{Name: "b"}, Metrics: []metricdata.Metrics{
				{Name: "ints", Data: metricdata.Sum[int64]{DataPoints: ints, Temporality: metricdata.CumulativeTemporality}},
				{Name: "exp", Data: metricdata.ExponentialHistogram[float64]{DataPoints: []metricdata.ExponentialHistogramDataPoint[float64]{
					{Attributes: attrs(0), PositiveBucket: metricdata.ExponentialBucket{Counts: []uint64{1, 2}}},
				}}},
				{Name: "summary", Data: metricdata.Summary{DataPoints: []metricdata.SummaryDataPoint{
					{Attributes: attrs(0), QuantileValues: []metricdata.QuantileValue{{Quantile: 0.5, Value: 1}}},
				}}},
			}},
		},
	}
}

// flat lists "scope/metric/i" for every point, in order, and checks each metric keeps its
// metadata.
func flat(t *testing.T, parts ...*metricdata.ResourceMetrics) []string {
	t.Helper()
	var out []string
	for _, rm := range parts {
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				switch d := m.Data.(type) {
				case metricdata.Sum[float64]:
					assert.Equal(t, metricdata.DeltaTemporality, d.Temporality)
					assert.True(t, d.IsMonotonic)
					assert.Equal(t, "{count}", m.Unit)
				case metricdata.Histogram[float64]:
					assert.Equal(t, "s", m.Unit)
				}
				v := view(m.Data)
				for i := range v.n {
					var set attribute.Set
					switch d := m.Data.(type) {
					case metricdata.Sum[float64]:
						set = d.DataPoints[i].Attributes
					case metricdata.Gauge[float64]:
						set = d.DataPoints[i].Attributes
					case metricdata.Sum[int64]:
						set = d.DataPoints[i].Attributes
					case metricdata.Histogram[float64]:
						set = d.DataPoints[i].Attributes
					case metricdata.ExponentialHistogram[float64]:
						set = d.DataPoints[i].Attributes
					case metricdata.Summary:
						set = d.DataPoints[i].Attributes
					}
					n, _ := set.Value("i")
					out = append(out, fmt.Sprintf("%s/%s/%d", sm.Scope.Name, m.Name, n.AsInt64()))
				}
			}
		}
	}
	return out
}

func TestSplitByPoints(t *testing.T) {
	rm := sampleExport()
	want := flat(t, rm)
	require.Len(t, want, 19)
	for _, max := range []int{1, 2, 3, 7, 18, 19, 100} {
		t.Run(fmt.Sprint(max), func(t *testing.T) {
			parts := split(rm, limits{points: max})
			for _, p := range parts {
				n := countPoints(p)
				assert.LessOrEqual(t, n, max)
				assert.Positive(t, n)
				assert.Same(t, rm.Resource, p.Resource)
			}
			assert.Len(t, parts, (19+max-1)/max, "parts are filled")
			assert.Equal(t, want, flat(t, parts...), "every point once, in order")
		})
	}
	assert.Equal(t, want, flat(t, rm), "the input is not modified")
}

func TestSplitByBytes(t *testing.T) {
	rm := sampleExport()
	want := flat(t, rm)
	for _, max := range []int{1, 300, 600, 2000} {
		t.Run(fmt.Sprint(max), func(t *testing.T) {
			parts := split(rm, limits{bytes: max})
			for _, p := range parts {
				if countPoints(p) > 1 {
					assert.LessOrEqual(t, estimate(p), max)
				}
			}
			assert.Equal(t, want, flat(t, parts...))
		})
	}
	assert.Len(t, split(rm, limits{bytes: 1}), 19, "a point larger than the limit goes alone")
}

// estimate is the size split estimates for a whole part.
func estimate(rm *metricdata.ResourceMetrics) int {
	n := resourceSize(rm.Resource)
	for _, sm := range rm.ScopeMetrics {
		n += scopeSize(sm.Scope)
		for _, m := range sm.Metrics {
			n += metricSize(m)
			v := view(m.Data)
			for i := range v.n {
				n += v.size(i)
			}
		}
	}
	return n
}

func TestSplitNothingToSplit(t *testing.T) {
	rm := sampleExport()
	assert.Equal(t, []*metricdata.ResourceMetrics{rm}, split(rm, limits{}), "no limits")
	assert.Equal(t, []*metricdata.ResourceMetrics{rm}, split(rm, limits{points: 19}), "fits")
	empty := &metricdata.ResourceMetrics{}
	assert.Equal(t, []*metricdata.ResourceMetrics{empty}, split(empty, limits{points: 1, bytes: 1}))
}
