// Package cdclineage reports the CDC consumer (github.com/etlwatch/etlwatch/cdc) as a STREAMING
// OpenLineage job: an [Observer] for cdc.WithObserver that turns the consumer's start, its
// Iceberg commits and its stop into START, RUNNING (at most every lineage.running_interval, each
// with what was committed since) and COMPLETE or FAIL events of a [lineage.StreamingRun].
//
//	p, err := etlwatch.New(ctx, "cdc", src, etlwatch.WithStreamingLineage())
//	obs, err := cdclineage.ForPipeline(p, src)
//	consumer, err := cdc.Open(src, tables, cdc.WithObserver(obs))
//
// The output statistics of a run's events add up to what the consumer committed.
package cdclineage
