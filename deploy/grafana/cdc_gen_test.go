package grafana_test

// cdcSel adds the namespace and table variables to the job variables (cdc_lag_seconds only).
const cdcSel = `{sel}, namespace=~"$namespace", table=~"$table"`

// rt is the runtime metrics' matcher: the OpenTelemetry Go runtime metrics carry no job labels,
// so they are selected by the instance the job's etlwatch_memory_usage_ratio is scraped from.
const rt = `{instance=~"$instance"}`

// cdc is the CDC consumer's dashboard: the reference's CDC tiles (lag,
// throughput, batch time, events processed vs skipped, memory, GC) plus failed events, Kafka
// offset lag and the consumer's sinks.
func cdc() dashboard {
	vars := append(jobVariables("cdc_throughput_records_per_second"),
		queryVariable("namespace", "Namespace", q(`label_values(cdc_lag_seconds{{sel}}, namespace)`)),
		queryVariable("table", "Table", q(`label_values(cdc_lag_seconds{{sel}, namespace=~"$namespace"}, table)`)),
		queryVariable("instance", "Instance", q(`label_values(etlwatch_memory_usage_ratio{{sel}}, instance)`)),
	)
	return dashboard{
		UID: "etlwatch-cdc", Title: "etlwatch CDC consumer",
		Description: "Debezium events from Kafka into Iceberg: replication lag by table, throughput against the 10 records/s threshold, batch time against the 10 s trigger interval, processed vs skipped, dead-lettered events, Kafka offset lag, memory and GC. Alerts: deploy/prometheus/rules/cdc.rules.yml; runbooks: docs/runbooks.md.",
		Tags:        []string{"etlwatch", "cdc"},
		Variables:   vars,
		Rows: []row{
			cdcNowRow(),
			cdcLagRow(),
			cdcBatchRow(),
			cdcTableHealthRow(),
			cdcKafkaRow(),
			cdcMemoryRow(),
			cdcEtlwatchRow(),
		},
	}
}

// cdcNowRow is the CDC dashboard's "Now" row.
func cdcNowRow() row {
	return row{Title: "Now", Panels: []panel{
		{Type: "stat", Title: "Max lag", W: 5, H: 4, Unit: "s",
			Description: "The largest cdc_lag_seconds of the selected tables: now - source.ts_ms, max across the last batch. Warning above 60 s, critical above 300 s.",
			Targets:     []target{{Expr: q(`max(cdc_lag_seconds{` + cdcSel + `})`)}},
			Thresholds:  []step{{60, "orange"}, {300, "red"}}},
		{Type: "stat", Title: "Throughput", W: 5, H: 4, Unit: "short", Base: "red",
			Description: "Records per second of the last batch (cdc_throughput_records_per_second). Red below 10, yellow 10-50, green above 50.",
			Targets:     []target{{Expr: q(`sum(cdc_throughput_records_per_second{{sel}})`)}},
			Thresholds:  []step{{10, "yellow"}, {50, "green"}}},
		{Type: "stat", Title: "Batch time p95 (15m)", W: 5, H: 4, Unit: "s",
			Targets:    []target{{Expr: q(`histogram_quantile(0.95, sum by (le) (rate(cdc_batch_processing_time_seconds_bucket{{sel}}[15m])))`)}},
			Thresholds: []step{{10, "orange"}, {30, "red"}}},
		{Type: "stat", Title: "Dead-lettered (1h)", W: 4, H: 4, Unit: "short", Decimals: intp(0),
			Targets:    []target{{Expr: q(`sum(increase(cdc_events_failed_total{{sel}}[1h]))`)}},
			Thresholds: []step{{1, "red"}}},
		{Type: "stat", Title: "Memory of limit", W: 5, H: 4, Unit: "percentunit", Min: f64(0), Max: f64(1),
			Targets:    []target{{Expr: q(`max(etlwatch_memory_usage_ratio{{sel}})`)}},
			Thresholds: []step{{0.75, "orange"}, {0.9, "red"}}},
	}}
}

