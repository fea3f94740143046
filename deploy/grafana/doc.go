// Package grafana holds no Go code: it is the directory of etlwatch's Grafana dashboards, and its
// tests generate and prove them.
//
//   - dashboards/etl-monitoring.json: the reference ETL monitoring system's dashboard (uid
//     etl-monitoring), on the etl_* metrics of examples/simulator and examples/logexporter;
//   - dashboards/cdc.json: the CDC consumer (lag by table, throughput against 10 records/s,
//     batch time against the trigger interval, processed vs skipped, dead-lettered events, Kafka
//     offset lag, memory and GC from monitoring.WithRuntimeMetrics, sink failures);
//   - dashboards/bulk-load.json: bulk loads (tables, records, durations, success and failure,
//     data-quality results, schema changes, sink failures);
//   - dashboards/monitors.json: the anomaly monitors of data_quality.monitors: (a panel per
//     monitor, volume, freshness, null rate and schema drift, with the value drawn against the
//     band learned from the table's history, and the hours since each table's last write
//     against its freshness band).
//
// Every panel and query variable uses the datasource variable DS_PROMETHEUS, so that a dashboard
// works both imported (Dashboards > New > Import, pick the Prometheus datasource in the
// variable) and provisioned from files (Grafana picks the default Prometheus datasource).
// Template variables environment, job_name and source_name (plus table, namespace and
// instance where they apply) filter every etlwatch series.
//
// # Generated
//
// The JSON is generated from the Go code of the package's tests (builder_test.go and the
// *_gen_test.go files); TestGenerated fails when a file differs from what the code generates.
// After editing the code:
//
//	go test ./deploy/grafana -run TestGenerated -update
//
// # Tests
//
// TestDashboards parses every file and checks uid, title and schemaVersion, that panel ids are
// unique, that grid positions stay inside the 24-column grid without overlapping, that every
// panel, target and variable uses the DS_PROMETHEUS datasource, that every variable an
// expression uses is defined, and that every PromQL expression of every panel and variable
// names only series that are really exposed, with labels those series have: the families come
// from running examples/simulator, examples/logexporter, a real bulk load (internal/bulkload on
// the SQLite sample) and an etlwatch collector recording the CDC consumer's metrics, data-quality
// results and runtime metrics (deploy/internal/exposed). TestCheckDashboardFindsMistakes mutates
// the shipped dashboards (a misspelled metric, a unit suffix the sink does not add, a label the
// runtime metrics lack, an undefined variable, a foreign datasource, a duplicate id, overlapping
// panels) and requires each mistake to be reported.
package grafana
