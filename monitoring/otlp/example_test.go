package otlp_test

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/etlwatch/etlwatch/correlation"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/otlp"
)

// exampleServer stands in for an OpenTelemetry collector or Dynatrace: it decodes OTLP/HTTP
// protobuf requests and keeps a line for each data point or span of the named metrics or spans.
type exampleServer struct {
	*httptest.Server
	mu    sync.Mutex
	lines []string
	sizes []int // data points per metrics request
}

func startExampleServer(names ...string) *exampleServer {
	s := &exampleServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			gz, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = gz
		}
		raw, _ := io.ReadAll(body)
		var lines []string
		var reply proto.Message
		auth := ""
		if strings.HasPrefix(r.Header.Get("Authorization"), "Api-Token ") {
			auth = " (Api-Token)"
		}
		if strings.HasSuffix(r.URL.Path, "/traces") {
			req := new(coltracepb.ExportTraceServiceRequest)
			if err := proto.Unmarshal(raw, req); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			for _, rs := range req.GetResourceSpans() {
				svc := attrMap(rs.GetResource().GetAttributes())["service.name"]
				for _, sp := range spans(&coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{rs}}) {
					lines = append(lines, fmt.Sprintf("%s%s: span %q of %s, correlation_id=%s", r.URL.Path, auth,
						sp.GetName(), svc, attrMap(sp.GetAttributes())[correlation.HeaderKey]))
				}
			}
			reply = &coltracepb.ExportTraceServiceResponse{}
		} else {
			req := new(colmetricpb.ExportMetricsServiceRequest)
			if err := proto.Unmarshal(raw, req); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			lines = pointLines(r.URL.Path+auth, req, names)
			s.mu.Lock()
			s.sizes = append(s.sizes, pointCount(req))
			s.mu.Unlock()
			reply = &colmetricpb.ExportMetricsServiceResponse{}
		}
		s.mu.Lock()
		s.lines = append(s.lines, lines...)
		s.mu.Unlock()
		out, _ := proto.Marshal(reply)
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	return s
}

// pointLines describes the points of the named metrics, sorted.
func pointLines(prefix string, req *colmetricpb.ExportMetricsServiceRequest, names []string) []string {
	var lines []string
	for _, p := range points(req) {
		if !slices.Contains(names, p.Name) {
			continue
		}
		var dims []string
		for k, v := range p.Attrs {
			dims = append(dims, k+"="+v)
		}
		slices.Sort(dims)
		temporality := strings.TrimPrefix(p.Temporality.String(), "AGGREGATION_TEMPORALITY_")
		if p.Type == "gauge" {
			temporality = "-"
		}
		lines = append(lines, fmt.Sprintf("%s: %s %s %s %v %s", prefix, p.Name, p.Type, temporality, p.Value, strings.Join(dims, " ")))
	}
	slices.Sort(lines)
	return lines
}

// print prints what the server received and stops it.
func (s *exampleServer) print() {
	s.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.lines {
		fmt.Println(l)
	}
}

func ExampleNewHTTPSink() {
	ctx := context.Background()
	collector := startExampleServer("records_processed") // an OpenTelemetry collector's OTLP/HTTP receiver

	sink, err := otlp.NewHTTPSink(ctx, otlp.WithHTTPOptions(
		// The full URL: its path is used as given. Without options, the exporter reads
		// $OTEL_EXPORTER_OTLP_ENDPOINT and the other OTEL_EXPORTER_OTLP_* variables.
		otlpmetrichttp.WithEndpointURL(collector.URL+"/v1/metrics"),
	))
	if err != nil {
		fmt.Println(err)
		return
	}
	metrics, err := monitoring.NewMetricsCollector("bulk_load", "dev_mydb",
		monitoring.WithEnvironment("prod"), monitoring.WithSinks(sink))
	if err != nil {
		fmt.Println(err)
		return
	}
	metrics.EmitCounter(ctx, "records_processed", 1000, monitoring.Dimensions{"table": "CUSTOMERS"})
	if err := metrics.Shutdown(ctx); err != nil { // exports what was recorded, then closes the sink
		fmt.Println(err)
	}
	collector.print()
	// Output:
	// /v1/metrics: records_processed sum CUMULATIVE 1000 environment=prod job_name=bulk_load source_name=dev_mydb table=CUSTOMERS
}

