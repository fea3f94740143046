// Package prometheus holds no Go code: it is the directory of etlwatch's Prometheus assets, and its
// tests prove them.
//
//   - rules/etl.rules.yml: the reference ETL monitoring system's six alerts, on the etl_* metrics
//     of examples/simulator and examples/logexporter;
//   - rules/cdc.rules.yml: the reference's CDC alerts (lag, throughput, batch
//     time, failed events);
//   - rules/etlwatch.rules.yml: data-quality failures and slow checks, sink export failures,
//     dropped measurements and memory, from what every etlwatch job exposes;
//   - tests/*.test.yml: promtool unit tests, a series that fires each alert and one that must not;
//   - prometheus.yml: a scrape configuration example.
//
// Every alert has the annotations summary, description and runbook_url, which points into
// docs/runbooks.md.
//
// # Tests
//
// The tests run promtool check rules, promtool check config and promtool test rules; check that
// every metric a rule names is one that etlwatch, examples/simulator or examples/logexporter
// really exposes, under the name its Prometheus sink gives it, with the labels the rule uses;
// check that the simulator and the log exporter expose the same etl_* families with the same
// labels; and run Debian's Prometheus server with the rules against the simulator until the
// high-failure-rate alert fires, then stop the simulator and see the endpoint-down alert fire.
// Tests that need promtool or prometheus skip without them, and fail instead when
// ETLWATCH_REQUIRE_SERVICES=1.
package prometheus