// cdcLagRow is the CDC dashboard's "Lag and throughput" row.
func cdcLagRow() row {
	return row{Title: "Lag and throughput", Panels: []panel{
		{Type: "timeseries", Title: "CDC lag by table", W: 12, H: 9, Unit: "s", Min: f64(0),
			Description: "cdc_lag_seconds per namespace and table. Alerts CdcLagHigh (above 60 s for 5 minutes) and CdcLagCritical (above 300 s for 2 minutes).",
			Targets: []target{
				{Expr: q(`max by (namespace, table) (cdc_lag_seconds{` + cdcSel + `})`), Legend: "{{namespace}}.{{table}}"},
			},
			Thresholds: []step{{60, "orange"}, {300, "red"}}, ThresholdStyle: "line"},
		{Type: "timeseries", Title: "Throughput (records/s)", W: 12, H: 9, Unit: "short", Min: f64(0),
			Description: "cdc_throughput_records_per_second and the rate of applied events. Alert CdcThroughputLow below 10 for 10 minutes; the reference batch ran at 85 records/s.",
			Targets: []target{
				{Expr: q(`sum by (job_name, source_name) (cdc_throughput_records_per_second{{sel}})`), Legend: "{{job_name}} {{source_name}} last batch"},
				{Expr: q(`sum by (job_name, source_name) (rate(cdc_events_processed_total{{sel}}[$__rate_interval]))`), Legend: "{{job_name}} {{source_name}} applied/s"},
			},
			Base: "red", Thresholds: []step{{10, "yellow"}, {50, "green"}}, ThresholdStyle: "line"},
	}}
}

// cdcBatchRow is the CDC dashboard's "Batches" row.
func cdcBatchRow() row {
	return row{Title: "Batches", Panels: []panel{
		{Type: "timeseries", Title: "Batch processing time vs trigger interval", W: 12, H: 9, Unit: "s", Min: f64(0),
			Description: "Average and p95 of cdc_batch_processing_time. Above the 10 s trigger interval the consumer falls behind; alert CdcFallingBehind after 3 consecutive batches over 30 s.",
			Targets: []target{
				{Expr: q(`sum by (job_name) (rate(cdc_batch_processing_time_seconds_sum{{sel}}[$__rate_interval])) / sum by (job_name) (rate(cdc_batch_processing_time_seconds_count{{sel}}[$__rate_interval]))`), Legend: "{{job_name}} average"},
				{Expr: q(`histogram_quantile(0.95, sum by (le, job_name) (rate(cdc_batch_processing_time_seconds_bucket{{sel}}[$__rate_interval])))`), Legend: "{{job_name}} p95"},
			},
			Thresholds: []step{{10, "orange"}, {30, "red"}}, ThresholdStyle: "line"},
		{Type: "timeseries", Title: "Events processed vs skipped (per second)", W: 12, H: 9, Unit: "short", Min: f64(0), Stack: true,
			Description: "Applied events, and events skipped because the bulk-load snapshot already had them.",
			Targets: []target{
				{Expr: q(`sum(rate(cdc_events_processed_total{{sel}}[$__rate_interval]))`), Legend: "processed"},
				{Expr: q(`sum(rate(cdc_events_skipped_total{{sel}}[$__rate_interval]))`), Legend: "skipped"},
			}},
		{Type: "timeseries", Title: "Batches and new tables (per minute)", W: 12, H: 8, Unit: "short", Min: f64(0),
			Targets: []target{
				{Expr: q(`sum by (job_name) (rate(cdc_batch_processed_total{{sel}}[$__rate_interval])) * 60`), Legend: "{{job_name}} batches"},
				{Expr: q(`sum by (job_name) (rate(cdc_new_tables_total{{sel}}[$__rate_interval])) * 60`), Legend: "{{job_name}} new tables"},
			}},
		{Type: "timeseries", Title: "Failed events (dead-lettered, per 10 minutes)", W: 12, H: 8, Unit: "short", Min: f64(0),
			Description: "Events that could not be applied and went to the dead-letter topic. Alert CdcEventsFailed.",
			Targets: []target{
				{Expr: q(`sum by (job_name, source_name) (increase(cdc_events_failed_total{{sel}}[10m]))`), Legend: "{{job_name}} {{source_name}}"},
			},
			Thresholds: []step{{1, "red"}}, ThresholdStyle: "area"},
	}}
}

