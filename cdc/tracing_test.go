package cdc_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/plugin/kotel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/monitoringtest"
)

// With kotel hooks on the producer and WithTracing on the consumer, the publish, receive and
// process spans of a record and the span of the Iceberg commit that applies it share one trace,
// and the batch's cdc_batch_complete event carries it.
func TestConsumerTracing(t *testing.T) {
	r := newRig(t)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer tp.Shutdown(context.Background()) //nolint:errcheck
	prop := propagation.TraceContext{}
	tracer := kotel.NewTracer(kotel.TracerProvider(tp), kotel.TracerPropagator(prop))
	prod, err := kgo.NewClient(kgo.SeedBrokers(r.cluster.ListenAddrs()...), kgo.WithHooks(tracer))
	require.NoError(t, err)
	defer prod.Close()
	require.NoError(t, prod.ProduceSync(t.Context(), change(topic, keyOf("orders", 1), envelope(t, "orders", "c", nil, &order{ID: 1, Qty: i32(1)}, 1))).FirstErr())
	logs := monitoringtest.NewLogCapture()
	c, err := cdc.Open(r.src, r.tm, cdc.WithTracing(tp, prop), cdc.WithLogger(monitoring.NewStructuredLogger("cdc", "pg", logs.Option())))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	require.Eventually(t, func() bool { return len(logs.EventsOfType(cdc.EventBatchComplete)) > 0 }, 10*time.Second, 10*time.Millisecond)
	cancel()
	require.NoError(t, <-done)
	c.Close()

	spans := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range rec.Ended() {
		spans[s.Name()] = s
	}
	names := make([]string, 0, len(spans))
	for n := range spans {
		names = append(names, n)
	}
	for _, n := range []string{topic + " publish", topic + " receive", topic + " process", "iceberg commit orders"} {
		require.Contains(t, spans, n, "spans: %v", names)
	}
	trace := spans[topic+" publish"].SpanContext().TraceID()
	for _, n := range []string{topic + " receive", topic + " process", "iceberg commit orders"} {
		assert.Equal(t, trace, spans[n].SpanContext().TraceID(), n)
	}
	assert.Equal(t, spans[topic+" process"].SpanContext().SpanID(), spans["iceberg commit orders"].Parent().SpanID())
	batch := logs.EventsOfType(cdc.EventBatchComplete)[0]
	assert.Equal(t, trace.String(), batch.TraceID)
}
