package monitoring

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/trace"

	"github.com/etlwatch/etlwatch/correlation"
)

// Keys of the event envelope. The logger sends job_name, source_name, environment, event_type and
// details as record attributes; the handlers read them back by these keys.
const (
	keyTimestamp     = "timestamp"
	keyCorrelationID = "correlation_id"
	keyJobName       = "job_name"
	keySourceName    = "source_name"
	keyEventType     = "event_type"
	keyEnvironment   = "environment"
	keySeverity      = "severity"
	keyDetails       = "details"
	keyTraceID       = "trace_id"
	keySpanID        = "span_id"
	keyLogger        = "logger"
	keyMessage       = "message"
	keySource        = "source"
)

// maxDepth bounds the nesting of encoded values, so a self-referential []any or map cannot recurse
// forever.
const maxDepth = 32

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

// contextAware is implemented by the handlers of this package that add the context values
// (correlation ID, trace and span IDs) themselves; [NewStructuredLogger] does not wrap those in
// [NewContextHandler].
type contextAware interface {
	addsContextValues()
}

// Priorities of details entries that share a key: the higher one is written.
const (
	prioAttr uint8 = iota // attributes from WithAttrs or the record
	prioUser              // the caller's Details
	prioSDK               // the logger's own fields (table, records, ...) and the record message
)

// kv is one details entry before encoding: an attribute value, or a raw value from a Details map
// (kept as is so that, say, a float32 keeps its precision).
type kv struct {
	key   string
	val   slog.Value
	raw   any
	isRaw bool
	prio  uint8
}

// value returns p's value as an slog.Value.
func (p *kv) value() slog.Value {
	if p.isRaw {
		return slog.AnyValue(p.raw)
	}
	return p.val
}

// envelope holds the fields of an event that are not in details.
type envelope struct {
	jobName       string
	sourceName    string
	environment   string
	eventType     string
	isEvent       bool // an event_type attribute was seen, possibly ""
	correlationID string
	traceID       string // from an attribute; a valid span context in ctx wins
	spanID        string
	logger        string // console logger name override
}

// entry is one record being written.
type entry struct {
	t     time.Time
	level slog.Level
	env   envelope
	span  trace.SpanContext
}

// handlerCore is the state shared by the JSON and console handlers: options, writer, and what
// WithAttrs and WithGroup accumulated. It is never modified after creation; WithAttrs and WithGroup
// copy it.
type handlerCore struct {
	opts   slog.HandlerOptions
	mu     *sync.Mutex
	w      io.Writer
	env    envelope
	pre    []kv     // attributes from WithAttrs, qualified by their groups, resolved and replaced
	groups []string // open groups, for ReplaceAttr
	prefix string   // open groups joined with dots, plus a trailing dot
}

func newHandlerCore(w io.Writer, opts *slog.HandlerOptions) *handlerCore {
	c := &handlerCore{mu: new(sync.Mutex), w: w}
	if opts != nil {
		c.opts = *opts
	}
	if c.w == nil {
		c.w = io.Discard
	}
	return c
}

func (c *handlerCore) enabled(level slog.Level) bool {
	min := slog.LevelInfo
	if c.opts.Level != nil {
		min = c.opts.Level.Level()
	}
	return level >= min
}

func (c *handlerCore) clone() *handlerCore {
	nc := *c
	nc.pre = slices.Clip(c.pre)
	nc.groups = slices.Clip(c.groups)
	return &nc
}

func (c *handlerCore) withAttrs(attrs []slog.Attr) *handlerCore {
	nc := c.clone()
	for _, a := range attrs {
		nc.pre = nc.addAttr(nc.pre, &nc.env, a, nc.prefix, nc.groups, nc.prefix == "")
	}
	return nc
}

func (c *handlerCore) withGroup(name string) *handlerCore {
	nc := c.clone()
	nc.groups = append(nc.groups, name)
	nc.prefix = c.prefix + name + "."
	return nc
}

func (c *handlerCore) write(b []byte) error {
	c.mu.Lock()
	_, err := c.w.Write(b)
	c.mu.Unlock()
	return err
}

