package prom

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/otlptranslator"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/etlwatch/etlwatch/monitoring"
)

// SinkName is the [monitoring.Sink] name of a [Sink].
const SinkName = "prometheus"

// translation is how metric and label names become Prometheus names: invalid characters become
// underscores and unit and type suffixes are added. It is also the exporter's default today; it is
// set explicitly because the exporter announces that its default may change.
var translation = otlptranslator.UnderscoreEscapingWithSuffixes

// Sink is a [monitoring.PullSink] that exposes a collector's metrics on a Prometheus registry:
// each scrape (each Gather of the registry) reads the collector's current values. It is built on
// the OpenTelemetry Prometheus exporter (go.opentelemetry.io/otel/exporters/prometheus).
//
// Give one Sink to one collector, right after creating it: a scrape before the collector exists
// finds no metrics and reports an error to the OpenTelemetry error handler.
type Sink struct {
	exp *otelprom.Exporter
}

var _ monitoring.PullSink = (*Sink)(nil)

// Option configures a [Sink].
type Option interface {
	applySink(*sinkConfig)
}

type sinkConfig struct {
	targetInfo bool
}

type sinkOptionFunc func(*sinkConfig)

func (f sinkOptionFunc) applySink(c *sinkConfig) { f(c) }

// WithTargetInfo makes the sink expose the OpenTelemetry resource (service.name,
// deployment.environment.name, telemetry.sdk.*, $OTEL_RESOURCE_ATTRIBUTES, ...) as the labels of a
// target_info gauge, for users who join it with other OpenTelemetry data. Default: no target_info,
// since every series already carries job_name, source_name and environment.
func WithTargetInfo() Option {
	return sinkOptionFunc(func(c *sinkConfig) { c.targetInfo = true })
}

// NewSink returns a sink that registers on reg, which must not be nil: the sink never uses
// prometheus.DefaultRegisterer unless it is passed here. Serve reg (a *prometheus.Registry is
// both a Registerer and a Gatherer) with [NewHandler] or promhttp.HandlerFor.
//
// Names follow OpenTelemetry's Prometheus translation (dots become underscores, counters end in
// _total, the unit is a suffix), but for the Go runtime's go.goroutine.count, served as
// go_goroutines so that promtool check metrics has nothing to say about it.
//
// The sink registers as an unchecked collector (its metrics are not known in advance), which
// cannot be unregistered; after the collector's Shutdown it contributes nothing to a scrape.
// Several collectors may each register a sink on the same registry when their series differ,
// for example by job_name.
func NewSink(reg prometheus.Registerer, opts ...Option) (*Sink, error) {
	if reg == nil {
		return nil, errors.New("prom: registerer is nil; pass your own, such as prometheus.NewRegistry()")
	}
	var cfg sinkConfig
	for _, o := range opts {
		if o != nil {
			o.applySink(&cfg)
		}
	}
	eopts := []otelprom.Option{
		otelprom.WithRegisterer(renamingRegisterer{reg}), // go_goroutine_count becomes go_goroutines
		otelprom.WithTranslationStrategy(translation),
		otelprom.WithoutScopeInfo(),
	}
	if !cfg.targetInfo {
		eopts = append(eopts, otelprom.WithoutTargetInfo())
	}
	exp, err := otelprom.New(eopts...)
	if err != nil {
		return nil, fmt.Errorf("prom: create exporter: %w", err)
	}
	return &Sink{exp: exp}, nil
}

// Name returns [SinkName].
func (s *Sink) Name() string { return SinkName }

// Reader returns the OpenTelemetry reader that the collector registers and that a scrape reads.
func (s *Sink) Reader() sdkmetric.Reader { return s.exp }

// MetricName returns the name under which a [Sink] exposes the collector's metric name of the
// given kind and unit, for dashboards and alert rules: invalid characters become underscores, the
// unit becomes a suffix unless the name already has it (a gauge "cdc_lag_seconds" in seconds stays
// "cdc_lag_seconds", "cdc_lag" becomes "cdc_lag_seconds"), and counters end in "_total". For a
// duration, unit is ignored (durations are in seconds) and the name is the histogram's; its series
// add "_bucket", "_sum" and "_count". See the package documentation for the full table.
func MetricName(name string, kind monitoring.Kind, unit monitoring.Unit) (string, error) {
	var typ otlptranslator.MetricType
	switch kind {
	case monitoring.KindCounter:
		typ = otlptranslator.MetricTypeMonotonicCounter
	case monitoring.KindGauge:
		typ = otlptranslator.MetricTypeGauge
	case monitoring.KindDuration:
		typ, unit = otlptranslator.MetricTypeHistogram, monitoring.UnitSeconds
	default:
		return "", fmt.Errorf("prom: metric %q: unknown kind %d", name, uint8(kind))
	}
	namer := otlptranslator.NewMetricNamer("", translation)
	n, err := namer.Build(otlptranslator.Metric{Name: name, Unit: unit.UCUM(), Type: typ})
	if err != nil {
		return "", fmt.Errorf("prom: metric %q: %w", name, err)
	}
	return n, nil
}
