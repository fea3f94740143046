// Package lineage makes etlwatch jobs OpenLineage producers: it builds OpenLineage 2-0-2
// RunEvents (what a run of a job read and wrote, with schemas, statistics, column lineage and
// data-quality results) and sends them in the background to Marquez or any OpenLineage
// receiver, to a file, to a writer, or to Kafka (package lineage/kafka).
//
// etlwatch.New wires a [Client] from a source's lineage: section and the OPENLINEAGE_*
// environment variables; the bulk load and the quickstart emit through it with no code of the
// user's. This package is what they use, and what a job of one's own can use directly.
//
// # Client and transports
//
// A [Client] sends every event through each of its transports: [HTTPTransport] (POST to
// {url}/api/v1/lineage, Marquez's endpoint, with a bearer API key, retries with backoff and
// bounded timeouts), [WriterTransport] (JSON lines, the console transport), [FileTransport]
// (JSON lines appended to a file, one per day or rotated by size). Each transport has a
// bounded buffer and a goroutine of its own: [Client.Emit] never waits and never fails the
// job. An event that cannot be delivered is counted ([Client.Stats], the
// etlwatch_lineage_events_failed{transport} metric with [WithMetrics]) and the first failure of
// an outage reaches the error handler as a [*DeliveryError]; events dropped from a full buffer
// are counted apart ([Client.Dropped]). [Client.Shutdown] waits a bounded time for what is
// buffered.
//
//	client, err := lineage.NewClient(lineage.WithTransports(httpTransport), lineage.WithNamespace("etl"))
//	run := client.NewRun("shop.bulk_load", lineage.WithCorrelationID(id))
//	run.Start(lineage.Update{})
//	table := client.NewRun("shop.bulk_load.orders", lineage.WithParent(run), lineage.WithJobType("TASK"))
//	table.Start(lineage.Update{Inputs: in, Outputs: out})
//	table.Complete(lineage.Update{Inputs: in, Outputs: outWithStatistics})
//	run.End(err, lineage.Update{})
//	_ = client.Shutdown(ctx)
//
// # Runs
//
// A [JobRun] keeps OpenLineage's rules: one START, RUNNING events in between, one terminal
// event (COMPLETE, FAIL with the errorMessage facet, ABORT for a cancelled context). Run IDs are
// UUIDv7 ([NewRunID]). A child run ([WithParent]) carries the parent facet with its parent and
// the root of the tree, so Marquez shows a job and its tables. Every event carries the
// jobType facet (BATCH or STREAMING, integration ETLWATCH), START the processing_engine facet,
// and, with [WithCorrelationID], etlwatch's etlwatch_correlation run facet, whose schema is
// [CorrelationRunFacetSchema]. A [StreamingRun] is a STREAMING job's run: RUNNING events at most
// every interval, each carrying what was committed since the last ([Commit]).
//
// # Datasets
//
// Datasets are named as the OpenLineage clients name them: [Postgres], [MySQL], [Oracle],
// [Kafka], [SQLite], and Iceberg tables by their location ([Location]) with the catalog's name
// of the table as a symlinks entry ([IcebergTable]). [SchemaOf] builds the schema facet and
// [IdentityColumnLineage] the column lineage of a copy. [QualityOf] turns data-quality results
// into the run's test facet, dataQualityAssertions on the input (the checks that compare input
// and output; the spec allows that facet on inputs only) and dataQualityMetrics (row counts,
// per-column null counts).
//
// # Types
//
// [RunEvent] and its facets are Go types of the spec's JSON Schemas. Members and facets a type
// does not name are kept (Extra, Other) and encoded back, so an event decodes and encodes
// unchanged.
package lineage
