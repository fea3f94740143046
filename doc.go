// Package etlwatch is the root of the etlwatch SDK, which makes Go ETL pipelines observable and
// trustworthy. This package holds no code; it maps the SDK's packages.
//
// # Packages
//
//   - [github.com/etlwatch/etlwatch/monitoring]: the MetricsCollector (metrics with dimensions, built
//     on the OpenTelemetry metric SDK, with pluggable sinks) and the StructuredLogger (JSON job and
//     table events on log/slog, carrying correlation and trace IDs).
//   - [github.com/etlwatch/etlwatch/monitoring/monitoringtest]: an in-memory sink and a log capture
//     for the unit tests of pipelines that use monitoring.
//   - [github.com/etlwatch/etlwatch/correlation]: correlation IDs in contexts, and their propagation
//     through Kafka headers as an OpenTelemetry propagator.
//   - [github.com/etlwatch/etlwatch/dataquality]: data-quality checks (row counts with tolerance,
//     required columns, checksums, source-to-target reconciliation). Planned.
//   - [github.com/etlwatch/etlwatch/configloader]: the validated sources.yaml loader.
//   - [github.com/etlwatch/etlwatch/extractors]: database extractors streaming Arrow batches. Planned.
//   - [github.com/etlwatch/etlwatch/iceberg]: the Iceberg table manager. Planned.
//   - examples/...: programs that wire the SDK together; examples/quickstart runs with no server.
//
// The core packages (monitoring, correlation, dataquality, configloader) import no cloud SDK,
// database driver, Arrow or Iceberg; sinks and extractors with heavy dependencies live in their own
// sub-packages, so a program compiles only what it uses.
package etlwatch
