package prom_test

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/prom"
)

// sinkStatuses is a fixed SinkStatuser.
type sinkStatuses []monitoring.SinkStatus

func (s sinkStatuses) SinkStatuses() []monitoring.SinkStatus { return s }

func TestHealthTransitions(t *testing.T) {
	clock := newFakeClock()
	start := clock.Now()
	h, err := prom.NewHealth(prom.WithStaleAfter(5*time.Minute), prom.WithClock(clock.Now))
	require.NoError(t, err)

	steps := []struct {
		name    string
		do      func()
		status  prom.Status
		code    int
		reason  string // a substring of the first reason, "" for none
		uptime  float64
		success time.Time
		failure time.Time
		lastErr string
	}{
		{"starting", func() {}, prom.StatusHealthy, 200, "", 0, time.Time{}, time.Time{}, ""},
		{"within the window before any success", func() { clock.Advance(5 * time.Minute) }, prom.StatusHealthy, 200, "", 300, time.Time{}, time.Time{}, ""},
		{"no success since start", func() { clock.Advance(time.Second) }, prom.StatusDown, 503, "no success reported in the 5m1s since start (stale after 5m0s)", 301, time.Time{}, time.Time{}, ""},
		{"first success", func() { h.ReportSuccess() }, prom.StatusHealthy, 200, "", 301, start.Add(301 * time.Second), time.Time{}, ""},
		{"failure", func() { clock.Advance(time.Minute); h.ReportFailure(errors.New("connection refused")) }, prom.StatusDegraded, 200, "the last report was a failure: error", 361, start.Add(301 * time.Second), start.Add(361 * time.Second), "error"},
		{"stale", func() { clock.Advance(5 * time.Minute) }, prom.StatusDown, 503, "no success reported for 6m0s (stale after 5m0s)", 661, start.Add(301 * time.Second), start.Add(361 * time.Second), "error"},
		{"success again", func() { h.ReportSuccess() }, prom.StatusHealthy, 200, "", 661, start.Add(661 * time.Second), start.Add(361 * time.Second), "error"},
		{"failure without error", func() { h.ReportFailure(nil) }, prom.StatusDegraded, 200, "the last report was a failure: failure reported without an error", 661, start.Add(661 * time.Second), start.Add(661 * time.Second), "failure reported without an error"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.do()
			r := h.Check()
			assert.Equal(t, st.status, r.Status)
			assert.Equal(t, st.code, r.HTTPStatus())
			if st.reason == "" {
				assert.Empty(t, r.Reasons)
			} else if assert.NotEmpty(t, r.Reasons) {
				assert.Equal(t, st.reason, r.Reasons[0])
			}
			assert.Equal(t, st.uptime, r.UptimeSeconds)
			assert.Equal(t, st.success, r.LastSuccess)
			assert.Equal(t, st.failure, r.LastFailure)
			assert.Equal(t, st.lastErr, r.LastError)
			assert.NotNil(t, r.Sinks)

			code, body := get(t, h, "/health")
			assert.Equal(t, st.code, code)
			var got map[string]any
			require.NoError(t, json.Unmarshal([]byte(body), &got))
			assert.Equal(t, string(st.status), got["status"])
			assert.Equal(t, st.uptime, got["uptime_seconds"])
			assert.Equal(t, []any{}, got["sinks"])
			for key, want := range map[string]time.Time{"last_success": st.success, "last_failure": st.failure} {
				if want.IsZero() {
					assert.NotContains(t, got, key)
				} else {
					assert.Equal(t, want.Format(time.RFC3339), got[key])
				}
			}
		})
	}
}

