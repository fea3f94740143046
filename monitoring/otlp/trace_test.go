package otlp_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/etlwatch/etlwatch/correlation"
	"github.com/etlwatch/etlwatch/monitoring/otlp"
)

// startSpans starts and ends a span in a context carrying a correlation ID, with a child, and one
// in a context without.
func startSpans(tp *sdktrace.TracerProvider) {
	tr := tp.Tracer("cdc")
	ctx := correlation.ContextWithID(context.Background(), "corr-42")
	ctx, batch := tr.Start(ctx, "process-batch")
	_, child := tr.Start(ctx, "write-rows")
	child.End()
	batch.End()
	_, other := tr.Start(context.Background(), "uncorrelated")
	other.End()
}

// assertSpans checks the spans of startSpans.
func assertSpans(t *testing.T, got []*tracepb.Span) {
	t.Helper()
	require.Len(t, got, 3)
	assert.Equal(t, "process-batch", got[0].GetName())
	assert.Equal(t, "corr-42", attrMap(got[0].GetAttributes())[correlation.HeaderKey])
	assert.Equal(t, "uncorrelated", got[1].GetName())
	assert.NotContains(t, attrMap(got[1].GetAttributes()), correlation.HeaderKey)
	assert.Equal(t, "write-rows", got[2].GetName())
	assert.Equal(t, "corr-42", attrMap(got[2].GetAttributes())[correlation.HeaderKey], "a child span carries the ID too")
	assert.Equal(t, got[0].GetTraceId(), got[2].GetTraceId())
}

func TestDynatraceTracerProvider(t *testing.T) {
	ctx := context.Background()
	recv := newTraceReceiver(t)
	tp, err := otlp.NewDynatraceTracerProvider(ctx, recv.URL+"/api/v2/otlp/v1/traces", testToken, otlp.WithServiceName("cdc-consumer"))
	require.NoError(t, err)

	startSpans(tp)
	require.NoError(t, tp.Shutdown(ctx))

	reqs := recv.requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, "/api/v2/otlp/v1/traces", r.Path)
	assert.Equal(t, "application/x-protobuf", r.ContentType)
	assert.Equal(t, "gzip", r.ContentEncoding)
	assert.Equal(t, "Api-Token "+testToken, r.Header.Get("Authorization"))
	res := attrMap(r.Msg.GetResourceSpans()[0].GetResource().GetAttributes())
	assert.Equal(t, "cdc-consumer", res["service.name"])
	assertSpans(t, spans(r.Msg))
}

func TestDynatraceTracerProviderBaseURL(t *testing.T) {
	ctx := context.Background()
	recv := newTraceReceiver(t)
	tp, err := otlp.NewDynatraceTracerProvider(ctx, recv.URL+"/e/abc12345/api/v2/otlp", testToken)
	require.NoError(t, err)
	startSpans(tp)
	require.NoError(t, tp.Shutdown(ctx))
	reqs := recv.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "/e/abc12345/api/v2/otlp/v1/traces", reqs[0].Path)
}

func TestNewTracerProviderHTTP(t *testing.T) {
	ctx := context.Background()
	recv := newTraceReceiver(t)
	tp, err := otlp.NewTracerProvider(ctx, otlp.WithServiceName("cdc-consumer"),
		otlp.WithTraceHTTPOptions(otlptracehttp.WithEndpointURL(recv.URL+"/v1/traces")))
	require.NoError(t, err)
	startSpans(tp)
	require.NoError(t, tp.ForceFlush(ctx))
	require.NoError(t, tp.Shutdown(ctx))

	reqs := recv.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "/v1/traces", reqs[0].Path)
	assert.Empty(t, reqs[0].Header.Get("Authorization"))
	assertSpans(t, spans(reqs[0].Msg))
}

func TestNewTracerProviderReadsEnvironment(t *testing.T) {
	ctx := context.Background()
	recv := newTraceReceiver(t)
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", recv.URL+"/custom/traces")
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
	t.Setenv("OTEL_SERVICE_NAME", "from-env")
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "team=etl")

	for _, tt := range []struct {
		name string
		opts []otlp.TraceOption
		want string
	}{
		{"environment", nil, "from-env"},
		{"option wins", []otlp.TraceOption{otlp.WithServiceName("from-option")}, "from-option"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tp, err := otlp.NewTracerProvider(ctx, tt.opts...)
			require.NoError(t, err)
			startSpans(tp)
			require.NoError(t, tp.Shutdown(ctx))
			reqs := recv.requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, "/custom/traces", reqs[0].Path)
			res := attrMap(reqs[0].Msg.GetResourceSpans()[0].GetResource().GetAttributes())
			assert.Equal(t, tt.want, res["service.name"])
			assert.Equal(t, "etl", res["team"])
		})
	}
}

