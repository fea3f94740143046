// Package dynatrace holds no Go code: it is the directory of etlwatch's Dynatrace assets, and its
// tests prove them against what etlwatch really sends.
//
//   - cdc-dashboard.json: a Dynatrace (classic) dashboard with the reference's
//     six CDC tiles: CDC lag by table, throughput (red below 10 records/s, yellow to 50, green
//     above), batch processing time against the 10 s trigger interval and the 30 s alert,
//     events processed vs skipped, memory in use over the limit (the Go form of the guide's
//     Spark executor heap) and GC pressure (allocation rate);
//   - monitors-dashboard.json: the anomaly monitors of data_quality.monitors: (a tile per
//     monitor, volume, freshness and null rate, with dq_anomaly_value drawn against its band,
//     and the anomalies by table and monitor), checked like the CDC dashboard
//     (TestMonitorsDashboard);
//   - metric-events.json: Settings 2.0 objects of the schema
//     builtin:anomaly-detection.metric-events for the guide's alerts: CDC lag above 60 s for 5
//     minutes (warning) and above 300 s for 2 minutes (critical), throughput below 10 records/s
//     for 10 minutes, every batch above 30 s for 3 consecutive minutes, and memory above 90% of
//     the limit for 5 minutes.
//
// docs/dynatrace.md says how to send the metrics (OTLP ingest, OneAgent) and how to import both
// files.
//
// # Names
//
// Metrics reach Dynatrace through [github.com/etlwatch/etlwatch/monitoring/otlp.NewDynatraceSink]
// under the names they were recorded with: no _total, no unit suffix, as Prometheus adds. The
// counter cdc_events_processed is cdc_events_processed (not cdc_events_processed_total), the
// duration cdc_batch_processing_time a histogram in seconds (not ..._seconds). Dimensions are
// job_name, source_name, environment and the measurement's own (namespace, table, ...); the
// resource attributes service.name (the job name) and deployment.environment.name become
// dimensions when Dynatrace's OpenTelemetry settings allow them.
//
// # Tests
//
// The tests run an etlwatch collector recording the CDC consumer's metrics, data-quality results
// and runtime metrics through the real Dynatrace sink, against an in-process OTLP/HTTP endpoint
// on 127.0.0.1 that decodes the binary protobuf it sends, and collect every metric name with its
// type and dimension keys. They then parse every metric selector of the dashboard's tiles and of
// the metric events, and fail when one names a metric key the sink does not send, a dimension
// its data points and resource do not carry, or an UpDownCounter (which the sink sends as delta,
// so that Dynatrace stores its changes, not its level). They check the tiles' layout, the six
// tiles, the events' thresholds and sample counts, that {dims:...} placeholders name split
// dimensions, and that runbook links point at sections of docs/runbooks.md. TestChecksFindMistakes
// mutates both files with the likely mistakes (Prometheus names, a missing dimension, an
// UpDownCounter, overlapping tiles, a placeholder of a dimension not split by) and requires each
// to be reported.
package dynatrace
