package cloudwatch

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/etlwatch/etlwatch/monitoring"
)

// DefaultNamespace is the namespace of the reference pipeline's metrics.
const DefaultNamespace = "ETL/Pipeline"

// PutMetricDataAPI is the one method of the aws-sdk-go-v2 *cloudwatch.Client that the sink uses, so
// that any client with it (a wrapper, a fake) fits.
type PutMetricDataAPI interface {
	PutMetricData(ctx context.Context, in *cloudwatch.PutMetricDataInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.PutMetricDataOutput, error)
}

// Option configures a [Sink]. Options are applied in order; a later option overrides an earlier
// one of the same kind.
type Option interface {
	applySink(*config)
}

type optionFunc func(*config)

func (f optionFunc) applySink(c *config) { f(c) }

type config struct {
	name        string
	highRes     bool
	maxBuffered int
	maxAttempts int
	baseBackoff time.Duration
	maxBackoff  time.Duration
	timeout     time.Duration
	setting     string // names the timeout's setting in errors ([WithTimeoutSetting])
	now         func() time.Time
}

// DefaultTimeout bounds each PutMetricData request unless [WithTimeout] says otherwise.
const DefaultTimeout = 10 * time.Second

// WithName sets the sink's name in errors, self-metrics and health. Default: "cloudwatch".
func WithName(name string) Option { return optionFunc(func(c *config) { c.name = name }) }

// WithHighResolution stores the metrics at 1-second resolution (StorageResolution 1) instead of
// CloudWatch's standard 60 seconds. High-resolution metrics cost more. Default: off.
func WithHighResolution() Option { return optionFunc(func(c *config) { c.highRes = true }) }

// WithMaxBuffered bounds how many datums are kept across failed exports, to be sent when CloudWatch
// answers again. Beyond it the oldest are dropped, counted in [Sink.Dropped] and reported. Default:
// 20,000 (about 20 requests).
func WithMaxBuffered(n int) Option { return optionFunc(func(c *config) { c.maxBuffered = n }) }

// WithRetry sets how often a request is tried when CloudWatch throttles or answers 5xx (or the
// network fails), and the first backoff, which doubles each attempt up to 5 seconds with full
// jitter. Default: 3 attempts from 200 ms. The AWS SDK client retries on its own too (3 attempts by
// default): set its RetryMaxAttempts to 1 to let the sink own retries, or pass attempts 1 here.
// A request that runs out of its [WithTimeout] is not tried again within the same export.
func WithRetry(attempts int, base time.Duration) Option {
	return optionFunc(func(c *config) { c.maxAttempts, c.baseBackoff = attempts, base })
}

// WithTimeout bounds each PutMetricData request, the AWS SDK client's own retries included: an
// endpoint that accepts the connection and never answers, or never accepts it, fails the export
// after d with a [monitoring.ExportTimeoutError] naming its host:port and this setting, without
// a retry; its datums stay buffered for the next export, and the job goes on. It must be > 0.
// Default: [DefaultTimeout].
func WithTimeout(d time.Duration) Option { return optionFunc(func(c *config) { c.timeout = d }) }

// WithTimeoutSetting names, in the [monitoring.ExportTimeoutError] of a request that ran out of
// its timeout, the setting that raises it: for a program that takes the timeout from its own
// configuration and passes it to [WithTimeout] (etlwatch.New names monitoring.export_timeout in
// sources.yaml). Default: "cloudwatch.WithTimeout".
func WithTimeoutSetting(name string) Option {
	return optionFunc(func(c *config) { c.setting = name })
}

// Sink is a [monitoring.PushSink] that sends metrics to CloudWatch with PutMetricData: counters as
// the sum of each export interval, durations as statistic sets (SampleCount, Sum, Minimum, Maximum),
// gauges as their last value, each with the series' dimensions. All the series of an interval go in
// as few requests as the limits allow (1,000 datums and 1 MB each), where the reference pipeline
// made one call per measurement. Datums of failed requests are kept, bounded, and sent with the next
// export. Create it with [NewSink].
type Sink struct {
	client    PutMetricDataAPI
	namespace string
	cfg       config
	addr      string // the endpoint's host:port, "" when the client does not tell

	mu      sync.Mutex
	pending []point // oldest first, kept across failed exports
	rep     reporter

	calls   atomic.Int64
	dropped atomic.Int64
}

var _ monitoring.PushSink = (*Sink)(nil)
var _ monitoring.ErrorHandlerSetter = (*Sink)(nil)

