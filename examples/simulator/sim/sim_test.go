package sim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/etlwatch/etlwatch/examples/simulator/sim"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/prom"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeClock advances only when slept on, and cancels the run once limit has passed since start.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	end    time.Time
	cancel context.CancelFunc
}

func newFakeClock(limit time.Duration, cancel context.CancelFunc) *fakeClock {
	start := time.Date(2025, 1, 18, 4, 0, 0, 0, time.UTC)
	return &fakeClock{now: start, end: start.Add(limit), cancel: cancel}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	over := !c.now.Before(c.end)
	c.mu.Unlock()
	if over {
		c.cancel()
	}
	return nil
}

type run struct {
	log   []byte
	lines []map[string]any
	reg   *prometheus.Registry
	sim   *sim.Simulator
	clock *fakeClock
}

// simulate runs a simulator for d of fake time and returns what it wrote and exposed.
func simulate(t *testing.T, d time.Duration, opts ...sim.Option) run {
	t.Helper()
	reg := prometheus.NewRegistry()
	sink, err := prom.NewSink(reg)
	require.NoError(t, err)
	m, err := monitoring.NewMetricsCollector("etl_simulator", "etl_process", monitoring.WithSinks(sink),
		monitoring.WithEnvironment("test"), monitoring.WithDescriptions(sim.Descriptions))
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Shutdown(context.Background()) })
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	clock := newFakeClock(d, cancel)
	var buf bytes.Buffer
	s, err := sim.New(&buf, m, append([]sim.Option{sim.WithClock(clock)}, opts...)...)
	require.NoError(t, err)
	require.NoError(t, s.Run(ctx))
	r := run{log: buf.Bytes(), reg: reg, sim: s, clock: clock}
	for line := range strings.Lines(buf.String()) {
		var l map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &l), line)
		r.lines = append(r.lines, l)
	}
	return r
}

// value returns the value of the series of family name whose labels include match.
func value(t *testing.T, reg prometheus.Gatherer, name string, match map[string]string) float64 {
	t.Helper()
	fams, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			for k, v := range match {
				if labels[k] != v {
					continue next
				}
			}
			switch {
			case m.Counter != nil:
				return m.GetCounter().GetValue()
			case m.Gauge != nil:
				return m.GetGauge().GetValue()
			}
		}
	}
	t.Fatalf("no series %s%v", name, match)
	return 0
}

func TestLogLines(t *testing.T) {
	r := simulate(t, 10*time.Minute, sim.WithSeed(42))
	require.GreaterOrEqual(t, len(r.lines), 10)
	assert.Equal(t, sim.MsgStarted, r.lines[0]["message"])
	assert.Equal(t, sim.MsgStopped, r.lines[len(r.lines)-1]["message"])

	var completed, failed int
	byType := map[string]int{}
	var lastTS time.Time
	for _, l := range r.lines {
		ts, err := time.Parse(time.RFC3339Nano, l["timestamp"].(string))
		require.NoError(t, err)
		assert.False(t, ts.Before(lastTS), "timestamps never go back")
		lastTS = ts
		for _, k := range []string{"total_records", "total_files", "total_failures"} {
			assert.Contains(t, l, k)
		}
		switch l["message"] {
		case sim.MsgFileCompleted:
			completed++
			n := l["records_processed"].(float64)
			pt := l["processing_time"].(float64)
			assert.GreaterOrEqual(t, n, 50.0)
			assert.LessOrEqual(t, n, 500.0)
			// 10 records/s, +-20%.
			assert.InDelta(t, n/10, pt, n/10*0.2+0.01, "processing time of %v records", n)
			assert.InDelta(t, n/pt, l["current_rate"].(float64), 0.05)
			assert.Regexp(t, `^file_\d{6}$`, l["file_id"])
		case sim.MsgFileFailed:
			failed++
			et := l["error_type"].(string)
			assert.Contains(t, sim.ErrorTypes, et)
			assert.NotEmpty(t, l["error_message"])
			byType[et]++
		}
	}
	// A failure every 48 to 72 s: 8 to 12 in 10 minutes.
	assert.GreaterOrEqual(t, failed, 8)
	assert.LessOrEqual(t, failed, 12)
	assert.Greater(t, completed, 5)
	assert.Greater(t, len(byType), 1, "several error types")

	st := r.sim.Stats()
	last := r.lines[len(r.lines)-1]
	assert.EqualValues(t, st.Records, last["total_records"])
	assert.EqualValues(t, st.Files, last["total_files"])
	assert.EqualValues(t, st.Failures, last["total_failures"])
	assert.EqualValues(t, completed, st.Files)
	assert.EqualValues(t, failed, st.Failures)
}

