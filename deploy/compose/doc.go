// Package compose holds no Go code: it is the directory of etlwatch's container stack, and its
// tests prove what can be proved without a container engine.
//
//   - compose.yaml: the reference monitoring system as one Compose project: etl-simulator and
//     etl-metrics (examples/simulator and examples/logexporter, built by the repository's
//     Dockerfile) sharing a log volume, prometheus with the rules of deploy/prometheus,
//     alertmanager, and grafana with the dashboards of deploy/grafana; the cdc profile adds
//     postgres, cdc-changes, kafka, connect, connect-register and cdc-consumer;
//   - prometheus/prometheus.yml: the scrape configuration for the compose network;
//   - alertmanager/alertmanager.yml: critical and warning routes to webhook placeholders,
//     warnings inhibited by criticals;
//   - grafana/provisioning: the Prometheus data source and the dashboard provider;
//   - cdc/: the seeded schema and the change trickle of PostgreSQL, the Debezium connector
//     configuration and the CDC consumer's sources.yaml.
//
// # Tests
//
// docker-compose config validates compose.yaml with and without the cdc profile. Every service
// has a pinned image, a health check and a restart policy; every bind mount names a file of the
// repository and is read-only. promtool checks the Prometheus configuration and amtool the
// Alertmanager configuration, each in a directory tree laid out as the container's mounts, and
// amtool routes a critical and a warning alert to their receivers; Debian's Alertmanager, run with
// that configuration, suppresses a job's warning while the job has a critical alert and leaves
// another job's warning active. The Grafana provisioning
// points at the mounted dashboards, the ETL dashboard's uid is etl-monitoring. The Dockerfile's
// PROGRAM argument covers every program of examples/, its final stage runs as non-root, and each
// program builds with CGO_ENABLED=0 into a static binary that runs, whose -healthcheck reports a
// live and a dead server. The Debezium connector configuration uses only property names of the
// PostgreSQL connector's documentation and agrees with the database, the topics and the
// consumer's sources.yaml, which the configuration loader accepts; the seeded schema and the
// change trickle run on the machine's PostgreSQL. The static CDC consumer runs on that
// sources.yaml against an in-process Kafka (kfake) carrying the change events Debezium would
// write for the seeded tables, applies them to Iceberg and reports healthy.
//
// Tests that need docker-compose, promtool, amtool or PostgreSQL skip without them, and fail
// instead when ETLWATCH_REQUIRE_SERVICES=1. Nothing here starts a container: the stack itself was
// never started by these tests.
package compose
