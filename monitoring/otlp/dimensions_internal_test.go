package otlp

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
)

func setOf(kvs ...attribute.KeyValue) attribute.Set { return attribute.NewSet(kvs...) }

func TestNormalizeAttrs(t *testing.T) {
	long := strings.Repeat("é", 300) // two bytes a character
	tests := []struct {
		name      string
		in        attribute.Set
		inherited []string
		budget    int
		want      attribute.Set
	}{
		{"clean", setOf(attribute.String("table", "T")), nil, 50, setOf(attribute.String("table", "T"))},
		{"lowercase", setOf(attribute.String("Table", "T")), nil, 50, setOf(attribute.String("table", "T"))},
		{"first original key wins", setOf(attribute.String("table", "lower"), attribute.String("TABLE", "upper"), attribute.String("Table", "mixed")), nil, 50,
			setOf(attribute.String("table", "upper"))},
		{"cut by characters", setOf(attribute.String(strings.Repeat("K", 101)+"é", long)), nil, 50,
			setOf(attribute.String(strings.Repeat("k", 100), strings.Repeat("é", 255)))},
		{"non-string kept", setOf(attribute.Int("n", 7), attribute.Bool("b", true)), nil, 50, setOf(attribute.Int("n", 7), attribute.Bool("b", true))},
		{"long list printed and cut", setOf(attribute.StringSlice("l", []string{long})), nil, 50,
			setOf(attribute.String("l", truncate(attribute.StringSliceValue([]string{long}).Emit(), 255)))},
		{"priority then key order", setOf(attribute.String("a", "1"), attribute.String("z", "2"), attribute.String("job_name", "j"), attribute.String("environment", "e")), nil, 3,
			setOf(attribute.String("job_name", "j"), attribute.String("environment", "e"), attribute.String("a", "1"))},
		{"inherited keys are free", setOf(attribute.String("service.name", "s"), attribute.String("a", "1"), attribute.String("b", "2")), []string{"service.name"}, 1,
			setOf(attribute.String("service.name", "s"), attribute.String("a", "1"))},
		{"no budget", setOf(attribute.String("a", "1")), nil, -3, setOf()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inh := map[string]struct{}{}
			for _, k := range tt.inherited {
				inh[k] = struct{}{}
			}
			got := normalizeAttrs(tt.in, inh, tt.budget, pointPriority)
			assert.Equal(t, tt.want.Encoded(attribute.DefaultEncoder()), got.Encoded(attribute.DefaultEncoder()))
		})
	}
}

func TestNormalizeAttrsCleanDoesNotAllocate(t *testing.T) {
	s := setOf(attribute.String("job_name", "j"), attribute.String("table", "T"))
	allocs := testing.AllocsPerRun(100, func() { _ = normalizeAttrs(s, nil, 50, pointPriority) })
	assert.Zero(t, allocs)
}

func TestNormalizeDynatraceResource(t *testing.T) {
	var res []attribute.KeyValue
	for i := range 60 {
		res = append(res, attribute.String(fmt.Sprintf("R%02d", i), "x"))
	}
	res = append(res, attribute.String("service.name", "job"))
	out := normalizeDynatrace(&metricdata.ResourceMetrics{Resource: resource.NewSchemaless(res...)})
	require.Equal(t, DynatraceMaxDimensions, out.Resource.Len(), "resource cut to 50")
	v, ok := out.Resource.Set().Value("service.name")
	assert.True(t, ok && v.AsString() == "job", "service.name kept first")
	_, ok = out.Resource.Set().Value("r00")
	assert.True(t, ok, "keys lowercased, then kept in order")
	_, ok = out.Resource.Set().Value("r49")
	assert.False(t, ok, "the keys that sort last are dropped")
}

func TestNormalizeDynatracePoints(t *testing.T) {
	var res []attribute.KeyValue
	for i := range 45 {
		res = append(res, attribute.String(fmt.Sprintf("r%02d", i), "x"))
	}
	res = append(res, attribute.String("service.name", "job"))
	var point []attribute.KeyValue
	for i := range 5 {
		point = append(point, attribute.String(fmt.Sprintf("p%d", i), "x"))
	}
	point = append(point, attribute.String("scope.key", "override"), attribute.String("job_name", "j"))
	rm := &metricdata.ResourceMetrics{
		Resource: resource.NewSchemaless(res...),
		ScopeMetrics: []metricdata.ScopeMetrics{{
			Scope: instrumentation.Scope{Name: "s", Attributes: setOf(attribute.String("Scope.Key", "v"))},
			Metrics: []metricdata.Metrics{{Name: "rows", Data: metricdata.Sum[float64]{
				DataPoints: []metricdata.DataPoint[float64]{{Attributes: attribute.NewSet(point...), Value: 3}},
			}}},
		}},
	}
	before := rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Sum[float64]).DataPoints[0].Attributes

	out := normalizeDynatrace(rm)
	assert.Same(t, rm.Resource, out.Resource, "a resource that fits is kept")
	sm := out.ScopeMetrics[0]
	assert.Equal(t, []attribute.KeyValue{attribute.String("scope.key", "v")}, sm.Scope.Attributes.ToSlice())
	dp := sm.Metrics[0].Data.(metricdata.Sum[float64]).DataPoints[0]
	assert.Equal(t, 3.0, dp.Value)
	// 46 resource attributes and scope.key leave room for 3 point attributes besides scope.key,
	// which replaces the scope's: job_name first, then p0 and p1.
	assert.Equal(t, []attribute.KeyValue{
		attribute.String("job_name", "j"), attribute.String("p0", "x"), attribute.String("p1", "x"), attribute.String("scope.key", "override"),
	}, dp.Attributes.ToSlice())
	after := rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Sum[float64]).DataPoints[0].Attributes
	assert.True(t, before.Equals(&after), "the input is not modified")
}