// NewSink returns a sink that sends to CloudWatch through client, usually
// cloudwatch.NewFromConfig(cfg), in namespace (empty means [DefaultNamespace]).
func NewSink(client PutMetricDataAPI, namespace string, opts ...Option) (*Sink, error) {
	cfg := config{name: "cloudwatch", maxBuffered: 20_000, maxAttempts: 3, baseBackoff: 200 * time.Millisecond,
		maxBackoff: 5 * time.Second, timeout: DefaultTimeout, now: time.Now}
	for _, o := range opts {
		if o != nil {
			o.applySink(&cfg)
		}
	}
	if client == nil {
		return nil, errors.New("cloudwatch: client is nil")
	}
	if namespace == "" {
		namespace = DefaultNamespace
	}
	var errs []error
	if len(namespace) > 255 || namespace[0] == ':' {
		errs = append(errs, fmt.Errorf("cloudwatch: namespace %q: must be 1-255 characters and not start with ':'", namespace))
	}
	if cfg.maxBuffered < MaxDatumsPerRequest {
		errs = append(errs, fmt.Errorf("cloudwatch: WithMaxBuffered(%d): must be at least %d", cfg.maxBuffered, MaxDatumsPerRequest))
	}
	if cfg.maxAttempts < 1 || cfg.baseBackoff < 0 {
		errs = append(errs, fmt.Errorf("cloudwatch: WithRetry(%d, %v): attempts must be >= 1 and the backoff >= 0", cfg.maxAttempts, cfg.baseBackoff))
	}
	if cfg.name == "" {
		errs = append(errs, errors.New("cloudwatch: WithName: the name is empty"))
	}
	if cfg.timeout <= 0 {
		errs = append(errs, fmt.Errorf("cloudwatch: WithTimeout(%v): must be > 0", cfg.timeout))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Sink{client: client, namespace: namespace, cfg: cfg, addr: endpoint(client)}, nil
}

// Name returns the sink's name, "cloudwatch" unless [WithName] says otherwise.
func (s *Sink) Name() string { return s.cfg.name }

// Namespace returns the CloudWatch namespace the sink writes to.
func (s *Sink) Namespace() string { return s.namespace }

// Calls returns how many PutMetricData requests the sink has made, retries included.
func (s *Sink) Calls() int64 { return s.calls.Load() }

// Dropped returns how many datums were dropped because the buffer of unsent datums was full or
// they grew older than CloudWatch accepts (two weeks).
func (s *Sink) Dropped() int64 { return s.dropped.Load() }

// SetErrorHandler receives the collector's error handler, for data points CloudWatch would reject
// (reported once per metric and reason) and dropped datums.
func (s *Sink) SetErrorHandler(h func(error)) {
	s.mu.Lock()
	s.rep.handler = h
	s.mu.Unlock()
}

// Temporality is delta for counters and histograms (each export carries the interval's values),
// cumulative for up-down counters (their current value).
func (s *Sink) Temporality(k sdkmetric.InstrumentKind) metricdata.Temporality {
	return sdkmetric.DeltaTemporalitySelector(k)
}

// Aggregation is OpenTelemetry's default.
func (s *Sink) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return sdkmetric.DefaultAggregationSelector(k)
}

// Export sends rm, after whatever earlier failed exports left in the buffer. On failure the unsent
// datums stay buffered and the error says why; AccessDenied and missing credentials are errors of
// kind [ErrAccessDenied] and [ErrNoCredentials] with what to do about them.
func (s *Sink) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	pts, probs := points(rm)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rep.problems(probs)

	s.pending = append(s.pending, pts...)
	// CloudWatch rejects datums older than two weeks; keep a margin.
	oldest := s.cfg.now().Add(-14*24*time.Hour + time.Hour)
	stale := 0
	for stale < len(s.pending) && s.pending[stale].ts.Before(oldest) {
		stale++
	}
	over := max(len(s.pending)-s.cfg.maxBuffered, stale)
	if over > 0 {
		s.pending = s.pending[over:]
		s.dropped.Add(int64(over))
		s.rep.report(fmt.Errorf("cloudwatch: dropped %d unsent datums (buffer of %d full, or older than two weeks); %d dropped in all",
			over, s.cfg.maxBuffered, s.dropped.Load()), fmt.Sprintf("dropped|%d", s.dropped.Load()))
	}

	for len(s.pending) > 0 {
		n, bytes := 0, 1024
		for n < len(s.pending) && n < MaxDatumsPerRequest {
			sz := s.pending[n].size()
			if bytes+sz > MaxRequestBytes*9/10 {
				break
			}
			bytes += sz
			n++
		}
		if err := s.put(ctx, s.pending[:n]); err != nil {
			return err
		}
		s.pending = s.pending[n:]
	}
	s.pending = nil // release the array
	return nil
}

// put sends one request, retrying throttling, 5xx and network errors with backoff and jitter.
func (s *Sink) put(ctx context.Context, pts []point) error {
	in := &cloudwatch.PutMetricDataInput{Namespace: aws.String(s.namespace), MetricData: make([]types.MetricDatum, len(pts))}
	for i := range pts {
		in.MetricData[i] = s.datum(&pts[i])
	}
	backoff := s.cfg.baseBackoff
	for attempt := 1; ; attempt++ {
		s.calls.Add(1)
		err := s.putOnce(ctx, in)
		if err == nil {
			return nil
		}
		var te *monitoring.ExportTimeoutError
		if errors.As(err, &te) {
			return err
		}
		err = classify(err)
		if attempt >= s.cfg.maxAttempts || !retryable(err) || ctx.Err() != nil {
			return err
		}
		wait := time.Duration(rand.Int64N(int64(backoff) + 1)) // full jitter
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return errors.Join(err, context.Cause(ctx))
		}
		backoff = min(backoff*2, s.cfg.maxBackoff)
	}
}

func (s *Sink) datum(p *point) types.MetricDatum {
	d := types.MetricDatum{
		MetricName: aws.String(p.name),
		Unit:       p.unit,
		Dimensions: p.dims,
		Timestamp:  aws.Time(p.ts),
	}
	if p.stats != nil {
		d.StatisticValues = p.stats
	} else {
		d.Value = aws.Float64(p.value)
	}
	if s.cfg.highRes {
		d.StorageResolution = aws.Int32(1)
	}
	return d
}

// ForceFlush does nothing: datums are sent by Export.
func (s *Sink) ForceFlush(context.Context) error { return nil }

// Shutdown does nothing: the collector exports once more before it shuts a sink down.
func (s *Sink) Shutdown(context.Context) error { return nil }

// String describes the sink without secrets.
func (s *Sink) String() string {
	return fmt.Sprintf("cloudwatch.Sink{name=%s namespace=%s}", s.cfg.name, s.namespace)
}
