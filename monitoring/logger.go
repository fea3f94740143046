package monitoring

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"strings"
	"time"
)

// Event types written in the event_type field of the envelope.
const (
	EventJobStart      = "job_start"                 // written by [StructuredLogger.LogJobStart]
	EventTableStart    = "table_processing_start"    // written by [StructuredLogger.LogTableStart]
	EventTableComplete = "table_processing_complete" // written by [StructuredLogger.LogTableComplete]
	EventTableFailed   = "table_processing_failed"   // written by [StructuredLogger.LogTableFailure]
	EventJobComplete   = "job_complete"              // written by [StructuredLogger.LogJobComplete]
	EventJobFailed     = "job_failed"                // written by [StructuredLogger.LogJobFailure]
	// EventLog is the event type [NewJSONHandler] gives records that did not come from a
	// StructuredLogger event method, such as the plain lines of [StructuredLogger.Slog].
	EventLog = "log"
)

// Details holds the free-form fields of an event, written as the envelope's "details" object with
// its keys sorted. Values may be of any type; see [NewJSONHandler] for how each is encoded. A nil
// Details is an empty object.
//
// Details implements [slog.LogValuer], resolving to a group of its entries sorted by key, so
// handlers other than this package's render it as a nested object.
type Details map[string]any

// LogValue returns d as a group value with its entries sorted by key.
func (d Details) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, len(d))
	for k, v := range d {
		attrs = append(attrs, slog.Any(k, v))
	}
	slices.SortFunc(attrs, func(a, b slog.Attr) int { return strings.Compare(a.Key, b.Key) })
	return slog.GroupValue(attrs...)
}

// eventDetails are the details of an event with fields set by the logger (at most five), which win
// over the caller's entries of the same key.
type eventDetails struct {
	fixed [5]slog.Attr
	n     int
	user  Details
}

// LogValue merges the fixed fields and the caller's details, sorted by key.
func (d *eventDetails) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, d.n+len(d.user))
	attrs = append(attrs, d.fixed[:d.n]...)
	for k, v := range d.user {
		if !slices.ContainsFunc(d.fixed[:d.n], func(a slog.Attr) bool { return a.Key == k }) {
			attrs = append(attrs, slog.Any(k, v))
		}
	}
	slices.SortFunc(attrs, func(a, b slog.Attr) int { return strings.Compare(a.Key, b.Key) })
	return slog.GroupValue(attrs...)
}

// loggerConfig is what the [LoggerOption]s set.
type loggerConfig struct {
	environment string
	output      io.Writer
	handler     slog.Handler
	level       slog.Leveler
}

type outputOption struct{ w io.Writer }

func (o outputOption) applyLogger(c *loggerConfig) { c.output = o.w }

// WithOutput sets where the default handler, [NewJSONHandler], writes its JSON lines. The default is
// os.Stdout; nil also means os.Stdout. It has no effect when [WithHandler] is also given: the handler
// wins.
func WithOutput(w io.Writer) LoggerOption { return outputOption{w: w} }

type handlerOption struct{ h slog.Handler }

func (o handlerOption) applyLogger(c *loggerConfig) { c.handler = o.h }

// WithHandler routes the logger's events into h instead of the default [NewJSONHandler] on
// [WithOutput]'s writer; it takes precedence over WithOutput. Unless h is one of this package's
// handlers (which add the context values themselves), it is wrapped with [NewContextHandler], so its
// records carry correlation_id, trace_id and span_id from the context. h receives records whose
// message is the event type and whose attributes are job_name, source_name, environment, event_type
// and details (a [Details], or a value that resolves to a group). The default is nil: use
// NewJSONHandler. A nil h is ignored.
func WithHandler(h slog.Handler) LoggerOption { return handlerOption{h: h} }

type levelOption struct{ l slog.Leveler }

func (o levelOption) applyLogger(c *loggerConfig) { c.level = o.l }

