package grafana_test

// msel adds the table variable and a monitor to the job variables.
func msel(monitor string) string { return `{sel}, table=~"$table", monitor=~"` + monitor + `"` }

// band is a timeseries panel of one monitor: the value judged, drawn against its band (lower and
// upper edges, and the expected centre) as the detector learned it from the table's history.
func band(title, monitor, unit, description string) panel {
	legend := "{{table}}"
	if monitor != "volume" && monitor != "freshness" {
		legend = "{{table}} {{monitor}}"
	}
	return panel{Type: "timeseries", Title: title, W: 12, H: 9, Unit: unit, Min: f64(0),
		Description: description,
		Targets: []target{
			{Expr: q(`max by (table, monitor) (dq_anomaly_value{` + msel(monitor) + `})`), Legend: legend + " value"},
			{Expr: q(`max by (table, monitor) (dq_anomaly_expected{` + msel(monitor) + `})`), Legend: legend + " expected"},
			{Expr: q(`max by (table, monitor) (dq_anomaly_lower{` + msel(monitor) + `})`), Legend: legend + " lower"},
			{Expr: q(`max by (table, monitor) (dq_anomaly_upper{` + msel(monitor) + `})`), Legend: legend + " upper"},
		},
		Overrides: bandOverrides()}
}

// bandOverrides draw the band's edges dashed and its centre dotted, so that the value stands out.
func bandOverrides() []any {
	style := func(suffix string, dash []any) obj {
		return obj{
			"matcher": obj{"id": "byRegexp", "options": ".* " + suffix + "$"},
			"properties": []any{
				obj{"id": "custom.lineStyle", "value": obj{"fill": "dash", "dash": dash}},
				obj{"id": "custom.lineWidth", "value": 1},
			},
		}
	}
	return []any{style("lower", []any{10, 10}), style("upper", []any{10, 10}), style("expected", []any{2, 6})}
}

// monitors is the anomaly monitors' dashboard (data_quality.monitors:, dataquality.Monitor): a
// panel per monitor with the value against its band, anomalies, and the time since each table's
// last write against its freshness band.
func monitors() dashboard {
	vars := append(jobVariables("dq_anomaly_detected_total"),
		queryVariable("table", "Table", q(`label_values(dq_anomaly_detected_total{{sel}}, table)`)))
	return dashboard{
		UID: "etlwatch-monitors", Title: "etlwatch monitors",
		Description: "The anomaly monitors of data_quality.monitors: each load of a table judged against the table's own history. Each panel draws the value judged inside the band the detector learned (expected, lower and upper edges); a value outside it is an anomaly. Alerts: deploy/prometheus/rules/monitors.rules.yml.",
		Tags:        []string{"etlwatch", "data-quality", "monitors"},
		Variables:   vars,
		Rows: []row{
			{Title: "Anomalies", Panels: []panel{
				{Type: "stat", Title: "Anomalies", W: 6, H: 4, Unit: "short", Decimals: intp(0),
					Description: "Anomalous verdicts in the time range, all monitors. Alert DataQualityAnomaly.",
					Targets:     []target{{Expr: q(`sum(increase(dq_anomaly_detected_total{` + tsel + `}[$__range])) or vector(0)`), Instant: true}},
					Thresholds:  []step{{1, "red"}}},
				{Type: "table", Title: "Anomalies by table and monitor", W: 18, H: 4,
					Targets: []target{{Expr: q(`sum by (table, monitor) (increase(dq_anomaly_detected_total{` + tsel + `}[$__range])) > 0`), Legend: "{{table}} {{monitor}}", Instant: true}}},
			}},
			{Title: "Monitors", Panels: []panel{
				band("Volume (rows per load, or per hour for CDC)", "volume", "short",
					"dq_anomaly_value of the volume monitor: the rows each load added (a CDC table's rows per hour), with the band learned from its history."),
				band("Freshness (hours between writes)", "freshness", "h",
					"dq_anomaly_value of the freshness monitor: the hours since the previous write when a load lands, or since the last write when freshness is checked; above the upper edge the table is late. Alert TableStale."),
				band("Null rate", "null_rate:.*", "percentunit",
					"dq_anomaly_value of the null_rate:<column> monitors: the fraction of NULLs in each monitored column."),
				{Type: "timeseries", Title: "Schema drift", W: 12, H: 9, Unit: "short", Min: f64(0), Decimals: intp(0),
					Description: "Loads whose columns were added, removed, retyped or changed nullability since the previous one (the schema_drift monitor; the dq_check_complete event lists the changes).",
					Targets:     []target{{Expr: q(`sum by (table) (increase(dq_anomaly_detected_total{` + msel("schema_drift") + `}[$__rate_interval]))`), Legend: "{{table}}"}}},
			}},
			{Title: "Last write", Panels: []panel{
				{Type: "timeseries", Title: "Hours since the last write", W: 24, H: 8, Unit: "h", Min: f64(0),
					Description: "time() - dq_last_write_timestamp_seconds, which keeps growing when a writer stops, against the upper edge of each table's freshness band. Alert TableStale above it, TableOlderThanMaxAge above max_age.",
					Targets: []target{
						{Expr: q(`(time() - max by (table) (dq_last_write_timestamp_seconds{` + tsel + `})) / 3600`), Legend: "{{table}} since last write"},
						{Expr: q(`max by (table) (dq_anomaly_upper{` + msel("freshness") + `})`), Legend: "{{table}} upper"},
					},
					Overrides: bandOverrides()},
			}},
		},
	}
}
