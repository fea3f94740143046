package logmetrics

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// The messages of the log lines the exporter counts.
const (
	MsgStarted       = "etl_started"
	MsgFileCompleted = "file_processing_completed"
	MsgFileFailed    = "file_processing_failed"
)

// KnownErrorTypes are the reference error types, whose etl_errors_by_type_total series exist at
// 0 from the start so that rate() and increase() see their first failure.
var KnownErrorTypes = []string{
	"connection_timeout", "corrupt_file_format", "disk_space_insufficient", "database_lock_timeout", "invalid_data_schema",
}

// Option configures an [Exporter].
type Option func(*config)

type config struct {
	fromStart    bool
	poll         time.Duration
	staleAfter   time.Duration
	now          func() time.Time
	job, source  string
	environment  string
	maxLine      int
	errorHandler func(error)
}

// WithFromStart makes the exporter read the file from its beginning. Default: from its end, as
// tail -f does (a file that appears later, or the new file after a rotation, is always read
// from its beginning).
func WithFromStart() Option { return func(c *config) { c.fromStart = true } }

// WithPollInterval sets how often the file is checked for new lines, rotation and truncation.
// Default: 250ms.
func WithPollInterval(d time.Duration) Option { return func(c *config) { c.poll = d } }

// WithStaleAfter sets how long after the last completed file the job is down
// (etl_health_status 0, /health 503). Default: 5 minutes.
func WithStaleAfter(d time.Duration) Option { return func(c *config) { c.staleAfter = d } }

// WithClock sets the function that tells the time, for tests. Default: time.Now.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithJob sets the job_name and source_name labels of every series. Default: "etl_simulator"
// and "etl_process", those of examples/simulator.
func WithJob(jobName, sourceName string) Option {
	return func(c *config) { c.job, c.source = jobName, sourceName }
}

// WithEnvironment sets the environment label of every series. Default: $ETL_ENVIRONMENT, else
// "dev", as etlwatch does.
func WithEnvironment(env string) Option { return func(c *config) { c.environment = env } }

// WithMaxLineBytes sets the longest line read; a longer one is skipped and counted as
// malformed. Default: 1 MiB.
func WithMaxLineBytes(n int) Option { return func(c *config) { c.maxLine = n } }

// WithErrorHandler sets the function that receives read errors (such as a permission denied),
// each once until the error changes; they are also counted in logexporter_read_errors_total.
// Default: none.
func WithErrorHandler(h func(error)) Option { return func(c *config) { c.errorHandler = h } }

// Exporter follows a JSON log file and keeps its metrics. Create it with [New]; run it with
// [Exporter.Run]. Its methods are safe for concurrent use; Run must be called at most once.
type Exporter struct {
	path string
	cfg  config

	records, files, failures prometheus.Counter
	errorsByType             *prometheus.CounterVec
	lines, malformed         prometheus.Counter
	reopened                 *prometheus.CounterVec
	readErrors               prometheus.Counter

	// the file being followed; used by the Run goroutine only
	f        *os.File
	opened   bool // a file was opened once: later files are read from the start
	offset   int64
	partial  []byte
	skipping bool // the current line is too long: skip to its end
	lastErr  string

	mu            sync.Mutex
	start         time.Time // the exporter's
	jobStart      time.Time
	lastSuccess   time.Time
	lastFailure   time.Time
	sumProcessing float64
	nProcessing   int64
	lastRate      float64
	ran           bool
}

// ErrAlreadyRun is returned by a second call of [Exporter.Run].
var ErrAlreadyRun = errors.New("logmetrics: Run was already called")

