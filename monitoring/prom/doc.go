// Package prom exposes an ETL job's metrics to Prometheus, with a health check: the Go form of the
// reference pipeline's /metrics and /health endpoints on port 8083, scraped for Grafana.
//
// A [Sink] is a [github.com/etlwatch/etlwatch/monitoring.PullSink] that registers on your own
// prometheus.Registerer (never on the global registry); [NewHandler] serves that registry on
// /metrics and a [Health] on /health; [ListenAndServe] runs the server until a context ends:
//
//	reg := prometheus.NewRegistry()
//	sink, err := prom.NewSink(reg)
//	if err != nil {
//		return err
//	}
//	metrics, err := monitoring.NewMetricsCollector("cdc_consumer", "bronze.siebel_oracle",
//		monitoring.WithSinks(sink))
//	if err != nil {
//		return err
//	}
//	defer metrics.Shutdown(context.Background())
//
//	health, err := prom.NewHealth(prom.WithStaleAfter(5*time.Minute), prom.WithSinkStatuses(metrics))
//	if err != nil {
//		return err
//	}
//	handler, err := prom.NewHandler(reg, health)
//	if err != nil {
//		return err
//	}
//	go func() {
//		if err := prom.ListenAndServe(ctx, prom.DefaultAddr, handler); err != nil {
//			slog.Error("metrics server stopped", "err", err)
//		}
//	}()
//
//	for batch := range batches {
//		if err := process(ctx, batch); err != nil {
//			health.ReportFailure(err)
//			continue
//		}
//		health.ReportSuccess()
//	}
//
// # Names
//
// The sink is built on the OpenTelemetry Prometheus exporter, which turns the collector's metric
// names and units into names that follow the Prometheus conventions: characters other than
// letters, digits and ':' become '_', the unit becomes a suffix unless the name already has it,
// and counters end in _total. [MetricName] computes the name, for dashboards and alert rules:
//
//	metric (kind, unit)                        Prometheus
//	records_processed (counter)                records_processed_total
//	records.read (counter)                     records_read_total
//	cdc_lag_seconds (gauge, UnitSeconds)       cdc_lag_seconds
//	cdc_lag (gauge, UnitSeconds)               cdc_lag_seconds
//	queue_depth (gauge, UnitCount, UnitNone)   queue_depth
//	heap (gauge, UnitBytes)                    heap_bytes
//	cpu (gauge, UnitPercent)                   cpu_percent
//	throughput (gauge, UnitCountPerSecond)     throughput_per_second
//	cdc_throughput_records_per_second          cdc_throughput_records_per_second
//	  (gauge, UnitNone)
//	flush_time (gauge, UnitMilliseconds)       flush_time_milliseconds
//	table_load_duration (duration)             table_load_duration_seconds (a histogram:
//	                                           _bucket{le=...}, _sum and _count series)
//
// Three cases to avoid when naming metrics:
//
//   - a rate gauge named with its unit gets it twice: records_per_second with UnitCountPerSecond
//     becomes records_per_second_per_second; name it records or throughput, or, to keep a name
//     that already says its unit (cdc_throughput_records_per_second and
//     etl_current_rate_records_per_second), record it with UnitNone: the name then stays as is;
//   - Prometheus wants base units: prefer UnitSeconds to UnitMilliseconds;
//   - two metrics that become the same name (cdc_lag and cdc_lag_seconds, both in seconds) cannot
//     be exposed together: a scrape serves one of them and reports a gathering error for the
//     other (see [WithMetricsOpts]).
//
// The collector's own metrics appear as etlwatch_dropped_measurements_total{reason,metric} and
// etlwatch_sink_export_failures_total{sink}.
//
// # Labels
//
// Every series has the labels job_name, source_name and environment, plus the dimensions of the
// measurement (table, error_type, ...), with the same character rule as names (db.system becomes
// db_system). The Prometheus server adds its own job and instance labels when it scrapes; a
// dimension named job or instance would be renamed exported_job or exported_instance, which is
// why the collector uses job_name. A metric beyond its cardinality limit folds the excess into a
// series labelled otel_metric_overflow="true".
//
// The sink leaves out what only OpenTelemetry tooling reads: the otel_scope_name,
// otel_scope_version and otel_scope_schema_url labels on every series, and the target_info
// metric carrying the OpenTelemetry resource ([WithTargetInfo] brings it back).
//
// Every family has an empty HELP text, since the collector's metrics carry no description;
// "promtool check metrics" reports "no help text" for each and nothing else.
//
// # Queries
//
// Counters are cumulative totals since the job started: graph them with rate or increase.
//
//	sum by (table) (rate(records_processed_total{job_name="bulk_load"}[5m]))
//	histogram_quantile(0.95, sum by (le, table) (rate(table_load_duration_seconds_bucket[5m])))
//	max by (source_name) (cdc_lag_seconds)
//	increase(etlwatch_sink_export_failures_total[15m]) > 0
//
// # Health
//
// A [Health] judges the job from what it reports ([Health.ReportSuccess], [Health.ReportFailure])
// and from the collector's push sinks ([WithSinkStatuses]): down when no success was reported
// within the staleness window ([WithStaleAfter]), degraded when the last report was a failure or a
// sink failed its last export, healthy otherwise. /health serves the [HealthReport] as JSON, with
// HTTP 200 when healthy or degraded and 503 when down:
//
//	{"status":"down","reasons":["no success reported for 6m0s (stale after 5m0s)"],
//	 "uptime_seconds":3600,"last_success":"2025-01-27T10:30:00Z",
//	 "sinks":[{"name":"cloudwatch","exports":60,"failures":0,"last_export":"2025-01-27T10:36:00Z",
//	 "last_success":"2025-01-27T10:36:00Z","healthy":true}]}
//
// Point a liveness probe at /health only if restarting the job cures what makes it down.
//
// # Serving
//
// [NewHandler] serves /metrics and /health; mount it on your own server, or run
// [ListenAndServe] (or [Serve], on a listener you opened) until your context ends. Both shut the
// server down gracefully and leave no goroutine behind.
//
// [DefaultAddr] is 127.0.0.1:8083, the loopback interface only: give ":8083" to be scraped from
// other hosts. The server bounds what a client can hold, so that a scraper that misbehaves (or
// anyone who can reach the port) cannot take the job's file descriptors and goroutines: headers
// within 5 seconds ([WithReadHeaderTimeout]), the request within 10 ([WithReadTimeout]), the
// response within 30 ([WithWriteTimeout]), idle keep-alive connections closed after 30
// ([WithIdleTimeout]), and at most 64 connections open at once ([WithMaxConnections]; more wait
// in the listener's backlog). /health reports the kind of each error, never its text, which
// can quote row values ([ErrorKind], [WithErrorKind]).
package prom
