package otlp

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/etlwatch/etlwatch/monitoring"
)

// pointPriority are the data point dimensions kept first when a point has too many.
var pointPriority = []string{
	monitoring.DimJobName, monitoring.DimSourceName, monitoring.DimEnvironment, monitoring.OverflowDimension,
}

// resourcePriority are the resource attributes kept first when a resource has too many.
var resourcePriority = []string{"service.name", "deployment.environment.name"}

// normalizeDynatrace returns rm with its dimensions within Dynatrace's limits (see
// [NewDynatraceSink]). Data points whose dimensions already fit keep their attribute sets; rm is
// not modified.
func normalizeDynatrace(rm *metricdata.ResourceMetrics) *metricdata.ResourceMetrics {
	out := &metricdata.ResourceMetrics{
		Resource:     normalizeResource(rm.Resource),
		ScopeMetrics: make([]metricdata.ScopeMetrics, len(rm.ScopeMetrics)),
	}
	resKeys := map[string]struct{}{}
	if out.Resource != nil {
		for it := out.Resource.Iter(); it.Next(); {
			resKeys[string(it.Attribute().Key)] = struct{}{}
		}
	}
	for i, sm := range rm.ScopeMetrics {
		scope := sm.Scope
		scope.Attributes = normalizeAttrs(scope.Attributes, resKeys, DynatraceMaxDimensions-len(resKeys), nil)
		inherited := resKeys
		if scope.Attributes.Len() > 0 {
			inherited = make(map[string]struct{}, len(resKeys)+scope.Attributes.Len())
			for k := range resKeys {
				inherited[k] = struct{}{}
			}
			for it := scope.Attributes.Iter(); it.Next(); {
				inherited[string(it.Attribute().Key)] = struct{}{}
			}
		}
		budget := DynatraceMaxDimensions - len(inherited)
		norm := func(s attribute.Set) attribute.Set { return normalizeAttrs(s, inherited, budget, pointPriority) }
		metrics := make([]metricdata.Metrics, len(sm.Metrics))
		for j, m := range sm.Metrics {
			m.Data = normalizeData(m.Data, norm)
			metrics[j] = m
		}
		out.ScopeMetrics[i] = metricdata.ScopeMetrics{Scope: scope, Metrics: metrics}
	}
	return out
}

func normalizeResource(r *resource.Resource) *resource.Resource {
	if r == nil {
		return nil
	}
	s := *r.Set()
	n := normalizeAttrs(s, nil, DynatraceMaxDimensions, resourcePriority)
	if n.Equals(&s) {
		return r
	}
	return resource.NewWithAttributes(r.SchemaURL(), n.ToSlice()...)
}

func normalizeData(a metricdata.Aggregation, norm func(attribute.Set) attribute.Set) metricdata.Aggregation {
	switch d := a.(type) {
	case metricdata.Gauge[int64]:
		d.DataPoints = mapPoints(d.DataPoints, func(p *metricdata.DataPoint[int64]) { p.Attributes = norm(p.Attributes) })
		return d
	case metricdata.Gauge[float64]:
		d.DataPoints = mapPoints(d.DataPoints, func(p *metricdata.DataPoint[float64]) { p.Attributes = norm(p.Attributes) })
		return d
	case metricdata.Sum[int64]:
		d.DataPoints = mapPoints(d.DataPoints, func(p *metricdata.DataPoint[int64]) { p.Attributes = norm(p.Attributes) })
		return d
	case metricdata.Sum[float64]:
		d.DataPoints = mapPoints(d.DataPoints, func(p *metricdata.DataPoint[float64]) { p.Attributes = norm(p.Attributes) })
		return d
	case metricdata.Histogram[int64]:
		d.DataPoints = mapPoints(d.DataPoints, func(p *metricdata.HistogramDataPoint[int64]) { p.Attributes = norm(p.Attributes) })
		return d
	case metricdata.Histogram[float64]:
		d.DataPoints = mapPoints(d.DataPoints, func(p *metricdata.HistogramDataPoint[float64]) { p.Attributes = norm(p.Attributes) })
		return d
	case metricdata.ExponentialHistogram[int64]:
		d.DataPoints = mapPoints(d.DataPoints, func(p *metricdata.ExponentialHistogramDataPoint[int64]) { p.Attributes = norm(p.Attributes) })
		return d
	case metricdata.ExponentialHistogram[float64]:
		d.DataPoints = mapPoints(d.DataPoints, func(p *metricdata.ExponentialHistogramDataPoint[float64]) { p.Attributes = norm(p.Attributes) })
		return d
	case metricdata.Summary:
		d.DataPoints = mapPoints(d.DataPoints, func(p *metricdata.SummaryDataPoint) { p.Attributes = norm(p.Attributes) })
		return d
	default:
		return a
	}
}