// New returns an exporter of the log file at path that registers its metrics on reg. The file
// need not exist yet. It returns an error for an empty path, a nil registerer, nonsense options,
// or metrics that cannot be registered (such as a second exporter with the same labels).
func New(path string, reg prometheus.Registerer, opts ...Option) (*Exporter, error) {
	cfg := config{
		poll: 250 * time.Millisecond, staleAfter: 5 * time.Minute, now: time.Now,
		job: "etl_simulator", source: "etl_process", environment: os.Getenv("ETL_ENVIRONMENT"), maxLine: 1 << 20,
	}
	if cfg.environment == "" {
		cfg.environment = "dev"
	}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	var errs []error
	if path == "" {
		errs = append(errs, errors.New("logmetrics: log file path is empty"))
	}
	if reg == nil {
		errs = append(errs, errors.New("logmetrics: registerer is nil; pass your own, such as prometheus.NewRegistry()"))
	}
	if cfg.poll <= 0 {
		errs = append(errs, fmt.Errorf("logmetrics: poll interval %v: must be positive", cfg.poll))
	}
	if cfg.staleAfter <= 0 {
		errs = append(errs, fmt.Errorf("logmetrics: stale after %v: must be positive", cfg.staleAfter))
	}
	if cfg.now == nil {
		errs = append(errs, errors.New("logmetrics: clock is nil"))
	}
	if cfg.maxLine < 1 {
		errs = append(errs, fmt.Errorf("logmetrics: max line bytes %d: must be positive", cfg.maxLine))
	}
	if cfg.job == "" {
		errs = append(errs, errors.New("logmetrics: job name is empty"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	e := &Exporter{path: path, cfg: cfg, start: cfg.now()}
	labels := prometheus.Labels{"job_name": cfg.job, "source_name": cfg.source, "environment": cfg.environment}
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: labels})
	}
	gauge := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: labels}, f)
	}
	e.records = counter("etl_records_total", "Total number of records processed.")
	e.files = counter("etl_files_total", "Total number of files processed.")
	e.failures = counter("etl_failures_total", "Total number of processing failures.")
	e.errorsByType = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "etl_errors_by_type_total", Help: "Error counts by failure type.", ConstLabels: labels,
	}, []string{"error_type"})
	for _, t := range KnownErrorTypes {
		e.errorsByType.WithLabelValues(t)
	}
	e.lines = counter("logexporter_lines_total", "Lines read from the log file.")
	e.malformed = counter("logexporter_malformed_lines_total", "Lines skipped because they are not valid log lines.")
	e.reopened = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "logexporter_reopened_total", Help: "Times the log file was read again from its start, by reason (rotated, truncated).", ConstLabels: labels,
	}, []string{"reason"})
	e.reopened.WithLabelValues("rotated")
	e.reopened.WithLabelValues("truncated")
	e.readErrors = counter("logexporter_read_errors_total", "Errors opening or reading the log file.")
	collectors := []prometheus.Collector{
		e.records, e.files, e.failures, e.errorsByType, e.lines, e.malformed, e.reopened, e.readErrors,
		gauge("etl_current_rate_records_per_second", "Current processing rate: records per second of the last completed file.", e.currentRate),
		gauge("etl_avg_processing_time_seconds", "Average file processing time.", e.avgProcessing),
		gauge("etl_seconds_since_last_success", "Time since the last successful file (since start before the first).", e.sinceSuccess),
		gauge("etl_seconds_since_last_failure", "Time since the last failure (since start before the first).", e.sinceFailure),
		gauge("etl_health_status", "Overall ETL process health (1=healthy, 0=down).", e.healthStatus),
		gauge("etl_uptime_seconds", "ETL process uptime.", e.uptime),
	}
	for i, c := range collectors {
		if err := reg.Register(c); err != nil {
			for _, r := range collectors[:i] {
				reg.Unregister(r)
			}
			return nil, fmt.Errorf("logmetrics: register metrics: %w", err)
		}
	}
	return e, nil
}

