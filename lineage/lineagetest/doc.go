// Package lineagetest helps test code that emits OpenLineage events with
// github.com/etlwatch/etlwatch/lineage: it validates events against the OpenLineage 2-0-2 JSON
// Schemas and runs an in-process receiver that behaves like Marquez.
//
// # Validation
//
// [Validate] checks an event's JSON against the spec's RunEvent schema and each facet against
// its own schema (the spec's standard facets, the Iceberg facets of its registry, and etlwatch's
// etlwatch_correlation facet), with formats asserted. The schemas are embedded (schemas/, with
// their attribution in schemas/SOURCES.md), so tests need no network.
//
// # Receiver
//
// [NewReceiver] starts an HTTP server on 127.0.0.1 that answers POST /api/v1/lineage as Marquez
// does: 201 for a valid event, 400 for an invalid one. Point a pipeline at it with
// OPENLINEAGE_URL or [lineage.NewHTTPTransport]:
//
//	rcv := lineagetest.NewReceiver(t)
//	t.Setenv("OPENLINEAGE_URL", rcv.URL())
//	// ... run the job ...
//	for _, ev := range rcv.Events() { ... }
//
// [Hanging] and [Down] give the URLs of a receiver that never answers and of one that is not
// there, to test that lineage never holds up a job.
package lineagetest
