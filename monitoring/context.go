package monitoring

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/otel/trace"

	"github.com/etlwatch/etlwatch/correlation"
)

// DefaultWorker is the worker name [WorkerFromContext] reports when the context carries none. It plays
// the part of Python's main-thread name in console lines.
const DefaultWorker = "main"

type workerKey struct{}

// ContextWithWorker returns a copy of ctx that carries the worker name, such as "worker-3". Go has no
// thread names, so a pipeline that fans work out to goroutines names each goroutine's context instead;
// the console handler ([NewConsoleHandler]) prints the name in brackets. An empty name leaves ctx as is.
func ContextWithWorker(ctx context.Context, name string) context.Context {
	if name == "" {
		return ctx
	}
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithValue(ctx, workerKey{}, name)
}

// WorkerFromContext returns the worker name stored by [ContextWithWorker], or [DefaultWorker] when ctx
// (which may be nil) carries none. It does not allocate.
func WorkerFromContext(ctx context.Context) string {
	if ctx != nil {
		if name, ok := ctx.Value(workerKey{}).(string); ok {
			return name
		}
	}
	return DefaultWorker
}

// NewContextHandler wraps h so that every record it handles carries the values of its context as
// leading attributes: correlation_id ([correlation.IDFromContext]) when the context has one, and
// trace_id and span_id (lowercase hex) when it holds a valid OpenTelemetry span context. Records
// whose context has none of these pass through unchanged.
//
// [NewStructuredLogger] wraps a handler given with [WithHandler] this way (the handlers of this
// package add the values themselves and are not wrapped). It is also useful on its own, to give a
// program's own [slog.Logger] the same correlation fields:
//
//	logger := slog.New(monitoring.NewContextHandler(slog.NewJSONHandler(os.Stderr, nil)))
//
// As for any record attribute, the added attributes land in the group opened by WithGroup, if any.
// The returned handler is safe for concurrent use if h is.
func NewContextHandler(h slog.Handler) slog.Handler {
	if h == nil {
		h = slog.DiscardHandler
	}
	return &contextHandler{h: h}
}

type contextHandler struct {
	h slog.Handler
}

func (h *contextHandler) addsContextValues() {}

func (h *contextHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.h.Enabled(ctx, level)
}

func (h *contextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &contextHandler{h: h.h.WithAttrs(attrs)}
}

func (h *contextHandler) WithGroup(name string) slog.Handler {
	return &contextHandler{h: h.h.WithGroup(name)}
}

func (h *contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if ctx == nil {
		ctx = context.Background()
	}
	id := correlation.IDFromContext(ctx)
	sc := trace.SpanContextFromContext(ctx)
	if id == "" && !sc.IsValid() {
		return h.h.Handle(ctx, r)
	}
	nr := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	if id != "" {
		nr.AddAttrs(slog.String(keyCorrelationID, id))
	}
	if sc.IsValid() {
		nr.AddAttrs(slog.String(keyTraceID, sc.TraceID().String()), slog.String(keySpanID, sc.SpanID().String()))
	}
	r.Attrs(func(a slog.Attr) bool {
		nr.AddAttrs(a)
		return true
	})
	return h.h.Handle(ctx, nr)
}
