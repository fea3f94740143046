package etlwatch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/correlation"
	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/lineage"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/cloudwatch"
	"github.com/etlwatch/etlwatch/monitoring/prom"
)

// EventSinkUnavailable is the event type written, once per sink, when a configured sink cannot
// start; its details carry sink and error. The job goes on without the sink unless
// monitoring.required_sinks lists it.
const EventSinkUnavailable = "sink_unavailable"

// Pipeline is what an ETL job needs to be observable, built from its source's configuration by
// [New]: a metrics collector with the sinks the configuration asks for, a structured logger, a
// data-quality checker and a context carrying the job's correlation ID. Call
// [Pipeline.Shutdown] when the job ends: it flushes every sink and stops the metrics server.
type Pipeline struct {
	// Metrics records the job's metrics and sends them to the configured sinks.
	Metrics *monitoring.MetricsCollector
	// Logger writes the job's structured events.
	Logger *monitoring.StructuredLogger
	// Checker runs data-quality checks and reports their results as metrics and events.
	Checker *dataquality.Checker
	// Health is what /health reports, nil without monitoring.prometheus; the job calls its
	// ReportSuccess and ReportFailure.
	Health *prom.Health
	// Lineage sends the job's OpenLineage events through the transports of the source's
	// lineage: section and the OPENLINEAGE_* variables; without them it sends nothing. Never nil.
	Lineage *lineage.Client

	ctx       context.Context
	id        string
	sinks     []string
	skipped   []error
	addr      net.Addr
	stopSrv   context.CancelFunc
	srvDone   chan error
	shutdown  sync.Once
	shutdownE error
	run       *lineage.JobRun
	stream    *lineage.StreamingRun
	onError   func(error)
	onFailure string // data_quality.on_failure, the severity of the checks in lineage
	checksMu  sync.Mutex
	checks    []dataquality.Result // the Checker's results, the latest maxCheckResults
}

// Option configures [New].
type Option func(*options)

type options struct {
	logOutput        io.Writer
	metricLog        io.Writer
	cloudwatchClient cloudwatch.PutMetricDataAPI
	registerer       registry
	errorHandler     func(error)
	metricsOptions   []monitoring.Option
	loggerOptions    []monitoring.LoggerOption
	extraSinks       []monitoring.Sink
	credentialsWait  time.Duration
	checkLogLines    bool

	lineageTransports []lineage.Transport
	lineageOptions    []lineage.Option
	streamingLineage  bool
}

// WithLogOutput sets where the structured events go. Default: os.Stdout.
func WithLogOutput(w io.Writer) Option { return func(o *options) { o.logOutput = w } }

// WithMetricLog adds the log sink, writing the reference METRIC: lines to w. Default: none.
func WithMetricLog(w io.Writer) Option { return func(o *options) { o.metricLog = w } }

// WithCloudWatchClient sets the client the CloudWatch sink uses when monitoring.enable_cloudwatch
// is true. Default: a client from the AWS SDK's default configuration (environment, shared files,
// instance or task role), whose credentials are checked at start.
func WithCloudWatchClient(c cloudwatch.PutMetricDataAPI) Option {
	return func(o *options) { o.cloudwatchClient = c }
}

// WithRegistry sets the Prometheus registry that monitoring.prometheus serves. Default: a new
// registry of the pipeline's own (never the global one).
func WithRegistry(r *prometheus.Registry) Option { return func(o *options) { o.registerer = r } }

// WithErrorHandler sets the function that receives background errors (failed exports, dropped
// measurements) and the sinks and lineage transports that could not start. Default: a WARN line
// through the pipeline's logger, with the job's correlation ID, for background errors; a sink
// that cannot start is one sink_unavailable event either way.
func WithErrorHandler(h func(error)) Option { return func(o *options) { o.errorHandler = h } }

// WithMetricsOptions passes further options to [monitoring.NewMetricsCollector]; they come after
// the ones the configuration implies.
func WithMetricsOptions(opts ...monitoring.Option) Option {
	return func(o *options) { o.metricsOptions = append(o.metricsOptions, opts...) }
}

// WithLoggerOptions passes further options to [monitoring.NewStructuredLogger].
func WithLoggerOptions(opts ...monitoring.LoggerOption) Option {
	return func(o *options) { o.loggerOptions = append(o.loggerOptions, opts...) }
}

