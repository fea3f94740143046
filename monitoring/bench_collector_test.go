package monitoring_test

// Benchmarks of the recording hot paths against their anchors, side by side in one run:
//
//	go test -run '^$' -bench 'Counter|Emit|Gauge|Timer' -benchmem -count 5 ./monitoring
//
// Figures and ratios are recorded in docs/BENCHMARKS.md.

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/etlwatch/etlwatch/monitoring"
)

func benchCollector(b *testing.B) *monitoring.MetricsCollector {
	b.Helper()
	c, err := monitoring.NewMetricsCollector("bench", "src",
		monitoring.WithSinks(monitoring.NewLogSink(io.Discard)),
		monitoring.WithExportInterval(time.Hour),
		monitoring.WithErrorHandler(func(err error) { b.Error(err) }))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Shutdown(context.Background()) })
	return c
}

func otelMeter(b *testing.B) metric.Meter {
	b.Helper()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	b.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	return mp.Meter("bench")
}

var benchAttrs = attribute.NewSet(
	attribute.String("job_name", "bench"), attribute.String("source_name", "src"),
	attribute.String("environment", "dev"), attribute.String("table", "CUSTOMERS"))

// BenchmarkCounterAdd: a bound counter, resolved once, incremented per row.
func BenchmarkCounterAdd(b *testing.B) {
	b.Run("etlwatch_bound", func(b *testing.B) {
		h := benchCollector(b).Counter("rows", monitoring.Dimensions{"table": "CUSTOMERS"})
		b.ReportAllocs()
		for b.Loop() {
			h.Add(1)
		}
	})
	b.Run("otel_raw_precomputed", func(b *testing.B) {
		ctr, err := otelMeter(b).Int64Counter("rows")
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		opts := []metric.AddOption{metric.WithAttributeSet(benchAttrs)}
		b.ReportAllocs()
		for b.Loop() {
			ctr.Add(ctx, 1, opts...)
		}
	})
	b.Run("client_golang_cached_child", func(b *testing.B) {
		vec := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rows_total", Help: "rows"}, []string{"table"})
		child := vec.WithLabelValues("CUSTOMERS")
		b.ReportAllocs()
		for b.Loop() {
			child.Inc()
		}
	})
}

// BenchmarkCounterAddParallel: the same bound counter from every core at once.
func BenchmarkCounterAddParallel(b *testing.B) {
	b.Run("etlwatch_bound", func(b *testing.B) {
		h := benchCollector(b).Counter("rows", monitoring.Dimensions{"table": "CUSTOMERS"})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				h.Add(1)
			}
		})
	})
	b.Run("client_golang_cached_child", func(b *testing.B) {
		vec := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rows_total", Help: "rows"}, []string{"table"})
		child := vec.WithLabelValues("CUSTOMERS")
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				child.Inc()
			}
		})
	})
}

// BenchmarkEmitCounter: the unbound call with a one-entry dimension map, against client_golang's
// WithLabelValues(...).Inc() with one label (target: at most 1.5x).
func BenchmarkEmitCounter(b *testing.B) {
	ctx := context.Background()
	b.Run("etlwatch_1dim", func(b *testing.B) {
		c := benchCollector(b)
		dims := monitoring.Dimensions{"table": "CUSTOMERS"}
		b.ReportAllocs()
		for b.Loop() {
			c.EmitCounter(ctx, "rows", 1, dims)
		}
	})
	b.Run("etlwatch_1dim_literal", func(b *testing.B) {
		c := benchCollector(b)
		table := "CUSTOMERS"
		b.ReportAllocs()
		for b.Loop() {
			c.EmitCounter(ctx, "rows", 1, monitoring.Dimensions{"table": table})
		}
	})
	b.Run("client_golang_WithLabelValues", func(b *testing.B) {
		vec := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rows_total", Help: "rows"}, []string{"table"})
		b.ReportAllocs()
		for b.Loop() {
			vec.WithLabelValues("CUSTOMERS").Inc()
		}
	})
	b.Run("otel_raw_3attrs_per_call", func(b *testing.B) {
		ctr, err := otelMeter(b).Float64Counter("rows")
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			ctr.Add(ctx, 1, metric.WithAttributes(attribute.String("job_name", "bench"),
				attribute.String("source_name", "src"), attribute.String("table", "CUSTOMERS")))
		}
	})
}

// BenchmarkGaugeSet: a bound gauge against client_golang's cached gauge child.
func BenchmarkGaugeSet(b *testing.B) {
	b.Run("etlwatch_bound", func(b *testing.B) {
		g := benchCollector(b).Gauge("lag", monitoring.UnitSeconds, monitoring.Dimensions{"table": "CUSTOMERS"})
		b.ReportAllocs()
		for b.Loop() {
			g.Set(1.5)
		}
	})
	b.Run("client_golang_cached_child", func(b *testing.B) {
		vec := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "lag_seconds", Help: "lag"}, []string{"table"})
		child := vec.WithLabelValues("CUSTOMERS")
		b.ReportAllocs()
		for b.Loop() {
			child.Set(1.5)
		}
	})
}

// BenchmarkTimerRecord: a bound duration series against the raw OpenTelemetry histogram it feeds.
func BenchmarkTimerRecord(b *testing.B) {
	b.Run("etlwatch_bound", func(b *testing.B) {
		tm := benchCollector(b).Timer("batch_time", monitoring.Dimensions{"table": "CUSTOMERS"})
		b.ReportAllocs()
		for b.Loop() {
			tm.Record(1500 * time.Microsecond)
		}
	})
	b.Run("otel_raw_precomputed", func(b *testing.B) {
		h, err := otelMeter(b).Float64Histogram("batch_time", metric.WithExplicitBucketBoundaries(monitoring.DefaultDurationBuckets...))
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		opts := []metric.RecordOption{metric.WithAttributeSet(benchAttrs)}
		b.ReportAllocs()
		for b.Loop() {
			h.Record(ctx, 0.0015, opts...)
		}
	})
	b.Run("client_golang_cached_child", func(b *testing.B) {
		vec := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "batch_time_seconds", Help: "t", Buckets: monitoring.DefaultDurationBuckets}, []string{"table"})
		child := vec.WithLabelValues("CUSTOMERS")
		b.ReportAllocs()
		for b.Loop() {
			child.Observe(0.0015)
		}
	})
}
