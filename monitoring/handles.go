package monitoring

import (
	"context"
	"fmt"
	"math"
	"time"
)

// Counter is a counter series resolved once by [MetricsCollector.Counter], for hot paths: Add is one
// atomic addition, with no allocation, lookup or lock. Its methods are safe for concurrent use.
type Counter struct {
	s      *series // nil when the series was rejected
	c      *MetricsCollector
	name   string
	reason DropReason // why the series was rejected
}

// Counter returns the counter series name with dims, creating it if needed. Keep the result and call
// Add on it in the hot loop. An invalid name or dimension yields a Counter whose measurements are
// counted as dropped (and reported once through the error handler).
func (c *MetricsCollector) Counter(name string, dims Dimensions) *Counter {
	s, reason := c.resolve(KindCounter, name, UnitCount, dims, false)
	return &Counter{s: s, c: c, name: name, reason: reason}
}

// Add adds n, which must not be negative, to the counter. The integer part of a counter's total is
// an int64: it wraps after 2^63-1, some 290 years of a billion increments a second.
func (h *Counter) Add(n int64) {
	if n < 0 || h.s == nil {
		h.reject(float64(n))
		return
	}
	h.s.ints.Add(n)
}

// AddFloat adds v, which must be finite and not negative, to the counter.
func (h *Counter) AddFloat(v float64) {
	if !(v >= 0) || math.IsInf(v, 1) || h.s == nil {
		h.reject(v)
		return
	}
	h.s.addFloat(v)
}

// Value returns the counter's total so far.
func (h *Counter) Value() float64 {
	if h.s == nil {
		return 0
	}
	return h.s.counterValue()
}

func (h *Counter) reject(v float64) {
	if h.s == nil {
		h.c.drop(h.reason, h.name, "the series was rejected when it was resolved")
		return
	}
	h.c.dropValue(h.name, v, "a counter increment must be finite and >= 0")
}

// Gauge is a gauge series resolved once by [MetricsCollector.Gauge]. Set takes a short uncontended
// lock and never allocates. Its methods are safe for concurrent use.
type Gauge struct {
	s      *series
	c      *MetricsCollector
	name   string
	reason DropReason
}

// Gauge returns the gauge series name with dims and unit, creating it if needed.
func (c *MetricsCollector) Gauge(name string, unit Unit, dims Dimensions) *Gauge {
	s, reason := c.resolve(KindGauge, name, unit, dims, false)
	return &Gauge{s: s, c: c, name: name, reason: reason}
}

// Set sets the gauge to v, which must be finite.
func (h *Gauge) Set(v float64) {
	if h.s == nil {
		h.c.drop(h.reason, h.name, "the series was rejected when it was resolved")
		return
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		h.c.dropValue(h.name, v, "a gauge value must be finite")
		return
	}
	h.s.observeValue(v)
}

// Timer is a duration series resolved once by [MetricsCollector.Timer]. Record updates the
// series' statistics and its OpenTelemetry histogram with a pre-built attribute set and never
// allocates. Its methods are safe for concurrent use.
type Timer struct {
	s      *series
	c      *MetricsCollector
	name   string
	reason DropReason
}

// Timer returns the duration series name with dims, creating it if needed.
func (c *MetricsCollector) Timer(name string, dims Dimensions) *Timer {
	s, reason := c.resolve(KindDuration, name, UnitSeconds, dims, false)
	return &Timer{s: s, c: c, name: name, reason: reason}
}

// Record records d, which must not be negative.
func (h *Timer) Record(d time.Duration) {
	if h.s == nil {
		h.c.drop(h.reason, h.name, "the series was rejected when it was resolved")
		return
	}
	if d < 0 {
		h.c.drop(DropNegativeValue, h.name, fmt.Sprintf("found duration %v; a duration must be >= 0", d))
		return
	}
	h.s.recordDuration(context.Background(), d.Seconds())
}

// Since records the time elapsed since start.
func (h *Timer) Since(start time.Time) { h.Record(time.Since(start)) }
