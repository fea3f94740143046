package monitoring

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
)

// consoleLoggerName is the logger name of console lines; events use consoleLoggerName + "." + job name.
const consoleLoggerName = "etlwatch"

// NewConsoleHandler returns an [slog.Handler] that writes one line per record in the reference
// "standard" format of the Python SDK:
//
//	2025-01-25 10:30:45 - [worker-3] - etlwatch.bulk_load - INFO - EVENT: {json envelope}
//	2025-01-25 10:30:45 - [main] - etlwatch - INFO - CUSTOMERS: Extracting 1000 records rows=1000
//
// The time is the record's time in its own location (the local time for records made with
// [time.Now]), to the second; it is left out, with its separator, when the record's time is zero. The
// worker is [WorkerFromContext] of the record's context. Records from a [StructuredLogger] (those with
// an event_type attribute) print as logger "etlwatch.<job_name>" and "EVENT: " followed by the same
// JSON envelope [NewJSONHandler] writes. Other records print as logger "etlwatch" and their message
// followed by their attributes as key=value, in order, groups flattened with dots; strings are quoted
// when they contain spaces, quotes, '=' or non-printable characters. The envelope attributes
// (job_name, source_name, environment, correlation_id, trace_id, span_id) are not repeated as
// key=value. A string attribute "logger" replaces the logger name of either kind of line.
//
// opts is used as by [NewJSONHandler]: Level, AddSource, and ReplaceAttr (called for the time with key
// [slog.TimeKey] and for the attributes). w may be nil, in which case output is discarded. The
// handler and the handlers derived from it share a mutex around w, write each line with one Write
// call, and are safe for concurrent use.
func NewConsoleHandler(w io.Writer, opts *slog.HandlerOptions) slog.Handler {
	return &consoleHandler{core: newHandlerCore(w, opts)}
}

type consoleHandler struct {
	core *handlerCore
}

func (h *consoleHandler) addsContextValues() {}

func (h *consoleHandler) Enabled(_ context.Context, level slog.Level) bool {
	return h.core.enabled(level)
}

func (h *consoleHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	return &consoleHandler{core: h.core.withAttrs(attrs)}
}

func (h *consoleHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &consoleHandler{core: h.core.withGroup(name)}
}

func (h *consoleHandler) Handle(ctx context.Context, r slog.Record) error {
	if ctx == nil {
		ctx = context.Background()
	}
	var e entry
	var arr [16]kv
	pairs := h.core.collect(ctx, r, &e, arr[:0])
	event := e.env.isEvent

	bp := getBuffer()
	b := (*bp)[:0]
	if !e.t.IsZero() {
		b = e.t.AppendFormat(b, time.DateTime)
		b = append(b, " - "...)
	}
	b = append(b, '[')
	b = append(b, WorkerFromContext(ctx)...)
	b = append(b, "] - "...)
	switch {
	case e.env.logger != "":
		b = append(b, e.env.logger...)
	case event && e.env.jobName != "":
		b = append(b, consoleLoggerName+"."...)
		b = append(b, e.env.jobName...)
	default:
		b = append(b, consoleLoggerName...)
	}
	b = append(b, " - "...)
	b = append(b, severity(e.level)...)
	b = append(b, " - "...)
	if event {
		b = append(b, "EVENT: "...)
		b = appendEnvelope(b, &e, pairs)
	} else {
		b = append(b, r.Message...)
		for i := range pairs {
			b = append(b, ' ')
			b = append(b, pairs[i].key...)
			b = append(b, '=')
			b = appendConsoleValue(b, pairs[i].value())
		}
	}
	b = append(b, '\n')
	err := h.core.write(b)
	*bp = b
	putBuffer(bp)
	return err
}

// appendConsoleValue writes v for a key=value pair: text for scalars, JSON for composites.
func appendConsoleValue(b []byte, v slog.Value) []byte {
	switch v.Kind() {
	case slog.KindString:
		return appendMaybeQuoted(b, v.String())
	case slog.KindTime:
		return v.Time().AppendFormat(b, time.RFC3339Nano)
	case slog.KindDuration:
		return append(b, v.Duration().String()...)
	case slog.KindFloat64:
		return strconv.AppendFloat(b, v.Float64(), 'g', -1, 64)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case string:
			return appendMaybeQuoted(b, x)
		case error, interface{ String() string }:
			s := appendSafely(nil, x, appendOther) // a JSON string
			if u, err := strconv.Unquote(string(s)); err == nil {
				return appendMaybeQuoted(b, u)
			}
			return append(b, s...)
		}
	}
	return appendValue(b, v, 0)
}

// appendMaybeQuoted writes s bare, or Go-quoted when it is empty or holds spaces, quotes, '=' or
// characters that are not printable.
func appendMaybeQuoted(b []byte, s string) []byte {
	if needsQuoting(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

func needsQuoting(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}
