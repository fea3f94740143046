package otlp

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
)

// limits cap one export request; 0 means no limit.
type limits struct {
	points int // data points
	bytes  int // estimated uncompressed protobuf size
}

// split cuts rm into parts that each fit lim, in order, without copying data points: each part's
// metrics hold sub-slices of rm's. A metric whose points do not fit in the current part continues
// in the next one, with the same name, unit and temporality. A single point larger than the byte
// limit goes alone in its part. An export without data points is one part, rm itself.
func split(rm *metricdata.ResourceMetrics, lim limits) []*metricdata.ResourceMetrics {
	if lim.points <= 0 && lim.bytes <= 0 {
		return []*metricdata.ResourceMetrics{rm}
	}
	maxPoints := lim.points
	if maxPoints <= 0 {
		maxPoints = int(^uint(0) >> 1)
	}
	maxBytes := lim.bytes
	if maxBytes <= 0 {
		maxBytes = int(^uint(0) >> 1)
	}
	if lim.bytes <= 0 && countPoints(rm) <= maxPoints {
		return []*metricdata.ResourceMetrics{rm}
	}

	base := resourceSize(rm.Resource)
	var (
		out     []*metricdata.ResourceMetrics
		cur     = &metricdata.ResourceMetrics{Resource: rm.Resource}
		points  int
		size    = base
		scopeAt = -1 // index in rm.ScopeMetrics of cur's last scope
	)
	flush := func() {
		if points > 0 {
			out = append(out, cur)
		}
		cur = &metricdata.ResourceMetrics{Resource: rm.Resource}
		points, size, scopeAt = 0, base, -1
	}
	for si, sm := range rm.ScopeMetrics {
		sSize := scopeSize(sm.Scope)
		for _, m := range sm.Metrics {
			v := view(m.Data)
			mSize := metricSize(m)
			for i := 0; i < v.n; {
				header := mSize
				if scopeAt != si {
					header += sSize
				}
				j, add := i, header
				for j < v.n && points+(j-i) < maxPoints {
					ps := v.size(j)
					if size+add+ps > maxBytes && (j > i || points > 0) {
						break
					}
					add += ps
					j++
				}
				if j == i { // nothing fits beside what cur holds: start a new request
					flush()
					continue
				}
				if scopeAt != si {
					cur.ScopeMetrics = append(cur.ScopeMetrics, metricdata.ScopeMetrics{Scope: sm.Scope})
					scopeAt = si
				}
				last := &cur.ScopeMetrics[len(cur.ScopeMetrics)-1]
				pm := m
				pm.Data = v.slice(i, j)
				last.Metrics = append(last.Metrics, pm)
				points += j - i
				size += add
				i = j
				if i < v.n {
					flush()
				}
			}
		}
	}
	flush()
	if len(out) == 0 {
		return []*metricdata.ResourceMetrics{rm}
	}
	return out
}

// countPoints returns the number of data points in rm.
func countPoints(rm *metricdata.ResourceMetrics) int {
	n := 0
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			n += view(m.Data).n
		}
	}
	return n
}

// points is a view of one metric's data points.
type points struct {
	n     int
	size  func(i int) int                       // upper bound of point i's encoded size
	slice func(i, j int) metricdata.Aggregation // the metric's data with points [i, j)
}

func view(a metricdata.Aggregation) points {
	switch d := a.(type) {
	case metricdata.Gauge[int64]:
		return points{len(d.DataPoints), func(i int) int { return numberPointSize(d.DataPoints[i]) },
			func(i, j int) metricdata.Aggregation { c := d; c.DataPoints = d.DataPoints[i:j]; return c }}
	case metricdata.Gauge[float64]:
		return points{len(d.DataPoints), func(i int) int { return numberPointSize(d.DataPoints[i]) },
			func(i, j int) metricdata.Aggregation { c := d; c.DataPoints = d.DataPoints[i:j]; return c }}
	case metricdata.Sum[int64]:
		return points{len(d.DataPoints), func(i int) int { return numberPointSize(d.DataPoints[i]) },
			func(i, j int) metricdata.Aggregation { c := d; c.DataPoints = d.DataPoints[i:j]; return c }}
	case metricdata.Sum[float64]:
		return points{len(d.DataPoints), func(i int) int { return numberPointSize(d.DataPoints[i]) },
			func(i, j int) metricdata.Aggregation { c := d; c.DataPoints = d.DataPoints[i:j]; return c }}
	case metricdata.Histogram[int64]:
		return points{len(d.DataPoints), func(i int) int { return histogramPointSize(d.DataPoints[i]) },
			func(i, j int) metricdata.Aggregation { c := d; c.DataPoints = d.DataPoints[i:j]; return c }}
	case metricdata.Histogram[float64]:
		return points{len(d.DataPoints), func(i int) int { return histogramPointSize(d.DataPoints[i]) },
			func(i, j int) metricdata.Aggregation { c := d; c.DataPoints = d.DataPoints[i:j]; return c }}
	case metricdata.ExponentialHistogram[int64]:
		return points{len(d.DataPoints), func(i int) int { return expHistogramPointSize(d.DataPoints[i]) },
			func(i, j int) metricdata.Aggregation { c := d; c.DataPoints = d.DataPoints[i:j]; return c }}
	case metricdata.ExponentialHistogram[float64]:
		return points{len(d.DataPoints), func(i int) int { return expHistogramPointSize(d.DataPoints[i]) },
			func(i, j int) metricdata.Aggregation { c := d; c.DataPoints = d.DataPoints[i:j]; return c }}
	case metricdata.Summary:
		return points{len(d.DataPoints), func(i int) int { return summaryPointSize(d.DataPoints[i]) },
			func(i, j int) metricdata.Aggregation { c := d; c.DataPoints = d.DataPoints[i:j]; return c }}
	default: // an aggregation this package does not know: one unsplittable unit
		return points{1, func(int) int { return 0 }, func(int, int) metricdata.Aggregation { return a }}
	}
}

