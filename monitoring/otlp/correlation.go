package otlp

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/etlwatch/etlwatch/correlation"
)

// CorrelationSpanProcessor is an OpenTelemetry span processor that puts the correlation ID of the
// context a span starts in ([correlation.IDFromContext]) on the span, as the attribute
// correlation_id ([correlation.HeaderKey]), so that a job's spans can be joined with its logs and
// metrics. A span started in a context without a correlation ID gets no attribute. It exports
// nothing itself: install it beside an exporting processor, as [NewTracerProvider] and
// [NewDynatraceTracerProvider] do:
//
//	tp := sdktrace.NewTracerProvider(
//		sdktrace.WithSpanProcessor(otlp.CorrelationSpanProcessor{}),
//		sdktrace.WithBatcher(exporter),
//	)
//
// The zero value is ready to use and safe for concurrent use.
type CorrelationSpanProcessor struct{}

var _ sdktrace.SpanProcessor = CorrelationSpanProcessor{}

// OnStart sets the correlation_id attribute from parent, the context the span was started in.
func (CorrelationSpanProcessor) OnStart(parent context.Context, s sdktrace.ReadWriteSpan) {
	if id := correlation.IDFromContext(parent); id != "" {
		s.SetAttributes(attribute.String(correlation.HeaderKey, id))
	}
}

// OnEnd does nothing.
func (CorrelationSpanProcessor) OnEnd(sdktrace.ReadOnlySpan) {}

// Shutdown does nothing and returns nil.
func (CorrelationSpanProcessor) Shutdown(context.Context) error { return nil }

// ForceFlush does nothing and returns nil.
func (CorrelationSpanProcessor) ForceFlush(context.Context) error { return nil }
