package monitoring

import (
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
)

// DefaultCardinalityLimit is the default number of distinct dimension sets one metric may have
// before further ones are folded into its overflow series (see [WithCardinalityLimit]).
const DefaultCardinalityLimit = 2000

// OverflowDimension is the dimension, set to "true", that marks the series into which a metric's
// dimension sets beyond the cardinality limit are folded. It is OpenTelemetry's own overflow attribute.
const OverflowDimension = "otel.metric.overflow"

type collectorConfig struct {
	environment      string
	sinks            []Sink
	readers          []sdkmetric.Reader
	meterProvider    metric.MeterProvider
	exportInterval   time.Duration
	exportTimeout    time.Duration
	errorHandler     func(error)
	cardinalityLimit int
	resource         *resource.Resource
	durationBuckets  []float64
	runtimeMetrics   bool
	descriptions     map[string]string
	describers       []func(name string) string
}

type optionFunc func(*collectorConfig)

func (f optionFunc) applyCollector(c *collectorConfig) { f(c) }

// WithSinks adds sinks that receive the collector's metrics: push sinks ([PushSink], such as
// [NewLogSink]) are exported on the interval and on ForceFlush and Shutdown, each by its own
// reader so that a slow sink never delays another; pull sinks ([PullSink]) are read when scraped.
// Default: no sinks (metrics are still kept for [MetricsCollector.Summary]). Repeated options add up.
func WithSinks(sinks ...Sink) Option {
	return optionFunc(func(c *collectorConfig) { c.sinks = append(c.sinks, sinks...) })
}

// WithReaders adds OpenTelemetry readers (for example an OTLP exporter wrapped in
// sdkmetric.NewPeriodicReader) to the collector's own meter provider, for users who already run
// OpenTelemetry exporters. Their errors go to the OpenTelemetry error handler, not to
// [WithErrorHandler]; prefer [NewExporterSink] to have them counted and reported like sinks.
func WithReaders(readers ...sdkmetric.Reader) Option {
	return optionFunc(func(c *collectorConfig) { c.readers = append(c.readers, readers...) })
}

// WithMeterProvider makes the collector register its instruments on mp, a meter provider the
// application already runs and exports, instead of building its own. The collector does not shut mp
// down (the application owns it); ForceFlush calls mp's ForceFlush when it has one. It cannot be
// combined with [WithSinks] or [WithReaders]: add those readers to mp instead. Default: the
// collector builds its own provider.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *collectorConfig) { c.meterProvider = mp })
}

// WithExportInterval sets how often push sinks export. Precedence: this option, then
// $OTEL_METRIC_EXPORT_INTERVAL (milliseconds), then 60s.
func WithExportInterval(d time.Duration) Option {
	return optionFunc(func(c *collectorConfig) { c.exportInterval = d })
}

// WithExportTimeout bounds each export of a push sink. Precedence: this option, then
// $OTEL_METRIC_EXPORT_TIMEOUT (milliseconds), then 30s.
func WithExportTimeout(d time.Duration) Option {
	return optionFunc(func(c *collectorConfig) { c.exportTimeout = d })
}

// WithErrorHandler sets the function that receives background errors: measurements that were not
// recorded (reported once per metric and reason, as a [*MeasurementError]) and failed sink exports
// (a [*SinkError], once per distinct error: a backend that stays down is reported again only when its
// error changes or after it recovered; every failure is still counted in [SinkExportFailuresMetric]). The handler must not block; it may be called concurrently.
// Default: the error is logged through slog.Default() at level WARN.
func WithErrorHandler(h func(error)) Option {
	return optionFunc(func(c *collectorConfig) { c.errorHandler = h })
}

// WithCardinalityLimit sets how many distinct dimension sets one metric may have. Further dimension
// sets are folded into one overflow series carrying [OverflowDimension]="true", as OpenTelemetry
// does. Default: [DefaultCardinalityLimit].
func WithCardinalityLimit(n int) Option {
	return optionFunc(func(c *collectorConfig) { c.cardinalityLimit = n })
}

// WithResource sets the OpenTelemetry resource that push and pull sinks attach to exported data.
// Default: service.name = the job name and deployment.environment.name = the environment, merged
// over the SDK's default resource (which honours $OTEL_RESOURCE_ATTRIBUTES).
func WithResource(r *resource.Resource) Option {
	return optionFunc(func(c *collectorConfig) { c.resource = r })
}

// DefaultDurationBuckets are the histogram bucket boundaries, in seconds, of duration metrics: from
// 5 ms to one hour, covering a row batch as well as a whole table load.
var DefaultDurationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600}

// WithDurationBuckets sets the histogram bucket boundaries, in seconds and increasing, of duration
// metrics. Default: [DefaultDurationBuckets].
func WithDurationBuckets(bounds ...float64) Option {
	return optionFunc(func(c *collectorConfig) { c.durationBuckets = append([]float64(nil), bounds...) })
}

func defaultErrorHandler(err error) {
	slog.Default().Warn("etlwatch: " + err.Error())
}

// WithDescriptions sets the descriptions of metrics by name; sinks show them, such as Prometheus'
// HELP line. Default: none, but for the collector's own metrics. Repeated options add up.
func WithDescriptions(descriptions map[string]string) Option {
	return optionFunc(func(c *collectorConfig) {
		if c.descriptions == nil {
			c.descriptions = map[string]string{}
		}
		for k, v := range descriptions {
			c.descriptions[k] = v
		}
	})
}

// WithDescriber adds a function that describes metrics whose names are made at run time, such as
// dataquality's dq_<check>_passed: for a metric that [WithDescriptions] does not describe, the
// collector asks each describer in the order given and uses the first non-empty answer. It is
// called once per metric name, when the metric is first recorded, and must be safe for concurrent
// use. Repeated options add up.
func WithDescriber(describe func(name string) string) Option {
	return optionFunc(func(c *collectorConfig) {
		if describe != nil {
			c.describers = append(c.describers, describe)
		}
	})
}