// Run follows the file until ctx ends, then closes it and returns nil. Errors reading the file
// never stop it: they go to the error handler and logexporter_read_errors_total, and the file is
// tried again on the next poll.
func (e *Exporter) Run(ctx context.Context) error {
	e.mu.Lock()
	if e.ran {
		e.mu.Unlock()
		return ErrAlreadyRun
	}
	e.ran = true
	e.mu.Unlock()
	defer e.close()
	t := time.NewTicker(e.cfg.poll)
	defer t.Stop()
	for {
		e.poll()
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (e *Exporter) close() {
	if e.f != nil {
		_ = e.f.Close()
		e.f = nil
	}
}

func (e *Exporter) report(err error) {
	e.readErrors.Inc()
	if msg := err.Error(); msg != e.lastErr {
		e.lastErr = msg
		if e.cfg.errorHandler != nil {
			e.cfg.errorHandler(err)
		}
	}
}

// poll reads what is new in the file, following a rotation or a truncation.
func (e *Exporter) poll() {
	if e.f == nil {
		f, err := os.Open(e.path)
		if errors.Is(err, os.ErrNotExist) {
			e.opened = true // a file that appears later is new: read it whole
			return          // not there yet, or between a rotation's rename and create
		}
		if err != nil {
			e.report(fmt.Errorf("logmetrics: open %s: %w", e.path, err))
			return
		}
		e.f, e.offset, e.partial, e.skipping = f, 0, nil, false
		if !e.opened && !e.cfg.fromStart {
			off, err := f.Seek(0, io.SeekEnd)
			if err != nil {
				e.report(fmt.Errorf("logmetrics: seek to the end of %s: %w", e.path, err))
				e.close()
				return
			}
			e.offset = off
		}
		e.opened = true
	}
	// Truncated (copytruncate, or > file): start again from the beginning.
	if fi, err := e.f.Stat(); err == nil && fi.Size() < e.offset {
		if _, err := e.f.Seek(0, io.SeekStart); err != nil {
			e.report(fmt.Errorf("logmetrics: seek to the start of %s: %w", e.path, err))
			e.close()
			return
		}
		e.offset, e.partial, e.skipping = 0, nil, false
		e.reopened.WithLabelValues("truncated").Inc()
	}
	if err := e.drain(); err != nil {
		e.report(fmt.Errorf("logmetrics: read %s: %w", e.path, err))
		e.close()
		return
	}
	// Rotated: the path names another file now. The old one was read to its end above; its last
	// line, even without a newline, is complete since the writer moved on.
	cur, err := e.f.Stat()
	if err != nil {
		return
	}
	if fi, err := os.Stat(e.path); err == nil && !os.SameFile(fi, cur) {
		if len(e.partial) > 0 || e.skipping {
			e.endLine()
		}
		e.close()
		e.reopened.WithLabelValues("rotated").Inc()
		e.poll() // the new file, from its start
	}
}

// drain reads the open file to its end, handling every complete line.
func (e *Exporter) drain() error {
	buf := make([]byte, 64<<10)
	for {
		n, err := e.f.Read(buf)
		if n > 0 {
			e.offset += int64(n)
			e.feed(buf[:n])
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// feed splits data into lines, keeping an incomplete last line for later. A line longer than
// the limit is not kept: it is skipped up to its newline and counted as malformed.
func (e *Exporter) feed(data []byte) {
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		chunk := data
		if i >= 0 {
			chunk = data[:i]
		}
		switch {
		case e.skipping:
		case len(e.partial)+len(chunk) > e.cfg.maxLine:
			e.skipping, e.partial = true, e.partial[:0]
		default:
			e.partial = append(e.partial, chunk...)
		}
		if i < 0 {
			return
		}
		data = data[i+1:]
		e.endLine()
	}
}

// endLine handles the line accumulated in partial.
func (e *Exporter) endLine() {
	if e.skipping {
		e.lines.Inc()
		e.malformed.Inc()
	} else {
		e.line(e.partial)
	}
	e.skipping, e.partial = false, e.partial[:0]
}

// logLine is what the exporter reads from a line.
type logLine struct {
	Timestamp        string   `json:"timestamp"`
	Message          string   `json:"message"`
	RecordsProcessed *float64 `json:"records_processed"`
	ProcessingTime   *float64 `json:"processing_time"`
	CurrentRate      *float64 `json:"current_rate"`
	ErrorType        string   `json:"error_type"`
}

// line handles one complete line.
func (e *Exporter) line(b []byte) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return
	}
	e.lines.Inc()
	var l logLine
	if err := json.Unmarshal(b, &l); err != nil || l.Message == "" {
		e.malformed.Inc()
		return
	}
	ts, err := time.Parse(time.RFC3339Nano, l.Timestamp)
	if err != nil {
		ts = e.cfg.now()
	}
	switch l.Message {
	case MsgFileCompleted:
		if l.RecordsProcessed == nil || *l.RecordsProcessed < 0 || (l.ProcessingTime != nil && *l.ProcessingTime < 0) {
			e.malformed.Inc()
			return
		}
		n := *l.RecordsProcessed
		e.records.Add(n)
		e.files.Inc()
		e.mu.Lock()
		e.lastSuccess = ts
		if l.ProcessingTime != nil {
			e.sumProcessing += *l.ProcessingTime
			e.nProcessing++
		}
		switch {
		case l.CurrentRate != nil:
			e.lastRate = *l.CurrentRate
		case l.ProcessingTime != nil && *l.ProcessingTime > 0:
			e.lastRate = n / *l.ProcessingTime
		}
		e.mu.Unlock()
	case MsgFileFailed:
		et := l.ErrorType
		if et == "" {
			et = "unknown"
		}
		e.failures.Inc()
		e.errorsByType.WithLabelValues(et).Inc()
		e.mu.Lock()
		e.lastFailure = ts
		e.mu.Unlock()
	case MsgStarted:
		e.mu.Lock()
		e.jobStart = ts
		e.mu.Unlock()
	}
}

func (e *Exporter) currentRate() float64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.lastRate
}

func (e *Exporter) avgProcessing() float64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.nProcessing == 0 {
		return 0
	}
	return e.sumProcessing / float64(e.nProcessing)
}