// mapPoints returns a copy of dps with f applied to every point.
func mapPoints[P any](dps []P, f func(*P)) []P {
	out := slices.Clone(dps)
	for i := range out {
		f(&out[i])
	}
	return out
}

// normalizeAttrs returns s with keys lowercased and cut to 100 characters, string values cut to 255
// characters, and at most budget attributes whose keys are not in inherited (an attribute with an
// inherited key replaces the inherited one rather than adding a dimension). When keys collide, the
// attribute whose original key sorts first is kept. Over budget, the keys in priority are kept
// first, in that order, then the others in key order. s is returned as is when it fits.
func normalizeAttrs(s attribute.Set, inherited map[string]struct{}, budget int, priority []string) attribute.Set {
	budget = max(budget, 0)
	if attrsFit(s, inherited, budget) {
		return s
	}
	kvs := make([]attribute.KeyValue, 0, s.Len())
	seen := make(map[string]struct{}, s.Len())
	for it := s.Iter(); it.Next(); { // in original key order
		kv := it.Attribute()
		k := normalizeKey(string(kv.Key))
		if _, dup := seen[k]; dup || k == "" {
			continue
		}
		seen[k] = struct{}{}
		kvs = append(kvs, attribute.KeyValue{Key: attribute.Key(k), Value: normalizeValue(kv.Value)})
	}
	rank := func(k attribute.Key) int {
		if i := slices.Index(priority, string(k)); i >= 0 {
			return i
		}
		return len(priority)
	}
	slices.SortFunc(kvs, func(a, b attribute.KeyValue) int {
		return cmp.Or(cmp.Compare(rank(a.Key), rank(b.Key)), strings.Compare(string(a.Key), string(b.Key)))
	})
	kept, extra := kvs[:0], 0
	for _, kv := range kvs {
		if _, ok := inherited[string(kv.Key)]; ok {
			kept = append(kept, kv)
		} else if extra < budget {
			kept = append(kept, kv)
			extra++
		}
	}
	return attribute.NewSet(kept...)
}

// attrsFit reports whether s needs no change.
func attrsFit(s attribute.Set, inherited map[string]struct{}, budget int) bool {
	extra := 0
	for it := s.Iter(); it.Next(); {
		kv := it.Attribute()
		k := string(kv.Key)
		if k == "" || normalizeKey(k) != k || !valueFits(kv.Value) {
			return false
		}
		if _, ok := inherited[k]; !ok {
			extra++
		}
	}
	return extra <= budget
}

func normalizeKey(k string) string {
	return truncate(strings.ToLower(k), dynatraceMaxKeyLength)
}

func valueFits(v attribute.Value) bool {
	switch v.Type() {
	case attribute.STRING:
		s := v.AsString()
		return len(s) <= dynatraceMaxValueLength || utf8.RuneCountInString(s) <= dynatraceMaxValueLength
	case attribute.BOOL, attribute.INT64, attribute.FLOAT64:
		return true
	default:
		return utf8.RuneCountInString(v.Emit()) <= dynatraceMaxValueLength
	}
}

func normalizeValue(v attribute.Value) attribute.Value {
	switch v.Type() {
	case attribute.STRING:
		if s := v.AsString(); len(s) > dynatraceMaxValueLength {
			return attribute.StringValue(truncate(s, dynatraceMaxValueLength))
		}
		return v
	case attribute.BOOL, attribute.INT64, attribute.FLOAT64:
		return v
	default:
		if s := v.Emit(); utf8.RuneCountInString(s) > dynatraceMaxValueLength {
			return attribute.StringValue(truncate(s, dynatraceMaxValueLength))
		}
		return v
	}
}

// truncate cuts s to at most n characters (runes).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}