func TestHealthRules(t *testing.T) {
	healthySink := monitoring.SinkStatus{Name: "logs", Exports: 3, Healthy: true}
	failedSink := monitoring.SinkStatus{Name: "cloudwatch", Exports: 3, Failures: 1, LastError: "throttled", LastErrorType: "*smithy.OperationError", Healthy: false}
	tests := []struct {
		name    string
		stale   time.Duration
		sinks   sinkStatuses
		report  func(h *prom.Health, clock *fakeClock)
		want    prom.Status
		reasons []string
	}{
		{"no reports, no window", 0, nil, func(*prom.Health, *fakeClock) {}, prom.StatusHealthy, nil},
		{"never down without a window", 0, nil, func(h *prom.Health, c *fakeClock) { h.ReportSuccess(); c.Advance(24 * time.Hour) }, prom.StatusHealthy, nil},
		{"failure before any success", 0, nil, func(h *prom.Health, _ *fakeClock) { h.ReportFailure(errors.New("boom")) }, prom.StatusDegraded, []string{"the last report was a failure: error"}},
		{"success after failure", 0, nil, func(h *prom.Health, _ *fakeClock) { h.ReportFailure(errors.New("boom")); h.ReportSuccess() }, prom.StatusHealthy, nil},
		{"healthy sinks", 0, sinkStatuses{healthySink}, func(h *prom.Health, _ *fakeClock) { h.ReportSuccess() }, prom.StatusHealthy, nil},
		{"an unhealthy sink", 0, sinkStatuses{healthySink, failedSink}, func(h *prom.Health, _ *fakeClock) { h.ReportSuccess() }, prom.StatusDegraded, []string{`sink "cloudwatch" failed its last export: *smithy.OperationError`}},
		{"down wins, every reason listed", time.Minute, sinkStatuses{failedSink}, func(h *prom.Health, c *fakeClock) {
			h.ReportSuccess()
			h.ReportFailure(errors.New("boom"))
			c.Advance(2 * time.Minute)
		}, prom.StatusDown, []string{"no success reported for 2m0s (stale after 1m0s)", "the last report was a failure: error", `sink "cloudwatch" failed its last export: *smithy.OperationError`}},
		{"exactly at the window", time.Minute, nil, func(h *prom.Health, c *fakeClock) { h.ReportSuccess(); c.Advance(time.Minute) }, prom.StatusHealthy, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			opts := []prom.HealthOption{prom.WithClock(clock.Now), prom.WithStaleAfter(tt.stale)}
			if tt.sinks != nil {
				opts = append(opts, prom.WithSinkStatuses(tt.sinks))
			}
			h, err := prom.NewHealth(opts...)
			require.NoError(t, err)
			tt.report(h, clock)
			r := h.Check()
			assert.Equal(t, tt.want, r.Status)
			assert.Equal(t, tt.reasons, r.Reasons)
			if tt.sinks != nil {
				want := slices.Clone([]monitoring.SinkStatus(tt.sinks))
				for i := range want {
					if want[i].LastError != "" {
						want[i].LastError = want[i].LastErrorType // the kind, not the text
					}
				}
				assert.Equal(t, want, r.Sinks)
			}
		})
	}
}

func TestHealthJSON(t *testing.T) {
	clock := newFakeClock()
	sinks := sinkStatuses{{Name: "cloudwatch", Exports: 2, Failures: 1, LastExport: clock.Now(), LastError: "throttled"}}
	h, err := prom.NewHealth(prom.WithClock(clock.Now), prom.WithSinkStatuses(sinks))
	require.NoError(t, err)
	clock.Advance(90 * time.Second)
	h.ReportFailure(&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")})

	rec := serve(h, http.MethodGet, "/health")
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	assert.JSONEq(t, `{
		"status": "degraded",
		"reasons": ["the last report was a failure: *net.OpError", "sink \"cloudwatch\" failed its last export: error"],
		"uptime_seconds": 90,
		"last_failure": "2025-01-27T10:31:30Z",
		"last_error": "*net.OpError",
		"sinks": [{"name": "cloudwatch", "exports": 2, "failures": 1, "last_export": "2025-01-27T10:30:00Z", "last_error": "error", "healthy": false}]
	}`, rec.Body.String())
}

func TestNewHealthValidates(t *testing.T) {
	_, err := prom.NewHealth(prom.WithStaleAfter(-time.Second))
	assert.ErrorContains(t, err, "must not be negative")
	_, err = prom.NewHealth(prom.WithClock(nil))
	assert.ErrorContains(t, err, "clock is nil")
	_, err = prom.NewHealth(prom.WithErrorKind(nil))
	assert.ErrorContains(t, err, "WithErrorKind: the function is nil")
	h, err := prom.NewHealth(nil)
	require.NoError(t, err)
	assert.Equal(t, prom.StatusHealthy, h.Check().Status)
}
