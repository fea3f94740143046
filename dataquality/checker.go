package dataquality

import (
	"context"
	"time"

	"github.com/etlwatch/etlwatch/monitoring"
)

// EventCheckComplete is the event type of the structured event written for every check.
const EventCheckComplete = "dq_check_complete"

// CheckDurationMetric is the duration metric recorded for every check, with the dimensions
// table and check.
const CheckDurationMetric = "dq_check_duration"

// Checker runs data-quality checks and reports each [Result] as metrics and a structured event
// (and, with [WithLogLines], a log line as well), the Go form of the reference pipeline's
// DataQualityChecker.
//
// For every result it records the counter dq_<check>_passed or dq_<check>_failed (+1, with the
// dimension table), such as dq_row_count_passed, and the duration [CheckDurationMetric]; it
// writes the event [EventCheckComplete] (severity WARNING when the check failed) whose details
// carry check, table, passed, details, duration_seconds, error (when the check could not run)
// and the result's Observed values. With [WithLogLines] it also writes the reference's log line
// "<table>: <details>" (INFO), "<table>: DATA QUALITY ISSUE - <details>" (WARN) when the check
// failed, or "<table>: Data quality check failed: <error>" (ERROR) when it could not run.
//
// A Checker is safe for concurrent use by multiple goroutines.
type Checker struct {
	metrics       *monitoring.MetricsCollector
	logger        *monitoring.StructuredLogger
	logLines      bool
	now           func() time.Time
	reconcileOpts ReconcileOptions
	hook          func(context.Context, Result)
}

type checkerConfig struct {
	metrics       *monitoring.MetricsCollector
	logger        *monitoring.StructuredLogger
	logLines      bool
	now           func() time.Time
	reconcileOpts ReconcileOptions
	hook          func(context.Context, Result)
}

// Option configures a [Checker].
type Option func(*checkerConfig)

// WithMetrics sends the checks' metrics to m. By default (or with nil) no metric is recorded.
func WithMetrics(m *monitoring.MetricsCollector) Option {
	return func(c *checkerConfig) { c.metrics = m }
}

// WithLogger sends the checks' events and log lines to l. By default (or with nil) nothing is
// logged.
func WithLogger(l *monitoring.StructuredLogger) Option {
	return func(c *checkerConfig) { c.logger = l }
}

// WithLogLines sets whether each result is also written as a plain log line (the reference
// pipeline's "<table>: <details>" message) besides its [EventCheckComplete] event, through the
// logger of [WithLogger]. Default: false, one event per result; the event's details field holds
// the same text.
func WithLogLines(on bool) Option {
	return func(c *checkerConfig) { c.logLines = on }
}

// WithClock makes [Checker.Freshness] read the time from now instead of time.Now (the default,
// also used for nil); for tests and examples.
func WithClock(now func() time.Time) Option {
	return func(c *checkerConfig) { c.now = now }
}

// WithReconcileOptions sets the options [Checker.RunChecks] (and [Checker.Run]) uses for
// checksum reconciliation, except the key and columns, which it takes from the datasets. The
// default is the zero [ReconcileOptions], whose fields have the defaults they document.
func WithReconcileOptions(o ReconcileOptions) Option {
	return func(c *checkerConfig) { c.reconcileOpts = o }
}

// WithResultHook calls h with every result the Checker reports, after its metrics, event and log
// line, from the goroutine that ran the check; h must return quickly. etlwatch.New uses it to put
// the checks' results in the job's lineage events. Default: none.
func WithResultHook(h func(ctx context.Context, r Result)) Option {
	return func(c *checkerConfig) { c.hook = h }
}

// NewChecker returns a Checker. Without options it reports nothing and only returns results.
func NewChecker(opts ...Option) *Checker {
	var cfg checkerConfig
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	return &Checker{metrics: cfg.metrics, logger: cfg.logger, logLines: cfg.logLines, now: cfg.now, reconcileOpts: cfg.reconcileOpts, hook: cfg.hook}
}

// report records r's metrics, event and log line, and returns r.
func (c *Checker) report(ctx context.Context, r Result) Result {
	if c == nil {
		return r
	}
	if c.metrics != nil {
		dims := monitoring.Dimensions{"table": r.Table}
		name := "dq_" + r.Check + "_failed"
		if r.Passed {
			name = "dq_" + r.Check + "_passed"
		}
		c.metrics.EmitCounter(ctx, name, 1, dims)
		c.metrics.EmitDuration(ctx, CheckDurationMetric, r.Duration, monitoring.Dimensions{"table": r.Table, "check": r.Check})
	}
	if c.logger != nil {
		details := make(monitoring.Details, len(r.Observed)+6)
		for k, v := range r.Observed {
			details[k] = v
		}
		details["check"] = r.Check
		details["table"] = r.Table
		details["passed"] = r.Passed
		details["details"] = r.Details
		details["duration_seconds"] = r.Duration.Seconds()
		if r.Err != nil {
			details["error"] = r.Err.Error()
		}
		if r.Passed {
			c.logger.LogEvent(ctx, EventCheckComplete, details)
		} else {
			c.logger.LogWarning(ctx, EventCheckComplete, details)
		}
		if c.logLines {
			log := c.logger.Slog()
			switch {
			case r.Passed:
				log.InfoContext(ctx, r.Table+": "+r.Details)
			case r.Err != nil:
				log.ErrorContext(ctx, r.Table+": Data quality check failed: "+r.Err.Error())
			default:
				log.WarnContext(ctx, r.Table+": DATA QUALITY ISSUE - "+r.Details)
			}
		}
	}
	if c.hook != nil {
		c.hook(ctx, r)
	}
	return r
}

// failed returns the Result of a check that could not run.
func failed(check, table, what string, err error, start time.Time, observed map[string]any) Result {
	return Result{
		Check:    check,
		Table:    table,
		Details:  what + " FAILED - could not run: " + err.Error(),
		Observed: observed,
		Err:      err,
		Duration: time.Since(start),
	}
}