// WithCheckLogLines sets whether each data-quality result is also written as the reference's
// plain log line besides its dq_check_complete event ([dataquality.WithLogLines]). Default:
// false, one event per result.
func WithCheckLogLines(on bool) Option { return func(o *options) { o.checkLogLines = on } }

// WithSinks adds sinks of the caller's own beside the configured ones.
func WithSinks(sinks ...monitoring.Sink) Option {
	return func(o *options) { o.extraSinks = append(o.extraSinks, sinks...) }
}

// New builds the [Pipeline] of the job jobName for src: a metrics collector with the sinks that
// src.Monitoring asks for (CloudWatch, OTLP, Dynatrace, a Prometheus server on the listen address),
// a structured logger, a data-quality checker, and a context with a correlation ID (ctx's, or a
// new one). A sink that cannot start (no AWS credentials, a port in use, an invalid endpoint) is
// reported as one sink_unavailable event (WARNING, with sink, error and the correlation ID) and to
// the error handler of [WithErrorHandler] when one is set, then skipped, unless
// monitoring.required_sinks lists it: then New fails with the reason.
//
// New also builds the pipeline's lineage client ([Pipeline.Lineage]) from the source's lineage:
// section and the OPENLINEAGE_* environment variables, and sends the START of the job's run
// (job "source.jobName"), which [Pipeline.Shutdown] ends. Lineage never fails New or the job: a
// transport that cannot start is reported like a sink that cannot start (as a
// lineage_unavailable event) and left out.
func New(ctx context.Context, jobName string, src *configloader.Source, opts ...Option) (*Pipeline, error) {
	if src == nil {
		return nil, errors.New("etlwatch: source is nil")
	}
	o := options{logOutput: os.Stdout, credentialsWait: 5 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	ctx, id := correlation.Ensure(ctx)
	p := &Pipeline{ctx: ctx, id: id, onFailure: src.DataQuality.OnFailure}
	var common []monitoring.SharedOption
	if src.Monitoring.Environment != "" {
		common = append(common, monitoring.WithEnvironment(src.Monitoring.Environment))
	}
	lopts := []monitoring.LoggerOption{monitoring.WithOutput(o.logOutput)}
	for _, c := range common {
		lopts = append(lopts, c)
	}
	p.Logger = monitoring.NewStructuredLogger(jobName, src.Name, append(lopts, o.loggerOptions...)...)
	p.onError = o.errorHandler
	if p.onError == nil {
		p.onError = func(err error) { p.Logger.Slog().WarnContext(ctx, err.Error()) }
	}
	// A sink or transport that cannot start is its own event; the default handler would write
	// it a second time.
	onStartError := func(error) {}
	if o.errorHandler != nil {
		onStartError = o.errorHandler
	}

	st, err := startSinks(ctx, &o, src.Monitoring)
	if err != nil {
		return nil, err
	}
	if err := p.startMetrics(jobName, src, &o, st, common); err != nil {
		return nil, err
	}
	for _, se := range st.skipped {
		p.skipped = append(p.skipped, se.err)
		onStartError(se.err)
		p.Logger.LogWarning(ctx, EventSinkUnavailable, monitoring.Details{"sink": se.sink, "error": se.err.Error()})
	}

	var lineageErrs []error
	p.Lineage, lineageErrs = o.newLineage(src, p.Metrics, p.onError)
	for _, err := range lineageErrs {
		p.skipped = append(p.skipped, err)
		onStartError(err)
		p.Logger.LogWarning(ctx, EventLineageUnavailable, monitoring.Details{"error": err.Error()})
	}
	p.startLineage(&o, LineageJobName(src.Name, jobName), src)
	return p, nil
}

// startMetrics builds the pipeline's collector over the sinks that started, and its Checker, and
// serves /metrics and /health when the Prometheus sink started. On an error it stops the sinks.
func (p *Pipeline) startMetrics(jobName string, src *configloader.Source, o *options, st *sinkStart, common []monitoring.SharedOption) error {
	sinks := st.sinks
	p.sinks = st.names
	if o.metricLog != nil {
		s := monitoring.NewLogSink(o.metricLog)
		sinks = append(sinks, s)
		p.sinks = append(p.sinks, s.Name())
	}
	sinks = append(sinks, o.extraSinks...)
	mopts := []monitoring.Option{monitoring.WithSinks(sinks...), monitoring.WithErrorHandler(p.onError),
		monitoring.WithDescriber(dataquality.Describe)}
	for _, c := range common {
		mopts = append(mopts, c)
	}
	if src.Monitoring.ExportInterval > 0 {
		mopts = append(mopts, monitoring.WithExportInterval(src.Monitoring.ExportInterval))
	}
	metrics, err := monitoring.NewMetricsCollector(jobName, src.Name, append(mopts, o.metricsOptions...)...)
	if err != nil {
		st.stop()
		return fmt.Errorf("etlwatch: %w", err)
	}
	p.Metrics = metrics
	p.Checker = dataquality.NewChecker(dataquality.WithMetrics(metrics), dataquality.WithLogger(p.Logger),
		dataquality.WithLogLines(o.checkLogLines), dataquality.WithResultHook(p.recordCheck))
	if st.ln == nil {
		return nil
	}
	if err := p.serveMetrics(st.reg, st.ln); err != nil {
		st.ln.Close()
		_ = metrics.Shutdown(context.Background())
		return fmt.Errorf("etlwatch: prometheus: %w", err)
	}
	return nil
}

// serveMetrics serves /metrics of reg and /health on ln until [Pipeline.Shutdown].
func (p *Pipeline) serveMetrics(reg registry, ln net.Listener) error {
	health, err := prom.NewHealth(prom.WithSinkStatuses(p.Metrics))
	if err != nil {
		return err
	}
	h, err := prom.NewHandler(reg, health)
	if err != nil {
		return err
	}
	p.Health = health
	p.addr = ln.Addr()
	srvCtx, stop := context.WithCancel(context.WithoutCancel(p.ctx))
	p.stopSrv, p.srvDone = stop, make(chan error, 1)
	go func() { p.srvDone <- prom.Serve(srvCtx, ln, h) }()
	return nil
}

// Context returns the context New was given, carrying the job's correlation ID.
func (p *Pipeline) Context() context.Context { return p.ctx }

// CorrelationID returns the job's correlation ID.
func (p *Pipeline) CorrelationID() string { return p.id }

// Sinks returns the names of the configured sinks that started, and "log" for the metric-log
// sink of [WithMetricLog]: the sinks /health lists, but for those of [WithSinks].
func (p *Pipeline) Sinks() []string { return slices.Clone(p.sinks) }

// Skipped returns why each configured sink, and each lineage transport, that could not start
// was skipped.
func (p *Pipeline) Skipped() []error { return slices.Clone(p.skipped) }

// MetricsAddr returns the address the Prometheus server listens on, nil without one.
func (p *Pipeline) MetricsAddr() net.Addr { return p.addr }

// MetricsURLs returns the URLs of the Prometheus server's /metrics and /health, with "localhost"
// for an unspecified host (":8083"); both are empty without a server.
func (p *Pipeline) MetricsURLs() (metrics, health string) {
	if p.addr == nil {
		return "", ""
	}
	host, port, err := net.SplitHostPort(p.addr.String())
	if err != nil {
		return "", ""
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	base := "http://" + net.JoinHostPort(host, port)
	return base + "/metrics", base + "/health"
}

// Shutdown ends the job's lineage run if the job did not ([Pipeline.LineageRun]) and flushes
// the lineage events (a bounded wait; events that cannot be delivered were reported to the error
// handler and fail nothing), flushes every sink, then stops the metrics server. ctx bounds the
// wait. Later calls return the first call's result.
func (p *Pipeline) Shutdown(ctx context.Context) error {
	p.shutdown.Do(func() {
		p.endLineage(ctx, p.onError)
		err := p.Metrics.Shutdown(ctx)
		if p.stopSrv != nil {
			p.stopSrv()
			select {
			case serr := <-p.srvDone:
				err = errors.Join(err, serr)
			case <-ctx.Done():
				err = errors.Join(err, fmt.Errorf("etlwatch: metrics server: %w", context.Cause(ctx)))
			}
		}
		p.shutdownE = err
	})
	return p.shutdownE
}