func ExampleNewGRPCSink() {
	ctx := context.Background()
	// An OTLP/gRPC metrics service, as an OpenTelemetry collector runs on port 4317.
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := grpc.NewServer()
	recv := &grpcMetricsReceiver{}
	colmetricpb.RegisterMetricsServiceServer(srv, recv)
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()

	sink, err := otlp.NewGRPCSink(ctx, otlp.WithDeltaTemporality(), otlp.WithGRPCOptions(
		otlpmetricgrpc.WithEndpoint(lis.Addr().String()),
		otlpmetricgrpc.WithInsecure(),
	))
	if err != nil {
		fmt.Println(err)
		return
	}
	metrics, err := monitoring.NewMetricsCollector("cdc_consumer", "bronze.orders",
		monitoring.WithEnvironment("prod"), monitoring.WithSinks(sink))
	if err != nil {
		fmt.Println(err)
		return
	}
	metrics.EmitCounter(ctx, "events_processed", 500, monitoring.Dimensions{"op": "u"})
	if err := metrics.Shutdown(ctx); err != nil {
		fmt.Println(err)
	}
	for _, r := range recv.requests() {
		for _, l := range pointLines("grpc", r.Msg, []string{"events_processed"}) {
			fmt.Println(l)
		}
	}
	// Output:
	// grpc: events_processed sum DELTA 500 environment=prod job_name=cdc_consumer op=u source_name=bronze.orders
}

func ExampleNewDynatraceSink() {
	ctx := context.Background()
	dynatrace := startExampleServer("records_processed", "table_load_duration") // stands in for Dynatrace

	// In production: "https://{env-id}.live.dynatrace.com/api/v2/otlp/v1/metrics", and the token
	// from $DT_API_TOKEN (pass "").
	sink, err := otlp.NewDynatraceSink(dynatrace.URL+"/api/v2/otlp/v1/metrics", "dt0c01.EXAMPLE")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sink) // never shows the token
	metrics, err := monitoring.NewMetricsCollector("bulk_load", "dev_mydb",
		monitoring.WithEnvironment("prod"), monitoring.WithSinks(sink))
	if err != nil {
		fmt.Println(err)
		return
	}
	metrics.EmitCounter(ctx, "records_processed", 1000, monitoring.Dimensions{"Table": "CUSTOMERS"})
	if err := metrics.ForceFlush(ctx); err != nil {
		fmt.Println(err)
	}
	metrics.EmitCounter(ctx, "records_processed", 234, monitoring.Dimensions{"Table": "CUSTOMERS"})
	if err := metrics.Shutdown(ctx); err != nil {
		fmt.Println(err)
	}
	dynatrace.print()
	// Output:
	// otlp.Sink(dynatrace)
	// /api/v2/otlp/v1/metrics (Api-Token): records_processed sum DELTA 1000 environment=prod job_name=bulk_load source_name=dev_mydb table=CUSTOMERS
	// /api/v2/otlp/v1/metrics (Api-Token): records_processed sum DELTA 234 environment=prod job_name=bulk_load source_name=dev_mydb table=CUSTOMERS
}

func ExampleWithMaxDataPointsPerRequest() {
	ctx := context.Background()
	backend := startExampleServer()
	sink, err := otlp.NewHTTPSink(ctx,
		otlp.WithMaxDataPointsPerRequest(10),
		otlp.WithHTTPOptions(otlpmetrichttp.WithEndpointURL(backend.URL+"/v1/metrics")))
	if err != nil {
		fmt.Println(err)
		return
	}
	metrics, err := monitoring.NewMetricsCollector("bulk_load", "dev_mydb", monitoring.WithSinks(sink))
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := range 25 {
		metrics.EmitCounter(ctx, "records_processed", 1, monitoring.Dimensions{"table": fmt.Sprintf("T%02d", i)})
	}
	if err := metrics.Shutdown(ctx); err != nil {
		fmt.Println(err)
	}
	backend.Close()
	// 25 series and the collector's etlwatch_sink_export_failures: 26 data points.
	backend.mu.Lock()
	defer backend.mu.Unlock()
	fmt.Println("data points per request:", backend.sizes)
	// Output: data points per request: [10 10 6]
}

