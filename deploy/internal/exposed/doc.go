// Package exposed collects, for the tests of deploy/, the metric families that etlwatch jobs,
// examples/simulator and examples/logexporter really expose to Prometheus, and checks PromQL
// expressions against them, so that no alert rule or dashboard names a metric or a label that
// nothing exposes.
//
// # Collecting
//
// [All] runs the simulator for ten minutes of fake time, feeds its log to the log exporter, and
// runs the real CDC consumer ([EmitCDC]), data-quality results, a failing sink, a
// dropped measurement and the runtime metrics through an etlwatch collector with a Prometheus
// sink; it returns every family by name, with its type and label names. [Gather] does the same
// for any prometheus.Gatherer, [ParseText] for a scraped /metrics body. [Series] turns families
// into the names of their series (a histogram's _bucket, _sum and _count), with the job and
// instance labels Prometheus adds when it scrapes:
//
//	series := exposed.Series(exposed.All(t))
//	q := exposed.ParseQuery(`sum by (table) (rate(records_processed_total[5m]))`)
//	for _, problem := range exposed.Check(series, q) {
//		t.Error(problem)
//	}
//
// # Queries
//
// [ParseQuery] is no PromQL parser (the Prometheus parser is not a dependency of etlwatch), only
// a tokenizer that finds what an expression refers to: the metric names it selects, the
// regular expressions it matches __name__ against, the labels it matches, groups or joins on,
// and the labels label_replace creates. Its test pins what it understands. [Check] reports the
// names that no family exposes and the labels that none of the expression's families has.
//
// The package is internal to deploy/ and imports testing: it is test support, not API.
package exposed
