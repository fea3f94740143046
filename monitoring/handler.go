package monitoring

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/etlwatch/etlwatch/correlation"
	"go.opentelemetry.io/otel/trace"
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
