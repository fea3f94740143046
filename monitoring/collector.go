package monitoring

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// Dimensions are the dimensions (OpenTelemetry attributes, Prometheus labels, CloudWatch
// dimensions) of one series, such as {"table": "CUSTOMERS"}. A nil map means none.
type Dimensions map[string]string

// The dimensions every series carries besides the caller's. A caller's dimension of the same key
// overrides the collector's value.
const (
	DimJobName     = "job_name"
	DimSourceName  = "source_name"
	DimEnvironment = "environment"
)

// instrumentationName is the OpenTelemetry meter name of the collector's instruments.
const instrumentationName = "github.com/etlwatch/etlwatch/monitoring"

// MetricsCollector records an ETL job's metrics, with dimensions, and hands them to its sinks through
// the OpenTelemetry metric SDK. Recording never does I/O and never waits for a sink: counters are
// atomics that the SDK reads when it collects, gauges and durations keep small in-memory statistics.
// Sinks export on the export interval, on [MetricsCollector.ForceFlush] and on
// [MetricsCollector.Shutdown].
//
// Bad input (an invalid name, NaN, a negative increment, an empty dimension key) is never recorded
// and never panics: it is reported once through the error handler and counted in
// [DroppedMeasurementsMetric].
//
// All methods are safe for concurrent use.
type MetricsCollector struct {
	jobName, sourceName, environment string

	base         Dimensions // the standard dimensions
	meter        metric.Meter
	provider     *sdkmetric.MeterProvider // nil with WithMeterProvider
	external     metric.MeterProvider     // the user's provider, with WithMeterProvider
	pushes       []*pushSink
	readers      []namedReader // the readers of pull sinks and WithReaders
	limit        int
	buckets      []float64
	onError      func(error)
	descriptions map[string]string
	describers   []func(string) string

	seed    maphash.Seed
	famRead atomic.Pointer[map[string]*family] // copy of families for lock-free lookups

	mu       sync.Mutex // guards families, reported, and series creation
	families map[string]*family
	reported map[string]struct{}
	pending  []error                            // reports to hand to onError once mu is released
	dropped  map[DropReason]map[string]*Counter // self-metric handles, by reason and metric

	shutdownOnce sync.Once
	closed       atomic.Bool
}

type namedReader struct {
	name string
	r    sdkmetric.Reader
}

