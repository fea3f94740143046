package etlwatch

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/lineage"
	lineagekafka "github.com/etlwatch/etlwatch/lineage/kafka"
	"github.com/etlwatch/etlwatch/monitoring"
)

// The environment variables of the OpenLineage clients that [New] reads. The source's lineage:
// section wins over them, and they over the defaults.
const (
	EnvOpenLineageURL       = "OPENLINEAGE_URL"       // the HTTP transport's base URL; turns it on
	EnvOpenLineageEndpoint  = "OPENLINEAGE_ENDPOINT"  // the path under it, default /api/v1/lineage
	EnvOpenLineageAPIKey    = "OPENLINEAGE_API_KEY"   // sent as a bearer token
	EnvOpenLineageNamespace = "OPENLINEAGE_NAMESPACE" // the jobs' namespace, default "default"
	EnvOpenLineageDisabled  = "OPENLINEAGE_DISABLED"  // true: no lineage at all
)

// EventLineageUnavailable is the event type written when a configured lineage transport cannot
// start; the job goes on without it.
const EventLineageUnavailable = "lineage_unavailable"

// WithLineageTransports adds lineage transports of the caller's own beside the configured ones.
func WithLineageTransports(ts ...lineage.Transport) Option {
	return func(o *options) { o.lineageTransports = append(o.lineageTransports, ts...) }
}

// WithLineageOptions passes further options to [lineage.NewClient]; they come after the ones the
// configuration implies.
func WithLineageOptions(opts ...lineage.Option) Option {
	return func(o *options) { o.lineageOptions = append(o.lineageOptions, opts...) }
}

// WithStreamingLineage makes the job's lineage run a STREAMING run ([lineage.StreamingRun]), for
// a job that runs until stopped, such as the CDC consumer: New does not send its START (the job
// does, with the datasets it reads: [Pipeline.StreamingLineage]), RUNNING events go out at most
// every lineage.running_interval (default 60s) with what was committed since, and Shutdown
// sends COMPLETE unless the job ended the run. Default: a BATCH run started by New.
func WithStreamingLineage() Option { return func(o *options) { o.streamingLineage = true } }

// LineageJobName returns the OpenLineage job name of the job jobName of source: "source.job".
func LineageJobName(source, jobName string) string { return source + "." + jobName }

// lineageSettings is a source's lineage: section with the OPENLINEAGE_* variables filled in.
type lineageSettings struct {
	configloader.Lineage
	disabled bool
}

func resolveLineage(l configloader.Lineage) lineageSettings {
	s := lineageSettings{Lineage: l}
	if v, ok := os.LookupEnv(EnvOpenLineageDisabled); ok {
		if b, err := strconv.ParseBool(strings.TrimSpace(v)); err == nil && b {
			s.disabled = true
		}
	}
	s.disabled = s.disabled || l.Disabled
	envURL := os.Getenv(EnvOpenLineageURL)
	s.URL = cmp.Or(l.URL, envURL)
	s.Endpoint = cmp.Or(l.Endpoint, os.Getenv(EnvOpenLineageEndpoint))
	if l.APIKey == "" {
		s.APIKey = configloader.Secret(os.Getenv(EnvOpenLineageAPIKey))
	}
	s.Namespace = cmp.Or(l.Namespace, os.Getenv(EnvOpenLineageNamespace), lineage.DefaultNamespace)
	if len(l.Transports) == 0 && envURL != "" {
		s.Transports = []string{configloader.TransportHTTP}
	}
	return s
}

// newLineage builds the pipeline's lineage client: the transports of the source's lineage:
// section and of the environment, those of WithLineageTransports, metrics and error handler of
// the pipeline. A transport that cannot start is returned in skipped, and left out.
func (o *options) newLineage(src *configloader.Source, metrics *monitoring.MetricsCollector, onError func(error)) (
	client *lineage.Client, skipped []error,
) {
	s := resolveLineage(src.Lineage)
	var ts []lineage.Transport
	if !s.disabled {
		for _, name := range s.Transports {
			t, err := o.lineageTransport(name, s, src)
			if err != nil {
				skipped = append(skipped, fmt.Errorf("etlwatch: lineage transport %s: %w", name, err))
				continue
			}
			ts = append(ts, t)
		}
		ts = append(ts, o.lineageTransports...)
	}
	opts := []lineage.Option{lineage.WithTransports(ts...), lineage.WithNamespace(s.Namespace),
		lineage.WithMetrics(metrics), lineage.WithErrorHandler(onError)}
	if s.FlushTimeout > 0 {
		opts = append(opts, lineage.WithFlushTimeout(s.FlushTimeout))
	}
	opts = append(opts, o.lineageOptions...)
	client, err := lineage.NewClient(opts...)
	if err != nil {
		skipped = append(skipped, fmt.Errorf("etlwatch: lineage: %w", err))
		client, _ = lineage.NewClient() // off, but never nil
	}
	return client, skipped
}

