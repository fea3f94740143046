// Package monitoringtest helps unit-test pipelines that use
// [github.com/etlwatch/etlwatch/monitoring], the way OpenTelemetry ships metricdatatest and
// client_golang ships testutil.
//
// # Metrics
//
// A [Sink] is an in-memory push sink. Plug it into a collector, run the code under test, call
// ForceFlush, and read a series by name and dimensions:
//
//	sink := monitoringtest.NewSink()
//	metrics, _ := monitoring.NewMetricsCollector("bulk_load", "test", monitoring.WithSinks(sink))
//	loadTable(ctx, metrics, "CUSTOMERS")
//	_ = metrics.ForceFlush(ctx)
//	rows, ok := sink.Value("records_processed", monitoring.Dimensions{"table": "CUSTOMERS"})
//
// The standard dimensions (job_name, source_name, environment) need not be given: a series matches
// when its dimensions include those asked for.
//
// # Events
//
// A [LogCapture] records a StructuredLogger's output and returns the parsed events.
package monitoringtest