// NewMetricsCollector returns a collector for the job jobName reading from sourceName; both become
// dimensions of every series (job_name, source_name), with environment. It builds its own
// OpenTelemetry meter provider with one reader per sink, unless [WithMeterProvider] is given. The
// collector starts one goroutine per push sink; call [MetricsCollector.Shutdown] to flush and stop
// them.
func NewMetricsCollector(jobName, sourceName string, opts ...Option) (*MetricsCollector, error) {
	cfg := collectorConfig{cardinalityLimit: DefaultCardinalityLimit, durationBuckets: DefaultDurationBuckets}
	for _, o := range opts {
		if o != nil {
			o.applyCollector(&cfg)
		}
	}
	if err := cfg.validate(jobName); err != nil {
		return nil, err
	}
	c := &MetricsCollector{
		jobName:     jobName,
		sourceName:  sourceName,
		environment: resolveEnvironment(cfg.environment),
		limit:       cfg.cardinalityLimit,
		buckets:     cfg.durationBuckets,
		onError:     cfg.errorHandler,
		descriptions: map[string]string{
			DroppedMeasurementsMetric: "Measurements etlwatch did not record (invalid name, value or dimension), by reason and metric.",
			SinkExportFailuresMetric:  "Failed exports of an etlwatch sink, by sink.",
		},
		seed:     maphash.MakeSeed(),
		families: map[string]*family{},
		reported: map[string]struct{}{},
		dropped:  map[DropReason]map[string]*Counter{},
	}
	if c.onError == nil {
		c.onError = defaultErrorHandler
	}
	for k, v := range cfg.descriptions {
		c.descriptions[k] = v
	}
	c.describers = cfg.describers
	c.famRead.Store(&map[string]*family{})
	c.base = Dimensions{DimJobName: jobName, DimSourceName: sourceName, DimEnvironment: c.environment}

	if cfg.meterProvider != nil {
		c.external = cfg.meterProvider
		c.meter = cfg.meterProvider.Meter(instrumentationName)
		return c, nil
	}

	res := cfg.resource
	if res == nil {
		var err error
		res, err = resource.Merge(resource.Default(), resource.NewSchemaless(
			semconv.ServiceName(jobName),
			semconv.DeploymentEnvironmentNameKey.String(c.environment),
		))
		if err != nil {
			return nil, fmt.Errorf("monitoring: build resource: %w", err)
		}
	}
	mpOpts := []sdkmetric.Option{
		sdkmetric.WithResource(res),
		// Our own limit folds overflow before the SDK sees it; keep the SDK's out of the way: the SDK
		// keeps limit-1 sets plus its own overflow set, and ours are limit sets plus our overflow series.
		sdkmetric.WithCardinalityLimit(c.limit + 2),
	}
	interval := cfg.exportInterval
	if interval == 0 {
		interval = envMillis("OTEL_METRIC_EXPORT_INTERVAL", 60*time.Second)
	}
	timeout := cfg.exportTimeout
	if timeout == 0 {
		timeout = envMillis("OTEL_METRIC_EXPORT_TIMEOUT", 30*time.Second)
	}
	for _, s := range cfg.sinks {
		if es, ok := s.(ErrorHandlerSetter); ok {
			es.SetErrorHandler(c.handleError)
		}
		switch s := s.(type) {
		case PushSink:
			p := newPushSink(c, s, interval, timeout)
			c.pushes = append(c.pushes, p)
			mpOpts = append(mpOpts, sdkmetric.WithReader(p.reader))
		case PullSink:
			r := s.Reader()
			c.readers = append(c.readers, namedReader{s.Name(), r})
			mpOpts = append(mpOpts, sdkmetric.WithReader(r))
		}
	}
	for i, r := range cfg.readers {
		c.readers = append(c.readers, namedReader{fmt.Sprintf("reader-%d", i), r})
		mpOpts = append(mpOpts, sdkmetric.WithReader(r))
	}
	c.provider = sdkmetric.NewMeterProvider(mpOpts...)
	c.meter = c.provider.Meter(instrumentationName)
	if cfg.runtimeMetrics {
		if err := c.startRuntimeMetrics(); err != nil {
			return nil, err
		}
	}
	for _, p := range c.pushes {
		p.failures = c.Counter(SinkExportFailuresMetric, Dimensions{"sink": p.sink.Name()})
		go p.run()
	}
	return c, nil
}

func (cfg *collectorConfig) validate(jobName string) error {
	var errs []error
	if jobName == "" {
		errs = append(errs, errors.New("monitoring: job name is empty"))
	}
	if cfg.cardinalityLimit < 1 {
		errs = append(errs, fmt.Errorf("monitoring: cardinality limit %d: must be at least 1", cfg.cardinalityLimit))
	}
	if cfg.exportInterval < 0 || cfg.exportTimeout < 0 {
		errs = append(errs, errors.New("monitoring: export interval and timeout must not be negative"))
	}
	if cfg.meterProvider != nil && cfg.runtimeMetrics {
		errs = append(errs, errors.New("monitoring: WithRuntimeMetrics cannot be combined with WithMeterProvider: start go.opentelemetry.io/contrib/instrumentation/runtime on your provider"))
	}
	if cfg.meterProvider != nil && (len(cfg.sinks) > 0 || len(cfg.readers) > 0) {
		errs = append(errs, errors.New("monitoring: WithMeterProvider cannot be combined with WithSinks or WithReaders: add those readers to your meter provider"))
	}
	if len(cfg.durationBuckets) == 0 || !slices.IsSorted(cfg.durationBuckets) {
		errs = append(errs, errors.New("monitoring: duration buckets must be a non-empty increasing list"))
	}
	names := map[string]bool{}
	for i, s := range cfg.sinks {
		switch s.(type) {
		case nil:
			errs = append(errs, fmt.Errorf("monitoring: sink %d is nil", i))
			continue
		case PushSink, PullSink:
		default:
			errs = append(errs, fmt.Errorf("monitoring: sink %q (%T) is neither a PushSink nor a PullSink", s.Name(), s))
		}
		if names[s.Name()] {
			errs = append(errs, fmt.Errorf("monitoring: two sinks are named %q: sink names must be unique", s.Name()))
		}
		names[s.Name()] = true
	}
	for i, r := range cfg.readers {
		if r == nil {
			errs = append(errs, fmt.Errorf("monitoring: reader %d is nil", i))
		}
	}
	return errors.Join(errs...)
}

