package prom

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/etlwatch/etlwatch/monitoring"
)

// Status is the overall state of a job as [Health] judges it.
type Status string

// The states of a job, from best to worst.
const (
	StatusHealthy  Status = "healthy"  // working: served with HTTP 200
	StatusDegraded Status = "degraded" // working with errors: served with HTTP 200
	StatusDown     Status = "down"     // no success within the staleness window: served with HTTP 503
)

// SinkStatuser gives the export record of a collector's push sinks. A
// [*monitoring.MetricsCollector] is one.
type SinkStatuser interface {
	SinkStatuses() []monitoring.SinkStatus
}

// HealthReport is the state of a job at one moment: what [Health.Check] returns and, as JSON,
// what /health serves:
//
//	{"status":"degraded","reasons":["the last report was a failure: *net.OpError"],
//	 "uptime_seconds":360,"last_success":"2025-01-27T10:30:00Z",
//	 "last_failure":"2025-01-27T10:35:00Z","last_error":"*net.OpError","sinks":[]}
type HealthReport struct {
	Status Status `json:"status"`
	// Reasons says, for a status other than healthy, which rules decided it, worst first.
	Reasons       []string  `json:"reasons,omitempty"`
	UptimeSeconds float64   `json:"uptime_seconds"`
	LastSuccess   time.Time `json:"last_success,omitzero"` // in UTC; omitted before any success
	LastFailure   time.Time `json:"last_failure,omitzero"` // in UTC; omitted before any failure
	// LastError is the kind of the last failure's error ([ErrorKind], or the function of
	// [WithErrorKind]), never its text, which can quote the data that failed.
	LastError string `json:"last_error,omitempty"`
	// Sinks is the export record of each push sink, never nil (an empty list without
	// [WithSinkStatuses]). Each sink's LastError is replaced by the kind of its error (its
	// LastErrorType, "error" when it has none), as for the job's own error.
	Sinks []monitoring.SinkStatus `json:"sinks"`
}

// HTTPStatus returns the HTTP status code that /health serves with r: 200 when the job is healthy
// or degraded, 503 when it is down.
func (r HealthReport) HTTPStatus() int {
	if r.Status == StatusDown {
		return http.StatusServiceUnavailable
	}
	return http.StatusOK
}

// Health tracks whether a job is doing its work, from what the job reports: call
// [Health.ReportSuccess] when a unit of work (a batch, a table load, a poll) succeeds and
// [Health.ReportFailure] when it fails. [Health.Check] applies these rules, first match wins:
//
//  1. down: with [WithStaleAfter] d, no success was reported within the last d (counted from
//     [NewHealth] before the first success, so a starting job has d to succeed);
//  2. degraded: the last report was a failure, or a sink of [WithSinkStatuses] failed its last
//     export;
//  3. healthy: otherwise, including before any report.
//
// Without [WithStaleAfter], a job is never down. Health is an http.Handler that serves the
// [HealthReport] as JSON, the /health of [NewHandler]. The report names the kind of each error
// (the job's and the sinks'), never its text: an error can quote a row's values, and /health is
// read by whoever can reach the port. Log the error itself where you report it.
//
// All methods are safe for concurrent use.
type Health struct {
	now        func() time.Time
	staleAfter time.Duration
	sinks      SinkStatuser
	start      time.Time
	kind       func(error) string

	mu          sync.Mutex
	lastSuccess time.Time
	lastFailure time.Time
	lastErr     string
	failedLast  bool
}

// HealthOption configures a [Health].
type HealthOption interface {
	applyHealth(*healthConfig)
}

type healthConfig struct {
	now        func() time.Time
	staleAfter time.Duration
	sinks      SinkStatuser
	kind       func(error) string
}

type healthOptionFunc func(*healthConfig)

func (f healthOptionFunc) applyHealth(c *healthConfig) { f(c) }

// WithStaleAfter makes the job down when no success was reported within d, such as three times
// the interval between batches. Default: 0, no staleness check: the job is never down.
func WithStaleAfter(d time.Duration) HealthOption {
	return healthOptionFunc(func(c *healthConfig) { c.staleAfter = d })
}

// WithSinkStatuses adds the export record of s's sinks to the report, such as the collector's:
// a sink whose last export failed makes the job degraded. The collector reports its push sinks
// only: a pull sink such as [Sink] has no exports of its own. Default: no sinks.
func WithSinkStatuses(s SinkStatuser) HealthOption {
	return healthOptionFunc(func(c *healthConfig) { c.sinks = s })
}

// WithClock sets the function that tells the time, for tests. It must be safe for concurrent
// use. Default: time.Now.
func WithClock(now func() time.Time) HealthOption {
	return healthOptionFunc(func(c *healthConfig) { c.now = now })
}

// WithErrorKind sets the function that turns the error given to [Health.ReportFailure] into
// the last_error of the report. Its result is served as is on /health, to whoever can reach the
// port: return a classification, never the error's text nor anything it quotes. It must be safe
// for concurrent use. Default: [ErrorKind].
func WithErrorKind(kind func(error) string) HealthOption {
	return healthOptionFunc(func(c *healthConfig) { c.kind = kind })
}

// NewHealth returns a Health whose uptime starts now. It returns an error for a negative
// staleness window, a nil clock or a nil error kind function.
func NewHealth(opts ...HealthOption) (*Health, error) {
	cfg := healthConfig{now: time.Now, kind: ErrorKind}
	for _, o := range opts {
		if o != nil {
			o.applyHealth(&cfg)
		}
	}
	if cfg.staleAfter < 0 {
		return nil, fmt.Errorf("prom: stale after %v: must not be negative (0 disables the check)", cfg.staleAfter)
	}
	if cfg.now == nil {
		return nil, fmt.Errorf("prom: clock is nil")
	}
	if cfg.kind == nil {
		return nil, fmt.Errorf("prom: WithErrorKind: the function is nil")
	}
	return &Health{now: cfg.now, staleAfter: cfg.staleAfter, sinks: cfg.sinks, start: cfg.now(), kind: cfg.kind}, nil
}

