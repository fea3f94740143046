package grafana_test

import "strings"

// sel is the label matcher of the job variables, used by every etlwatch series.
const sel = `job_name=~"$job_name", source_name=~"$source_name", environment=~"$environment"`

// q replaces {sel} in expr with the job variables' matcher.
func q(expr string) string { return strings.ReplaceAll(expr, "{sel}", sel) }

// jobVariables are environment, job_name and source_name, each from label_values of metric
// filtered by the ones before it.
func jobVariables(metric string) []obj {
	return []obj{
		queryVariable("environment", "Environment", "label_values("+metric+", environment)"),
		queryVariable("job_name", "Job", `label_values(`+metric+`{environment=~"$environment"}, job_name)`),
		queryVariable("source_name", "Source", `label_values(`+metric+`{environment=~"$environment", job_name=~"$job_name"}, source_name)`),
	}
}

var healthMappings = []any{obj{"type": "value", "options": obj{
	"0": obj{"text": "DOWN", "color": "red", "index": 0},
	"1": obj{"text": "HEALTHY", "color": "green", "index": 1},
}}}

// etlMonitoring is the reference ETL monitoring system's dashboard (its URL was
// /d/etl-monitoring), on the etl_* metrics that examples/simulator and examples/logexporter expose.
func etlMonitoring() dashboard {
	return dashboard{
		UID: "etl-monitoring", Title: "ETL Process Monitoring",
		Description: "The reference ETL monitoring dashboard: health, throughput against the 10 records/s target, processing time and failures by error type, from the etl_* metrics of examples/simulator or examples/logexporter. Alerts: deploy/prometheus/rules/etl.rules.yml.",
		Tags:        []string{"etlwatch", "etl"},
		Variables:   jobVariables("etl_health_status"),
		Rows: []row{
			{Title: "Health", Panels: []panel{
				{Type: "stat", Title: "Health status", W: 4, H: 4, ColorMode: "background", Base: "red",
					Description: "etl_health_status: 1 healthy, 0 down (no file completed within the staleness window). Alert EtlHealthCheckFailed: 0 for 2 minutes.",
					Targets:     []target{{Expr: q(`min(etl_health_status{{sel}})`)}},
					Thresholds:  []step{{1, "green"}}, Mappings: healthMappings},
				{Type: "stat", Title: "Metrics endpoint", W: 4, H: 4, ColorMode: "background", Base: "red",
					Description: "up of the etl* scrape jobs: whether Prometheus reaches /metrics. Alert EtlMetricsEndpointDown.",
					Targets:     []target{{Expr: `min(up{job=~"etl.*"})`}},
					Thresholds:  []step{{1, "green"}},
					Mappings: []any{obj{"type": "value", "options": obj{
						"0": obj{"text": "UNREACHABLE", "color": "red", "index": 0},
						"1": obj{"text": "UP", "color": "green", "index": 1},
					}}}},
				{Type: "stat", Title: "Uptime", W: 4, H: 4, Unit: "s",
					Targets: []target{{Expr: q(`max(etl_uptime_seconds{{sel}})`)}}},
				{Type: "stat", Title: "Since last success", W: 4, H: 4, Unit: "s",
					Description: "Alert EtlNoSuccessIn10Minutes above 600 s.",
					Targets:     []target{{Expr: q(`max(etl_seconds_since_last_success{{sel}})`)}},
					Thresholds:  []step{{300, "orange"}, {600, "red"}}},
				{Type: "stat", Title: "Since last failure", W: 4, H: 4, Unit: "s", Base: "orange",
					Targets:    []target{{Expr: q(`min(etl_seconds_since_last_failure{{sel}})`)}},
					Thresholds: []step{{300, "green"}}},
				{Type: "stat", Title: "Failures (5m)", W: 4, H: 4, Decimals: intp(0),
					Description: "Alert EtlHighFailureRate above 3 in 5 minutes.",
					Targets:     []target{{Expr: q(`sum(increase(etl_failures_total{{sel}}[5m]))`)}},
					Thresholds:  []step{{1, "orange"}, {3.0001, "red"}}},
			}},
			{Title: "Totals", Panels: []panel{
				{Type: "stat", Title: "Records processed", W: 8, H: 4, Unit: "short",
					Targets: []target{{Expr: q(`sum(etl_records_total{{sel}})`)}}},
				{Type: "stat", Title: "Files processed", W: 8, H: 4, Unit: "short",
					Targets: []target{{Expr: q(`sum(etl_files_total{{sel}})`)}}},
				{Type: "stat", Title: "Failures", W: 8, H: 4, Unit: "short", Base: "green",
					Targets:    []target{{Expr: q(`sum(etl_failures_total{{sel}})`)}},
					Thresholds: []step{{1, "orange"}}},
			}},
			{Title: "Throughput and processing time", Panels: []panel{
				{Type: "timeseries", Title: "Processing rate (records/s)", W: 12, H: 8, Unit: "short", Min: f64(0),
					Description: "Records per second over the rate window, and the rate of the last completed file. Target 10 records/s; alert EtlProcessingRateLow below 5 for 5 minutes.",
					Targets: []target{
						{Expr: q(`sum by (job_name, source_name) (rate(etl_records_total{{sel}}[$__rate_interval]))`), Legend: "{{job_name}} {{source_name}} overall"},
						{Expr: q(`max by (job_name, source_name) (etl_current_rate_records_per_second{{sel}})`), Legend: "{{job_name}} {{source_name}} last file"},
					},
					Base: "red", Thresholds: []step{{5, "orange"}, {10, "green"}}, ThresholdStyle: "line"},
				{Type: "timeseries", Title: "Average processing time per file", W: 12, H: 8, Unit: "s", Min: f64(0),
					Description: "etl_avg_processing_time_seconds; alert EtlExcessiveProcessingTime above 60 s for 5 minutes.",
					Targets: []target{
						{Expr: q(`max by (job_name, source_name) (etl_avg_processing_time_seconds{{sel}})`), Legend: "{{job_name}} {{source_name}}"},
					},
					Thresholds: []step{{60, "red"}}, ThresholdStyle: "line"},
				{Type: "timeseries", Title: "Files per minute", W: 12, H: 8, Unit: "short", Min: f64(0),
					Targets: []target{
						{Expr: q(`sum by (job_name, source_name) (rate(etl_files_total{{sel}}[$__rate_interval])) * 60`), Legend: "{{job_name}} {{source_name}} files"},
						{Expr: q(`sum by (job_name, source_name) (rate(etl_failures_total{{sel}}[$__rate_interval])) * 60`), Legend: "{{job_name}} {{source_name}} failures"},
					}},
				{Type: "timeseries", Title: "Time since last success and failure", W: 12, H: 8, Unit: "s", Min: f64(0),
					Targets: []target{
						{Expr: q(`max by (job_name, source_name) (etl_seconds_since_last_success{{sel}})`), Legend: "{{job_name}} since success"},
						{Expr: q(`max by (job_name, source_name) (etl_seconds_since_last_failure{{sel}})`), Legend: "{{job_name}} since failure"},
					},
					Thresholds: []step{{600, "red"}}, ThresholdStyle: "line"},
			}},
			{Title: "Errors", Panels: []panel{
				{Type: "timeseries", Title: "Errors by type (per 5 minutes)", W: 12, H: 8, Unit: "short", Min: f64(0), Stack: true,
					Description: "What failed: connection_timeout, corrupt_file_format, disk_space_insufficient, database_lock_timeout, invalid_data_schema. See docs/runbooks.md#etlhighfailurerate.",
					Targets: []target{
						{Expr: q(`sum by (error_type) (increase(etl_errors_by_type_total{{sel}}[5m]))`), Legend: "{{error_type}}"},
					}},
				{Type: "piechart", Title: "Errors by type (time range)", W: 6, H: 8,
					Targets: []target{
						{Expr: q(`sum by (error_type) (increase(etl_errors_by_type_total{{sel}}[$__range]))`), Legend: "{{error_type}}", Instant: true},
					}},
				{Type: "timeseries", Title: "Health over time", W: 6, H: 8, Min: f64(0), Max: f64(1),
					Targets: []target{
						{Expr: q(`min by (job_name, source_name) (etl_health_status{{sel}})`), Legend: "{{job_name}} {{source_name}}"},
					},
					Mappings: healthMappings},
			}},
		},
	}
}