// JobName returns the job name given to [NewMetricsCollector].
func (c *MetricsCollector) JobName() string { return c.jobName }

// SourceName returns the source name given to [NewMetricsCollector].
func (c *MetricsCollector) SourceName() string { return c.sourceName }

// Environment returns the environment dimension of every series.
func (c *MetricsCollector) Environment() string { return c.environment }

// EmitCounter adds value to the counter name with dims. The value must be finite and not negative.
// For a hot loop, resolve a [Counter] once with [MetricsCollector.Counter].
func (c *MetricsCollector) EmitCounter(_ context.Context, name string, value float64, dims Dimensions) {
	if !(value >= 0) || math.IsInf(value, 1) { // checked first: a rejected value creates no series
		c.dropValue(name, value, "a counter increment must be finite and >= 0")
		return
	}
	if s := c.lookup(KindCounter, name, UnitCount, dims); s != nil {
		s.addFloat(value)
	}
}

// EmitGauge sets the gauge name with dims to value, in unit. Sinks see the last value set before
// each export; [MetricsCollector.Summary] also keeps count, sum, min and max of the values set.
func (c *MetricsCollector) EmitGauge(_ context.Context, name string, value float64, unit Unit, dims Dimensions) {
	if math.IsNaN(value) || math.IsInf(value, 0) {
		c.dropValue(name, value, "a gauge value must be finite")
		return
	}
	if s := c.lookup(KindGauge, name, unit, dims); s != nil {
		s.observeValue(value)
	}
}

// EmitDuration records d in the duration histogram name, in seconds. ctx is used only for exemplars
// (a sampled span in ctx is linked to the measurement); cancellation is ignored.
func (c *MetricsCollector) EmitDuration(ctx context.Context, name string, d time.Duration, dims Dimensions) {
	if d < 0 {
		c.drop(DropNegativeValue, name, fmt.Sprintf("found duration %v; a duration must be >= 0", d))
		return
	}
	if s := c.lookup(KindDuration, name, UnitSeconds, dims); s != nil {
		s.recordDuration(context.WithoutCancel(ctx), d.Seconds())
	}
}

// EmitSuccess adds 1 to the counter "<operation>_success".
func (c *MetricsCollector) EmitSuccess(ctx context.Context, operation string, dims Dimensions) {
	c.EmitCounter(ctx, operation+"_success", 1, dims)
}

// EmitFailure adds 1 to the counter "<operation>_failure" with an error_type dimension, such as the
// Go type of the error ("*pgconn.PgError") or a short code ("connection_timeout").
func (c *MetricsCollector) EmitFailure(ctx context.Context, operation, errorType string, dims Dimensions) {
	d := make(Dimensions, len(dims)+1)
	for k, v := range dims {
		d[k] = v
	}
	d["error_type"] = errorType
	c.EmitCounter(ctx, operation+"_failure", 1, d)
}

// lookup returns the series of name and dims, creating it when new, or nil when the measurement must
// be dropped (already counted and reported).
func (c *MetricsCollector) lookup(kind Kind, name string, unit Unit, dims Dimensions) *series {
	s, _ := c.resolve(kind, name, unit, dims, true)
	return s
}

