// Package cdcmonitor runs the anomaly monitors of data_quality.monitors: on a CDC consumer: it
// is a [cdc.Observer] ([cdc.WithObserver]) that feeds each Iceberg commit to a
// [dataquality.Monitor] (rows per table and hour for the volume monitor, the last write for
// freshness, the columns for schema drift) and judges every table's freshness on a timer while
// the consumer runs.
//
//	monitor, _ := dataquality.NewMonitor(checker, history, dataquality.MonitorsFrom(src.DataQuality.Monitors))
//	obs, _ := cdcmonitor.New(monitor, cdcmonitor.WithTables("orders", "customers"))
//	consumer, _ := cdc.Open(src, tables, cdc.WithObserver(obs))
//
// A consumer that stops stops the timer: its tables then turn stale in the metrics alone, since
// the dq_last_write_timestamp_seconds gauge stops moving while time() does (the
// EtlTableStale alert of deploy/prometheus).
//
// It lives apart from dataquality because it imports the cdc package (Iceberg, Kafka).
package cdcmonitor
