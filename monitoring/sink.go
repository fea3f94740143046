package monitoring

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// Sink is a destination for the collector's metrics. A Sink is one of:
//
//   - a [PushSink]: an OpenTelemetry exporter that the collector drives on the export interval and
//     on ForceFlush and Shutdown (logs, CloudWatch, OTLP);
//   - a [PullSink]: an OpenTelemetry reader that is read when scraped (Prometheus).
//
// Sinks are plugged into the collector's OpenTelemetry pipeline, the one aggregation engine, so a
// sink chooses its temporality and aggregation through the exporter or reader interfaces. A user's
// own sink fits the same way; [NewExporterSink] and [NewReaderSink] adapt any OpenTelemetry
// exporter or reader.
type Sink interface {
	// Name identifies the sink in errors, in the sink self-metrics and in [SinkStatus].
	Name() string
}

// PushSink is a [Sink] that is an OpenTelemetry metric exporter. The collector gives each push sink
// its own reader and goroutine, and bounds each export by the export timeout, so a sink that fails,
// is slow or hangs never blocks recording nor another sink. As OpenTelemetry promises, Export is never
// called concurrently for one sink.
type PushSink interface {
	Sink
	sdkmetric.Exporter
}

// PullSink is a [Sink] that supplies its own OpenTelemetry reader, such as a Prometheus exporter.
type PullSink interface {
	Sink
	Reader() sdkmetric.Reader
}

// ErrorHandlerSetter is implemented by sinks that have problems to report besides a failed export,
// such as data points a backend cannot take. The collector calls SetErrorHandler once, before the
// first export, with its [WithErrorHandler] function.
type ErrorHandlerSetter interface {
	SetErrorHandler(func(error))
}

// NewExporterSink adapts an OpenTelemetry metric exporter, such as stdoutmetric or an OTLP exporter,
// into a [PushSink] called name.
func NewExporterSink(name string, exp sdkmetric.Exporter) PushSink {
	return exporterSink{name: name, Exporter: exp}
}

type exporterSink struct {
	name string
	sdkmetric.Exporter
}

func (s exporterSink) Name() string { return s.name }

// NewReaderSink adapts an OpenTelemetry metric reader into a [PullSink] called name.
func NewReaderSink(name string, r sdkmetric.Reader) PullSink { return readerSink{name: name, r: r} }

type readerSink struct {
	name string
	r    sdkmetric.Reader
}

func (s readerSink) Name() string             { return s.name }
func (s readerSink) Reader() sdkmetric.Reader { return s.r }

// SinkStatus is the export record of one push sink, for health checks.
type SinkStatus struct {
	Name        string    `json:"name"`
	Exports     int64     `json:"exports"`               // exports attempted
	Failures    int64     `json:"failures"`              // exports that failed
	LastExport  time.Time `json:"last_export,omitzero"`  // when the last export finished
	LastSuccess time.Time `json:"last_success,omitzero"` // when the last successful export finished
	LastError   string    `json:"last_error,omitempty"`  // the last export's error, "" when it succeeded
	// LastErrorType is the Go type of the last export error's root cause ([ErrorType]), "" when
	// it succeeded: a classification that, unlike LastError, quotes no data.
	LastErrorType string `json:"last_error_type,omitempty"`
	Healthy       bool   `json:"healthy"` // whether the last export succeeded (true before any)
}

// pushSink drives one PushSink: its own manual reader, collected and exported by its own goroutine on
// the interval and by ForceFlush and Shutdown. It records every export's outcome, counts failures in
// the self-metric and reports them to the error handler.
type pushSink struct {
	sink     PushSink
	c        *MetricsCollector
	reader   *sdkmetric.ManualReader
	failures *Counter
	interval time.Duration
	timeout  time.Duration

	// sem is held while an export runs, until the exporter returns, even when the caller has stopped
	// waiting for it: Export is never called concurrently.
	sem    chan struct{}
	stop   chan struct{}
	done   chan struct{}
	closed atomic.Bool // set by shutdown once the final export is done

	mu          sync.Mutex
	exports     int64
	failed      int64
	lastExport  time.Time
	lastSuccess time.Time
	lastErr     error
	reported    string // the last error handed to the error handler, "" after a success
}

