// Package monitoring gives an ETL job metrics with dimensions and structured JSON events: the Go
// form of the reference pipeline's monitoring.py (MetricsCollector and StructuredLogger).
//
// # Metrics
//
// A [MetricsCollector] records counters, gauges and durations. Every series carries the dimensions
// job_name, source_name and environment besides the caller's [Dimensions]:
//
//	metrics, err := monitoring.NewMetricsCollector("bulk_load", "dev_mydb",
//		monitoring.WithSinks(monitoring.NewLogSink(os.Stdout)))
//	if err != nil {
//		return err
//	}
//	defer metrics.Shutdown(context.Background())
//
//	metrics.EmitCounter(ctx, "records_processed", 1000, monitoring.Dimensions{"table": "CUSTOMERS"})
//	metrics.EmitDuration(ctx, "table_load_duration", time.Since(start), monitoring.Dimensions{"table": "CUSTOMERS"})
//	metrics.EmitFailure(ctx, "table_load", "connection_timeout", monitoring.Dimensions{"table": "ORDERS"})
//	fmt.Println(metrics.Summary())
//
// The OpenTelemetry metric SDK is the one aggregation engine: the collector registers one
// instrument per metric name on a meter provider, its own (one reader per sink) or the
// application's ([WithMeterProvider]). Recording never does I/O and never waits for a sink.
//
// # Hot paths
//
// EmitCounter finds its series without locks or allocations. A loop that counts rows resolves the
// series once and keeps the handle: [MetricsCollector.Counter] returns a [Counter] whose Add is a
// single atomic addition, read by the SDK through an observable instrument when it collects.
// [MetricsCollector.Gauge] and [MetricsCollector.Timer] do the same for gauges and durations.
//
//	rows := metrics.Counter("records_processed", monitoring.Dimensions{"table": table})
//	for batch := range batches {
//		rows.Add(int64(batch.NumRows()))
//	}
//
// # Sinks
//
// A [Sink] is a [PushSink] (an OpenTelemetry exporter, exported on the interval, on
// [MetricsCollector.ForceFlush] and on [MetricsCollector.Shutdown]) or a [PullSink] (an
// OpenTelemetry reader, read when scraped). [NewLogSink] writes the reference METRIC: lines;
// [NewExporterSink] and [NewReaderSink] adapt any OpenTelemetry exporter or reader. Each push sink
// has its own goroutine and a bounded export, so a sink that fails or hangs delays neither
// recording nor the other sinks; failures are counted per sink in [SinkExportFailuresMetric],
// shown by [MetricsCollector.SinkStatuses] and passed to the [WithErrorHandler] function.
//
// # Bad input
//
// A measurement with an invalid name, a NaN or infinite value, a negative counter increment or
// duration, or a dimension with an empty key is not recorded. It is reported once per metric and
// reason through the error handler as a [*MeasurementError], and counted in
// [DroppedMeasurementsMetric]. A metric with more than [DefaultCardinalityLimit] dimension sets
// folds the excess into one series marked [OverflowDimension].
//
// # Events
//
// A [StructuredLogger] writes the reference job and table events as one JSON object per line:
//
//	{"timestamp":"2025-01-27T10:30:45.123456Z","correlation_id":"a1b2...","job_name":"cdc_consumer",
//	 "source_name":"bronze.siebel_oracle","event_type":"cdc_batch_complete","environment":"prod",
//	 "severity":"INFO","details":{"batch_id":12345,"events_processed":1000}}
//
// It is built on log/slog: events are slog records handed to an slog.Handler, the fast JSON one by
// default, a console one in the reference text format, or the application's own. The correlation
// ID (from [github.com/etlwatch/etlwatch/correlation]) and the OpenTelemetry trace and span IDs are
// taken from the context by the handler.
//
// The event types and their severity: job_start, table_processing_start,
// table_processing_complete and job_complete (INFO); table_processing_failed and job_failed
// (ERROR, with error, error_type and, for job_failed, the tables and records that had
// completed); any type of the caller's with [StructuredLogger.LogEvent] (INFO),
// [StructuredLogger.LogWarning] (WARNING) or [StructuredLogger.LogError] (ERROR, with error and
// error_type).
//
// # Testing
//
// Package [github.com/etlwatch/etlwatch/monitoring/monitoringtest] has an in-memory sink and a
// log capture for the unit tests of pipelines that use this package.
package monitoring
