package otlp

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/etlwatch/etlwatch/monitoring"
)

// ErrShutdown is returned by a [Sink]'s methods once the sink has been shut down.
var ErrShutdown = errors.New("otlp: sink is shut down")

// Sink is a [monitoring.PushSink] that exports the collector's metrics over OTLP, through the
// OpenTelemetry OTLP exporter it wraps. Add it to a collector with [monitoring.WithSinks]; the
// collector calls Export on its export interval and on ForceFlush and Shutdown.
//
// A Sink may split one export into several requests ([WithMaxDataPointsPerRequest],
// [WithMaxRequestBytes]) and, for Dynatrace, rewrites dimensions to Dynatrace's limits. Formatting
// a Sink with any fmt verb, or logging it, prints only its kind and name: never its credentials.
//
// Its methods are safe for concurrent use.
type Sink struct {
	name string
	kind kind
	exp  sdkmetric.Exporter
	lim  limits
	// normalize rewrites an export before it is split; nil sends it as the SDK produced it.
	normalize func(*metricdata.ResourceMetrics) *metricdata.ResourceMetrics
	// sec, when not nil, is a credential that errors must never show.
	sec *secret
	// timeout bounds each request ([WithTimeout]); peer is where the requests go, for its errors.
	timeout time.Duration
	setting string // names the timeout's setting in errors
	peer    *peer

	shutdownOnce sync.Once
	closed       atomic.Bool

	// bufMu guards buf and onError; it is never held while a request is sent.
	bufMu   sync.Mutex
	buf     buffer
	onError func(error)
}

var _ monitoring.PushSink = (*Sink)(nil)
var _ monitoring.ErrorHandlerSetter = (*Sink)(nil)

// NewGRPCSink returns a [Sink] named "otlp-grpc" that exports over OTLP/gRPC with the OpenTelemetry
// otlpmetricgrpc exporter. The exporter reads the standard OTEL_EXPORTER_OTLP_* and
// OTEL_EXPORTER_OTLP_METRICS_* environment variables (endpoint, headers, certificates,
// compression, timeout, temporality preference) for every setting not given through
// [WithGRPCOptions]; with neither, it sends to localhost:4317 with TLS. ctx is handed to the
// exporter's constructor; the connection is made lazily, so an unreachable endpoint is reported by
// the first export, not here.
func NewGRPCSink(ctx context.Context, opts ...Option) (*Sink, error) {
	cfg, err := newSinkConfig(kindGRPC, opts)
	if err != nil {
		return nil, err
	}
	pr := new(peer)
	gopts := append([]otlpmetricgrpc.Option{otlpmetricgrpc.WithTimeout(cfg.timeout), pr.grpcOption()}, cfg.grpcOpts...)
	if cfg.delta {
		gopts = append(gopts, otlpmetricgrpc.WithTemporalitySelector(sdkmetric.DeltaTemporalitySelector))
	}
	exp, err := otlpmetricgrpc.New(ctx, gopts...)
	if err != nil {
		return nil, fmt.Errorf("otlp: NewGRPCSink: build the OTLP/gRPC exporter: %w", err)
	}
	return newSink(kindGRPC, "otlp-grpc", exp, cfg, nil, nil, pr), nil
}