// ReportSuccess records that the job just did a unit of work successfully.
func (h *Health) ReportSuccess() {
	now := h.now()
	h.mu.Lock()
	h.lastSuccess = now
	h.failedLast = false
	h.mu.Unlock()
}

// ReportFailure records that a unit of work just failed with err, which may be nil. The kind of
// err ([WithErrorKind]; by default [ErrorKind]) is shown as last_error until the next failure;
// err itself is not kept.
func (h *Health) ReportFailure(err error) {
	now := h.now()
	msg := "failure reported without an error"
	if err != nil {
		msg = h.kind(err)
	}
	h.mu.Lock()
	h.lastFailure = now
	h.lastErr = msg
	h.failedLast = true
	h.mu.Unlock()
}

// Check returns the job's state now, by the rules of [Health].
func (h *Health) Check() HealthReport {
	var sinks []monitoring.SinkStatus
	if h.sinks != nil {
		sinks = slices.Clone(h.sinks.SinkStatuses())
	}
	if sinks == nil {
		sinks = []monitoring.SinkStatus{}
	}
	for i := range sinks {
		if sinks[i].LastError == "" && sinks[i].LastErrorType == "" {
			continue
		}
		sinks[i].LastError = typeKind(sinks[i].LastErrorType)
	}
	now := h.now()
	h.mu.Lock()
	r := HealthReport{
		Status:        StatusHealthy,
		UptimeSeconds: now.Sub(h.start).Seconds(),
		LastSuccess:   utc(h.lastSuccess),
		LastFailure:   utc(h.lastFailure),
		LastError:     h.lastErr,
		Sinks:         sinks,
	}
	lastSuccess, failedLast := h.lastSuccess, h.failedLast
	h.mu.Unlock()

	if h.staleAfter > 0 {
		switch since := now.Sub(lastSuccess); {
		case lastSuccess.IsZero() && now.Sub(h.start) > h.staleAfter:
			r.Reasons = append(r.Reasons, fmt.Sprintf("no success reported in the %v since start (stale after %v)", now.Sub(h.start).Round(time.Millisecond), h.staleAfter))
		case !lastSuccess.IsZero() && since > h.staleAfter:
			r.Reasons = append(r.Reasons, fmt.Sprintf("no success reported for %v (stale after %v)", since.Round(time.Millisecond), h.staleAfter))
		}
		if len(r.Reasons) > 0 {
			r.Status = StatusDown
		}
	}
	if failedLast {
		r.Reasons = append(r.Reasons, "the last report was a failure: "+r.LastError)
	}
	for _, s := range sinks {
		if !s.Healthy {
			r.Reasons = append(r.Reasons, fmt.Sprintf("sink %q failed its last export: %s", s.Name, s.LastError))
		}
	}
	if r.Status == StatusHealthy && len(r.Reasons) > 0 {
		r.Status = StatusDegraded
	}
	return r
}

// ServeHTTP serves [Health.Check] as JSON ([HealthReport]), with the status code of
// [HealthReport.HTTPStatus].
func (h *Health) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	r := h.Check()
	body, err := json.Marshal(r)
	if err != nil { // cannot happen: every field marshals
		http.Error(w, "prom: encode health report: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(r.HTTPStatus())
	_, _ = w.Write(append(body, '\n'))
}

// ErrorKind returns a short classification of err that quotes none of its data, for
// last_error: the Go type, in %T form, of the innermost error in err's chain that has a type of
// its own (such as "*net.OpError" or "*debezium.DecodeError"), skipping the types of
// errors.New, fmt.Errorf and errors.Join, which say nothing ("error" when there is no other),
// prefixed with the sink and operation of a [monitoring.SinkError] in err's chain (such as
// `sink "otlp-http" export: *url.Error`). It returns "" for nil.
func ErrorKind(err error) string {
	if err == nil {
		return ""
	}
	var se *monitoring.SinkError
	if errors.As(err, &se) && se.Err != nil {
		return fmt.Sprintf("sink %q %s: %s", se.Sink, se.Op, typedCause(se.Err))
	}
	return typedCause(err)
}

// maxUnwrap bounds the walk down an error chain, against a chain that loops.
const maxUnwrap = 100

// typedCause returns the %T of the innermost error of err's chain whose type is not generic,
// following the first non-nil error of a joined error, or "error". A panicking Unwrap method
// ends the walk.
func typedCause(err error) (kind string) {
	kind = "error"
	defer func() { _ = recover() }()
	for range maxUnwrap {
		if err == nil {
			return kind
		}
		if t := fmt.Sprintf("%T", err); !genericErrorType[t] {
			kind = t
		}
		var next error
		switch u := err.(type) {
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
		err = next
	}
	return kind
}

// genericErrorType lists the error types that say nothing about an error but that it is one.
var genericErrorType = map[string]bool{
	"*errors.errorString": true, "*fmt.wrapError": true, "*fmt.wrapErrors": true, "*errors.joinError": true,
}

// typeKind turns the LastErrorType of a sink into a kind: "error" for none, or for the type of
// errors.New and fmt.Errorf, which says nothing.
func typeKind(t string) string {
	if t == "" || genericErrorType[t] {
		return "error"
	}
	return t
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}