// cdcTableHealthRow is the CDC dashboard's "Table health" row.
func cdcTableHealthRow() row {
	return row{Title: "Table health", Panels: []panel{
		{Type: "timeseries", Title: "Delete files per table", W: 8, H: 8, Unit: "short", Min: f64(0),
			Description: "cdc_table_delete_files: equality-delete files in the table's snapshot; every scan reads them all. The consumer merges its deletes or compacts it at 4 (cdc.maintenance.max_delete_files). Alert CdcTableDeleteFilesHigh above 64 for 30 minutes.",
			Targets: []target{
				{Expr: q(`max by (namespace, table) (cdc_table_delete_files{` + cdcSel + `})`), Legend: "{{namespace}}.{{table}}"},
			},
			Thresholds: []step{{16, "orange"}, {64, "red"}}, ThresholdStyle: "line"},
		{Type: "timeseries", Title: "Metadata per table", W: 8, H: 8, Unit: "bytes", Min: f64(0),
			Description: "cdc_table_metadata_bytes: the current metadata.json, which every commit rewrites; it grows with the snapshots kept (cdc_table_snapshots, right axis). Alert CdcTableMetadataLarge above 1 MiB for 30 minutes.",
			Targets: []target{
				{Expr: q(`max by (namespace, table) (cdc_table_metadata_bytes{` + cdcSel + `})`), Legend: "{{namespace}}.{{table}} metadata.json"},
				{Expr: q(`max by (namespace, table) (cdc_table_snapshots{` + cdcSel + `})`), Legend: "{{namespace}}.{{table}} snapshots"},
			},
			Overrides: []any{obj{
				"matcher":    obj{"id": "byRegexp", "options": ".*snapshots"},
				"properties": []any{obj{"id": "unit", "value": "short"}, obj{"id": "custom.axisPlacement", "value": "right"}},
			}}},
		{Type: "timeseries", Title: "Commit time per table", W: 8, H: 8, Unit: "s", Min: f64(0),
			Description: "cdc_table_last_commit_seconds: the last Iceberg commit of the table, files written included. Flat over days when maintenance keeps up. Alert CdcCommitSlow above 10 s for 15 minutes.",
			Targets: []target{
				{Expr: q(`max by (namespace, table) (cdc_table_last_commit_seconds{` + cdcSel + `})`), Legend: "{{namespace}}.{{table}}"},
			},
			Thresholds: []step{{10, "red"}}, ThresholdStyle: "line"},
		{Type: "timeseries", Title: "Data files and their average size", W: 12, H: 8, Unit: "short", Min: f64(0),
			Description: "cdc_table_data_files, and cdc_table_avg_data_file_bytes (right axis) as of the last compaction: many small files slow scans; the consumer compacts 32 files averaging under a quarter of the target size.",
			Targets: []target{
				{Expr: q(`max by (namespace, table) (cdc_table_data_files{` + cdcSel + `})`), Legend: "{{namespace}}.{{table}} files"},
				{Expr: q(`max by (namespace, table) (cdc_table_avg_data_file_bytes{` + cdcSel + `})`), Legend: "{{namespace}}.{{table}} average size"},
			},
			Overrides: []any{obj{
				"matcher":    obj{"id": "byRegexp", "options": ".*average size"},
				"properties": []any{obj{"id": "unit", "value": "bytes"}, obj{"id": "custom.axisPlacement", "value": "right"}},
			}}},
		{Type: "timeseries", Title: "Maintenance", W: 12, H: 8, Unit: "s", Min: f64(0),
			Description: "cdc_table_since_maintenance_seconds per table, and failed maintenance steps per 30 minutes (right axis; alert CdcMaintenanceFailing above 3).",
			Targets: []target{
				{Expr: q(`max by (namespace, table) (cdc_table_since_maintenance_seconds{` + cdcSel + `})`), Legend: "{{namespace}}.{{table}} since maintenance"},
				{Expr: q(`sum by (namespace, table, step) (increase(cdc_maintenance_failures_total{` + cdcSel + `}[30m]))`), Legend: "{{namespace}}.{{table}} {{step}} failures"},
			},
			Overrides: []any{obj{
				"matcher":    obj{"id": "byRegexp", "options": ".*failures"},
				"properties": []any{obj{"id": "unit", "value": "short"}, obj{"id": "custom.axisPlacement", "value": "right"}},
			}}},
	}}
}

