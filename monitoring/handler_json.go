package monitoring

import (
	"context"
	"encoding/hex"
	"io"
	"log/slog"
)

// NewJSONHandler returns the fast [slog.Handler] behind [StructuredLogger]'s default output. It writes
// one JSON object per line, in one Write call per line, with this envelope in this key order:
//
//	{"timestamp":"2025-01-27T10:30:45.123456Z","correlation_id":"...","job_name":"...",
//	 "source_name":"...","event_type":"...","environment":"...","severity":"INFO",
//	 "details":{...},"trace_id":"...","span_id":"..."}
//
// The timestamp is the record's time in UTC with microseconds; it is left out only when the record's
// time is zero. correlation_id comes from the context ([correlation.IDFromContext]; "" when absent,
// the key is always written); trace_id and span_id (lowercase hex) are written only when the context
// holds a valid OpenTelemetry span context. severity is DEBUG, INFO, WARNING or ERROR from the
// record's level. Keys inside details are sorted.
//
// The envelope fields job_name, source_name, environment and event_type are taken from top-level
// string attributes of those names (from [slog.Handler.WithAttrs] or the record); a top-level
// correlation_id, trace_id or span_id string attribute is used when the context carries none. A
// top-level attribute named "details" holding a [Details], a map[string]any or a group is merged into
// details. Every other attribute goes into details.
//
// Records that did not come from a [StructuredLogger] (no event_type attribute), such as those of
// [StructuredLogger.Slog], get event_type "log" and carry the record's message in details under
// "message". Groups, from [slog.Handler.WithGroup] or group-valued attributes, are flattened into
// details with dotted keys: slog.Group("req", slog.String("id", "7")) becomes "req.id":"7". When two
// entries share a key, the logger's own fields win over the caller's [Details], which win over other
// attributes; among equals the later one wins.
//
// Values are encoded by type: strings, integers, floats (NaN and ±Inf as the strings "NaN", "+Inf",
// "-Inf"), bools, nil, [time.Time] (RFC 3339 with nanoseconds, UTC), [time.Duration] (seconds as a
// float), error (its Error text), [json.Marshaler], [fmt.Stringer], []string, []any, map[string]any
// and [Details] (as nested objects with sorted keys), [slog.LogValuer] (resolved), and anything else
// through [encoding/json]. A panicking Error, String or MarshalJSON method yields a "!PANIC: ..."
// string instead of a panic. Strings are escaped as JSON requires; invalid UTF-8 becomes \ufffd.
//
// Of opts (which may be nil), Level sets the minimum level (default [slog.LevelInfo]); AddSource adds
// "source" ("file:line") to details of records that carry a program counter; ReplaceAttr is called
// with key [slog.TimeKey] and no groups for the timestamp (return a [time.Time] value to replace it, or
// an empty key to drop it), and for every attribute that goes into details, including the entries of a
// [Details] (groups ["details"]); an empty returned key drops the attribute. ReplaceAttr is not called
// for the envelope fields or severity.
//
// w may be nil, in which case output is discarded. The handler and the handlers derived from it share
// a mutex around w and are safe for concurrent use.
func NewJSONHandler(w io.Writer, opts *slog.HandlerOptions) slog.Handler {
	return &jsonHandler{core: newHandlerCore(w, opts)}
}

type jsonHandler struct {
	core *handlerCore
}

func (h *jsonHandler) addsContextValues() {}

func (h *jsonHandler) Enabled(_ context.Context, level slog.Level) bool {
	return h.core.enabled(level)
}

func (h *jsonHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	return &jsonHandler{core: h.core.withAttrs(attrs)}
}

func (h *jsonHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &jsonHandler{core: h.core.withGroup(name)}
}

func (h *jsonHandler) Handle(ctx context.Context, r slog.Record) error {
	var e entry
	var arr [16]kv
	pairs := h.core.collect(ctx, r, &e, arr[:0])
	if !e.env.isEvent {
		e.env.eventType = EventLog
		pairs = h.core.appendDetail(pairs, keyMessage, slog.StringValue(r.Message), prioSDK)
	}
	bp := getBuffer()
	b := appendEnvelope((*bp)[:0], &e, pairs)
	b = append(b, '\n')
	err := h.core.write(b)
	*bp = b
	putBuffer(bp)
	return err
}

// appendEnvelope writes the JSON envelope of e, without a trailing newline. It sorts pairs.
func appendEnvelope(b []byte, e *entry, pairs []kv) []byte {
	b = append(b, '{')
	if !e.t.IsZero() {
		b = append(b, `"timestamp":"`...)
		b = appendTimestamp(b, e.t)
		b = append(b, `",`...)
	}
	b = append(b, `"correlation_id":`...)
	b = appendString(b, e.env.correlationID)
	b = append(b, `,"job_name":`...)
	b = appendString(b, e.env.jobName)
	b = append(b, `,"source_name":`...)
	b = appendString(b, e.env.sourceName)
	b = append(b, `,"event_type":`...)
	b = appendString(b, e.env.eventType)
	b = append(b, `,"environment":`...)
	b = appendString(b, e.env.environment)
	b = append(b, `,"severity":"`...)
	b = append(b, severity(e.level)...)
	b = append(b, `","details":`...)
	sortDetails(pairs)
	b = appendDetailsObject(b, pairs)
	switch {
	case e.span.IsValid():
		tid, sid := e.span.TraceID(), e.span.SpanID()
		b = append(b, `,"trace_id":"`...)
		b = hex.AppendEncode(b, tid[:])
		b = append(b, `","span_id":"`...)
		b = hex.AppendEncode(b, sid[:])
		b = append(b, '"')
	case e.env.traceID != "":
		b = append(b, `,"trace_id":`...)
		b = appendString(b, e.env.traceID)
		b = append(b, `,"span_id":`...)
		b = appendString(b, e.env.spanID)
	}
	return append(b, '}')
}

// appendDetailsObject writes sorted pairs as an object, one entry per key.
func appendDetailsObject(b []byte, p []kv) []byte {
	b = append(b, '{')
	for i := 0; i < len(p); {
		best, j := i, i+1
		for ; j < len(p) && p[j].key == p[i].key; j++ {
			if p[j].prio >= p[best].prio {
				best = j
			}
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, p[best].key)
		b = append(b, ':')
		if p[best].isRaw {
			b = appendAny(b, p[best].raw, 0)
		} else {
			b = appendValue(b, p[best].val, 0)
		}
		i = j
	}
	return append(b, '}')
}
