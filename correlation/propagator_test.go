package correlation_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/plugin/kotel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/etlwatch/etlwatch/correlation"
)

func TestPropagatorFields(t *testing.T) {
	p := correlation.NewPropagator()
	assert.Equal(t, []string{correlation.HeaderKey}, p.Fields())
	assert.Equal(t, "correlation_id", correlation.HeaderKey)

	// Callers may mutate the returned slice without affecting p.
	p.Fields()[0] = "x"
	assert.Equal(t, []string{correlation.HeaderKey}, p.Fields())
}

func TestInject(t *testing.T) {
	tests := []struct {
		name string
		ctx  context.Context
		want propagation.MapCarrier
	}{
		{"no ID", context.Background(), propagation.MapCarrier{}},
		{"valid ID", correlation.ContextWithID(context.Background(), "job-1"),
			propagation.MapCarrier{"correlation_id": "job-1"}},
		{"empty ID", correlation.ContextWithID(context.Background(), ""), propagation.MapCarrier{}},
		{"malformed ID is not written", correlation.ContextWithID(context.Background(), "job\r\nX-Evil: 1"),
			propagation.MapCarrier{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := propagation.MapCarrier{}
			correlation.NewPropagator().Inject(tt.ctx, got)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestInjectExtractMapCarrier(t *testing.T) {
	p := correlation.NewPropagator()
	carrier := propagation.MapCarrier{}
	p.Inject(correlation.ContextWithID(context.Background(), "job-42"), carrier)
	require.Equal(t, "job-42", carrier.Get(correlation.HeaderKey))

	ctx := p.Extract(context.Background(), carrier)
	assert.Equal(t, "job-42", correlation.IDFromContext(ctx))
	assert.Zero(t, p.Rejected())
}

func TestInjectExtractKafkaRecord(t *testing.T) {
	p := correlation.NewPropagator()
	record := &kgo.Record{
		Topic:   "t",
		Headers: []kgo.RecordHeader{{Key: "other", Value: []byte("kept")}},
	}
	p.Inject(correlation.ContextWithID(context.Background(), "job-42"), kotel.NewRecordCarrier(record))

	assert.Equal(t, []kgo.RecordHeader{
		{Key: "other", Value: []byte("kept")},
		{Key: "correlation_id", Value: []byte("job-42")},
	}, record.Headers)

	// Injecting again overwrites the header instead of adding a second one.
	p.Inject(correlation.ContextWithID(context.Background(), "job-43"), kotel.NewRecordCarrier(record))
	require.Len(t, record.Headers, 2)
	assert.Equal(t, []byte("job-43"), record.Headers[1].Value)

	ctx := p.Extract(context.Background(), kotel.NewRecordCarrier(record))
	assert.Equal(t, "job-43", correlation.IDFromContext(ctx))
}

func TestExtract(t *testing.T) {
	parent := correlation.ContextWithID(context.Background(), "parent-id")
	tests := []struct {
		name     string
		carrier  propagation.TextMapCarrier
		want     string // "" with rejected means: some new valid ID
		rejected bool
	}{
		{"absent keeps ctx ID", propagation.MapCarrier{}, "parent-id", false},
		{"empty keeps ctx ID", propagation.MapCarrier{"correlation_id": ""}, "parent-id", false},
		{"nil carrier keeps ctx ID", nil, "parent-id", false},
		{"valid replaces ctx ID", propagation.MapCarrier{"correlation_id": "job-7"}, "job-7", false},
		{"128 chars accepted", propagation.MapCarrier{"correlation_id": strings.Repeat("a", 128)},
			strings.Repeat("a", 128), false},
		{"129 chars rejected", propagation.MapCarrier{"correlation_id": strings.Repeat("a", 129)}, "", true},
		{"newline rejected", propagation.MapCarrier{"correlation_id": "job-7\nlevel=ERROR"}, "", true},
		{"control char rejected", propagation.MapCarrier{"correlation_id": "job\x01"}, "", true},
		{"DEL rejected", propagation.MapCarrier{"correlation_id": "job\x7f"}, "", true},
		{"non-ASCII rejected", propagation.MapCarrier{"correlation_id": "jöb"}, "", true},
		{"huge value rejected", propagation.MapCarrier{"correlation_id": strings.Repeat("x", 1<<20)}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hooked []string
			p := correlation.NewPropagator(correlation.WithRejectHook(func(raw string) {
				hooked = append(hooked, raw)
			}))

			ctx := p.Extract(parent, tt.carrier)
			got := correlation.IDFromContext(ctx)

			if !tt.rejected {
				assert.Equal(t, tt.want, got)
				assert.Zero(t, p.Rejected())
				assert.Empty(t, hooked)
				return
			}
			raw := tt.carrier.Get(correlation.HeaderKey)
			assert.True(t, correlation.Valid(got), "replacement %q is valid", got)
			assert.NotEqual(t, raw, got)
			assert.NotEqual(t, "parent-id", got, "a new ID, not the parent's")
			assert.Equal(t, uint64(1), p.Rejected())
			assert.Equal(t, []string{raw}, hooked, "hook sees the raw value")
		})
	}
}

func TestExtractReplacementsAreDistinct(t *testing.T) {
	p := correlation.NewPropagator()
	bad := propagation.MapCarrier{"correlation_id": "bad\n"}
	a := correlation.IDFromContext(p.Extract(context.Background(), bad))
	b := correlation.IDFromContext(p.Extract(context.Background(), bad))
	assert.NotEqual(t, a, b)
	assert.Equal(t, uint64(2), p.Rejected())
}

func TestNewPropagatorOptions(t *testing.T) {
	bad := propagation.MapCarrier{"correlation_id": "bad\n"}
	t.Run("zero value usable", func(t *testing.T) {
		var p correlation.Propagator
		ctx := p.Extract(context.Background(), bad)
		assert.True(t, correlation.Valid(correlation.IDFromContext(ctx)))
		assert.Equal(t, uint64(1), p.Rejected())
	})
	t.Run("nil hook and nil option", func(t *testing.T) {
		p := correlation.NewPropagator(nil, correlation.WithRejectHook(nil))
		ctx := p.Extract(context.Background(), bad)
		assert.True(t, correlation.Valid(correlation.IDFromContext(ctx)))
		assert.Equal(t, uint64(1), p.Rejected())
	})
	t.Run("last hook wins", func(t *testing.T) {
		var first, second int
		p := correlation.NewPropagator(
			correlation.WithRejectHook(func(string) { first++ }),
			correlation.WithRejectHook(func(string) { second++ }),
		)
		p.Extract(context.Background(), bad)
		assert.Equal(t, 0, first)
		assert.Equal(t, 1, second)
	})
	t.Run("propagators count separately", func(t *testing.T) {
		p1, p2 := correlation.NewPropagator(), correlation.NewPropagator()
		before := correlation.Rejected()
		p1.Extract(context.Background(), bad)
		assert.Equal(t, uint64(1), p1.Rejected())
		assert.Zero(t, p2.Rejected())
		assert.Equal(t, before, correlation.Rejected(), "package counter untouched")
	})
}

func TestPackageLevel(t *testing.T) {
	carrier := propagation.MapCarrier{}
	correlation.Inject(correlation.ContextWithID(context.Background(), "job-9"), carrier)
	assert.Equal(t, propagation.MapCarrier{"correlation_id": "job-9"}, carrier)
	assert.Equal(t, "job-9", correlation.IDFromContext(correlation.Extract(context.Background(), carrier)))

	before := correlation.Rejected()
	ctx := correlation.Extract(context.Background(), propagation.MapCarrier{"correlation_id": "\x00"})
	assert.True(t, correlation.Valid(correlation.IDFromContext(ctx)))
	assert.Equal(t, before+1, correlation.Rejected())
}

func TestCompositeWithTraceContext(t *testing.T) {
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:     trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
		TraceFlags: trace.FlagsSampled,
	})
	require.True(t, sc.IsValid())
	ctx := trace.ContextWithSpanContext(context.Background(), sc)
	ctx = correlation.ContextWithID(ctx, "job-42")

	prop := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, correlation.NewPropagator())
	assert.ElementsMatch(t, []string{"traceparent", "tracestate", "correlation_id"}, prop.Fields())

	carriers := []struct {
		name    string
		carrier func() propagation.TextMapCarrier
	}{
		{"MapCarrier", func() propagation.TextMapCarrier { return propagation.MapCarrier{} }},
		{"kafka record", func() propagation.TextMapCarrier { return kotel.NewRecordCarrier(&kgo.Record{}) }},
	}
	for _, c := range carriers {
		t.Run(c.name, func(t *testing.T) {
			carrier := c.carrier()
			prop.Inject(ctx, carrier)
			assert.Equal(t, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", carrier.Get("traceparent"))
			assert.Equal(t, "job-42", carrier.Get("correlation_id"))

			got := prop.Extract(context.Background(), carrier)
			gotSC := trace.SpanContextFromContext(got)
			assert.Equal(t, sc.TraceID(), gotSC.TraceID())
			assert.Equal(t, sc.SpanID(), gotSC.SpanID())
			assert.True(t, gotSC.IsSampled())
			assert.True(t, gotSC.IsRemote())
			assert.Equal(t, "job-42", correlation.IDFromContext(got))
		})
	}
}

// TestConcurrentExtract runs valid and malformed extractions, injections and
// counter reads at once on one Propagator and on the package default; run it
// with -race.
func TestConcurrentExtract(t *testing.T) {
	const goroutines, perG = 8, 200
	var hooked atomic.Uint64
	p := correlation.NewPropagator(correlation.WithRejectHook(func(string) { hooked.Add(1) }))
	beforePkg := correlation.Rejected()

	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perG {
				var raw string
				if i%2 == 0 {
					raw = "job-ok"
				} else {
					raw = "bad\n" + string(rune('a'+g))
				}
				carrier := propagation.MapCarrier{correlation.HeaderKey: raw}
				for _, ctx := range []context.Context{
					p.Extract(context.Background(), carrier),
					correlation.Extract(context.Background(), carrier),
				} {
					id := correlation.IDFromContext(ctx)
					if !correlation.Valid(id) {
						t.Errorf("extracted invalid ID %q", id)
					}
					out := propagation.MapCarrier{}
					p.Inject(ctx, out)
					if out.Get(correlation.HeaderKey) != id {
						t.Errorf("inject wrote %q, want %q", out.Get(correlation.HeaderKey), id)
					}
				}
				_ = p.Rejected()
				_ = correlation.Rejected()
			}
		})
	}
	wg.Wait()

	const wantRejected = goroutines * perG / 2
	assert.Equal(t, uint64(wantRejected), p.Rejected())
	assert.Equal(t, uint64(wantRejected), hooked.Load())
	assert.Equal(t, beforePkg+wantRejected, correlation.Rejected())
}

// FuzzExtract checks that Extract never panics and never yields a malformed ID.
func FuzzExtract(f *testing.F) {
	for _, s := range []string{"", "job-1", "bad\n", "\x7f", "é", strings.Repeat("a", 129)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p := correlation.NewPropagator()
		got := correlation.IDFromContext(p.Extract(context.Background(), propagation.MapCarrier{correlation.HeaderKey: raw}))
		switch {
		case raw == "":
			if got != "" {
				t.Fatalf("empty header gave ID %q", got)
			}
		case correlation.Valid(raw):
			if got != raw || p.Rejected() != 0 {
				t.Fatalf("valid %q gave %q, rejected=%d", raw, got, p.Rejected())
			}
		default:
			if !correlation.Valid(got) || p.Rejected() != 1 {
				t.Fatalf("malformed %q gave %q, rejected=%d", raw, got, p.Rejected())
			}
		}
	})
}