func newPushSink(c *MetricsCollector, s PushSink, interval, timeout time.Duration) *pushSink {
	return &pushSink{
		sink: s,
		c:    c,
		reader: sdkmetric.NewManualReader(
			sdkmetric.WithTemporalitySelector(s.Temporality),
			sdkmetric.WithAggregationSelector(s.Aggregation),
		),
		interval: interval,
		timeout:  timeout,
		sem:      make(chan struct{}, 1),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
}

func (p *pushSink) run() {
	defer close(p.done)
	t := time.NewTicker(p.interval)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), p.timeout)
			_ = p.export(ctx) // reported through the error handler
			cancel()
		}
	}
}

// export collects and exports once. It returns when the export finishes or ctx ends, whichever is
// first; a hanging exporter keeps the semaphore until it returns.
func (p *pushSink) export(ctx context.Context) error {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		err := fmt.Errorf("previous export still running: %w", context.Cause(ctx))
		p.record(err)
		return err
	}
	if p.closed.Load() {
		<-p.sem
		return ErrShutdown // a flush that raced with Shutdown: not a sink failure
	}
	rm := new(metricdata.ResourceMetrics)
	if err := p.reader.Collect(ctx, rm); err != nil {
		<-p.sem
		if errors.Is(err, sdkmetric.ErrReaderShutdown) {
			return ErrShutdown // a flush that raced with Shutdown: not a sink failure
		}
		err = fmt.Errorf("collect: %w", err)
		p.record(err)
		return err
	}
	result := make(chan error, 1)
	go func() {
		defer func() { <-p.sem }()
		result <- p.sink.Export(ctx, rm)
	}()
	var err error
	select {
	case err = <-result:
	case <-ctx.Done():
		err = fmt.Errorf("export did not return: %w", context.Cause(ctx))
	}
	p.record(err)
	return err
}

func (p *pushSink) record(err error) {
	now := time.Now()
	report := false
	p.mu.Lock()
	p.exports++
	p.lastExport = now
	p.lastErr = err
	if err == nil {
		p.lastSuccess = now
		p.reported = ""
	} else {
		p.failed++
		// A backend that stays down fails every interval with the same error: report it once, and
		// again only when the error changes or after a recovery. Every failure is counted.
		if msg := err.Error(); msg != p.reported {
			p.reported = msg
			report = true
		}
	}
	p.mu.Unlock()
	if err != nil {
		p.failures.Add(1)
		if report {
			p.c.handleError(&SinkError{Sink: p.sink.Name(), Op: "export", Err: err})
		}
	}
}

// shutdown stops the goroutine, exports what was recorded, and shuts the exporter and reader down.
func (p *pushSink) shutdown(ctx context.Context) error {
	close(p.stop)
	select {
	case <-p.done:
	case <-ctx.Done():
		return fmt.Errorf("an export is still running: %w", context.Cause(ctx))
	}
	err := p.export(ctx)
	// Hold the semaphore while the sink shuts down, and mark it closed, so that a ForceFlush racing
	// with Shutdown never exports to a sink that is shut down.
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return errors.Join(err, fmt.Errorf("an export is still running: %w", context.Cause(ctx)))
	}
	p.closed.Store(true)
	defer func() { <-p.sem }()
	// Shut the exporter and the reader down even when the last export failed, so that the sink's
	// connections and goroutines end.
	return errors.Join(err, p.sink.Shutdown(ctx), p.reader.Shutdown(ctx))
}

func (p *pushSink) status() SinkStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := SinkStatus{
		Name:        p.sink.Name(),
		Exports:     p.exports,
		Failures:    p.failed,
		LastExport:  p.lastExport,
		LastSuccess: p.lastSuccess,
		Healthy:     p.lastErr == nil,
	}
	if p.lastErr != nil {
		st.LastError = p.lastErr.Error()
		st.LastErrorType = ErrorType(p.lastErr)
	}
	return st
}