// resolve is lookup that also says why the series was rejected. A rejection is counted as a dropped
// measurement when measuring (an Emit call), and only reported when resolving a bound handle.
func (c *MetricsCollector) resolve(kind Kind, name string, unit Unit, dims Dimensions, measuring bool) (*series, DropReason) {
	if fam := (*c.famRead.Load())[name]; fam != nil && fam.kind == kind {
		if s := fam.find(dims); s != nil {
			return s, ""
		}
	}
	return c.create(kind, name, unit, dims, measuring)
}

// create is the slow path of lookup: it validates, creates the family and the series, or folds the
// dimensions into the overflow series.
func (c *MetricsCollector) create(kind Kind, name string, unit Unit, dims Dimensions, measuring bool) (*series, DropReason) {
	defer c.flushReports()
	c.mu.Lock()
	defer c.mu.Unlock()
	reject := func(reason DropReason, detail string) (*series, DropReason) {
		c.reportLocked(reason, name, detail)
		if measuring {
			c.countDropLocked(reason, name)
		}
		return nil, reason
	}
	if !validName(name) {
		return reject(DropInvalidName, "a metric name is 1-255 characters: a letter, then letters, digits, '_', '.', '-' or '/'")
	}
	for k := range dims {
		if k == "" {
			return reject(DropInvalidDimension, "found a dimension with an empty key; keys must be non-empty")
		}
	}
	if !unit.valid() {
		return reject(DropInvalidUnit, fmt.Sprintf("found unit %d; use one of the Unit constants", uint8(unit)))
	}
	fam := c.families[name]
	if fam == nil {
		var err error
		fam, err = c.newFamilyLocked(kind, name, unit)
		if err != nil {
			return reject(DropInvalidName, err.Error())
		}
	}
	if fam.kind != kind {
		return reject(DropKindConflict, fmt.Sprintf("found a %s; %q is already a %s", kind, name, fam.kind))
	}
	ks := fam.schemaLocked(dims)
	var buf [maxStackDims]string
	h, vals, _ := fam.hashValues(ks.keys, dims, buf[:0])
	if s := ks.ix.loadSlow(h, vals); s != nil {
		return s, ""
	}
	if fam.n >= c.limit {
		if fam.overflow == nil {
			fam.overflow = c.newSeriesLocked(fam, Dimensions{OverflowDimension: "true"})
			fam.add(fam.overflow)
			c.onErrorOnce("overflow|"+name, fmt.Errorf("monitoring: metric %q reached its cardinality limit of %d series; further dimension sets are folded into the series %s=true", name, c.limit, OverflowDimension))
		}
		return fam.overflow, ""
	}
	s := c.newSeriesLocked(fam, dims)
	fam.add(s)
	ks.ix.store(h, s)
	return s, ""
}

// describe returns name's description: [WithDescriptions]' first, then the first describer's.
func (c *MetricsCollector) describe(name string) string {
	if d, ok := c.descriptions[name]; ok {
		return d
	}
	for _, f := range c.describers {
		if d := f(name); d != "" {
			return d
		}
	}
	return ""
}

func (c *MetricsCollector) newFamilyLocked(kind Kind, name string, unit Unit) (*family, error) {
	fam := &family{name: name, kind: kind, unit: unit, seed: c.seed}
	var err error
	desc := metric.WithDescription(c.describe(name))
	switch kind {
	case KindCounter:
		var inst metric.Float64ObservableCounter
		if inst, err = c.meter.Float64ObservableCounter(name, metric.WithUnit(unit.UCUM()), desc); err == nil {
			fam.reg, err = c.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
				fam.observeCounters(inst, o)
				return nil
			}, inst)
		}
	case KindGauge:
		var inst metric.Float64ObservableGauge
		if inst, err = c.meter.Float64ObservableGauge(name, metric.WithUnit(unit.UCUM()), desc); err == nil {
			fam.reg, err = c.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
				fam.observeGauges(inst, o)
				return nil
			}, inst)
		}
	case KindDuration:
		fam.hist, err = c.meter.Float64Histogram(name, metric.WithUnit(unit.UCUM()), desc, metric.WithExplicitBucketBoundaries(c.buckets...))
	}
	if err != nil {
		return nil, fmt.Errorf("create instrument: %w", err)
	}
	c.families[name] = fam
	read := make(map[string]*family, len(c.families))
	for k, v := range c.families {
		read[k] = v
	}
	c.famRead.Store(&read)
	return fam, nil
}

