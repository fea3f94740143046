package logmetrics

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var t0 = time.Date(2025, 1, 18, 4, 0, 0, 0, time.UTC)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

type fixture struct {
	path  string
	reg   *prometheus.Registry
	e     *Exporter
	clock *clock
}

func newFixture(t *testing.T, opts ...Option) *fixture {
	t.Helper()
	f := &fixture{path: filepath.Join(t.TempDir(), "etl.log"), reg: prometheus.NewRegistry(), clock: &clock{now: t0}}
	var err error
	f.e, err = New(f.path, f.reg, append([]Option{WithClock(f.clock.Now), WithEnvironment("test")}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(f.e.close)
	return f
}

func (f *fixture) write(t *testing.T, lines ...string) {
	t.Helper()
	w, err := os.OpenFile(f.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	require.NoError(t, err)
	_, err = w.WriteString(strings.Join(lines, ""))
	require.NoError(t, err)
	require.NoError(t, w.Close())
}

func ln(v string) string { return v + "\n" }

const (
	started   = `{"timestamp":"2025-01-18T04:00:00.000Z","message":"etl_started","total_records":0,"total_files":0,"total_failures":0}`
	done1     = `{"timestamp":"2025-01-18T04:00:25.300Z","message":"file_processing_completed","total_records":250,"total_files":1,"total_failures":0,"file_id":"file_000001","records_processed":250,"processing_time":25.3,"current_rate":9.88}`
	failed2   = `{"timestamp":"2025-01-18T04:00:40.000Z","message":"file_processing_failed","total_records":250,"total_files":1,"total_failures":1,"file_id":"file_000002","records_processed":140,"processing_time":14.7,"error_type":"connection_timeout","error_message":"timed out"}`
	done3     = `{"timestamp":"2025-01-18T04:01:00.000Z","message":"file_processing_completed","total_records":350,"total_files":2,"total_failures":1,"file_id":"file_000003","records_processed":100,"processing_time":10.7,"current_rate":9.35}`
	failedOdd = `{"timestamp":"2025-01-18T04:01:10.000Z","message":"file_processing_failed","file_id":"file_000004","error_type":"cosmic_ray"}`
)

// After a known log, every metric has the value the log implies.
func TestMetricsAfterKnownLog(t *testing.T) {
	f := newFixture(t, WithFromStart())
	f.write(t, ln(started), ln(done1), ln(failed2), ln(done3), ln(failedOdd))
	f.clock.set(t0.Add(2 * time.Minute))
	f.e.poll()

	assert.Equal(t, 350.0, testutil.ToFloat64(f.e.records))
	assert.Equal(t, 2.0, testutil.ToFloat64(f.e.files))
	assert.Equal(t, 2.0, testutil.ToFloat64(f.e.failures))
	assert.Equal(t, 5.0, testutil.ToFloat64(f.e.lines))
	assert.Equal(t, 0.0, testutil.ToFloat64(f.e.malformed))

	want := `
# HELP etl_avg_processing_time_seconds Average file processing time.
# TYPE etl_avg_processing_time_seconds gauge
etl_avg_processing_time_seconds{environment="test",job_name="etl_simulator",source_name="etl_process"} 18
# HELP etl_current_rate_records_per_second Current processing rate: records per second of the last completed file.
# TYPE etl_current_rate_records_per_second gauge
etl_current_rate_records_per_second{environment="test",job_name="etl_simulator",source_name="etl_process"} 9.35
# HELP etl_errors_by_type_total Error counts by failure type.
# TYPE etl_errors_by_type_total counter
etl_errors_by_type_total{environment="test",error_type="connection_timeout",job_name="etl_simulator",source_name="etl_process"} 1
etl_errors_by_type_total{environment="test",error_type="corrupt_file_format",job_name="etl_simulator",source_name="etl_process"} 0
etl_errors_by_type_total{environment="test",error_type="cosmic_ray",job_name="etl_simulator",source_name="etl_process"} 1
etl_errors_by_type_total{environment="test",error_type="database_lock_timeout",job_name="etl_simulator",source_name="etl_process"} 0
etl_errors_by_type_total{environment="test",error_type="disk_space_insufficient",job_name="etl_simulator",source_name="etl_process"} 0
etl_errors_by_type_total{environment="test",error_type="invalid_data_schema",job_name="etl_simulator",source_name="etl_process"} 0
# HELP etl_health_status Overall ETL process health (1=healthy, 0=down).
# TYPE etl_health_status gauge
etl_health_status{environment="test",job_name="etl_simulator",source_name="etl_process"} 1
# HELP etl_seconds_since_last_failure Time since the last failure (since start before the first).
# TYPE etl_seconds_since_last_failure gauge
etl_seconds_since_last_failure{environment="test",job_name="etl_simulator",source_name="etl_process"} 50
# HELP etl_seconds_since_last_success Time since the last successful file (since start before the first).
# TYPE etl_seconds_since_last_success gauge
etl_seconds_since_last_success{environment="test",job_name="etl_simulator",source_name="etl_process"} 60
# HELP etl_uptime_seconds ETL process uptime.
# TYPE etl_uptime_seconds gauge
etl_uptime_seconds{environment="test",job_name="etl_simulator",source_name="etl_process"} 120
`
	require.NoError(t, testutil.GatherAndCompare(f.reg, strings.NewReader(want),
		"etl_avg_processing_time_seconds", "etl_current_rate_records_per_second", "etl_errors_by_type_total",
		"etl_health_status", "etl_seconds_since_last_failure", "etl_seconds_since_last_success", "etl_uptime_seconds"))

	// Six minutes after the last success, past the 5-minute window: down.
	f.clock.set(t0.Add(7 * time.Minute))
	assert.Equal(t, 0.0, gauge(t, f.reg, "etl_health_status"))
	assert.Equal(t, "down", f.e.Health().Status)
}

func gauge(t *testing.T, g prometheus.Gatherer, name string) float64 {
	t.Helper()
	fams, err := g.Gather()
	require.NoError(t, err)
	for _, fam := range fams {
		if fam.GetName() == name {
			return fam.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no %s", name)
	return 0
}

// Before any line, the time-based gauges count from the exporter's start.
func TestBeforeAnyLine(t *testing.T) {
	f := newFixture(t)
	f.clock.set(t0.Add(90 * time.Second))
	f.e.poll() // no file yet: not an error
	assert.Equal(t, 90.0, gauge(t, f.reg, "etl_seconds_since_last_success"))
	assert.Equal(t, 90.0, gauge(t, f.reg, "etl_seconds_since_last_failure"))
	assert.Equal(t, 90.0, gauge(t, f.reg, "etl_uptime_seconds"))
	assert.Equal(t, 1.0, gauge(t, f.reg, "etl_health_status"))
	assert.Equal(t, 0.0, testutil.ToFloat64(f.e.readErrors))
}

func TestMalformedLinesAreSkippedAndCounted(t *testing.T) {
	f := newFixture(t, WithFromStart(), WithMaxLineBytes(400))
	f.write(t,
		ln(`not json at all`),
		ln(`[1,2,3]`),
		ln(`{"timestamp":"2025-01-18T04:00:00Z"}`),                                                              // no message
		ln(`{"message":"file_processing_completed","processing_time":3}`),                                       // no records
		ln(`{"message":"file_processing_completed","records_processed":-5}`),                                    // negative
		ln(`{"message":"file_processing_completed","records_processed":"many"}`),                                // not a number
		ln(`{"message":"file_processing_completed","records_processed":10,`),                                    // cut
		ln(`{"message":"file_processing_completed","records_processed":10,"x":"`+strings.Repeat("a", 500)+`"}`), // too long
		ln(""), // blank: ignored
		ln(done1),
		`{"message":"file_processing_completed",`, // incomplete: waits for the rest
	)
	f.e.poll()
	assert.Equal(t, 9.0, testutil.ToFloat64(f.e.lines))
	assert.Equal(t, 8.0, testutil.ToFloat64(f.e.malformed))
	assert.Equal(t, 250.0, testutil.ToFloat64(f.e.records))

	f.write(t, ln(`"records_processed":7}`))
	f.e.poll()
	assert.Equal(t, 257.0, testutil.ToFloat64(f.e.records), "the line completed by a later write is read whole")
	assert.Equal(t, 8.0, testutil.ToFloat64(f.e.malformed))

	// A long line split across writes is skipped to its end, once.
	f.write(t, strings.Repeat("b", 300))
	f.e.poll()
	f.write(t, strings.Repeat("b", 300))
	f.e.poll()
	f.write(t, ln(`bbb`), ln(done3))
	f.e.poll()
	assert.Equal(t, 9.0, testutil.ToFloat64(f.e.malformed))
	assert.Equal(t, 357.0, testutil.ToFloat64(f.e.records))
}

func TestStartAtEndOrBeginning(t *testing.T) {
	for name, tc := range map[string]struct {
		opts  []Option
		files float64
	}{
		"end":       {nil, 1},
		"beginning": {[]Option{WithFromStart()}, 2},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, tc.opts...)
			f.write(t, ln(done1))
			f.e.poll()
			f.write(t, ln(done3))
			f.e.poll()
			assert.Equal(t, tc.files, testutil.ToFloat64(f.e.files))
		})
	}
}

// A file that appears after the exporter started is read from its beginning, even when the
// exporter starts at the end.
func TestFileAppearsLater(t *testing.T) {
	f := newFixture(t)
	f.e.poll()
	f.write(t, ln(done1), ln(done3))
	f.e.poll()
	assert.Equal(t, 2.0, testutil.ToFloat64(f.e.files))
}

// Rotation by rename (logrotate's default): the rest of the old file is read, including a last
// line without a newline, then the new file from its beginning.
func TestRotation(t *testing.T) {
	f := newFixture(t)
	f.write(t, ln(done1))
	f.e.poll() // at the end: done1 not counted
	f.write(t, ln(failed2), done3)
	require.NoError(t, os.Rename(f.path, f.path+".1"))
	f.e.poll() // the path is missing: keeps reading the old file
	assert.Equal(t, 1.0, testutil.ToFloat64(f.e.failures))
	f.write(t, ln(done1))
	f.e.poll()
	assert.Equal(t, 2.0, testutil.ToFloat64(f.e.files), "done3 from the old file, done1 from the new")
	assert.Equal(t, 350.0, testutil.ToFloat64(f.e.records))
	assert.Equal(t, 1.0, testutil.ToFloat64(f.e.reopened.WithLabelValues("rotated")))
	f.write(t, ln(done3))
	f.e.poll()
	assert.Equal(t, 3.0, testutil.ToFloat64(f.e.files))

	// Rotation by remove and create between two polls.
	require.NoError(t, os.Remove(f.path))
	f.write(t, ln(failed2))
	f.e.poll()
	assert.Equal(t, 2.0, testutil.ToFloat64(f.e.failures))
	assert.Equal(t, 2.0, testutil.ToFloat64(f.e.reopened.WithLabelValues("rotated")))
	assert.Zero(t, testutil.ToFloat64(f.e.malformed))
}

// Truncation in place (copytruncate, or > file): the exporter starts again from the beginning.
func TestTruncation(t *testing.T) {
	f := newFixture(t, WithFromStart())
	f.write(t, ln(started), ln(done1), ln(failed2))
	f.e.poll()
	require.NoError(t, os.Truncate(f.path, 0))
	f.e.poll()
	f.write(t, ln(done3))
	f.e.poll()
	assert.Equal(t, 2.0, testutil.ToFloat64(f.e.files))
	assert.Equal(t, 1.0, testutil.ToFloat64(f.e.reopened.WithLabelValues("truncated")))

	// Truncated and rewritten shorter between two polls.
	f.write(t, ln(done1), ln(done1))
	f.e.poll()
	require.NoError(t, os.WriteFile(f.path, []byte(ln(failed2)), 0o644))
	f.e.poll()
	assert.Equal(t, 2.0, testutil.ToFloat64(f.e.failures))
	assert.Equal(t, 2.0, testutil.ToFloat64(f.e.reopened.WithLabelValues("truncated")))
}

// A path that cannot be read (here a directory) is an error reported once and counted at each
// try; the exporter keeps going and reads the file once it can.
func TestReadErrorsAreReportedOnce(t *testing.T) {
	var errs []error
	f := newFixture(t, WithErrorHandler(func(err error) { errs = append(errs, err) }))
	require.NoError(t, os.Mkdir(f.path, 0o755))
	f.e.poll()
	f.e.poll()
	assert.Equal(t, 2.0, testutil.ToFloat64(f.e.readErrors))
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], syscall.EISDIR)
	require.NoError(t, os.Remove(f.path))
	f.write(t, ln(done1))
	f.e.poll()
	assert.Equal(t, 1.0, testutil.ToFloat64(f.e.files))
}