func (o *options) lineageTransport(name string, s lineageSettings, src *configloader.Source) (lineage.Transport, error) {
	switch name {
	case configloader.TransportHTTP:
		if s.URL == "" {
			return nil, fmt.Errorf("no URL: set lineage.url or %s", EnvOpenLineageURL)
		}
		hopts := []lineage.HTTPOption{lineage.WithAPIKey(s.APIKey.Reveal())}
		if s.Endpoint != "" {
			hopts = append(hopts, lineage.WithEndpoint(s.Endpoint))
		}
		if s.Timeout > 0 {
			hopts = append(hopts, lineage.WithTimeout(s.Timeout))
		}
		return lineage.NewHTTPTransport(s.URL, hopts...)
	case configloader.TransportConsole:
		return lineage.NewWriterTransport(o.logOutput)
	case configloader.TransportFile:
		fopts := []lineage.FileOption{}
		if s.File.Rotate != "" {
			fopts = append(fopts, lineage.WithRotation(s.File.Rotate))
		}
		if s.File.MaxSizeMB > 0 {
			fopts = append(fopts, lineage.WithMaxFileSize(int64(s.File.MaxSizeMB)<<20))
		}
		return lineage.NewFileTransport(s.File.Path, fopts...)
	case configloader.TransportKafka:
		brokers := s.Kafka.Brokers
		if len(brokers) == 0 {
			brokers = src.CDC.Brokers
		}
		return lineagekafka.NewTransport(brokers, s.Kafka.Topic)
	}
	return nil, fmt.Errorf("unknown transport %q; allowed: http, console, file, kafka", name)
}

// LineageRun returns the job's OpenLineage run, started (START sent) by [New]. A job that knows
// its outcome ends it with End(err, ...) before [Pipeline.Shutdown]; otherwise Shutdown ends it:
// ABORT when the pipeline's context was cancelled, COMPLETE otherwise. Child runs (a bulk load's
// tables) take it as their parent ([lineage.WithParent]).
func (p *Pipeline) LineageRun() *lineage.JobRun { return p.run }

// StreamingLineage returns the job's STREAMING run under [WithStreamingLineage], nil otherwise.
func (p *Pipeline) StreamingLineage() *lineage.StreamingRun { return p.stream }

// startLineage creates the job's run: a STREAMING one, not yet started, under
// WithStreamingLineage; a BATCH one, started, otherwise.
func (p *Pipeline) startLineage(o *options, name string, src *configloader.Source) {
	if o.streamingLineage {
		p.stream = p.Lineage.NewStreamingRun(name, src.Lineage.RunningInterval, lineage.WithCorrelationID(p.id))
		p.run = p.stream.Run()
		return
	}
	p.run = p.Lineage.NewRun(name, lineage.WithCorrelationID(p.id))
	p.run.Start(lineage.Update{})
}

// maxCheckResults bounds the check results a pipeline keeps for its lineage run ([Pipeline.CheckResults]).
const maxCheckResults = 1000

// recordCheck keeps a result of the pipeline's Checker.
func (p *Pipeline) recordCheck(_ context.Context, r dataquality.Result) {
	p.checksMu.Lock()
	defer p.checksMu.Unlock()
	if len(p.checks) >= maxCheckResults {
		p.checks = append(p.checks[:0], p.checks[1:]...)
	}
	p.checks = append(p.checks, r)
}

// CheckResults returns the results of the checks the pipeline's Checker ran, oldest first (the
// latest 1000). [Pipeline.Shutdown] puts them in the test facet of the job's lineage run when it
// ends the run; a job that ends the run itself can pass
// lineage.QualityOf(p.CheckResults(), severity).Tests in its Update.
func (p *Pipeline) CheckResults() []dataquality.Result {
	p.checksMu.Lock()
	defer p.checksMu.Unlock()
	return slices.Clone(p.checks)
}

// endLineage ends the job's run unless the job did, then flushes the lineage client, whose
// delivery problems were reported already and fail nothing.
func (p *Pipeline) endLineage(ctx context.Context, onError func(error)) {
	if p.stream != nil {
		p.stream.Stop(nil) // a no-op when the job stopped it
	}
	if p.run != nil && p.run.Ended() == "" {
		var err error
		if cerr := p.ctx.Err(); errors.Is(cerr, context.Canceled) {
			err = cerr
		}
		p.run.End(err, lineage.Update{Tests: lineage.QualityOf(p.CheckResults(), lineage.Severity(p.onFailure)).Tests})
	}
	if err := p.Lineage.Shutdown(ctx); err != nil && !errors.Is(err, lineage.ErrShutdown) && onError != nil {
		onError(err)
	}
}