// WithLevel sets the minimum level of what the logger writes: events (INFO, WARNING for
// [StructuredLogger.LogWarning], ERROR for [StructuredLogger.LogTableFailure]) and the lines of
// [StructuredLogger.Slog]. The default is [slog.LevelInfo]. Pass a [*slog.LevelVar] to change it
// while the program runs. A handler given with [WithHandler] also applies its own Enabled.
func WithLevel(l slog.Leveler) LoggerOption { return levelOption{l: l} }

// StructuredLogger writes the lifecycle events of an ETL job (job start, table start, table complete
// or failed, job complete, and custom events) as structured records through an [slog.Handler], by
// default one JSON object per line (see [NewJSONHandler] for the format). The correlation ID and the
// trace and span IDs come from the context passed to each method.
//
// A StructuredLogger is safe for concurrent use by multiple goroutines. Its methods never panic on
// their input and do not report write errors (as with [slog.Logger], a handler's error is dropped).
type StructuredLogger struct {
	jobName     string
	sourceName  string
	environment string
	h           slog.Handler
	slog        *slog.Logger
}

// NewStructuredLogger returns a logger for the job jobName reading from sourceName. The environment
// field is [WithEnvironment], else $ETL_ENVIRONMENT, else "dev". Output goes to os.Stdout as JSON lines
// unless [WithOutput] or [WithHandler] says otherwise.
func NewStructuredLogger(jobName, sourceName string, opts ...LoggerOption) *StructuredLogger {
	var cfg loggerConfig
	for _, o := range opts {
		if o != nil {
			o.applyLogger(&cfg)
		}
	}
	var h slog.Handler
	if cfg.handler != nil {
		h = cfg.handler
		if _, ok := h.(contextAware); !ok {
			h = NewContextHandler(h)
		}
		if cfg.level != nil {
			h = &levelHandler{level: cfg.level, h: h}
		}
	} else {
		w := cfg.output
		if w == nil {
			w = os.Stdout
		}
		h = NewJSONHandler(w, &slog.HandlerOptions{Level: cfg.level})
	}
	l := &StructuredLogger{
		jobName:     jobName,
		sourceName:  sourceName,
		environment: resolveEnvironment(cfg.environment),
		h:           h,
	}
	l.slog = slog.New(h.WithAttrs([]slog.Attr{
		slog.String(keyJobName, l.jobName),
		slog.String(keySourceName, l.sourceName),
		slog.String(keyEnvironment, l.environment),
	}))
	return l
}

// Handler returns the handler the logger writes through: the default [NewJSONHandler], or the one
// given with [WithHandler] wrapped as that option describes. Records written to it directly do not
// carry job_name, source_name and environment; [StructuredLogger.Slog] attaches them.
func (l *StructuredLogger) Handler() slog.Handler {
	if l == nil {
		return slog.DiscardHandler
	}
	return l.h
}

// Slog returns an [slog.Logger] writing through the same handler as the events, with job_name,
// source_name and environment attached, for the plain lines of extractors and loaders:
//
//	logger.Slog().InfoContext(ctx, "CUSTOMERS: Extracting 1000 records")
//
// With the default handler such a line is an envelope with event_type "log" and the message in
// details. The returned logger is safe for concurrent use.
func (l *StructuredLogger) Slog() *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l.slog
}

// LogJobStart writes a job_start event (INFO) with details as given.
func (l *StructuredLogger) LogJobStart(ctx context.Context, details Details) {
	l.emit(ctx, slog.LevelInfo, EventJobStart, slog.AnyValue(details))
}

// LogTableStart writes a table_processing_start event (INFO) whose details carry table in addition
// to the given details.
func (l *StructuredLogger) LogTableStart(ctx context.Context, table string, details Details) {
	if !l.enabled(ctx, slog.LevelInfo) {
		return
	}
	d := &eventDetails{n: 1, user: details}
	d.fixed[0] = slog.String("table", table)
	l.emit(ctx, slog.LevelInfo, EventTableStart, slog.AnyValue(d))
}