// NewHTTPSink returns a [Sink] named "otlp-http" that exports over OTLP/HTTP with binary protobuf,
// with the OpenTelemetry otlpmetrichttp exporter. The exporter reads the standard
// OTEL_EXPORTER_OTLP_* and OTEL_EXPORTER_OTLP_METRICS_* environment variables (endpoint, headers,
// certificates, compression, timeout, temporality preference) for every setting not given through
// [WithHTTPOptions]; with neither, it sends to https://localhost:4318/v1/metrics. Note that
// otlpmetrichttp.WithEndpointURL uses the URL's path as given: pass the full URL, ending in
// /v1/metrics for an OpenTelemetry collector.
func NewHTTPSink(ctx context.Context, opts ...Option) (*Sink, error) {
	cfg, err := newSinkConfig(kindHTTP, opts)
	if err != nil {
		return nil, err
	}
	pr := new(peer)
	hopts := append([]otlpmetrichttp.Option{otlpmetrichttp.WithTimeout(cfg.timeout), pr.httpOption()}, cfg.httpOpts...)
	if cfg.delta {
		hopts = append(hopts, otlpmetrichttp.WithTemporalitySelector(sdkmetric.DeltaTemporalitySelector))
	}
	exp, err := otlpmetrichttp.New(ctx, hopts...)
	if err != nil {
		return nil, fmt.Errorf("otlp: NewHTTPSink: build the OTLP/HTTP exporter: %w", err)
	}
	return newSink(kindHTTP, "otlp-http", exp, cfg, nil, nil, pr), nil
}

func newSink(k kind, name string, exp sdkmetric.Exporter, cfg sinkConfig, normalize func(*metricdata.ResourceMetrics) *metricdata.ResourceMetrics, sec *secret, pr *peer) *Sink {
	if cfg.nameSet {
		name = cfg.name
	}
	return &Sink{
		name:      name,
		kind:      k,
		exp:       exp,
		lim:       limits{points: cfg.maxPoints, bytes: cfg.maxBytes},
		normalize: normalize,
		sec:       sec,
		timeout:   cfg.timeout,
		setting:   cmp.Or(cfg.setting, timeoutSetting),
		peer:      pr,
		buf:       buffer{max: cfg.maxBuffered, since: time.Now()},
	}
}

// Name returns the sink's name: "otlp-grpc", "otlp-http", "dynatrace", or the one given with
// [WithName].
func (s *Sink) Name() string { return s.name }

// Temporality returns the temporality the sink exports for an instrument kind: delta for every kind
// with [NewDynatraceSink] or [WithDeltaTemporality], otherwise the exporter's choice (from its
// options, $OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, or cumulative).
func (s *Sink) Temporality(k sdkmetric.InstrumentKind) metricdata.Temporality {
	return s.exp.Temporality(k)
}

// Aggregation returns the aggregation the sink's exporter wants for an instrument kind.
func (s *Sink) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return s.exp.Aggregation(k)
}

// Export sends rm to the backend, in as many requests as the sink's limits require, one after the
// other, after the delta data that earlier failed exports left in the sink's buffer
// ([WithMaxBufferedDataPoints]). It sends every request even when one fails (a rejected request
// does not lose the others' data points), stops when ctx ends, keeps the delta sums and
// histograms of every request not accepted for the next export, and returns every failure, each
// naming its request. rm is not modified nor retained.
func (s *Sink) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	if s.closed.Load() {
		return ErrShutdown
	}
	if rm == nil {
		return nil
	}
	if s.normalize != nil {
		rm = s.normalize(rm)
	}
	s.bufMu.Lock()
	kept := s.buf.take()
	s.bufMu.Unlock()
	send := rm
	if len(kept) > 0 {
		send = &metricdata.ResourceMetrics{Resource: rm.Resource, ScopeMetrics: append(kept, rm.ScopeMetrics...)}
	}
	parts := split(send, s.lim)
	var errs []error
	var failed []*metricdata.ResourceMetrics
	for i, part := range parts {
		if ctx.Err() != nil {
			errs = append(errs, fmt.Errorf("otlp: %d of %d requests not sent: %w", len(parts)-i, len(parts), context.Cause(ctx)))
			failed = append(failed, parts[i:]...)
			break
		}
		if s.closed.Load() {
			errs = append(errs, fmt.Errorf("otlp: %d of %d requests not sent: %w", len(parts)-i, len(parts), ErrShutdown))
			failed = append(failed, parts[i:]...)
			break
		}
		err := s.exportOne(ctx, func(ctx context.Context) error { return s.exp.Export(ctx, part) })
		if err == nil {
			continue
		}
		failed = append(failed, part)
		if len(parts) > 1 {
			err = fmt.Errorf("otlp: request %d of %d (%d data points): %w", i+1, len(parts), countPoints(part), err)
		} else {
			err = fmt.Errorf("otlp: %w", err)
		}
		errs = append(errs, err)
	}

	now := time.Now()
	s.bufMu.Lock()
	for _, part := range failed {
		s.buf.keep(part)
	}
	var report error
	if n := s.buf.trim(); n > 0 {
		report = droppedError(s.name, n, s.buf.max, s.buf.dropped, "buffer full")
	}
	var self *metricdata.ResourceMetrics
	if len(errs) == 0 {
		self = s.buf.selfMetric(rm, s.name, now)
	}
	handler := s.onError
	s.bufMu.Unlock()
	if report != nil && handler != nil {
		handler(report)
	}
	if self != nil {
		if err := s.exportOne(ctx, func(ctx context.Context) error { return s.exp.Export(ctx, self) }); err != nil {
			errs = append(errs, fmt.Errorf("otlp: self-metric %s: %w", DroppedDataPointsMetric, err))
		} else {
			sent := self.ScopeMetrics[0].Metrics[0].Data.(metricdata.Sum[int64]).DataPoints[0].Value
			s.bufMu.Lock()
			s.buf.unsent -= sent
			s.buf.since = now
			s.bufMu.Unlock()
		}
	}
	return s.sec.redact(errors.Join(errs...))
}