// baseAttrs returns the standard dimensions as attributes.
func (c *MetricsCollector) baseAttrs() []attribute.KeyValue {
	return []attribute.KeyValue{
		attribute.String(DimJobName, c.jobName),
		attribute.String(DimSourceName, c.sourceName),
		attribute.String(DimEnvironment, c.environment),
	}
}

func (c *MetricsCollector) newSeriesLocked(fam *family, dims Dimensions) *series {
	all := make(Dimensions, len(c.base)+len(dims))
	for k, v := range c.base {
		all[k] = v
	}
	for k, v := range dims {
		all[k] = v
	}
	kvs := make([]attribute.KeyValue, 0, len(all))
	for k, v := range all {
		kvs = append(kvs, attribute.String(k, v))
	}
	s := &series{fam: fam, pairs: sortedPairs(dims), dims: all, attrs: attribute.NewSet(kvs...)}
	s.observe = []metric.ObserveOption{metric.WithAttributeSet(s.attrs)}
	s.record = []metric.RecordOption{metric.WithAttributeSet(s.attrs)}
	return s
}

func (c *MetricsCollector) dropValue(name string, v float64, allowed string) {
	reason := DropInvalidValue
	if v < 0 && !math.IsInf(v, -1) {
		reason = DropNegativeValue
	}
	c.drop(reason, name, fmt.Sprintf("found %v; %s", v, allowed))
}

// drop counts a measurement that was not recorded and reports it once per reason and metric.
func (c *MetricsCollector) drop(reason DropReason, name, detail string) {
	defer c.flushReports()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reportLocked(reason, name, detail)
	c.countDropLocked(reason, name)
}

// maxDroppedSeries bounds the self-metric's series: metric names beyond it are counted under "other".
const maxDroppedSeries = 100

func (c *MetricsCollector) countDropLocked(reason DropReason, name string) {
	byName := c.dropped[reason]
	if byName == nil {
		byName = map[string]*Counter{}
		c.dropped[reason] = byName
	}
	if !validName(name) {
		name = "invalid" // the name itself may be unprintable or unbounded
	}
	h := byName[name]
	if h == nil {
		if len(byName) >= maxDroppedSeries {
			name = "other"
			h = byName[name]
		}
		if h == nil {
			dims := Dimensions{"reason": string(reason), "metric": name}
			fam := c.families[DroppedMeasurementsMetric]
			if fam == nil {
				fam, _ = c.newFamilyLocked(KindCounter, DroppedMeasurementsMetric, UnitCount)
			}
			s := c.newSeriesLocked(fam, dims)
			fam.add(s)
			h = &Counter{s: s, c: c}
			byName[name] = h
		}
	}
	h.s.ints.Add(1)
}

const maxReported = 1000

func (c *MetricsCollector) reportLocked(reason DropReason, name, detail string) {
	key := string(reason) + "|" + name
	if _, ok := c.reported[key]; ok || len(c.reported) >= maxReported {
		return
	}
	c.reported[key] = struct{}{}
	c.pending = append(c.pending, &MeasurementError{Metric: name, Reason: reason, Detail: detail})
}

func (c *MetricsCollector) onErrorOnce(key string, err error) {
	if _, ok := c.reported[key]; ok || len(c.reported) >= maxReported {
		return
	}
	c.reported[key] = struct{}{}
	c.pending = append(c.pending, err)
}