// collect gathers the envelope of r into e and its details entries, in order of appearance, into
// pairs. It does not add the record's message.
func (c *handlerCore) collect(ctx context.Context, r slog.Record, e *entry, pairs []kv) []kv {
	if ctx == nil {
		ctx = context.Background()
	}
	e.level = r.Level
	e.env = c.env
	e.t = r.Time
	if rep := c.opts.ReplaceAttr; rep != nil && !e.t.IsZero() {
		e.t = replaceTime(rep, e.t)
	}
	pairs = append(pairs, c.pre...)
	r.Attrs(func(a slog.Attr) bool {
		pairs = c.addAttr(pairs, &e.env, a, c.prefix, c.groups, c.prefix == "")
		return true
	})
	if c.opts.AddSource && r.PC != 0 {
		if src := r.Source(); src != nil && src.File != "" {
			pairs = c.appendDetail(pairs, keySource, slog.StringValue(src.File+":"+strconv.Itoa(src.Line)), prioSDK)
		}
	}
	if id := correlation.IDFromContext(ctx); id != "" {
		e.env.correlationID = id
	}
	e.span = trace.SpanContextFromContext(ctx)
	return pairs
}

// replaceTime applies ReplaceAttr to the timestamp; a zero result drops it.
func replaceTime(rep func([]string, slog.Attr) slog.Attr, t time.Time) (out time.Time) {
	defer func() {
		if recover() != nil {
			out = t
		}
	}()
	a := rep(nil, slog.Time(slog.TimeKey, t))
	if a.Key == "" {
		return time.Time{}
	}
	if v := a.Value.Resolve(); v.Kind() == slog.KindTime {
		return v.Time()
	}
	return t
}

// detailsGroups is what ReplaceAttr sees as the groups of a Details entry. It must not be modified.
var detailsGroups = []string{keyDetails}

// appendDetail adds one details entry, applying ReplaceAttr.
func (c *handlerCore) appendDetail(pairs []kv, key string, v slog.Value, prio uint8) []kv {
	if rep := c.opts.ReplaceAttr; rep != nil {
		a, ok := replace(rep, detailsGroups, slog.Attr{Key: key, Value: v})
		if !ok {
			return pairs
		}
		key, v = a.Key, a.Value
	}
	return append(pairs, kv{key: key, val: v, prio: prio})
}

// replace calls ReplaceAttr, reporting false if the attribute is dropped or the function panics.
func replace(rep func([]string, slog.Attr) slog.Attr, groups []string, a slog.Attr) (out slog.Attr, ok bool) {
	defer func() {
		if recover() != nil {
			out, ok = slog.Attr{}, false
		}
	}()
	a = rep(groups, a)
	if a.Key == "" {
		return a, false
	}
	return a, true
}

// addAttr sorts a into the envelope or the details entries. top reports whether a is outside any group,
// where the envelope keys are recognised.
func (c *handlerCore) addAttr(pairs []kv, env *envelope, a slog.Attr, prefix string, groups []string, top bool) []kv {
	if a.Key == "" && a.Value.Kind() == slog.KindAny && a.Value.Any() == nil {
		return pairs // the empty Attr
	}
	if top && a.Key == keyDetails {
		switch d := a.Value.Any().(type) {
		case Details:
			return c.appendDetailsMap(pairs, d, prioUser)
		case *eventDetails:
			if d == nil {
				return pairs
			}
			for i := 0; i < d.n; i++ {
				pairs = c.appendDetail(pairs, d.fixed[i].Key, d.fixed[i].Value, prioSDK)
			}
			return c.appendDetailsMap(pairs, d.user, prioUser)
		case map[string]any:
			return c.appendDetailsMap(pairs, d, prioUser)
		}
	}
	v := resolve(a.Value)
	if v.Kind() == slog.KindGroup {
		attrs := v.Group()
		if len(attrs) == 0 {
			return pairs
		}
		if a.Key == keyDetails && top {
			for _, ga := range attrs {
				pairs = c.addAttr(pairs, env, ga, "", detailsGroups, false)
			}
			return pairs
		}
		if a.Key != "" {
			prefix = prefix + a.Key + "."
			groups = append(slices.Clip(groups), a.Key)
			top = false
		}
		for _, ga := range attrs {
			pairs = c.addAttr(pairs, env, ga, prefix, groups, top)
		}
		return pairs
	}
	if top && v.Kind() == slog.KindString {
		s := v.String()
		switch a.Key {
		case keyJobName:
			env.jobName = s
			return pairs
		case keySourceName:
			env.sourceName = s
			return pairs
		case keyEnvironment:
			env.environment = s
			return pairs
		case keyEventType:
			env.eventType, env.isEvent = s, true
			return pairs
		case keyCorrelationID:
			env.correlationID = s
			return pairs
		case keyTraceID:
			env.traceID = s
			return pairs
		case keySpanID:
			env.spanID = s
			return pairs
		case keyLogger:
			env.logger = s
			return pairs
		}
	}
	a.Value = v
	if rep := c.opts.ReplaceAttr; rep != nil {
		var ok bool
		if a, ok = replace(rep, groups, a); !ok {
			return pairs
		}
		a.Value = resolve(a.Value)
	}
	key := a.Key
	if prefix != "" {
		key = prefix + key
	}
	return append(pairs, kv{key: key, val: a.Value, prio: prioAttr})
}

