package etlwatch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
	awscloudwatch "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/cloudwatch"
	"github.com/etlwatch/etlwatch/monitoring/otlp"
	"github.com/etlwatch/etlwatch/monitoring/prom"
)

// The sink names that monitoring.required_sinks may list: configloader's, which own them.
const (
	SinkCloudWatch = configloader.SinkCloudWatch
	SinkOTLP       = configloader.SinkOTLP
	SinkDynatrace  = configloader.SinkDynatrace
	SinkPrometheus = configloader.SinkPrometheus
)

// configuredSink is a sink that a source's monitoring section can turn on.
type configuredSink struct {
	name    string // a configloader.Sink* name, as monitoring.required_sinks lists it
	enabled func(configloader.Monitoring) bool
	start   func(context.Context, *sinkStart) (monitoring.Sink, error)
}

// configuredSinks is the table of the sinks [New] starts, in this order, when the source's
// monitoring section turns them on. Adding a sink is one entry here (see "How to add a sink" in
// the package documentation).
func configuredSinks() []configuredSink {
	return []configuredSink{
		{SinkCloudWatch, func(m configloader.Monitoring) bool { return m.EnableCloudWatch }, startCloudWatch},
		{SinkOTLP, func(m configloader.Monitoring) bool { return m.OTLP.Endpoint != "" || m.OTLP.Protocol != "" }, startOTLP},
		{SinkDynatrace, func(m configloader.Monitoring) bool { return m.Dynatrace.Endpoint != "" }, startDynatrace},
		{SinkPrometheus, func(m configloader.Monitoring) bool { return m.Prometheus.Listen != "" }, startPrometheus},
	}
}

// registry is a Prometheus registry: what monitoring.prometheus serves.
type registry interface {
	prometheus.Registerer
	prometheus.Gatherer
}

// sinkStart is what starting the configured sinks needs, and what it leaves: the sinks that
// started, their names, why the others did not, and the Prometheus sink's registry and listener,
// for the /metrics server.
type sinkStart struct {
	o   *options
	mon configloader.Monitoring

	sinks   []monitoring.Sink
	names   []string
	skipped []sinkStartError
	reg     registry
	ln      net.Listener
}

// sinkStartError is why a configured sink did not start.
type sinkStartError struct {
	sink string
	err  error
}

// startSinks starts every sink mon turns on. A sink that cannot start is skipped, unless
// monitoring.required_sinks lists it: then it stops what it started and returns the error.
func startSinks(ctx context.Context, o *options, mon configloader.Monitoring) (*sinkStart, error) {
	for _, name := range mon.RequiredSinks {
		if !slices.Contains(configloader.SinkNames(), name) {
			return nil, fmt.Errorf("etlwatch: monitoring.required_sinks: unknown sink %q; allowed: %s", name,
				strings.Join(configloader.SinkNames(), ", "))
		}
	}
	st := &sinkStart{o: o, mon: mon}
	for _, cs := range configuredSinks() {
		if !cs.enabled(mon) {
			continue
		}
		s, err := cs.start(ctx, st)
		if err == nil {
			st.sinks = append(st.sinks, s)
			st.names = append(st.names, cs.name)
			continue
		}
		err = fmt.Errorf("etlwatch: sink %s: %w", cs.name, err)
		if slices.Contains(mon.RequiredSinks, cs.name) {
			st.stop()
			return nil, err
		}
		st.skipped = append(st.skipped, sinkStartError{cs.name, err})
	}
	return st, nil
}

// stop shuts down the push sinks that started and closes the Prometheus listener.
func (st *sinkStart) stop() {
	for _, s := range st.sinks {
		if ps, ok := s.(monitoring.PushSink); ok {
			_ = ps.Shutdown(context.Background())
		}
	}
	if st.ln != nil {
		st.ln.Close()
	}
}

