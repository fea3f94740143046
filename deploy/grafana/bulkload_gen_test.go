package grafana_test

// tsel adds the table variable to the job variables.
const tsel = `{sel}, table=~"$table"`

// dq turns the data-quality counters dq_<check>_<result>_total into one series per check and
// table: label_replace names the check before increase drops the metric name (a subquery, since
// increase takes a range).
func dq(result, window string) string {
	return q(`sum by (check, table) (increase(label_replace({__name__=~"dq_.+_` + result + `_total", ` + tsel + `}, "check", "$1", "__name__", "dq_(.+)_` + result + `_total")[` + window + `:]))`)
}

// bulkLoad is the bulk load's dashboard (internal/bulkload: examples/bulkload and
// examples/quickstart): tables, records, durations, success and failure, data-quality results,
// schema changes and the job's sinks.
func bulkLoad() dashboard {
	vars := append(jobVariables("table_processed_total"),
		queryVariable("table", "Table", q(`label_values(table_processed_total{{sel}}, table)`)))
	return dashboard{
		UID: "etlwatch-bulk-load", Title: "etlwatch bulk load",
		Description: "Bulk loads from a source database into Iceberg: tables and records loaded, load durations, successes and failures by error type, data-quality check results, schema changes, and export failures of the job's metric sinks. Counters appear at their first increment; set the time range to cover the runs.",
		Tags:        []string{"etlwatch", "bulk-load"},
		Variables:   vars,
		Rows: []row{
			{Title: "Time range", Panels: []panel{
				{Type: "stat", Title: "Tables loaded", W: 4, H: 4, Unit: "short", Decimals: intp(0),
					Targets: []target{{Expr: q(`sum(increase(table_processed_total{` + tsel + `}[$__range]))`), Instant: true}}},
				{Type: "stat", Title: "Records loaded", W: 5, H: 4, Unit: "short",
					Targets: []target{{Expr: q(`sum(increase(records_processed_total{` + tsel + `}[$__range]))`), Instant: true}}},
				{Type: "stat", Title: "Table load failures", W: 5, H: 4, Unit: "short", Decimals: intp(0),
					Description: "Failed attempts, retries included.",
					Targets:     []target{{Expr: q(`sum(increase(table_load_failure_total{` + tsel + `}[$__range])) or vector(0)`), Instant: true}},
					Thresholds:  []step{{1, "red"}}},
				{Type: "stat", Title: "Data-quality failures", W: 5, H: 4, Unit: "short", Decimals: intp(0),
					Description: "Failed data-quality checks (dq_<check>_failed). Alert DataQualityCheckFailed.",
					Targets:     []target{{Expr: q(`sum(increase({__name__=~"dq_.+_failed_total", ` + tsel + `}[$__range])) or vector(0)`), Instant: true}},
					Thresholds:  []step{{1, "red"}}},
				{Type: "stat", Title: "Schema changes", W: 5, H: 4, Unit: "short", Decimals: intp(0),
					Description: "Tables whose Iceberg schema evolved because the source drifted (schema_change events).",
					Targets:     []target{{Expr: q(`sum(increase(schema_changes_total{` + tsel + `}[$__range])) or vector(0)`), Instant: true}},
					Thresholds:  []step{{1, "orange"}}},
			}},
			{Title: "Tables", Panels: []panel{
				{Type: "bargauge", Title: "Records by table", W: 8, H: 9, Unit: "short",
					Targets: []target{{Expr: q(`sum by (table) (increase(records_processed_total{` + tsel + `}[$__range]))`), Legend: "{{table}}", Instant: true}}},
				{Type: "timeseries", Title: "Records loaded per second", W: 16, H: 9, Unit: "short", Min: f64(0), Stack: true,
					Targets: []target{{Expr: q(`sum by (table) (rate(records_processed_total{` + tsel + `}[$__rate_interval]))`), Legend: "{{table}}"}}},
				{Type: "bargauge", Title: "Average table load duration", W: 8, H: 9, Unit: "s",
					Targets: []target{{Expr: q(`sum by (table) (increase(table_load_duration_seconds_sum{` + tsel + `}[$__range])) / sum by (table) (increase(table_load_duration_seconds_count{` + tsel + `}[$__range]))`), Legend: "{{table}}", Instant: true}}},
				{Type: "timeseries", Title: "Table load duration p95", W: 16, H: 9, Unit: "s", Min: f64(0),
					Targets: []target{{Expr: q(`histogram_quantile(0.95, sum by (le, table) (rate(table_load_duration_seconds_bucket{` + tsel + `}[$__rate_interval])))`), Legend: "{{table}}"}}},
				{Type: "table", Title: "Loads by table", W: 12, H: 9,
					Description: "Successful and failed load attempts in the time range.",
					Targets: []target{
						{Expr: q(`sum by (table) (increase(table_load_success_total{` + tsel + `}[$__range]))`), Legend: "success", Instant: true},
						{Expr: q(`sum by (table) (increase(table_load_failure_total{` + tsel + `}[$__range]))`), Legend: "failure", Instant: true},
					}},
				{Type: "timeseries", Title: "Table load failures by error type", W: 12, H: 9, Unit: "short", Min: f64(0), Stack: true,
					Targets: []target{{Expr: q(`sum by (table, error_type) (increase(table_load_failure_total{` + tsel + `}[$__rate_interval]))`), Legend: "{{table}} {{error_type}}"}}},
			}},
			{Title: "Data quality and schema", Panels: []panel{
				{Type: "table", Title: "Data-quality checks by table", W: 12, H: 9,
					Description: "Passed and failed checks (row_count, null_check, checksum, ...) in the time range; a failed check's dq_check_complete event says what was found.",
					Targets: []target{
						{Expr: dq("passed", "$__range"), Legend: "passed", Instant: true},
						{Expr: dq("failed", "$__range"), Legend: "failed", Instant: true},
					}},
				{Type: "timeseries", Title: "Data-quality check duration p95", W: 12, H: 9, Unit: "s", Min: f64(0),
					Description: "Alert DataQualityChecksSlow above 2 minutes; checksums are the slow ones.",
					Targets:     []target{{Expr: q(`histogram_quantile(0.95, sum by (le, check) (rate(dq_check_duration_seconds_bucket{` + tsel + `}[$__rate_interval])))`), Legend: "{{check}}"}},
					Thresholds:  []step{{120, "red"}}, ThresholdStyle: "line"},
				{Type: "timeseries", Title: "Data-quality failures", W: 12, H: 8, Unit: "short", Min: f64(0),
					Targets: []target{{Expr: dq("failed", "$__rate_interval"), Legend: "{{check}} {{table}}"}}},
				{Type: "bargauge", Title: "Schema changes by table", W: 12, H: 8, Unit: "short",
					Targets: []target{{Expr: q(`sum by (table) (increase(schema_changes_total{` + tsel + `}[$__range]))`), Legend: "{{table}}", Instant: true}}},
			}},
			{Title: "Jobs", Panels: []panel{
				{Type: "timeseries", Title: "Job duration", W: 8, H: 8, Unit: "s", Min: f64(0),
					Targets: []target{{Expr: q(`sum by (job_name, source_name) (increase(job_duration_seconds_sum{{sel}}[$__rate_interval])) / sum by (job_name, source_name) (increase(job_duration_seconds_count{{sel}}[$__rate_interval]))`), Legend: "{{job_name}} {{source_name}}"}}},
				{Type: "timeseries", Title: "Tables and records per job", W: 8, H: 8, Unit: "short", Min: f64(0),
					Targets: []target{
						{Expr: q(`sum by (job_name, source_name) (increase(job_tables_processed_total{{sel}}[$__rate_interval]))`), Legend: "{{source_name}} tables"},
						{Expr: q(`sum by (job_name, source_name) (increase(job_records_processed_total{{sel}}[$__rate_interval]))`), Legend: "{{source_name}} records"},
					},
					Overrides: []any{obj{
						"matcher":    obj{"id": "byRegexp", "options": ".*records"},
						"properties": []any{obj{"id": "custom.axisPlacement", "value": "right"}},
					}}},
				{Type: "timeseries", Title: "Sink export failures (per 15 minutes)", W: 8, H: 8, Unit: "short", Min: f64(0),
					Description: "Failed exports by sink (cloudwatch, otlp, dynatrace): metrics missing in that backend. Alert EtlwatchSinkExportFailing.",
					Targets:     []target{{Expr: q(`sum by (source_name, sink) (increase(etlwatch_sink_export_failures_total{{sel}}[15m]))`), Legend: "{{source_name}} {{sink}}"}}},
			}},
		},
	}
}
