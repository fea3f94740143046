package monitoring_test

// Failure isolation: recording costs the same whether the sink is healthy, failing or hanging
// forever, because sinks export from their own goroutines. Run side by side:
//
//	go test -run '^$' -bench 'WithSink' -benchmem -count 5 ./monitoring

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/monitoringtest"
)

// blockedSink never returns from Export until the benchmark ends.
type blockedSink struct {
	*monitoringtest.Sink
	release chan struct{}
}

func (b blockedSink) Export(context.Context, *metricdata.ResourceMetrics) error {
	<-b.release
	return nil
}

func BenchmarkEmitWithSink(b *testing.B) {
	failing := monitoringtest.NewNamedSink("failing")
	failing.FailWith(errors.New("backend down"))
	cases := []struct {
		name string
		sink func() (monitoring.Sink, func())
	}{
		{"healthy", func() (monitoring.Sink, func()) { return monitoringtest.NewSink(), func() {} }},
		{"failing", func() (monitoring.Sink, func()) { return failing, func() {} }},
		{"hanging", func() (monitoring.Sink, func()) {
			s := blockedSink{Sink: monitoringtest.NewNamedSink("hanging"), release: make(chan struct{})}
			return s, func() { close(s.release) }
		}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			sink, release := tc.sink()
			c, err := monitoring.NewMetricsCollector("bench", "src", monitoring.WithSinks(sink),
				monitoring.WithExportInterval(time.Millisecond), monitoring.WithExportTimeout(5*time.Millisecond),
				monitoring.WithErrorHandler(func(error) {}))
			if err != nil {
				b.Fatal(err)
			}
			dims := monitoring.Dimensions{"table": "CUSTOMERS"}
			bound := c.Counter("rows", dims)
			time.Sleep(20 * time.Millisecond) // let exports start failing or hanging
			b.ReportAllocs()
			for b.Loop() {
				c.EmitCounter(ctx, "emitted", 1, dims)
				bound.Add(1)
			}
			b.StopTimer()
			release()
			sctx, cancel := context.WithTimeout(ctx, time.Second)
			_ = c.Shutdown(sctx)
			cancel()
		})
	}
}