// Dropped returns how many delta data points of failed exports the sink dropped: beyond the bound
// of [WithMaxBufferedDataPoints], or still buffered when it shut down.
func (s *Sink) Dropped() int64 {
	s.bufMu.Lock()
	defer s.bufMu.Unlock()
	return s.buf.dropped
}

// SetErrorHandler receives the collector's error handler, for delta data points the sink drops.
// The collector calls it before the first export.
func (s *Sink) SetErrorHandler(h func(error)) {
	s.bufMu.Lock()
	s.onError = h
	s.bufMu.Unlock()
}

// ForceFlush flushes the exporter, which holds no data between exports.
func (s *Sink) ForceFlush(ctx context.Context) error {
	if s.closed.Load() {
		return ErrShutdown
	}
	return s.sec.redact(s.exp.ForceFlush(ctx))
}

// Shutdown shuts the exporter down and closes its connections; an export that is running when it is
// called finishes its current request first. Later calls, and exports after it, return
// [ErrShutdown].
func (s *Sink) Shutdown(ctx context.Context) error {
	err := ErrShutdown
	s.shutdownOnce.Do(func() {
		s.closed.Store(true)
		err = nil
		s.bufMu.Lock()
		var report error
		if n := s.buf.points; n > 0 {
			s.buf.take()
			s.buf.count(n)
			report = droppedError(s.name, n, s.buf.max, s.buf.dropped, "shut down before the backend took them")
		}
		handler := s.onError
		s.bufMu.Unlock()
		if report != nil && handler != nil {
			handler(report)
		}
		if e := s.exp.Shutdown(ctx); e != nil {
			err = s.sec.redact(fmt.Errorf("otlp: shutdown: %w", e))
		}
	})
	return err
}

// String returns the sink's kind and name, such as otlp.Sink(dynatrace). It never shows
// credentials.
func (s *Sink) String() string { return "otlp.Sink(" + s.name + ")" }

// GoString is String, so that %#v shows no credentials either.
func (s *Sink) GoString() string { return s.String() }

// Format writes String for every verb, so that no fmt verb (%v, %+v, %#v, %s, %d, ...) prints the
// sink's fields.
func (s *Sink) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }

// LogValue makes log/slog log the sink as String.
func (s *Sink) LogValue() slog.Value { return slog.StringValue(s.String()) }