// startCloudWatch builds the CloudWatch sink, with the client of [WithCloudWatchClient] or one
// from the AWS SDK's default configuration, whose credentials and region it checks.
func startCloudWatch(ctx context.Context, st *sinkStart) (monitoring.Sink, error) {
	client := st.o.cloudwatchClient
	if client == nil {
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("load AWS configuration: %w", err)
		}
		cctx, cancel := context.WithTimeout(ctx, st.o.credentialsWait)
		_, err = cfg.Credentials.Retrieve(cctx)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("%w (%v)", cloudwatch.ErrNoCredentials, err)
		}
		if cfg.Region == "" {
			return nil, errors.New("no AWS region: set AWS_REGION or a region in the shared config")
		}
		client = awscloudwatch.NewFromConfig(cfg)
	}
	var opts []cloudwatch.Option
	if d := st.mon.ExportTimeout; d > 0 {
		opts = append(opts, cloudwatch.WithTimeout(d), cloudwatch.WithTimeoutSetting(exportTimeoutSetting))
	}
	return cloudwatch.NewSink(client, st.mon.CloudWatchNamespace, opts...)
}

// startOTLP builds the OTLP sink of monitoring.otlp: protocol grpc or http (the default); the
// endpoint is a URL (http:// is plain text; an HTTP URL without a path gets /v1/metrics) or
// host:port (TLS).
func startOTLP(ctx context.Context, st *sinkStart) (monitoring.Sink, error) {
	cfg := st.mon.OTLP
	ep := cfg.Endpoint
	switch strings.ToLower(cfg.Protocol) {
	case "grpc":
		var gopts []otlpmetricgrpc.Option
		switch {
		case strings.Contains(ep, "://"):
			gopts = append(gopts, otlpmetricgrpc.WithEndpointURL(ep))
		case ep != "":
			gopts = append(gopts, otlpmetricgrpc.WithEndpoint(ep))
		}
		return otlp.NewGRPCSink(ctx, append(otlpTimeout(st), otlp.WithGRPCOptions(gopts...))...)
	case "", "http", "http/protobuf":
		var hopts []otlpmetrichttp.Option
		switch {
		case strings.Contains(ep, "://"):
			u, err := url.Parse(ep)
			if err != nil {
				return nil, fmt.Errorf("endpoint %q: %w", ep, err)
			}
			if u.Path == "" || u.Path == "/" {
				u.Path = "/v1/metrics"
			}
			hopts = append(hopts, otlpmetrichttp.WithEndpointURL(u.String()))
		case ep != "":
			hopts = append(hopts, otlpmetrichttp.WithEndpoint(ep))
		}
		return otlp.NewHTTPSink(ctx, append(otlpTimeout(st), otlp.WithHTTPOptions(hopts...))...)
	}
	return nil, fmt.Errorf("protocol %q: allowed: grpc, http", cfg.Protocol)
}

// startDynatrace builds the Dynatrace sink of monitoring.dynatrace.
func startDynatrace(_ context.Context, st *sinkStart) (monitoring.Sink, error) {
	return otlp.NewDynatraceSink(st.mon.Dynatrace.Endpoint, st.mon.Dynatrace.APIToken.Reveal(), otlpTimeout(st)...)
}

// otlpTimeout is monitoring.export_timeout as an OTLP sink option, when it is set.
func otlpTimeout(st *sinkStart) []otlp.Option {
	if d := st.mon.ExportTimeout; d > 0 {
		return []otlp.Option{otlp.WithTimeout(d), otlp.WithTimeoutSetting(exportTimeoutSetting)}
	}
	return nil
}

// exportTimeoutSetting names monitoring.export_timeout in the errors of a sink whose timeout
// came from there.
const exportTimeoutSetting = "monitoring.export_timeout in sources.yaml"

// startPrometheus builds the Prometheus sink on the registry of [WithRegistry] (or a new one) and
// listens on monitoring.prometheus.listen; [New] serves /metrics and /health there.
func startPrometheus(_ context.Context, st *sinkStart) (monitoring.Sink, error) {
	reg := st.o.registerer
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	s, err := prom.NewSink(reg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", st.mon.Prometheus.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", st.mon.Prometheus.Listen, err)
	}
	st.reg, st.ln = reg, ln
	return s, nil
}