// LogTableComplete writes a table_processing_complete event (INFO) whose details carry table,
// records and duration_seconds (d in seconds, a float) in addition to the given details.
func (l *StructuredLogger) LogTableComplete(ctx context.Context, table string, records int64, d time.Duration, details Details) {
	if !l.enabled(ctx, slog.LevelInfo) {
		return
	}
	ed := &eventDetails{n: 3, user: details}
	ed.fixed[0] = slog.String("table", table)
	ed.fixed[1] = slog.Int64("records", records)
	ed.fixed[2] = slog.Float64("duration_seconds", d.Seconds())
	l.emit(ctx, slog.LevelInfo, EventTableComplete, slog.AnyValue(ed))
}

// LogTableFailure writes a table_processing_failed event (ERROR) whose details carry table, error
// (err's text) and error_type (the Go type of err's root cause, in %T form such as "*net.OpError":
// err is unwrapped until it wraps nothing, taking the first error of a joined error) in addition to
// the given details. A nil err gives error and error_type "".
func (l *StructuredLogger) LogTableFailure(ctx context.Context, table string, err error, details Details) {
	if !l.enabled(ctx, slog.LevelError) {
		return
	}
	ed := &eventDetails{n: 3, user: details}
	ed.fixed[0] = slog.String("table", table)
	ed.fixed[1] = slog.String("error", errorText(err))
	ed.fixed[2] = slog.String("error_type", ErrorType(err))
	l.emit(ctx, slog.LevelError, EventTableFailed, slog.AnyValue(ed))
}

// LogJobComplete writes a job_complete event (INFO) whose details carry tables, records and
// duration_seconds (d in seconds, a float) in addition to the given details.
func (l *StructuredLogger) LogJobComplete(ctx context.Context, tables int, records int64, d time.Duration, details Details) {
	if !l.enabled(ctx, slog.LevelInfo) {
		return
	}
	ed := &eventDetails{n: 3, user: details}
	ed.fixed[0] = slog.Int("tables", tables)
	ed.fixed[1] = slog.Int64("records", records)
	ed.fixed[2] = slog.Float64("duration_seconds", d.Seconds())
	l.emit(ctx, slog.LevelInfo, EventJobComplete, slog.AnyValue(ed))
}

// LogJobFailure writes a job_failed event (ERROR): the job as a whole failed (it could not
// start, or it ended with tables or checks that failed). Its details carry error and error_type
// (as [StructuredLogger.LogTableFailure] writes them) and what had completed: tables and
// records, and duration_seconds (d in seconds, a float), in addition to the given details. It
// does not replace [StructuredLogger.LogJobComplete], which the reference writes at the end of
// every job that ran; a job that failed writes both.
func (l *StructuredLogger) LogJobFailure(ctx context.Context, err error, tables int, records int64, d time.Duration, details Details) {
	if !l.enabled(ctx, slog.LevelError) {
		return
	}
	ed := &eventDetails{n: 5, user: details}
	ed.fixed[0] = slog.String("error", errorText(err))
	ed.fixed[1] = slog.String("error_type", ErrorType(err))
	ed.fixed[2] = slog.Int("tables", tables)
	ed.fixed[3] = slog.Int64("records", records)
	ed.fixed[4] = slog.Float64("duration_seconds", d.Seconds())
	l.emit(ctx, slog.LevelError, EventJobFailed, slog.AnyValue(ed))
}

// LogError writes an event of the caller's type with severity ERROR whose details carry error
// and error_type (as [StructuredLogger.LogTableFailure] writes them) in addition to the given
// details. A nil err gives error and error_type "".
func (l *StructuredLogger) LogError(ctx context.Context, eventType string, err error, details Details) {
	if !l.enabled(ctx, slog.LevelError) {
		return
	}
	ed := &eventDetails{n: 2, user: details}
	ed.fixed[0] = slog.String("error", errorText(err))
	ed.fixed[1] = slog.String("error_type", ErrorType(err))
	l.emit(ctx, slog.LevelError, eventType, slog.AnyValue(ed))
}