// Upper bounds of protobuf encodings, in bytes. Every field number in the OTLP metric messages is
// below 16, so a tag is one byte.
const (
	lenField   = 1 + 5  // tag + length of a length-delimited field (message, string, packed)
	fixedField = 1 + 8  // tag + fixed64 or double
	varint     = 1 + 10 // tag + varint
)

func attrsSize(s attribute.Set) int {
	n := 0
	for it := s.Iter(); it.Next(); {
		n += kvSize(it.Attribute())
	}
	return n
}

func attrsSliceSize(kvs []attribute.KeyValue) int {
	n := 0
	for _, kv := range kvs {
		n += kvSize(kv)
	}
	return n
}

// kvSize bounds a KeyValue{key, AnyValue{value}} field.
func kvSize(kv attribute.KeyValue) int {
	return lenField + lenField + len(kv.Key) + lenField + valueSize(kv.Value)
}

func valueSize(v attribute.Value) int {
	switch v.Type() {
	case attribute.STRING:
		return lenField + len(v.AsString())
	case attribute.BOOL:
		return 2
	case attribute.INT64:
		return varint
	case attribute.FLOAT64:
		return fixedField
	case attribute.BOOLSLICE:
		return lenField + len(v.AsBoolSlice())*(lenField+2)
	case attribute.INT64SLICE:
		return lenField + len(v.AsInt64Slice())*(lenField+varint)
	case attribute.FLOAT64SLICE:
		return lenField + len(v.AsFloat64Slice())*(lenField+fixedField)
	case attribute.STRINGSLICE:
		n := lenField
		for _, s := range v.AsStringSlice() {
			n += lenField + lenField + len(s)
		}
		return n
	default: // kinds added later: bound them by their printed form
		return lenField + 2*len(v.Emit()) + 64
	}
}

func exemplarsSize[N int64 | float64](ex []metricdata.Exemplar[N]) int {
	n := 0
	for _, e := range ex {
		// time, value, span_id, trace_id, filtered attributes
		n += lenField + fixedField + fixedField + lenField + len(e.SpanID) + lenField + len(e.TraceID) + attrsSliceSize(e.FilteredAttributes)
	}
	return n
}

func numberPointSize[N int64 | float64](dp metricdata.DataPoint[N]) int {
	// start_time, time, value, flags
	return lenField + attrsSize(dp.Attributes) + 3*fixedField + varint + exemplarsSize(dp.Exemplars)
}

func histogramPointSize[N int64 | float64](dp metricdata.HistogramDataPoint[N]) int {
	// start_time, time, count, sum, min, max; packed bucket_counts and explicit_bounds; flags
	return lenField + attrsSize(dp.Attributes) + 6*fixedField +
		lenField + 8*len(dp.BucketCounts) + lenField + 8*len(dp.Bounds) + varint + exemplarsSize(dp.Exemplars)
}

func expHistogramPointSize[N int64 | float64](dp metricdata.ExponentialHistogramDataPoint[N]) int {
	buckets := func(b metricdata.ExponentialBucket) int {
		return lenField + varint + lenField + 10*len(b.Counts)
	}
	// start_time, time, count, sum, min, max, zero_count, zero_threshold; scale; flags
	return lenField + attrsSize(dp.Attributes) + 8*fixedField + 2*varint +
		buckets(dp.PositiveBucket) + buckets(dp.NegativeBucket) + exemplarsSize(dp.Exemplars)
}

func summaryPointSize(dp metricdata.SummaryDataPoint) int {
	// start_time, time, count, sum, flags; quantile values
	return lenField + attrsSize(dp.Attributes) + 4*fixedField + varint + len(dp.QuantileValues)*(lenField+2*fixedField)
}

func metricSize(m metricdata.Metrics) int {
	// name, description, unit; the data message; aggregation_temporality, is_monotonic
	return lenField + lenField + len(m.Name) + lenField + len(m.Description) + lenField + len(m.Unit) +
		lenField + 2*varint
}

func scopeSize(s instrumentation.Scope) int {
	// ScopeMetrics{scope{name, version, attributes, dropped}, schema_url}
	return lenField + lenField + lenField + len(s.Name) + lenField + len(s.Version) + attrsSize(s.Attributes) + varint +
		lenField + len(s.SchemaURL)
}

func resourceSize(r *resource.Resource) int {
	// ExportMetricsServiceRequest{ResourceMetrics{resource{attributes, dropped}, schema_url}}
	n := lenField + lenField + varint + lenField
	if r != nil {
		n += attrsSize(*r.Set()) + len(r.SchemaURL())
	}
	return n
}