// flushReports hands pending reports to the error handler, outside the lock so that a handler may
// call back into the collector.
func (c *MetricsCollector) flushReports() {
	c.mu.Lock()
	pending := c.pending
	c.pending = nil
	c.mu.Unlock()
	for _, err := range pending {
		c.onError(err)
	}
}

func (c *MetricsCollector) handleError(err error) { c.onError(err) }

// ForceFlush collects every series and exports it to every push sink now, waiting for the exports.
// Sinks are flushed concurrently, so a slow sink does not delay another; ctx bounds the wait, also
// for a sink that hangs. The error names each sink that failed ([*SinkError]). With
// [WithMeterProvider], it flushes that provider. After Shutdown it returns [ErrShutdown].
func (c *MetricsCollector) ForceFlush(ctx context.Context) error {
	if c.closed.Load() {
		return ErrShutdown
	}
	if c.external != nil {
		if f, ok := c.external.(interface{ ForceFlush(context.Context) error }); ok {
			return f.ForceFlush(ctx)
		}
		return nil
	}
	return c.eachSink(ctx, "flush", (*pushSink).export, func(r sdkmetric.Reader, ctx context.Context) error {
		if f, ok := r.(interface{ ForceFlush(context.Context) error }); ok {
			return f.ForceFlush(ctx)
		}
		return nil
	})
}

// Shutdown exports everything recorded before it was called to every push sink, then stops the
// collector's goroutines and shuts the sinks down. Sinks are shut down concurrently; ctx bounds the
// wait, also for a sink that hangs, and the error names each sink that failed ([*SinkError]).
// Measurements after Shutdown are kept for [MetricsCollector.Summary] but exported nowhere. With
// [WithMeterProvider], it flushes that provider and leaves it running. Later calls return
// [ErrShutdown].
func (c *MetricsCollector) Shutdown(ctx context.Context) error {
	err := ErrShutdown
	c.shutdownOnce.Do(func() {
		c.closed.Store(true)
		if c.external != nil {
			err = nil
			if f, ok := c.external.(interface{ ForceFlush(context.Context) error }); ok {
				err = f.ForceFlush(ctx)
			}
			// The provider lives on; stop it reading the collector's series.
			c.mu.Lock()
			defer c.mu.Unlock()
			for _, f := range c.families {
				if f.reg != nil {
					err = errors.Join(err, f.reg.Unregister())
				}
			}
			return
		}
		err = c.eachSink(ctx, "shutdown", (*pushSink).shutdown, sdkmetric.Reader.Shutdown)
	})
	return err
}

// eachSink runs push on every push sink and other on every other reader, concurrently, and joins
// their errors, each naming its sink.
func (c *MetricsCollector) eachSink(ctx context.Context, op string, push func(*pushSink, context.Context) error, other func(sdkmetric.Reader, context.Context) error) error {
	errs := make([]error, len(c.pushes)+len(c.readers))
	var wg sync.WaitGroup
	for i, p := range c.pushes {
		wg.Go(func() {
			if err := push(p, ctx); err != nil {
				errs[i] = &SinkError{Sink: p.sink.Name(), Op: op, Err: err}
			}
		})
	}
	for i, nr := range c.readers {
		wg.Go(func() {
			if err := other(nr.r, ctx); err != nil && !errors.Is(err, sdkmetric.ErrReaderShutdown) {
				errs[len(c.pushes)+i] = &SinkError{Sink: nr.name, Op: op, Err: err}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// SinkStatuses returns the export record of every push sink, in the order they were given.
func (c *MetricsCollector) SinkStatuses() []SinkStatus {
	out := make([]SinkStatus, len(c.pushes))
	for i, p := range c.pushes {
		out[i] = p.status()
	}
	return out
}

// envMillis reads a duration in milliseconds from the environment variable name.
func envMillis(name string, def time.Duration) time.Duration {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return time.Duration(v) * time.Millisecond
	}
	return def
}
