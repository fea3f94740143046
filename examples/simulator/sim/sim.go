package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/etlwatch/etlwatch/monitoring"
)

// Clock tells the time and sleeps; the simulator does both only through its clock.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// Sleep waits for d, or returns ctx's error early when ctx ends first.
	Sleep(ctx context.Context, d time.Duration) error
}

// Reporter receives the outcome of each file, such as a
// github.com/etlwatch/etlwatch/monitoring/prom.Health.
type Reporter interface {
	ReportSuccess()
	ReportFailure(err error)
}

// Option configures a [Simulator].
type Option func(*config)

type config struct {
	rate            float64
	failureInterval time.Duration
	seed            uint64
	minRecords      int
	maxRecords      int
	staleAfter      time.Duration
	clock           Clock
	reporter        Reporter
	tick            time.Duration
}

// WithRate sets the target rate in records per second; each file's processing time is its
// records over the rate, +-20%. Default: 10.
func WithRate(r float64) Option { return func(c *config) { c.rate = r } }

// WithFailureInterval sets the mean time between failures; each interval is drawn within +-20%
// of it, and the file being processed when it ends fails. 0 disables failures. Default: 1 minute.
func WithFailureInterval(d time.Duration) Option { return func(c *config) { c.failureInterval = d } }

// WithSeed sets the seed of the random choices (file sizes, processing times, failure times
// and error types): with the same seed and clock, the simulator writes the same lines.
// Default: 1.
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithFileSize sets the range of records per file, both included. Default: 50 to 500.
func WithFileSize(minRecords, maxRecords int) Option {
	return func(c *config) { c.minRecords, c.maxRecords = minRecords, maxRecords }
}

// WithStaleAfter sets how long after the last completed file (or after the start, before the
// first) the health status turns 0. Default: 5 minutes.
func WithStaleAfter(d time.Duration) Option { return func(c *config) { c.staleAfter = d } }

// WithClock sets the clock the simulator reads and sleeps on, for tests. Default: the system
// clock.
func WithClock(c Clock) Option { return func(cfg *config) { cfg.clock = c } }

// WithReporter makes the simulator report each completed file as a success and each failed file
// as a failure to r. Default: none.
func WithReporter(r Reporter) Option { return func(c *config) { c.reporter = r } }

// WithTick sets how often, while a file is being processed, the time-based gauges (seconds
// since the last success and failure, health, uptime) are refreshed. Default: 1 second.
func WithTick(d time.Duration) Option { return func(c *config) { c.tick = d } }

// Simulator is a simulated ETL process. Create it with [New] and run it with [Simulator.Run].
// Its methods are safe for concurrent use; Run must be called at most once.
type Simulator struct {
	cfg config
	w   io.Writer
	rng *rand.Rand

	records, files, failures *monitoring.Counter
	errorsByType             map[string]*monitoring.Counter
	rate, avg, sinceSuccess  *monitoring.Gauge
	sinceFailure, health     *monitoring.Gauge
	uptime                   *monitoring.Gauge

	mu                       sync.Mutex
	start                    time.Time
	lastSuccess, lastFailure time.Time
	totalRecords, totalFiles int64
	totalFailures, attempts  int64
	sumProcessing            float64
	lastRate                 float64
	ran                      bool
}

// ErrAlreadyRun is returned by a second call of [Simulator.Run].
var ErrAlreadyRun = errors.New("sim: Run was already called")