func (c *handlerCore) appendDetailsMap(pairs []kv, m map[string]any, prio uint8) []kv {
	if c.opts.ReplaceAttr != nil {
		for k, v := range m {
			pairs = c.appendDetail(pairs, k, slog.AnyValue(v), prio)
		}
		return pairs
	}
	for k, v := range m {
		pairs = append(pairs, kv{key: k, raw: v, isRaw: true, prio: prio})
	}
	return pairs
}

// resolve resolves a LogValuer, except the Details types, which the encoder writes directly.
func resolve(v slog.Value) slog.Value {
	if v.Kind() != slog.KindLogValuer {
		return v
	}
	switch v.Any().(type) {
	case Details, *eventDetails:
		return v
	}
	return v.Resolve()
}

// sortDetails sorts pairs by key, stably, so that the dedupe in appendDetailsObject can pick the
// winner of each key.
func sortDetails(p []kv) {
	if len(p) > 16 {
		slices.SortStableFunc(p, func(a, b kv) int { return strings.Compare(a.key, b.key) })
		return
	}
	for i := 1; i < len(p); i++ {
		for j := i; j > 0 && p[j].key < p[j-1].key; j-- {
			p[j], p[j-1] = p[j-1], p[j]
		}
	}
}

// severity maps a level to the envelope's severity name.
func severity(l slog.Level) string {
	switch {
	case l >= slog.LevelError:
		return "ERROR"
	case l >= slog.LevelWarn:
		return "WARNING"
	case l >= slog.LevelInfo:
		return "INFO"
	default:
		return "DEBUG"
	}
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

// appendTimestamp writes t in UTC as 2006-01-02T15:04:05.000000Z.
func appendTimestamp(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, "2006-01-02T15:04:05.000000Z07:00")
	}
	hour, minute, sec := t.Clock()
	b = appendInt(b, year, 4)
	b = append(b, '-')
	b = appendInt(b, int(month), 2)
	b = append(b, '-')
	b = appendInt(b, day, 2)
	b = append(b, 'T')
	b = appendInt(b, hour, 2)
	b = append(b, ':')
	b = appendInt(b, minute, 2)
	b = append(b, ':')
	b = appendInt(b, sec, 2)
	b = append(b, '.')
	b = appendInt(b, t.Nanosecond()/1000, 6)
	return append(b, 'Z')
}

// appendInt writes a non-negative n zero-padded to width digits.
func appendInt(b []byte, n, width int) []byte {
	var tmp [10]byte
	i := len(tmp)
	for n > 0 || width > 0 {
		i--
		tmp[i] = byte('0' + n%10)
		n /= 10
		width--
	}
	return append(b, tmp[i:]...)
}

// appendValue writes v as JSON.
func appendValue(b []byte, v slog.Value, depth int) []byte {
	switch v.Kind() {
	case slog.KindString:
		return appendString(b, v.String())
	case slog.KindInt64:
		return strconv.AppendInt(b, v.Int64(), 10)
	case slog.KindUint64:
		return strconv.AppendUint(b, v.Uint64(), 10)
	case slog.KindFloat64:
		return appendFloat(b, v.Float64(), 64)
	case slog.KindBool:
		return strconv.AppendBool(b, v.Bool())
	case slog.KindDuration:
		return appendFloat(b, v.Duration().Seconds(), 64)
	case slog.KindTime:
		return appendTime(b, v.Time())
	case slog.KindGroup:
		if depth >= maxDepth {
			return append(b, `"!DEPTH"`...)
		}
		b = append(b, '{')
		n := 0
		for _, a := range v.Group() {
			if a.Key == "" && a.Value.Kind() == slog.KindAny && a.Value.Any() == nil {
				continue
			}
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = appendString(b, a.Key)
			b = append(b, ':')
			b = appendValue(b, a.Value, depth+1)
		}
		return append(b, '}')
	default: // KindAny, KindLogValuer
		return appendAny(b, v.Any(), depth)
	}
}