// LogEvent writes an event of the caller's type (INFO) with details as given. It is the hot path:
// with the default handler it does not allocate.
func (l *StructuredLogger) LogEvent(ctx context.Context, eventType string, details Details) {
	l.emit(ctx, slog.LevelInfo, eventType, slog.AnyValue(details))
}

// LogWarning writes an event of the caller's type with severity WARNING and details as given.
func (l *StructuredLogger) LogWarning(ctx context.Context, eventType string, details Details) {
	l.emit(ctx, slog.LevelWarn, eventType, slog.AnyValue(details))
}

func (l *StructuredLogger) enabled(ctx context.Context, level slog.Level) bool {
	if l == nil {
		return false
	}
	if ctx == nil {
		ctx = context.Background()
	}
	return l.h.Enabled(ctx, level)
}

// emit builds the record of one event and hands it to the handler.
func (l *StructuredLogger) emit(ctx context.Context, level slog.Level, eventType string, details slog.Value) {
	if l == nil {
		return
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if !l.h.Enabled(ctx, level) {
		return
	}
	r := slog.NewRecord(time.Now(), level, eventType, 0)
	r.AddAttrs(
		slog.String(keyJobName, l.jobName),
		slog.String(keySourceName, l.sourceName),
		slog.String(keyEnvironment, l.environment),
		slog.String(keyEventType, eventType),
		slog.Attr{Key: keyDetails, Value: details},
	)
	_ = l.h.Handle(ctx, r)
}

// maxUnwrap bounds the unwrapping of an error chain, against a chain that loops.
const maxUnwrap = 100

// ErrorType returns the error_type that [StructuredLogger.LogTableFailure] writes for err and that
// failure metrics should carry with it: the Go type of err's root cause in %T form, such as
// "*net.OpError" (err is unwrapped until it wraps nothing, taking the first non-nil error of a
// joined error), or "" for nil. It is the Go counterpart of the reference's type(e).__name__.
func ErrorType(err error) string {
	if err == nil {
		return ""
	}
	return fmt.Sprintf("%T", rootCause(err))
}

// rootCause unwraps err until it wraps nothing, following the first non-nil error of a joined error.
// A panicking Unwrap method ends the walk.
func rootCause(err error) (root error) {
	root = err
	defer func() { _ = recover() }()
	for range maxUnwrap {
		var next error
		switch u := root.(type) {
		case interface{ Unwrap() error }:
			next = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if e != nil {
					next = e
					break
				}
			}
		}
		if next == nil {
			return root
		}
		root = next
	}
	return root
}

// errorText returns err.Error(), "" for nil, and "<nil>" or a "!PANIC: ..." text if Error panics.
func errorText(err error) (s string) {
	if err == nil {
		return ""
	}
	defer func() {
		if r := recover(); r != nil {
			if v := reflect.ValueOf(err); v.Kind() == reflect.Pointer && v.IsNil() {
				s = "<nil>"
				return
			}
			s = fmt.Sprintf("!PANIC: %v", r)
		}
	}()
	return err.Error()
}

// levelHandler drops records below a minimum level before they reach h; it serves [WithLevel] when
// the handler is the caller's.
type levelHandler struct {
	level slog.Leveler
	h     slog.Handler
}

func (h *levelHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= h.level.Level() && h.h.Enabled(ctx, level)
}

func (h *levelHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &levelHandler{level: h.level, h: h.h.WithAttrs(attrs)}
}

func (h *levelHandler) WithGroup(name string) slog.Handler {
	return &levelHandler{level: h.level, h: h.h.WithGroup(name)}
}

func (h *levelHandler) Handle(ctx context.Context, r slog.Record) error {
	return h.h.Handle(ctx, r)
}
