package cloudwatch

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/etlwatch/etlwatch/monitoring"
)

// Limits of PutMetricData and of the Embedded Metric Format.
const (
	MaxDimensions        = 30        // dimensions per datum
	MaxDatumsPerRequest  = 1000      // datums per PutMetricData request
	MaxRequestBytes      = 1_000_000 // bytes per PutMetricData request
	MaxMetricsPerEMFDoc  = 100       // metrics per EMF document
	MaxValuesPerEMFValue = 100       // values per EMF metric array
)

// The magnitudes CloudWatch accepts: 0, or between these bounds.
const (
	minMagnitude = 8.515920e-109
	maxMagnitude = 1.174271e+108
)

// standardUnit maps an OpenTelemetry UCUM unit to CloudWatch's standard unit.
func standardUnit(ucum string) types.StandardUnit {
	u, _ := monitoring.ParseUnit(ucum)
	switch u {
	case monitoring.UnitCount:
		return types.StandardUnitCount
	case monitoring.UnitSeconds:
		return types.StandardUnitSeconds
	case monitoring.UnitMilliseconds:
		return types.StandardUnitMilliseconds
	case monitoring.UnitCountPerSecond:
		return types.StandardUnitCountSecond
	case monitoring.UnitBytes:
		return types.StandardUnitBytes
	case monitoring.UnitPercent:
		return types.StandardUnitPercent
	}
	return types.StandardUnitNone
}

// point is one data point in the form both sinks need.
type point struct {
	name  string
	unit  types.StandardUnit
	dims  []types.Dimension // sorted by name
	ts    time.Time
	value float64
	stats *types.StatisticSet // for histograms; value is unused then
}

// problem is a data point that cannot be sent, reported once per metric and kind.
type problem struct {
	metric, detail string
}

func (p problem) Error() string {
	return fmt.Sprintf("cloudwatch: metric %q not sent: %s", p.metric, p.detail)
}

// points converts delta (or, for up-down counters, cumulative) metric data into points. Counters
// are the interval's sum, gauges their last value, histograms a statistic set (SampleCount, Sum,
// Minimum, Maximum). Points that CloudWatch would reject are returned as problems instead.
func points(rm *metricdata.ResourceMetrics) ([]point, []problem) {
	var pts []point
	var probs []problem
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			unit := standardUnit(m.Unit)
			switch d := m.Data.(type) {
			case metricdata.Sum[float64]:
				pts, probs = appendValues(pts, probs, m.Name, unit, d.DataPoints)
			case metricdata.Sum[int64]:
				pts, probs = appendValues(pts, probs, m.Name, unit, d.DataPoints)
			case metricdata.Gauge[float64]:
				pts, probs = appendValues(pts, probs, m.Name, unit, d.DataPoints)
			case metricdata.Gauge[int64]:
				pts, probs = appendValues(pts, probs, m.Name, unit, d.DataPoints)
			case metricdata.Histogram[float64]:
				pts, probs = appendStats(pts, probs, m.Name, unit, d.DataPoints)
			case metricdata.Histogram[int64]:
				pts, probs = appendStats(pts, probs, m.Name, unit, d.DataPoints)
			}
		}
	}
	return pts, probs
}

func appendValues[N int64 | float64](pts []point, probs []problem, name string, unit types.StandardUnit, dps []metricdata.DataPoint[N]) ([]point, []problem) {
	for _, dp := range dps {
		v := float64(dp.Value)
		dims, prob := dimensions(name, dp.Attributes)
		if prob == nil {
			prob = checkValue(name, v)
		}
		if prob != nil {
			probs = append(probs, *prob)
			continue
		}
		pts = append(pts, point{name: name, unit: unit, dims: dims, ts: dp.Time, value: v})
	}
	return pts, probs
}

func appendStats[N int64 | float64](pts []point, probs []problem, name string, unit types.StandardUnit, dps []metricdata.HistogramDataPoint[N]) ([]point, []problem) {
	for _, dp := range dps {
		if dp.Count == 0 {
			continue // nothing was recorded in the interval
		}
		dims, prob := dimensions(name, dp.Attributes)
		if prob != nil {
			probs = append(probs, *prob)
			continue
		}
		st := &types.StatisticSet{SampleCount: aws.Float64(float64(dp.Count)), Sum: aws.Float64(float64(dp.Sum))}
		minV, okMin := dp.Min.Value()
		maxV, okMax := dp.Max.Value()
		if !okMin || !okMax {
			probs = append(probs, problem{name, "a histogram without min and max cannot be a CloudWatch statistic set"})
			continue
		}
		st.Minimum, st.Maximum = aws.Float64(float64(minV)), aws.Float64(float64(maxV))
		if p := cmp.Or(checkValue(name, *st.Sum), checkValue(name, *st.Minimum), checkValue(name, *st.Maximum)); p != nil {
			probs = append(probs, *p)
			continue
		}
		pts = append(pts, point{name: name, unit: unit, dims: dims, ts: dp.Time, stats: st})
	}
	return pts, probs
}

func checkValue(name string, v float64) *problem {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return &problem{name, fmt.Sprintf("value %v; CloudWatch takes finite numbers only", v)}
	}
	if a := math.Abs(v); a != 0 && (a < minMagnitude || a > maxMagnitude) {
		return &problem{name, fmt.Sprintf("value %v is outside CloudWatch's range (0, or a magnitude from 8.5e-109 to 1.17e+108)", v)}
	}
	return nil
}

// dimensions returns the attributes as CloudWatch dimensions, sorted by name. Attributes with an
// empty value are left out (CloudWatch requires a value of at least one character).
func dimensions(name string, set attribute.Set) ([]types.Dimension, *problem) {
	dims := make([]types.Dimension, 0, set.Len())
	for _, kv := range set.ToSlice() {
		v := kv.Value.Emit()
		if v == "" {
			continue
		}
		dims = append(dims, types.Dimension{Name: aws.String(string(kv.Key)), Value: aws.String(v)})
	}
	if len(dims) > MaxDimensions {
		return nil, &problem{name, fmt.Sprintf("%d dimensions; CloudWatch allows at most %d", len(dims), MaxDimensions)}
	}
	slices.SortFunc(dims, func(a, b types.Dimension) int { return cmp.Compare(*a.Name, *b.Name) })
	return dims, nil
}

// size estimates the encoded size of a datum in a request, generously.
func (p *point) size() int {
	n := len(p.name) + len(p.unit) + 64
	for _, d := range p.dims {
		n += len(*d.Name) + len(*d.Value) + 16
	}
	if p.stats != nil {
		n += 48
	}
	return n
}

// reporter reports each problem once per metric and detail, bounded.
type reporter struct {
	handler func(error)
	seen    map[string]struct{}
}

func (r *reporter) report(err error, key string) {
	if r.handler == nil {
		return
	}
	if r.seen == nil {
		r.seen = map[string]struct{}{}
	}
	if _, ok := r.seen[key]; ok || len(r.seen) >= 1000 {
		return
	}
	r.seen[key] = struct{}{}
	r.handler(err)
}

func (r *reporter) problems(probs []problem) {
	for _, p := range probs {
		r.report(p, p.metric+"|"+p.detail)
	}
}