func TestRunFollowsUntilCancelled(t *testing.T) {
	f := newFixture(t, WithPollInterval(5*time.Millisecond), WithFromStart())
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- f.e.Run(ctx) }()
	f.write(t, ln(done1))
	require.Eventually(t, func() bool { return testutil.ToFloat64(f.e.files) == 1 }, 5*time.Second, 5*time.Millisecond)
	cancel()
	require.NoError(t, <-done)
	assert.ErrorIs(t, f.e.Run(t.Context()), ErrAlreadyRun)
}

func TestHandler(t *testing.T) {
	f := newFixture(t, WithFromStart())
	f.write(t, ln(done1))
	f.e.poll()
	h := f.e.Handler(f.reg)
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}
	f.clock.set(t0.Add(time.Minute))
	rec := get("/health")
	assert.Equal(t, http.StatusOK, rec.Code)
	var r HealthReport
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &r))
	assert.Equal(t, "healthy", r.Status)
	assert.InDelta(t, 34.7, r.SecondsSinceLastSuccess, 1e-9)

	f.clock.set(t0.Add(time.Hour))
	assert.Equal(t, http.StatusServiceUnavailable, get("/health").Code)
	rec = get("/metrics")
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), "etl_records_total{")
	assert.Equal(t, http.StatusNotFound, get("/other").Code)
}

func TestNewRejectsNonsense(t *testing.T) {
	reg := prometheus.NewRegistry()
	_, err := New("", nil, WithPollInterval(0), WithStaleAfter(-1), WithClock(nil), WithMaxLineBytes(0), WithJob("", ""))
	require.Error(t, err)
	for _, want := range []string{"path is empty", "registerer is nil", "poll interval 0s", "stale after -1ns", "clock is nil", "max line bytes 0", "job name is empty"} {
		assert.ErrorContains(t, err, want)
	}
	_, err = New("a.log", reg)
	require.NoError(t, err)
	_, err = New("b.log", reg)
	assert.ErrorContains(t, err, "register metrics", "the same labels twice on one registry")
	_, err = New("b.log", reg, WithJob("other", "other"))
	assert.NoError(t, err, "nothing is left registered by the failed New")
}

func FuzzLine(f *testing.F) {
	for _, s := range []string{done1, failed2, started, `{"message":"file_processing_completed","records_processed":1e308}`, `{`, ``} {
		f.Add(s)
	}
	reg := prometheus.NewRegistry()
	e, err := New("x.log", reg)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e.feed([]byte(s + "\n"))
		if _, err := reg.Gather(); err != nil {
			t.Fatal(err)
		}
	})
}
