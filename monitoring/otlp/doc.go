// Package otlp sends an ETL job's metrics and traces over OTLP, the OpenTelemetry protocol: to an
// OpenTelemetry collector (or any OTLP receiver) and to Dynatrace.
//
// Metric sinks plug into a [github.com/etlwatch/etlwatch/monitoring.MetricsCollector]: each is a
// [monitoring.PushSink] wrapping one of the OpenTelemetry OTLP exporters, so the collector exports
// to it on its interval, on ForceFlush and on Shutdown, counts its failures and reports them to its
// error handler. Tracer providers built here export spans to the same backend and put the
// correlation ID on every span, so that logs, metrics and traces of one job join on one value.
//
// # Sending to an OpenTelemetry collector
//
// [NewHTTPSink] (OTLP/HTTP, port 4318) and [NewGRPCSink] (OTLP/gRPC, port 4317) wrap the
// otlpmetrichttp and otlpmetricgrpc exporters, which read the standard OTEL_EXPORTER_OTLP_*
// environment variables. With the endpoint in the environment, no option is needed:
//
//	// OTEL_EXPORTER_OTLP_ENDPOINT=http://otel-collector:4318
//	sink, err := otlp.NewHTTPSink(ctx)
//	if err != nil {
//		return err
//	}
//	metrics, err := monitoring.NewMetricsCollector("bulk_load", "dev_mydb",
//		monitoring.WithSinks(sink))
//	if err != nil {
//		return err
//	}
//	defer metrics.Shutdown(context.Background()) // exports what is left, closes the sink
//
// Options set in code take precedence over the environment; pass the exporters' own options
// through [WithHTTPOptions] or [WithGRPCOptions]:
//
//	sink, err := otlp.NewGRPCSink(ctx, otlp.WithGRPCOptions(
//		otlpmetricgrpc.WithEndpoint("otel-collector:4317"),
//		otlpmetricgrpc.WithInsecure(),
//	))
//
// otlpmetrichttp.WithEndpointURL uses its URL's path as given: pass the full URL, such as
// http://otel-collector:4318/v1/metrics. The collector needs an OTLP receiver:
//
//	receivers:
//	  otlp:
//	    protocols:
//	      grpc: {endpoint: 0.0.0.0:4317}
//	      http: {endpoint: 0.0.0.0:4318}
//	service:
//	  pipelines:
//	    metrics: {receivers: [otlp], exporters: [debug]}
//	    traces: {receivers: [otlp], exporters: [debug]}
//
// Each export request is bounded by [WithTimeout] ([DefaultTimeout], 10 s, or
// $OTEL_EXPORTER_OTLP_TIMEOUT): a backend that accepts the connection and never answers, or never
// accepts it, fails the export with a [monitoring.ExportTimeoutError] naming its host:port and the
// setting, and the job goes on.
//
// Sums and histograms are cumulative unless [WithDeltaTemporality] or
// OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta says otherwise.
//
// # Sending to Dynatrace
//
// [NewDynatraceSink] sends to Dynatrace's OTLP metrics API with an API token that has the
// metrics.ingest scope, from its argument or $DT_API_TOKEN:
//
//	// DT_API_TOKEN=dt0c01.XXXX...
//	sink, err := otlp.NewDynatraceSink("https://abc12345.live.dynatrace.com/api/v2/otlp/v1/metrics", "")
//	if err != nil {
//		return err // names what is wrong: no token, not https, a path that is not the OTLP API
//	}
//	metrics, err := monitoring.NewMetricsCollector("bulk_load", "dev_mydb",
//		monitoring.WithSinks(sink))
//
// Through an ActiveGate the URL is https://{activegate}:9999/e/{env-id}/api/v2/otlp/v1/metrics. The
// sink follows Dynatrace's rules so that nothing is dropped on arrival: delta temporality for every
// instrument, binary protobuf, at most [DynatraceMaxDataPoints] data points and
// [DynatraceMaxRequestBytes] bytes per request (a larger export is split into several requests),
// dimension keys lowercased and cut to 100 characters, values cut to 255, and at most
// [DynatraceMaxDimensions] dimensions per data point; [NewDynatraceSink] says which are dropped.
//
// The token is never shown: the sink prints as otlp.Sink(dynatrace) with every fmt verb and in
// logs, and an error that would contain it (a proxy echoing the request headers) has it replaced
// by [REDACTED].
//
// # Request size
//
// Backends cap the size of one request. [WithMaxDataPointsPerRequest] and [WithMaxRequestBytes]
// make any sink split a large export into several requests, sent one after the other; a metric's
// data points may be spread over several requests, and none is sent twice. The byte size is an
// upper bound of the protobuf encoding, computed without encoding.
//
// # Failed exports and delta temporality
//
// With delta temporality (always for Dynatrace, or [WithDeltaTemporality]) each export carries
// only what changed since the previous one: a request the backend does not accept would lose its
// sums and histograms for good. A sink keeps the delta data of every request not accepted (an
// error answer, a timeout, an export cut short by its context) and sends it again at the head of
// the next export; the backend adds the deltas up, so the totals it shows after an outage are
// the totals recorded. The buffer is bounded by [WithMaxBufferedDataPoints] (default
// [DefaultMaxBufferedDataPoints]); beyond it the oldest points are dropped, counted by
// [Sink.Dropped], reported to the collector's error handler, and sent as the
// [DroppedDataPointsMetric] self-metric (a delta sum with a sink dimension) once the backend
// answers again. What is still buffered when the sink shuts down is dropped and counted the
// same way. Gauges and cumulative data are not kept: the next export carries them whole. A
// backend that accepted a request but answered with an error (a proxy timing out after
// forwarding it) gets its deltas twice: the sink prefers a duplicate to a loss.
//
// # Traces
//
// [NewTracerProvider] and [NewDynatraceTracerProvider] build an OpenTelemetry tracer provider that
// batches spans and exports them over OTLP, with a [CorrelationSpanProcessor] that copies the
// correlation ID of the context a span starts in ([github.com/etlwatch/etlwatch/correlation]) to
// the span's correlation_id attribute. A CDC consumer uses it for its Kafka spans, for example
// with franz-go's kotel plugin:
//
//	tp, err := otlp.NewDynatraceTracerProvider(ctx,
//		"https://abc12345.live.dynatrace.com/api/v2/otlp/v1/traces", "", // token from $DT_API_TOKEN
//		otlp.WithServiceName("cdc-consumer"))
//	if err != nil {
//		return err
//	}
//	defer tp.Shutdown(context.Background()) // exports the queued spans
//	tracer := kotel.NewTracer(kotel.TracerProvider(tp))
//
// Dynatrace needs a token with the openTelemetryTrace.ingest scope for traces; one token may carry
// both scopes. [NewTracerProvider] picks OTLP/HTTP or gRPC with [WithProtocol] or
// $OTEL_EXPORTER_OTLP_PROTOCOL.
//
// # Troubleshooting
//
// Failed exports reach the collector's error handler (once per distinct error) as a
// [monitoring.SinkError] naming the sink, are counted in the etlwatch_sink_export_failures
// metric, and show in [monitoring.MetricsCollector.SinkStatuses]. The pipeline keeps running; the
// next export tries again, with the delta data of the failed one.
//
//   - "401 Unauthorized" or "403 Forbidden" from Dynatrace: the token is wrong, expired, or lacks
//     the metrics.ingest scope (openTelemetryTrace.ingest for traces). Create one under Access
//     tokens with that scope.
//   - "404 Not Found": the URL's path is not the OTLP API. It must end in
//     /api/v2/otlp/v1/metrics (or /v1/traces), also through an ActiveGate (/e/{env-id}/api/v2/...).
//   - "connection refused", "no such host" or a timeout: the OTLP endpoint is unreachable. Check
//     that the collector listens on the port the exporter uses (4318 for HTTP, 4317 for gRPC, the
//     OTEL_EXPORTER_OTLP_ENDPOINT value), that a plain-text endpoint is given as http:// or with
//     WithInsecure (the default is TLS), and that a proxy in $HTTPS_PROXY lets it through.
//   - Metrics arrive in Dynatrace but some are missing: look at the
//     dsfm:active_gate.metrics.ingest.otlp.datapoints.rejected metric and its reason dimension.
//     Cumulative sums are rejected, which this package never sends to Dynatrace.
//   - Nothing arrives and no error is reported: the job ended without
//     [monitoring.MetricsCollector.Shutdown] (or the tracer provider's Shutdown), so the last
//     export never ran.
package otlp