// appendAny writes x as JSON, choosing the encoding by type.
func appendAny(b []byte, x any, depth int) []byte {
	if depth >= maxDepth {
		return append(b, `"!DEPTH"`...)
	}
	switch x := x.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendString(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case int8:
		return strconv.AppendInt(b, int64(x), 10)
	case int16:
		return strconv.AppendInt(b, int64(x), 10)
	case int32:
		return strconv.AppendInt(b, int64(x), 10)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case uint:
		return strconv.AppendUint(b, uint64(x), 10)
	case uint8:
		return strconv.AppendUint(b, uint64(x), 10)
	case uint16:
		return strconv.AppendUint(b, uint64(x), 10)
	case uint32:
		return strconv.AppendUint(b, uint64(x), 10)
	case uint64:
		return strconv.AppendUint(b, x, 10)
	case uintptr:
		return strconv.AppendUint(b, uint64(x), 10)
	case float32:
		return appendFloat(b, float64(x), 32)
	case float64:
		return appendFloat(b, x, 64)
	case time.Time:
		return appendTime(b, x)
	case time.Duration:
		return appendFloat(b, x.Seconds(), 64)
	case Details:
		return appendMap(b, x, depth)
	case map[string]any:
		return appendMap(b, x, depth)
	case *eventDetails:
		if x == nil {
			return append(b, "null"...)
		}
		return appendValue(b, x.LogValue(), depth)
	case []string:
		if x == nil {
			return append(b, "null"...)
		}
		b = append(b, '[')
		for i, s := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, s)
		}
		return append(b, ']')
	case []any:
		if x == nil {
			return append(b, "null"...)
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendAny(b, e, depth+1)
		}
		return append(b, ']')
	case slog.Value:
		return appendValue(b, resolve(x), depth+1)
	case slog.LogValuer:
		return appendValue(b, slog.AnyValue(x).Resolve(), depth+1)
	}
	return appendSafely(b, x, appendOther)
}

// appendOther writes the values appendAny has no case for: errors, json.Marshaler, fmt.Stringer,
// then encoding/json. It may panic in user methods; appendSafely recovers.
func appendOther(b []byte, x any) []byte {
	if _, ok := x.(json.Marshaler); !ok {
		switch x := x.(type) {
		case error:
			return appendString(b, x.Error())
		case fmt.Stringer:
			return appendString(b, x.String())
		}
	}
	out, err := json.Marshal(x)
	if err != nil {
		return appendString(b, "!ERROR: "+err.Error())
	}
	return append(b, out...)
}

// appendSafely runs f, turning a panic into a string value as fmt does: "<nil>" for a nil pointer
// receiver, "!PANIC: ..." otherwise.
func appendSafely(b []byte, x any, f func([]byte, any) []byte) (out []byte) {
	defer func() {
		if r := recover(); r != nil {
			if v := reflect.ValueOf(x); v.Kind() == reflect.Pointer && v.IsNil() {
				out = appendString(b, "<nil>")
				return
			}
			out = appendString(b, fmt.Sprintf("!PANIC: %v", r))
		}
	}()
	return f(b, x)
}

// appendMap writes m as an object with sorted keys.
func appendMap(b []byte, m map[string]any, depth int) []byte {
	if m == nil {
		return append(b, "{}"...)
	}
	var arr [16]string
	keys := arr[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendAny(b, m[k], depth+1)
	}
	return append(b, '}')
}

// appendTime writes t as a JSON string in RFC 3339 with nanoseconds, UTC.
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// appendFloat writes f as encoding/json does, except that NaN and ±Inf become the strings "NaN",
// "+Inf" and "-Inf".
func appendFloat(b []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"+Inf"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Inf"`...)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const hexDigits = "0123456789abcdef"

// Masks for testing eight bytes at once.
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// plain8 reports whether the 8 bytes of s need no escaping: none is a control character, '"', '\\'
// or part of a multi-byte sequence.
func plain8(s string) bool {
	_ = s[7]
	x := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	quote := x ^ ('"' * lsb)
	bslash := x ^ ('\\' * lsb)
	bad := x | // high bit: non-ASCII
		(x - 0x20*lsb) | // borrow sets the high bit of bytes below 0x20
		(quote-lsb) & ^quote |
		(bslash-lsb) & ^bslash
	return bad&msb == 0
}

// appendString writes s as a JSON string: quotes, backslashes and control characters escaped, invalid
// UTF-8 replaced by \ufffd, U+2028 and U+2029 escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		// Skip 8 plain ASCII bytes at a time.
		for i+8 <= len(s) && plain8(s[i:i+8]) {
			i += 8
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// bufPool recycles line buffers.
var bufPool = sync.Pool{New: func() any {
	b := make([]byte, 0, 1024)
	return &b
}}

func getBuffer() *[]byte { return bufPool.Get().(*[]byte) }

func putBuffer(b *[]byte) {
	if cap(*b) > 64<<10 {
		return // do not keep the rare huge buffer alive
	}
	*b = (*b)[:0]
	bufPool.Put(b)
}