func TestSameSeedSameLog(t *testing.T) {
	a := simulate(t, 5*time.Minute, sim.WithSeed(7))
	b := simulate(t, 5*time.Minute, sim.WithSeed(7))
	c := simulate(t, 5*time.Minute, sim.WithSeed(8))
	assert.Equal(t, string(a.log), string(b.log))
	assert.NotEqual(t, string(a.log), string(c.log))
}

func TestMetrics(t *testing.T) {
	r := simulate(t, 10*time.Minute, sim.WithSeed(3))
	st := r.sim.Stats()
	env := map[string]string{"job_name": "etl_simulator", "source_name": "etl_process", "environment": "test"}
	assert.EqualValues(t, st.Records, value(t, r.reg, "etl_records_total", env))
	assert.EqualValues(t, st.Files, value(t, r.reg, "etl_files_total", env))
	assert.EqualValues(t, st.Failures, value(t, r.reg, "etl_failures_total", env))
	var byType float64
	for _, et := range sim.ErrorTypes {
		byType += value(t, r.reg, "etl_errors_by_type_total", map[string]string{"error_type": et})
	}
	assert.EqualValues(t, st.Failures, byType)
	assert.Equal(t, 1.0, value(t, r.reg, "etl_health_status", nil))
	assert.InDelta(t, 600, value(t, r.reg, "etl_uptime_seconds", nil), 1)

	// The gauges agree with the log: the last completed file's rate, the mean processing time,
	// the time since the last completed and failed lines.
	var lastOK, lastFail time.Time
	var sum, n, rate float64
	for _, l := range r.lines {
		ts, _ := time.Parse(time.RFC3339Nano, l["timestamp"].(string))
		switch l["message"] {
		case sim.MsgFileCompleted:
			lastOK, rate = ts, l["current_rate"].(float64)
			sum += l["processing_time"].(float64)
			n++
		case sim.MsgFileFailed:
			lastFail = ts
		}
	}
	now := r.clock.Now()
	assert.InDelta(t, rate, value(t, r.reg, "etl_current_rate_records_per_second", nil), 0.01)
	assert.InDelta(t, sum/n, value(t, r.reg, "etl_avg_processing_time_seconds", nil), 0.01)
	assert.InDelta(t, now.Sub(lastOK).Seconds(), value(t, r.reg, "etl_seconds_since_last_success", nil), 0.01)
	assert.InDelta(t, now.Sub(lastFail).Seconds(), value(t, r.reg, "etl_seconds_since_last_failure", nil), 0.01)
}

func TestHealthDownWhenNothingCompletes(t *testing.T) {
	// 500 records at 1 record/s: no file completes in 6 minutes, past the 5-minute window.
	r := simulate(t, 6*time.Minute, sim.WithRate(1), sim.WithFileSize(500, 500), sim.WithFailureInterval(0))
	assert.Equal(t, 0.0, value(t, r.reg, "etl_health_status", nil))
	assert.InDelta(t, 360, value(t, r.reg, "etl_seconds_since_last_success", nil), 0.01)
	assert.Zero(t, value(t, r.reg, "etl_failures_total", nil))
	assert.Zero(t, r.sim.Stats().Files)
}

func TestRunOnce(t *testing.T) {
	r := simulate(t, time.Minute)
	assert.ErrorIs(t, r.sim.Run(t.Context()), sim.ErrAlreadyRun)
}

func TestNewRejectsNonsense(t *testing.T) {
	m, err := monitoring.NewMetricsCollector("j", "s")
	require.NoError(t, err)
	defer m.Shutdown(context.Background())
	for name, tc := range map[string]struct {
		opts []sim.Option
		want string
	}{
		"rate":     {[]sim.Option{sim.WithRate(0)}, "rate 0"},
		"interval": {[]sim.Option{sim.WithFailureInterval(-time.Second)}, "failure interval -1s"},
		"size":     {[]sim.Option{sim.WithFileSize(10, 5)}, "file size 10 to 5"},
		"stale":    {[]sim.Option{sim.WithStaleAfter(0)}, "stale after 0s"},
		"clock":    {[]sim.Option{sim.WithClock(nil)}, "clock is nil"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := sim.New(&bytes.Buffer{}, m, tc.opts...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	_, err = sim.New(nil, nil)
	assert.ErrorContains(t, err, "log writer is nil")
	assert.ErrorContains(t, err, "metrics collector is nil")
}
