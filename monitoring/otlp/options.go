package otlp

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
)

// Option configures a metric sink built by [NewGRPCSink], [NewHTTPSink] or [NewDynatraceSink].
// Options are applied in order; a later option overrides an earlier one of the same kind, except
// [WithGRPCOptions] and [WithHTTPOptions], which add up.
type Option interface {
	applySink(*sinkConfig)
}

type optionFunc func(*sinkConfig)

func (f optionFunc) applySink(c *sinkConfig) { f(c) }

type sinkConfig struct {
	name      string
	nameSet   bool
	grpcOpts  []otlpmetricgrpc.Option
	httpOpts  []otlpmetrichttp.Option
	delta     bool
	maxPoints int
	maxBytes  int
	// maxBuffered bounds the delta points kept across failed exports.
	maxBuffered int
	grpcGiven   bool // WithGRPCOptions was given
	httpGiven   bool // WithHTTPOptions was given
	timeout     time.Duration
	timeoutSet  bool // WithTimeout was given
	// setting names the timeout's setting in errors ([WithTimeoutSetting]); "": timeoutSetting.
	setting string
}

// kind is the constructor a configuration is for, to name it in errors.
type kind string

const (
	kindGRPC      kind = "NewGRPCSink"
	kindHTTP      kind = "NewHTTPSink"
	kindDynatrace kind = "NewDynatraceSink"
)

func newSinkConfig(k kind, opts []Option) (sinkConfig, error) {
	cfg := sinkConfig{maxBuffered: DefaultMaxBufferedDataPoints}
	for _, o := range opts {
		if o != nil {
			o.applySink(&cfg)
		}
	}
	var errs []error
	if cfg.grpcGiven && k != kindGRPC {
		errs = append(errs, fmt.Errorf("otlp: %s: WithGRPCOptions applies only to NewGRPCSink", k))
	}
	if cfg.httpGiven && k == kindGRPC {
		errs = append(errs, fmt.Errorf("otlp: %s: WithHTTPOptions applies only to NewHTTPSink and NewDynatraceSink", k))
	}
	if cfg.maxPoints < 0 {
		errs = append(errs, fmt.Errorf("otlp: %s: WithMaxDataPointsPerRequest(%d): must be >= 0 (0: no limit)", k, cfg.maxPoints))
	}
	if cfg.maxBytes < 0 {
		errs = append(errs, fmt.Errorf("otlp: %s: WithMaxRequestBytes(%d): must be >= 0 (0: no limit)", k, cfg.maxBytes))
	}
	if cfg.maxBuffered < 0 {
		errs = append(errs, fmt.Errorf("otlp: %s: WithMaxBufferedDataPoints(%d): must be >= 0 (0: keep nothing)", k, cfg.maxBuffered))
	}
	if k == kindDynatrace {
		if cfg.maxPoints == 0 {
			cfg.maxPoints = DynatraceMaxDataPoints
		} else if cfg.maxPoints > DynatraceMaxDataPoints {
			errs = append(errs, fmt.Errorf("otlp: %s: WithMaxDataPointsPerRequest(%d): Dynatrace drops requests of more than %d data points", k, cfg.maxPoints, DynatraceMaxDataPoints))
		}
		if cfg.maxBytes == 0 {
			cfg.maxBytes = DynatraceMaxRequestBytes
		} else if cfg.maxBytes > DynatraceMaxRequestBytes {
			errs = append(errs, fmt.Errorf("otlp: %s: WithMaxRequestBytes(%d): Dynatrace drops requests of more than %d bytes", k, cfg.maxBytes, DynatraceMaxRequestBytes))
		}
	}
	if err := cfg.resolveTimeout(k); err != nil {
		errs = append(errs, err)
	}
	if cfg.nameSet && cfg.name == "" {
		errs = append(errs, fmt.Errorf("otlp: %s: WithName: the name is empty", k))
	}
	return cfg, errors.Join(errs...)
}

// WithName sets the sink's [Sink.Name], which names it in the collector's errors, self-metrics and
// [github.com/etlwatch/etlwatch/monitoring.SinkStatus]. Sink names must be unique within a
// collector, so give two sinks of the same kind different names. Default: "otlp-grpc",
// "otlp-http" or "dynatrace".
func WithName(name string) Option {
	return optionFunc(func(c *sinkConfig) {
		c.name = name
		c.nameSet = true
	})
}

