package otlp

import (
	"context"
	"errors"
	"fmt"
	"os"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// Protocol is an OTLP transport, as named by $OTEL_EXPORTER_OTLP_PROTOCOL.
type Protocol string

// The OTLP protocols [NewTracerProvider] speaks.
const (
	ProtocolHTTPProtobuf Protocol = "http/protobuf"
	ProtocolHTTPJSON     Protocol = "http/json"
	ProtocolGRPC         Protocol = "grpc"
)

// TraceOption configures [NewTracerProvider] and [NewDynatraceTracerProvider]. Options are applied
// in order; a later option overrides an earlier one of the same kind, except those that pass
// options through, which add up.
type TraceOption interface {
	applyTrace(*traceConfig)
}

type traceOptionFunc func(*traceConfig)

func (f traceOptionFunc) applyTrace(c *traceConfig) { f(c) }

type traceConfig struct {
	serviceName string
	res         *resource.Resource
	protocol    Protocol
	httpOpts    []otlptracehttp.Option
	grpcOpts    []otlptracegrpc.Option
	tpOpts      []sdktrace.TracerProviderOption
	httpGiven   bool
	grpcGiven   bool
}

// WithServiceName sets the service.name resource attribute of every span, the name under which a
// backend lists the service. Precedence: this option, then $OTEL_SERVICE_NAME or service.name in
// $OTEL_RESOURCE_ATTRIBUTES, then the name in [WithResource], then OpenTelemetry's default
// ("unknown_service:" + the program's name).
func WithServiceName(name string) TraceOption {
	return traceOptionFunc(func(c *traceConfig) { c.serviceName = name })
}

// WithResource sets the OpenTelemetry resource that describes the process in every span.
// $OTEL_RESOURCE_ATTRIBUTES and [WithServiceName] take precedence over its attributes. Default:
// OpenTelemetry's default resource (service name, SDK name and version).
func WithResource(r *resource.Resource) TraceOption {
	return traceOptionFunc(func(c *traceConfig) { c.res = r })
}

// WithProtocol chooses the OTLP transport of [NewTracerProvider]. Precedence: this option, then
// the transport whose options were given ([WithTraceGRPCOptions] or [WithTraceHTTPOptions], when
// only one was), then $OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, then $OTEL_EXPORTER_OTLP_PROTOCOL, then
// [ProtocolHTTPProtobuf]. [NewDynatraceTracerProvider] accepts only [ProtocolHTTPProtobuf].
func WithProtocol(p Protocol) TraceOption {
	return traceOptionFunc(func(c *traceConfig) { c.protocol = p })
}

// WithTraceHTTPOptions passes options to the OpenTelemetry OTLP/HTTP span exporter (otlptracehttp),
// such as WithEndpointURL, WithHeaders or WithRetry. They take precedence over the
// OTEL_EXPORTER_OTLP_* environment variables, which the exporter reads for every setting not
// given. For [NewDynatraceTracerProvider], the endpoint, the headers (only the Authorization
// header is sent) and the encoding are set by the provider and override those given here. Repeated options add up.
func WithTraceHTTPOptions(opts ...otlptracehttp.Option) TraceOption {
	return traceOptionFunc(func(c *traceConfig) {
		c.httpOpts = append(c.httpOpts, opts...)
		c.httpGiven = true
	})
}

// WithTraceGRPCOptions passes options to the OpenTelemetry OTLP/gRPC span exporter (otlptracegrpc),
// such as WithEndpoint, WithInsecure or WithTLSCredentials, and selects gRPC unless [WithProtocol]
// says otherwise. They take precedence over the OTEL_EXPORTER_OTLP_* environment variables.
// Repeated options add up. It is an error with [NewDynatraceTracerProvider].
func WithTraceGRPCOptions(opts ...otlptracegrpc.Option) TraceOption {
	return traceOptionFunc(func(c *traceConfig) {
		c.grpcOpts = append(c.grpcOpts, opts...)
		c.grpcGiven = true
	})
}

// WithTracerProviderOptions passes options to sdktrace.NewTracerProvider, after the provider's own
// (resource, [CorrelationSpanProcessor], batching exporter), such as sdktrace.WithSampler or
// further span processors. Repeated options add up.
func WithTracerProviderOptions(opts ...sdktrace.TracerProviderOption) TraceOption {
	return traceOptionFunc(func(c *traceConfig) { c.tpOpts = append(c.tpOpts, opts...) })
}

func newTraceConfig(opts []TraceOption) traceConfig {
	var cfg traceConfig
	for _, o := range opts {
		if o != nil {
			o.applyTrace(&cfg)
		}
	}
	return cfg
}

// NewTracerProvider returns an OpenTelemetry tracer provider that batches spans and exports them
// over OTLP, with a [CorrelationSpanProcessor] so that every span started in a context carrying a
// correlation ID has the correlation_id attribute. The span exporter (otlptracehttp or
// otlptracegrpc, see [WithProtocol]) reads the standard OTEL_EXPORTER_OTLP_* and
// OTEL_EXPORTER_OTLP_TRACES_* environment variables for every setting not given through
// [WithTraceHTTPOptions] or [WithTraceGRPCOptions]; with neither, it sends to
// https://localhost:4318/v1/traces.
//
// The caller owns the provider: install it where spans are started (otel.SetTracerProvider, or
// pass it to the instrumentation, such as kotel.TracerProvider) and call its Shutdown before the
// program exits, which exports the spans still queued and stops its goroutine.
func NewTracerProvider(ctx context.Context, opts ...TraceOption) (*sdktrace.TracerProvider, error) {
	cfg := newTraceConfig(opts)
	proto, err := cfg.resolveProtocol()
	if err != nil {
		return nil, err
	}
	res, err := cfg.resource()
	if err != nil {
		return nil, err
	}
	var exp sdktrace.SpanExporter
	switch proto {
	case ProtocolGRPC:
		exp, err = otlptracegrpc.New(ctx, cfg.grpcOpts...)
	default:
		hopts := cfg.httpOpts
		if cfg.protocol != "" { // from WithProtocol: the exporter reads only the environment
			enc := otlptracehttp.EncodingProtobuf
			if proto == ProtocolHTTPJSON {
				enc = otlptracehttp.EncodingJSON
			}
			hopts = append([]otlptracehttp.Option{otlptracehttp.WithEncoding(enc)}, hopts...)
		}
		exp, err = otlptracehttp.New(ctx, hopts...)
	}
	if err != nil {
		return nil, fmt.Errorf("otlp: NewTracerProvider: build the OTLP span exporter (%s): %w", proto, err)
	}
	return newTracerProvider(res, exp, cfg), nil
}

// NewDynatraceTracerProvider returns a tracer provider like [NewTracerProvider] that sends spans to
// Dynatrace's OTLP traces API, over HTTP with binary protobuf, gzip-compressed unless
// $OTEL_EXPORTER_OTLP_COMPRESSION or $OTEL_EXPORTER_OTLP_TRACES_COMPRESSION says otherwise.
//
// tracesURL is the full URL, https://{env-id}.live.dynatrace.com/api/v2/otlp/v1/traces or
// https://{activegate}:9999/e/{env-id}/api/v2/otlp/v1/traces; a URL ending in /api/v2/otlp gets
// /v1/traces appended. It must be https, except http://localhost and http://127.0.0.1 for tests.
// apiToken is a Dynatrace API token with the openTelemetryTrace.ingest scope; precedence: the
// argument, then $DT_API_TOKEN. The token never appears in errors, including the export errors the
// batch span processor reports to the OpenTelemetry error handler.
func NewDynatraceTracerProvider(ctx context.Context, tracesURL, apiToken string, opts ...TraceOption) (*sdktrace.TracerProvider, error) {
	cfg := newTraceConfig(opts)
	var errs []error
	if cfg.grpcGiven {
		errs = append(errs, errors.New("otlp: NewDynatraceTracerProvider: WithTraceGRPCOptions: Dynatrace accepts OTLP over HTTP only"))
	}
	if cfg.protocol != "" && cfg.protocol != ProtocolHTTPProtobuf {
		errs = append(errs, fmt.Errorf("otlp: NewDynatraceTracerProvider: WithProtocol(%q): Dynatrace accepts %q only", cfg.protocol, ProtocolHTTPProtobuf))
	}
	tok, err := resolveToken(apiToken, "openTelemetryTrace.ingest")
	errs = append(errs, err)
	u, err := dynatraceURL(tracesURL, tok, "/v1/traces")
	errs = append(errs, err)
	res, err := cfg.resource()
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	sec := &secret{v: tok}

	var hopts []otlptracehttp.Option
	if os.Getenv("OTEL_EXPORTER_OTLP_COMPRESSION") == "" && os.Getenv("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION") == "" {
		hopts = append(hopts, otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
	}
	hopts = append(hopts, cfg.httpOpts...)
	hopts = append(hopts,
		otlptracehttp.WithEndpointURL(u),
		otlptracehttp.WithHeaders(map[string]string{"Authorization": sec.header("Api-Token")}),
		otlptracehttp.WithEncoding(otlptracehttp.EncodingProtobuf),
	)
	exp, err := otlptracehttp.New(ctx, hopts...)
	if err != nil {
		return nil, sec.redact(fmt.Errorf("otlp: NewDynatraceTracerProvider: build the OTLP span exporter: %w", err))
	}
	return newTracerProvider(res, redactingSpanExporter{exp: exp, sec: sec}, cfg), nil
}

func newTracerProvider(res *resource.Resource, exp sdktrace.SpanExporter, cfg traceConfig) *sdktrace.TracerProvider {
	tpOpts := []sdktrace.TracerProviderOption{
		sdktrace.WithResource(res),
		sdktrace.WithSpanProcessor(CorrelationSpanProcessor{}),
		sdktrace.WithBatcher(exp),
	}
	return sdktrace.NewTracerProvider(append(tpOpts, cfg.tpOpts...)...)
}

func (c *traceConfig) resolveProtocol() (Protocol, error) {
	p, from := c.protocol, "WithProtocol"
	if p == "" {
		switch {
		case c.grpcGiven && !c.httpGiven:
			return ProtocolGRPC, nil
		case c.httpGiven && !c.grpcGiven:
			// The HTTP exporter itself reads http/json from the environment.
			return ProtocolHTTPProtobuf, nil
		}
		p, from = Protocol(os.Getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")), "$OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
		if p == "" {
			p, from = Protocol(os.Getenv("OTEL_EXPORTER_OTLP_PROTOCOL")), "$OTEL_EXPORTER_OTLP_PROTOCOL"
		}
		if p == "" {
			return ProtocolHTTPProtobuf, nil
		}
	}
	switch {
	case p != ProtocolGRPC && p != ProtocolHTTPProtobuf && p != ProtocolHTTPJSON:
		return "", fmt.Errorf("otlp: OTLP protocol %q (from %s): want %q, %q or %q", p, from, ProtocolHTTPProtobuf, ProtocolHTTPJSON, ProtocolGRPC)
	case p == ProtocolGRPC && c.httpGiven && !c.grpcGiven:
		return "", fmt.Errorf("otlp: WithProtocol(%q) with WithTraceHTTPOptions: give WithTraceGRPCOptions instead", p)
	case p != ProtocolGRPC && c.grpcGiven && !c.httpGiven:
		return "", fmt.Errorf("otlp: WithProtocol(%q) with WithTraceGRPCOptions: give WithTraceHTTPOptions instead", p)
	}
	return p, nil
}

// resource builds the provider's resource: the given or default one, the environment's attributes
// over it, and the service name over both.
func (c *traceConfig) resource() (*resource.Resource, error) {
	base := c.res
	if base == nil {
		base = resource.Default()
	}
	res, err := resource.Merge(base, resource.Environment())
	if err != nil {
		return nil, fmt.Errorf("otlp: build the resource: %w", err)
	}
	if c.serviceName != "" {
		res, err = resource.Merge(res, resource.NewSchemaless(semconv.ServiceName(c.serviceName)))
		if err != nil {
			return nil, fmt.Errorf("otlp: build the resource: %w", err)
		}
	}
	return res, nil
}
