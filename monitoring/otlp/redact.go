package otlp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// redacted replaces a credential wherever it would be shown.
const redacted = "[REDACTED]"

// secret holds a credential, such as a Dynatrace API token. Every way of printing it prints
// [redacted]; its methods accept a nil *secret, which holds nothing.
type secret struct{ v string }

func (*secret) String() string                { return redacted }
func (*secret) GoString() string              { return redacted }
func (*secret) Format(f fmt.State, _ rune)    { _, _ = io.WriteString(f, redacted) }
func (*secret) LogValue() slog.Value          { return slog.StringValue(redacted) }
func (*secret) MarshalText() ([]byte, error)  { return []byte(redacted), nil }
func (s *secret) scrub(msg string) string     { return strings.ReplaceAll(msg, s.v, redacted) }
func (s *secret) leaks(msg string) bool       { return s != nil && s.v != "" && strings.Contains(msg, s.v) }
func (s *secret) header(scheme string) string { return scheme + " " + s.v }

// redact returns err unchanged when its message does not contain the credential, and otherwise an
// error whose message has it replaced by [redacted]. A backend that echoes the request's headers
// in its error body would otherwise put the credential into errors and logs.
func (s *secret) redact(err error) error {
	if err == nil || !s.leaks(err.Error()) {
		return err
	}
	return &redactedError{msg: s.scrub(err.Error()), inner: err}
}

// redactedError is an error whose message had a credential removed. errors.Is sees through it;
// Unwrap and errors.As do not, since the wrapped error would show the credential.
type redactedError struct {
	msg   string
	inner error
}

func (e *redactedError) Error() string              { return e.msg }
func (e *redactedError) GoString() string           { return e.msg }
func (e *redactedError) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, e.msg) }
func (e *redactedError) Is(target error) bool       { return errors.Is(e.inner, target) }

// redactingSpanExporter removes a credential from the errors of the span exporter it wraps, which
// the batch span processor hands to the OpenTelemetry error handler (stderr by default).
type redactingSpanExporter struct {
	exp sdktrace.SpanExporter
	sec *secret
}

func (e redactingSpanExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	return e.sec.redact(e.exp.ExportSpans(ctx, spans))
}

func (e redactingSpanExporter) Shutdown(ctx context.Context) error {
	return e.sec.redact(e.exp.Shutdown(ctx))
}

func (e redactingSpanExporter) String() string { return "otlp.redactingSpanExporter" }