// WithGRPCOptions passes options to the OpenTelemetry OTLP/gRPC exporter built by [NewGRPCSink],
// such as otlpmetricgrpc.WithEndpoint, WithInsecure, WithHeaders, WithTLSCredentials or
// WithRetry. Options given here take precedence over the OTEL_EXPORTER_OTLP_* environment
// variables, which the exporter reads for every setting not given. Repeated options add up. It is
// an error with the other constructors.
func WithGRPCOptions(opts ...otlpmetricgrpc.Option) Option {
	return optionFunc(func(c *sinkConfig) {
		c.grpcOpts = append(c.grpcOpts, opts...)
		c.grpcGiven = true
	})
}

// WithHTTPOptions passes options to the OpenTelemetry OTLP/HTTP exporter built by [NewHTTPSink] or
// [NewDynatraceSink], such as otlpmetrichttp.WithEndpointURL, WithHeaders, WithCompression,
// WithTimeout, WithRetry or WithHTTPClient. Options given here take precedence over the
// OTEL_EXPORTER_OTLP_* environment variables, which the exporter reads for every setting not
// given. For [NewDynatraceSink], the endpoint, the headers (only the Authorization header is
// sent) and the temporality are set by the sink and override those given here. Repeated options add up. It is an error with
// [NewGRPCSink].
func WithHTTPOptions(opts ...otlpmetrichttp.Option) Option {
	return optionFunc(func(c *sinkConfig) {
		c.httpOpts = append(c.httpOpts, opts...)
		c.httpGiven = true
	})
}

// WithDeltaTemporality makes sums and histograms exported with delta temporality: each export
// carries the change since the previous one, as Dynatrace and some other backends require.
// Precedence: this option, then a temporality selector among the exporter options, then
// $OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, then cumulative (the exporter's default).
// [NewDynatraceSink] always uses delta temporality.
func WithDeltaTemporality() Option {
	return optionFunc(func(c *sinkConfig) { c.delta = true })
}

// WithMaxDataPointsPerRequest caps the number of data points in one export request: a larger
// export is split into several requests, sent one after the other within the same export. A
// single metric's points may be spread over several requests; no point is sent twice. Default: 0,
// no limit, for [NewGRPCSink] and [NewHTTPSink]; [DynatraceMaxDataPoints] for
// [NewDynatraceSink], where 0 means that default and a larger value is an error.
func WithMaxDataPointsPerRequest(n int) Option {
	return optionFunc(func(c *sinkConfig) {
		c.maxPoints = n
	})
}

// WithMaxRequestBytes caps the uncompressed size of one export request, in bytes, by splitting an
// export into several requests. The size is estimated from an upper bound of the protobuf
// encoding of every data point, so requests stay below the cap but may be smaller than it needs.
// A single data point larger than the cap is sent alone. Default: 0, no limit, for [NewGRPCSink]
// and [NewHTTPSink]; [DynatraceMaxRequestBytes] for [NewDynatraceSink], where 0 means that
// default and a larger value is an error.
func WithMaxRequestBytes(n int) Option {
	return optionFunc(func(c *sinkConfig) {
		c.maxBytes = n
	})
}

// WithMaxBufferedDataPoints bounds how many delta data points the sink keeps across failed
// exports. With delta temporality ([WithDeltaTemporality], and always with [NewDynatraceSink])
// each export carries only what changed since the previous one, so the sums and histograms of a
// request that fails are kept and sent again with the next export, before its own data; the
// backend adds them up as usual. Beyond n points the oldest are dropped, counted by
// [Sink.Dropped], reported to the collector's error handler and sent as the
// [DroppedDataPointsMetric] self-metric once the backend answers again. 0 keeps nothing.
// Cumulative data and gauges are never kept: the next export carries them whole. Default:
// [DefaultMaxBufferedDataPoints].
func WithMaxBufferedDataPoints(n int) Option {
	return optionFunc(func(c *sinkConfig) { c.maxBuffered = n })
}