func ExampleNewTracerProvider() {
	ctx := context.Background()
	collector := startExampleServer()

	tp, err := otlp.NewTracerProvider(ctx,
		otlp.WithServiceName("cdc-consumer"),
		otlp.WithTraceHTTPOptions(otlptracehttp.WithEndpointURL(collector.URL+"/v1/traces")))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx = correlation.ContextWithID(ctx, "a1b2c3")
	_, span := tp.Tracer("cdc").Start(ctx, "process-batch")
	span.End()
	if err := tp.Shutdown(ctx); err != nil { // exports the queued spans
		fmt.Println(err)
	}
	collector.print()
	// Output:
	// /v1/traces: span "process-batch" of cdc-consumer, correlation_id=a1b2c3
}

func ExampleNewDynatraceTracerProvider() {
	ctx := context.Background()
	dynatrace := startExampleServer()

	// In production: "https://{env-id}.live.dynatrace.com/api/v2/otlp/v1/traces", and a token with
	// the openTelemetryTrace.ingest scope from $DT_API_TOKEN (pass "").
	tp, err := otlp.NewDynatraceTracerProvider(ctx, dynatrace.URL+"/api/v2/otlp/v1/traces", "dt0c01.EXAMPLE",
		otlp.WithServiceName("cdc-consumer"))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx = correlation.ContextWithID(ctx, "a1b2c3")
	_, span := tp.Tracer("cdc").Start(ctx, "process-batch")
	span.End()
	if err := tp.Shutdown(ctx); err != nil {
		fmt.Println(err)
	}
	dynatrace.print()
	// Output:
	// /api/v2/otlp/v1/traces (Api-Token): span "process-batch" of cdc-consumer, correlation_id=a1b2c3
}

func ExampleCorrelationSpanProcessor() {
	recorder := tracetest.NewSpanRecorder() // in production, sdktrace.WithBatcher(exporter)
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSpanProcessor(otlp.CorrelationSpanProcessor{}),
		sdktrace.WithSpanProcessor(recorder),
	)
	defer tp.Shutdown(context.Background())

	ctx := correlation.ContextWithID(context.Background(), "a1b2c3")
	_, span := tp.Tracer("cdc").Start(ctx, "process-batch")
	span.End()
	for _, s := range recorder.Ended() {
		for _, kv := range s.Attributes() {
			fmt.Println(s.Name(), kv.Key, kv.Value.Emit())
		}
	}
	// Output: process-batch correlation_id a1b2c3
}

// A backend that accepts the connection and never answers fails the export within the sink's
// timeout, with an error naming its host:port and the setting to raise; recording never waits for it.
func ExampleWithTimeout() {
	ln, _ := net.Listen("tcp", "127.0.0.1:0") // accepts connections, never answers
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()

	sink, _ := otlp.NewHTTPSink(context.Background(), otlp.WithTimeout(200*time.Millisecond),
		otlp.WithHTTPOptions(otlpmetrichttp.WithEndpointURL("http://"+ln.Addr().String()+"/v1/metrics")))
	metrics, _ := monitoring.NewMetricsCollector("bulk_load", "dev_mydb", monitoring.WithSinks(sink),
		monitoring.WithErrorHandler(func(error) {}))
	defer metrics.Shutdown(context.Background())

	metrics.EmitCounter(context.Background(), "records_processed", 10, nil)
	err := metrics.ForceFlush(context.Background())
	var te *monitoring.ExportTimeoutError
	if errors.As(err, &te) {
		fmt.Println(te.Address == ln.Addr().String(), te.Timeout)
		fmt.Println(strings.ReplaceAll(te.Error(), te.Address, "HOST:PORT"))
	}
	// Output:
	// true 200ms
	// sink otlp-http: HOST:PORT did not answer within 200ms (down, firewalled or stuck); if it is only slow, raise otlp.WithTimeout or $OTEL_EXPORTER_OTLP_TIMEOUT (milliseconds)
}
