// Package etlwatch is the root of the etlwatch SDK, which makes Go ETL pipelines observable and
// trustworthy. It maps the SDK's packages and holds the one-call setup, [New], where configuration
// and the sink packages meet, so that the core packages stay light.
//
// # One-call setup
//
//	cfg, err := configloader.Load("") // $CONFIG_DIR/sources.yaml, else ./config/sources.yaml
//	if err != nil {
//		return err // every mistake of the file, each with sources.yaml:LINE:COL
//	}
//	src, err := cfg.Source("dev_mydb")
//	if err != nil {
//		return err
//	}
//	p, err := etlwatch.New(ctx, "bulk_load", src)
//	if err != nil {
//		return err // a sink listed in monitoring.required_sinks could not start
//	}
//	defer p.Shutdown(context.Background())
//	ctx = p.Context() // carries the job's correlation ID
//	p.Metrics.EmitCounter(ctx, "records_processed", 1000, monitoring.Dimensions{"table": "CUSTOMERS"})
//	report := p.Checker.Run(ctx, "CUSTOMERS", src.DataQuality, source, dest)
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
//     required columns, uniqueness, freshness, schema, checksum reconciliation source to target with
//     bisection), with [github.com/etlwatch/etlwatch/dataquality/sqldataset] pushing them down to
//     PostgreSQL, MySQL/MariaDB, SQLite and Oracle.
//   - [github.com/etlwatch/etlwatch/monitoring/cloudwatch], [github.com/etlwatch/etlwatch/monitoring/otlp]
//     and [github.com/etlwatch/etlwatch/monitoring/prom]: the CloudWatch (API and EMF), OTLP and
//     Dynatrace, and Prometheus sinks.
//   - [github.com/etlwatch/etlwatch/configloader]: the validated sources.yaml loader.
//   - [github.com/etlwatch/etlwatch/extractors]: database extractors (PostgreSQL, MySQL/MariaDB, SQLite,
//     Oracle) that stream consistent snapshots as Arrow batches.
//   - [github.com/etlwatch/etlwatch/iceberg]: the Iceberg table manager (catalogs, tables from Arrow
//     schemas, streamed writes with one commit each, fenced merge-on-read upserts and deletes,
//     schema evolution, snapshot properties, compaction, delete merging, snapshot expiry, table
//     health).
//   - [github.com/etlwatch/etlwatch/cdc]: the CDC consumer, Kafka change events applied to Iceberg
//     exactly once, with replication-lag tracking, dead letters and table maintenance; its change
//     formats are [github.com/etlwatch/etlwatch/cdc/debezium] (Debezium JSON, the default) and
//     [github.com/etlwatch/etlwatch/cdc/jsonupsert] (a plain JSON upsert/delete topic).
//   - [github.com/etlwatch/etlwatch/dataquality/anomaly] and
//     [github.com/etlwatch/etlwatch/dataquality/cdcmonitor]: monitors that learn a table's normal
//     volume, freshness and schema from its history ([github.com/etlwatch/etlwatch/dataquality/sqlhistory])
//     and flag a load or a stream that leaves it; [github.com/etlwatch/etlwatch/dataquality/arrowdataset]
//     makes Arrow record batches a dataset the checks run on.
//   - [github.com/etlwatch/etlwatch/lineage]: OpenLineage run events (Marquez over HTTP, a file, a
//     writer; Kafka in [github.com/etlwatch/etlwatch/lineage/kafka]) that [New] wires from the
//     source's lineage: section and the OPENLINEAGE_* variables: the job's run starts at New and
//     ends at [Pipeline.Shutdown], with the results of its Checker; the CDC consumer reports as a
//     STREAMING run through [github.com/etlwatch/etlwatch/lineage/cdclineage].
//   - deploy/...: what runs beside the SDK, checked against what it exposes: the Prometheus alert
//     rules, Grafana and Dynatrace dashboards, and the Compose stack.
//   - examples/...: programs that wire the SDK together: examples/quickstart (a SQLite sample loaded
//     into a local Iceberg warehouse, with checks and /metrics: nothing to install),
//     examples/bulkload (the reference bulk load from any configured source), examples/cdc (the
//     CDC consumer; --demo runs it on an in-process Kafka), examples/simulator (an ETL simulator
//     with Prometheus metrics) and examples/logexporter (Prometheus metrics from a job's JSON log
//     file, for jobs that cannot link the SDK).
//
// Every package can be used without a sources.yaml: each has its own small Config or options
// (cdc.New, iceberg.NewCatalog, postgres.New, ...), and a FromSource or Open beside it
// translates a sources.yaml source.
//
// # Options
//
// Constructors take what they require, then options: With* functions over the package's
// unexported configuration, each documenting its default and what it wins over. Outside the
// monitoring packages an option is a function type (cdc.Option, iceberg.Option, ...). The
// monitoring packages (monitoring, its sinks, correlation) use small interfaces instead, the way
// the OpenTelemetry SDK does, because one option there serves several constructors
// (monitoring.SharedOption sets both the MetricsCollector and the StructuredLogger).
//
// # How to add a sink
//
// A sink that code adds needs nothing here: pass it with [WithSinks], or to
// monitoring.WithSinks. A sink that sources.yaml turns on touches these files: its own package
// under monitoring/ (a monitoring.PushSink or PullSink); configloader/sinks.go (its name, a
// Sink* constant, and SinkNames); configloader/types.go (its fields in Monitoring) and
// configloader/schema.go (its keys under monitoring:, validated like every key); and sinks.go
// in this package, one entry in configuredSinks: its name, when the section turns it on, and a
// function that starts it. [New] then starts it, skips it with a sink_unavailable event when it
// cannot start, and fails when monitoring.required_sinks lists it; the README's configuration
// reference documents its keys.
//
// The core packages (monitoring, correlation, dataquality, configloader, lineage) import no cloud SDK,
// database driver, Arrow or Iceberg; sinks and extractors with heavy dependencies live in their own
// sub-packages, so a program compiles only what it uses.
package etlwatch