func TestNewTracerProviderGRPC(t *testing.T) {
	ctx := context.Background()
	recv := newGRPCTraceReceiver(t)
	tp, err := otlp.NewTracerProvider(ctx, otlp.WithTraceGRPCOptions(
		otlptracegrpc.WithEndpoint(recv.Addr), otlptracegrpc.WithInsecure()))
	require.NoError(t, err)
	startSpans(tp)
	require.NoError(t, tp.Shutdown(ctx))
	assertSpans(t, spans(recv.requests()...))
}

func TestNewTracerProviderGRPCFromEnvironment(t *testing.T) {
	ctx := context.Background()
	recv := newGRPCTraceReceiver(t)
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+recv.Addr)
	tp, err := otlp.NewTracerProvider(ctx)
	require.NoError(t, err)
	startSpans(tp)
	require.NoError(t, tp.Shutdown(ctx))
	assertSpans(t, spans(recv.requests()...))
}

func TestTraceOptionErrors(t *testing.T) {
	ctx := context.Background()
	const url = "https://abc12345.live.dynatrace.com/api/v2/otlp/v1/traces"
	tests := []struct {
		name string
		env  string
		new  func() (*sdktrace.TracerProvider, error)
		want string
	}{
		{"dynatrace grpc", "", func() (*sdktrace.TracerProvider, error) {
			return otlp.NewDynatraceTracerProvider(ctx, url, testToken, otlp.WithTraceGRPCOptions())
		}, "Dynatrace accepts OTLP over HTTP only"},
		{"dynatrace json", "", func() (*sdktrace.TracerProvider, error) {
			return otlp.NewDynatraceTracerProvider(ctx, url, testToken, otlp.WithProtocol(otlp.ProtocolHTTPJSON))
		}, `Dynatrace accepts "http/protobuf" only`},
		{"dynatrace no token", "", func() (*sdktrace.TracerProvider, error) {
			return otlp.NewDynatraceTracerProvider(ctx, url, "")
		}, "openTelemetryTrace.ingest scope"},
		{"dynatrace metrics URL", "", func() (*sdktrace.TracerProvider, error) {
			return otlp.NewDynatraceTracerProvider(ctx, "https://abc12345.live.dynatrace.com/api/v2/otlp/v1/metrics", testToken)
		}, "/api/v2/otlp/v1/traces"},
		{"unknown protocol", "", func() (*sdktrace.TracerProvider, error) {
			return otlp.NewTracerProvider(ctx, otlp.WithProtocol("udp"))
		}, `OTLP protocol "udp" (from WithProtocol)`},
		{"unknown protocol from environment", "thrift", func() (*sdktrace.TracerProvider, error) {
			return otlp.NewTracerProvider(ctx)
		}, `OTLP protocol "thrift" (from $OTEL_EXPORTER_OTLP_TRACES_PROTOCOL)`},
		{"grpc with http options", "", func() (*sdktrace.TracerProvider, error) {
			return otlp.NewTracerProvider(ctx, otlp.WithProtocol(otlp.ProtocolGRPC), otlp.WithTraceHTTPOptions())
		}, "give WithTraceGRPCOptions instead"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", tt.env)
			t.Setenv(otlp.DynatraceTokenVariable, "")
			tp, err := tt.new()
			require.Error(t, err)
			assert.Nil(t, tp)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestCorrelationSpanProcessor(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSpanProcessor(otlp.CorrelationSpanProcessor{}),
		sdktrace.WithSpanProcessor(rec),
	)
	defer tp.Shutdown(context.Background())

	ctx := correlation.ContextWithID(context.Background(), "job-7")
	_, span := tp.Tracer("t").Start(ctx, "load")
	span.End()
	_, span = tp.Tracer("t").Start(context.Background(), "idle")
	span.End()

	ended := rec.Ended()
	require.Len(t, ended, 2)
	var got []string
	for _, kv := range ended[0].Attributes() {
		if string(kv.Key) == correlation.HeaderKey {
			got = append(got, kv.Value.AsString())
		}
	}
	assert.Equal(t, []string{"job-7"}, got)
	assert.Empty(t, ended[1].Attributes())
}
