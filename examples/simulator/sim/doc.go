// Package sim is the ETL process simulator of the reference monitoring system, the logic of
// examples/simulator: it "processes" files of 50 to 500 records at about 10 records a second
// (each file's processing time varies by +-20%), fails about once a minute with one of the
// reference error types ([ErrorTypes]), writes the reference JSON log lines and records the
// reference etl_* metrics through an etlwatch [monitoring.MetricsCollector].
//
// # Usage
//
//	reg := prometheus.NewRegistry()
//	sink, _ := prom.NewSink(reg)
//	metrics, _ := monitoring.NewMetricsCollector("etl_simulator", "etl_process",
//		monitoring.WithSinks(sink), monitoring.WithDescriptions(sim.Descriptions))
//	s, err := sim.New(os.Stdout, metrics, sim.WithSeed(42))
//	if err != nil {
//		return err
//	}
//	// Serve reg with prom.NewHandler, calling s.Refresh before each scrape.
//	return s.Run(ctx) // until ctx ends
//
// # Log lines
//
// One JSON object per line, with the reference fields: timestamp (RFC 3339, UTC), message,
// total_records, total_files and total_failures (running totals of this run), and by message:
//
//	etl_started                 (totals only)
//	file_processing_started     file_id, records_expected
//	file_processing_completed   file_id, records_processed, processing_time, current_rate
//	file_processing_failed      file_id, records_processed, processing_time, error_type, error_message
//	etl_stopped                 (totals only)
//
// such as
//
//	{"timestamp":"2025-01-18T04:00:00.000Z","message":"file_processing_completed","total_records":1250,
//	 "total_files":5,"total_failures":1,"file_id":"file_000006","records_processed":250,
//	 "processing_time":25.3,"current_rate":9.88}
//
// File IDs number every attempt, so a failed file takes a number; total_files counts the files
// completed and total_records their records (a failed file's records are not counted).
//
// # Metrics
//
// The metrics of the reference exporter, as an etlwatch [github.com/etlwatch/etlwatch/monitoring/prom.Sink] exposes them ([Metrics] lists
// the etlwatch names, kinds and units): etl_records_total, etl_files_total, etl_failures_total,
// etl_errors_by_type_total{error_type}, etl_current_rate_records_per_second (the last completed
// file's rate), etl_avg_processing_time_seconds (mean over the completed files),
// etl_seconds_since_last_success and etl_seconds_since_last_failure (counted from the start before
// the first), etl_health_status (1, or 0 when no file completed within [WithStaleAfter]) and
// etl_uptime_seconds. Every series carries job_name, source_name and environment.
//
// # Time
//
// The simulator sleeps through a [Clock] ([WithClock]), so a test drives it with a fake clock: with
// the same seed and the same clock it writes the same lines.
package sim
