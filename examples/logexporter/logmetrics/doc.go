// Package logmetrics turns the JSON log of an ETL job into the reference Prometheus metrics: the
// logic of examples/logexporter, for jobs that cannot link the etlwatch SDK. An [Exporter] follows
// a log file as tail -F does (it survives rotation and truncation, and waits for a file that does
// not exist yet), parses each line, and keeps the metrics on a client_golang registerer of yours
// (never the global one):
//
//	reg := prometheus.NewRegistry()
//	e, err := logmetrics.New("/var/log/etl/etl_process.log", reg, logmetrics.WithFromStart())
//	if err != nil {
//		return err
//	}
//	go e.Run(ctx) // follows the file until ctx ends
//	return prom.ListenAndServe(ctx, prom.DefaultAddr, e.Handler(reg)) // /metrics and /health on 127.0.0.1:8083
//
// # Log lines
//
// Each line is one JSON object with the fields of the reference simulator (examples/simulator):
// timestamp (RFC 3339) and message, and by message:
//
//	etl_started                 the job started: etl_uptime_seconds counts from its timestamp
//	file_processing_completed   records_processed, processing_time (seconds), current_rate
//	file_processing_failed      error_type
//
// Other messages are read and ignored. The running totals of the lines (total_records, ...) are
// not used: they start again at 0 when the job restarts, while the counters here only grow. A
// line that is not a JSON object, has no message, a completed line without a valid
// records_processed, or a line longer than [WithMaxLineBytes] is skipped and counted in
// logexporter_malformed_lines_total; the exporter never stops on bad input.
//
// # Metrics
//
// The reference exporter's metrics, with the labels job_name, source_name and environment
// ([WithJob], [WithEnvironment]) so that they match what an etlwatch job (such as
// examples/simulator) exposes, and one set of rules and dashboards serves both:
//
//	etl_records_total                     counter  records of the completed files
//	etl_files_total                       counter  completed files
//	etl_failures_total                    counter  failed files
//	etl_errors_by_type_total{error_type}  counter  failed files by error type
//	etl_current_rate_records_per_second   gauge    current_rate of the last completed file
//	etl_avg_processing_time_seconds       gauge    mean processing_time of the completed files
//	etl_seconds_since_last_success        gauge    now - timestamp of the last completed line
//	etl_seconds_since_last_failure        gauge    now - timestamp of the last failed line
//	etl_health_status                     gauge    1, or 0 when no file completed within WithStaleAfter
//	etl_uptime_seconds                    gauge    now - timestamp of the etl_started line
//
// Before the first completed, failed or started line, the time-based gauges count from the
// exporter's start. The exporter's own metrics are logexporter_lines_total,
// logexporter_malformed_lines_total, logexporter_reopened_total{reason} (rotated, truncated) and
// logexporter_read_errors_total.
//
// # Health
//
// /health serves a JSON report, with HTTP 200 when healthy and 503 when down (etl_health_status 0).
package logmetrics