// since returns the seconds from t, or from the exporter's start when t is zero, to now.
func (e *Exporter) since(t time.Time) float64 {
	if t.IsZero() {
		t = e.start
	}
	return e.cfg.now().Sub(t).Seconds()
}

func (e *Exporter) sinceSuccess() float64 {
	e.mu.Lock()
	t := e.lastSuccess
	e.mu.Unlock()
	return e.since(t)
}

func (e *Exporter) sinceFailure() float64 {
	e.mu.Lock()
	t := e.lastFailure
	e.mu.Unlock()
	return e.since(t)
}

func (e *Exporter) uptime() float64 {
	e.mu.Lock()
	t := e.jobStart
	e.mu.Unlock()
	return e.since(t)
}

func (e *Exporter) healthStatus() float64 {
	if e.sinceSuccess() > e.cfg.staleAfter.Seconds() {
		return 0
	}
	return 1
}

// HealthReport is what /health serves, as JSON.
type HealthReport struct {
	Status                  string    `json:"status"` // "healthy" or "down"
	LogFile                 string    `json:"log_file"`
	SecondsSinceLastSuccess float64   `json:"seconds_since_last_success"`
	LastSuccess             time.Time `json:"last_success,omitzero"`
	StaleAfterSeconds       float64   `json:"stale_after_seconds"`
	UptimeSeconds           float64   `json:"uptime_seconds"`
}

// Health returns the job's state now: down when no file completed within [WithStaleAfter].
func (e *Exporter) Health() HealthReport {
	e.mu.Lock()
	last := e.lastSuccess
	e.mu.Unlock()
	r := HealthReport{
		Status: "healthy", LogFile: e.path, SecondsSinceLastSuccess: e.sinceSuccess(), LastSuccess: last.UTC(),
		StaleAfterSeconds: e.cfg.staleAfter.Seconds(), UptimeSeconds: e.uptime(),
	}
	if last.IsZero() {
		r.LastSuccess = time.Time{}
	}
	if e.healthStatus() == 0 {
		r.Status = "down"
	}
	return r
}

// Handler returns an http.Handler serving what g gathers on GET /metrics (g is usually the
// registry given to [New]) and the [HealthReport] on GET /health, with HTTP 200 when healthy and
// 503 when down.
func (e *Exporter) Handler(g prometheus.Gatherer) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		r := e.Health()
		body, _ := json.Marshal(r) // every field marshals
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if r.Status != "healthy" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_, _ = w.Write(append(body, '\n'))
	})
	return mux
}