// New returns a simulator that writes its log lines to w and records its metrics in m. It
// returns an error for a nil writer or collector and for nonsense options (a rate or file size
// that is not positive, a negative interval).
func New(w io.Writer, m *monitoring.MetricsCollector, opts ...Option) (*Simulator, error) {
	cfg := config{
		rate: 10, failureInterval: time.Minute, seed: 1, minRecords: 50, maxRecords: 500,
		staleAfter: 5 * time.Minute, clock: systemClock{}, tick: time.Second,
	}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	var errs []error
	if w == nil {
		errs = append(errs, errors.New("sim: log writer is nil"))
	}
	if m == nil {
		errs = append(errs, errors.New("sim: metrics collector is nil"))
	}
	if !(cfg.rate > 0) || math.IsInf(cfg.rate, 0) {
		errs = append(errs, fmt.Errorf("sim: rate %v: must be a positive number of records per second", cfg.rate))
	}
	if cfg.failureInterval < 0 {
		errs = append(errs, fmt.Errorf("sim: failure interval %v: must not be negative (0 disables failures)", cfg.failureInterval))
	}
	if cfg.minRecords < 1 || cfg.maxRecords < cfg.minRecords {
		errs = append(errs, fmt.Errorf("sim: file size %d to %d: need 1 <= min <= max", cfg.minRecords, cfg.maxRecords))
	}
	if cfg.staleAfter <= 0 {
		errs = append(errs, fmt.Errorf("sim: stale after %v: must be positive", cfg.staleAfter))
	}
	if cfg.tick <= 0 {
		errs = append(errs, fmt.Errorf("sim: tick %v: must be positive", cfg.tick))
	}
	if cfg.clock == nil {
		errs = append(errs, errors.New("sim: clock is nil"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	s := &Simulator{
		cfg:          cfg,
		w:            w,
		rng:          rand.New(rand.NewPCG(cfg.seed, cfg.seed^0x9e3779b97f4a7c15)),
		records:      m.Counter(MetricRecords, nil),
		files:        m.Counter(MetricFiles, nil),
		failures:     m.Counter(MetricFailures, nil),
		errorsByType: make(map[string]*monitoring.Counter, len(ErrorTypes)),
		rate:         m.Gauge(MetricCurrentRate, monitoring.UnitNone, nil),
		avg:          m.Gauge(MetricAvgProcessingTime, monitoring.UnitSeconds, nil),
		sinceSuccess: m.Gauge(MetricSinceLastSuccess, monitoring.UnitSeconds, nil),
		sinceFailure: m.Gauge(MetricSinceLastFailure, monitoring.UnitSeconds, nil),
		health:       m.Gauge(MetricHealthStatus, monitoring.UnitNone, nil),
		uptime:       m.Gauge(MetricUptime, monitoring.UnitSeconds, nil),
		start:        cfg.clock.Now(),
	}
	for _, t := range ErrorTypes {
		s.errorsByType[t] = m.Counter(MetricErrorsByType, monitoring.Dimensions{"error_type": t})
	}
	s.rate.Set(0)
	s.avg.Set(0)
	s.Refresh()
	return s, nil
}

// Run processes files until ctx ends, then writes the etl_stopped line and returns nil; the file
// in progress is abandoned. It returns an error when a log line cannot be written.
func (s *Simulator) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.ran {
		s.mu.Unlock()
		return ErrAlreadyRun
	}
	s.ran = true
	s.mu.Unlock()

	clock := s.cfg.clock
	if err := s.log(LogLine{Message: MsgStarted}); err != nil {
		return err
	}
	nextFailure := s.nextFailure(clock.Now())
	for ctx.Err() == nil {
		n := int64(s.cfg.minRecords + s.rng.IntN(s.cfg.maxRecords-s.cfg.minRecords+1))
		secs := float64(n) / s.cfg.rate * (0.8 + 0.4*s.rng.Float64())
		dur := time.Duration(secs * float64(time.Second))
		s.mu.Lock()
		s.attempts++
		id := fmt.Sprintf("file_%06d", s.attempts)
		s.mu.Unlock()
		begin := clock.Now()
		if err := s.log(LogLine{Message: MsgFileStarted, FileID: id, RecordsExpected: &n}); err != nil {
			return err
		}
		end := begin.Add(dur)
		fails := s.cfg.failureInterval > 0 && !nextFailure.After(end)
		if fails {
			end = nextFailure
		}
		if err := s.sleepUntil(ctx, end); err != nil {
			break // stopped: the file in progress is abandoned
		}
		elapsed := clock.Now().Sub(begin).Seconds()
		if fails {
			done := int64(math.Min(float64(n), math.Floor(elapsed*s.cfg.rate)))
			errType := ErrorTypes[s.rng.IntN(len(ErrorTypes))]
			if err := s.fail(id, done, elapsed, errType); err != nil {
				return err
			}
			nextFailure = s.nextFailure(clock.Now())
			continue
		}
		if err := s.complete(id, n, elapsed); err != nil {
			return err
		}
	}
	return s.log(LogLine{Message: MsgStopped})
}

// nextFailure draws the time of the next failure after now, zero without failures.
func (s *Simulator) nextFailure(now time.Time) time.Time {
	if s.cfg.failureInterval == 0 {
		return time.Time{}
	}
	return now.Add(time.Duration(float64(s.cfg.failureInterval) * (0.8 + 0.4*s.rng.Float64())))
}

// sleepUntil sleeps until t in steps of at most the tick, refreshing the gauges after each.
func (s *Simulator) sleepUntil(ctx context.Context, t time.Time) error {
	for {
		left := t.Sub(s.cfg.clock.Now())
		if left <= 0 {
			return ctx.Err()
		}
		if err := s.cfg.clock.Sleep(ctx, min(left, s.cfg.tick)); err != nil {
			return err
		}
		s.Refresh()
	}
}

func (s *Simulator) complete(id string, n int64, elapsed float64) error {
	rate := 0.0
	if elapsed > 0 {
		rate = float64(n) / elapsed
	}
	s.mu.Lock()
	s.totalRecords += n
	s.totalFiles++
	s.sumProcessing += elapsed
	s.lastRate = rate
	s.lastSuccess = s.cfg.clock.Now()
	avg := s.sumProcessing / float64(s.totalFiles)
	s.mu.Unlock()
	s.records.Add(n)
	s.files.Add(1)
	s.rate.Set(rate)
	s.avg.Set(avg)
	s.Refresh()
	if s.cfg.reporter != nil {
		s.cfg.reporter.ReportSuccess()
	}
	pt, cr := round2(elapsed), round2(rate)
	return s.log(LogLine{Message: MsgFileCompleted, FileID: id, RecordsProcessed: &n, ProcessingTime: &pt, CurrentRate: &cr})
}

func (s *Simulator) fail(id string, done int64, elapsed float64, errType string) error {
	s.mu.Lock()
	s.totalFailures++
	s.lastFailure = s.cfg.clock.Now()
	s.mu.Unlock()
	s.failures.Add(1)
	s.errorsByType[errType].Add(1)
	s.Refresh()
	msg := errorMessages[errType]
	if s.cfg.reporter != nil {
		s.cfg.reporter.ReportFailure(fmt.Errorf("%s: %s: %s", id, errType, msg))
	}
	pt := round2(elapsed)
	return s.log(LogLine{Message: MsgFileFailed, FileID: id, RecordsProcessed: &done, ProcessingTime: &pt, ErrorType: errType, ErrorMessage: msg})
}

// Refresh sets the time-based gauges (seconds since the last success and failure, health
// status, uptime) to their values now. The simulator refreshes them on every tick; call it also
// just before a scrape for exact values.
func (s *Simulator) Refresh() {
	now := s.cfg.clock.Now()
	s.mu.Lock()
	lastSuccess, lastFailure := s.lastSuccess, s.lastFailure
	start := s.start
	s.mu.Unlock()
	if lastSuccess.IsZero() {
		lastSuccess = start
	}
	if lastFailure.IsZero() {
		lastFailure = start
	}
	since := now.Sub(lastSuccess)
	s.sinceSuccess.Set(since.Seconds())
	s.sinceFailure.Set(now.Sub(lastFailure).Seconds())
	healthy := 1.0
	if since > s.cfg.staleAfter {
		healthy = 0
	}
	s.health.Set(healthy)
	s.uptime.Set(now.Sub(start).Seconds())
}

// Stats is what a simulator has done so far.
type Stats struct {
	Records, Files, Failures int64
	// Attempts counts the files started, completed, failed or abandoned.
	Attempts int64
}

// Stats returns the running totals.
func (s *Simulator) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Records: s.totalRecords, Files: s.totalFiles, Failures: s.totalFailures, Attempts: s.attempts}
}

func (s *Simulator) log(l LogLine) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	l.Timestamp = s.cfg.clock.Now().UTC().Format(TimestampFormat)
	l.TotalRecords, l.TotalFiles, l.TotalFailures = s.totalRecords, s.totalFiles, s.totalFailures
	b, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("sim: encode log line: %w", err)
	}
	if _, err := s.w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("sim: write log line: %w", err)
	}
	return nil
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