// cdcKafkaRow is the CDC dashboard's "Kafka" row.
func cdcKafkaRow() row {
	return row{Title: "Kafka", Panels: []panel{
		{Type: "timeseries", Title: "Kafka offset lag by partition", W: 24, H: 8, Unit: "short", Min: f64(0),
			Description: "cdc_kafka_offset_lag: the partition's high watermark minus the group's committed offset, in messages.",
			Targets: []target{
				{Expr: q(`max by (topic, partition) (cdc_kafka_offset_lag{{sel}})`), Legend: "{{topic}}[{{partition}}]"},
			}},
	}}
}

// cdcMemoryRow is the CDC dashboard's "Memory and GC" row.
func cdcMemoryRow() row {
	return row{Title: "Memory and GC", Panels: []panel{
		{Type: "timeseries", Title: "Memory in use / limit", W: 8, H: 8, Unit: "percentunit", Min: f64(0), Max: f64(1),
			Description: "etlwatch_memory_usage_ratio: Go memory in use over GOMEMLIMIT, else the cgroup limit. Alert EtlwatchMemoryHigh above 90% for 5 minutes.",
			Targets: []target{
				{Expr: q(`max by (job_name, instance) (etlwatch_memory_usage_ratio{{sel}})`), Legend: "{{job_name}} {{instance}}"},
			},
			Thresholds: []step{{0.9, "red"}}, ThresholdStyle: "line"},
		{Type: "timeseries", Title: "Go memory", W: 8, H: 8, Unit: "bytes", Min: f64(0),
			Description: "go_memory_used_bytes by type, the heap goal of the next GC and the limit.",
			Targets: []target{
				{Expr: `sum by (instance, go_memory_type) (go_memory_used_bytes` + rt + `)`, Legend: "{{instance}} used {{go_memory_type}}"},
				{Expr: `max by (instance) (go_memory_gc_goal_bytes` + rt + `)`, Legend: "{{instance}} GC goal"},
				{Expr: q(`max by (instance) (etlwatch_memory_limit_bytes{{sel}, instance=~"$instance"})`), Legend: "{{instance}} limit"},
			}},
		{Type: "timeseries", Title: "GC: allocation rate and goroutines", W: 8, H: 8, Unit: "Bps", Min: f64(0),
			Description: "Bytes allocated per second drive how often the GC runs (GOGC and the heap goal set when); goroutines on the right axis.",
			Targets: []target{
				{Expr: `sum by (instance) (rate(go_memory_allocated_bytes_total` + rt + `[$__rate_interval]))`, Legend: "{{instance}} allocated/s"},
				{Expr: `max by (instance) (go_goroutines` + rt + `)`, Legend: "{{instance}} goroutines"},
			},
			Overrides: []any{obj{
				"matcher":    obj{"id": "byRegexp", "options": ".*goroutines"},
				"properties": []any{obj{"id": "unit", "value": "short"}, obj{"id": "custom.axisPlacement", "value": "right"}},
			}}},
	}}
}

// cdcEtlwatchRow is the CDC dashboard's "etlwatch" row.
func cdcEtlwatchRow() row {
	return row{Title: "etlwatch", Panels: []panel{
		{Type: "timeseries", Title: "Sink export failures (per 15 minutes)", W: 12, H: 7, Unit: "short", Min: f64(0),
			Description: "Failed exports by sink (cloudwatch, otlp, dynatrace). Alert EtlwatchSinkExportFailing.",
			Targets: []target{
				{Expr: q(`sum by (job_name, sink) (increase(etlwatch_sink_export_failures_total{{sel}}[15m]))`), Legend: "{{job_name}} {{sink}}"},
			}},
		{Type: "timeseries", Title: "Dropped measurements (per 15 minutes)", W: 12, H: 7, Unit: "short", Min: f64(0),
			Targets: []target{
				{Expr: q(`sum by (metric, reason) (increase(etlwatch_dropped_measurements_total{{sel}}[15m]))`), Legend: "{{metric}} {{reason}}"},
			}},
	}}
}
