package cdc

// Descriptions describes the consumer's metrics, by the names it emits them under, for
// monitoring.WithDescriptions (Prometheus' HELP lines):
//
//	p, _ := etlwatch.New(ctx, "cdc", src, etlwatch.WithMetricsOptions(monitoring.WithDescriptions(cdc.Descriptions)))
var Descriptions = map[string]string{
	"cdc_batch_processed":                 "Batches applied to Iceberg and committed to Kafka.",
	"cdc_batch_processing_time":           "Time to decode, collapse, apply and commit one batch.",
	"cdc_compactions":                     "Compactions of a table by the consumer's maintenance, by kind: merge (the deletes merged, the newest files rewritten) or full (the table rewritten).",
	"cdc_events_failed":                   "Change events sent to the dead-letter topic, by reason.",
	"cdc_events_processed":                "Change events applied to a table.",
	"cdc_events_skipped":                  "Change events skipped because the bulk load's snapshot already held them.",
	"cdc_kafka_offset_lag":                "Records of a partition not yet consumed: high watermark minus the next offset.",
	"cdc_lag_seconds":                     "Now minus the source commit time of the batch's oldest change, when it was applied.",
	"cdc_maintenance_failures":            "Failed maintenance steps of a table, by step; retried later.",
	"cdc_messages":                        "Debezium logical messages read (counted, not applied).",
	"cdc_new_tables":                      "Iceberg tables the consumer created.",
	"cdc_offset_gaps":                     "Retention gaps: records Kafka deleted before the consumer applied them.",
	"cdc_table_avg_data_file_bytes":       "Average data file size of a table at its last compaction check.",
	"cdc_table_bytes":                     "Bytes of the files of a table's current snapshot.",
	"cdc_table_data_files":                "Data files in a table's current snapshot.",
	"cdc_table_delete_files":              "Delete files in a table's current snapshot; every scan reads them.",
	"cdc_table_last_commit_seconds":       "Duration of a table's last commit, files written included.",
	"cdc_table_metadata_bytes":            "Size of a table's current metadata.json, rewritten by every commit.",
	"cdc_table_metadata_files":            "metadata.json versions a table's metadata log names.",
	"cdc_table_since_maintenance_seconds": "Seconds since a table's last finished maintenance.",
	"cdc_table_snapshots":                 "Snapshots a table's metadata holds.",
	"cdc_throughput_records_per_second":   "Change events applied per second of the last batch.",
	"cdc_truncates_out_of_order":          "TRUNCATEs that arrived after changes made after them were applied.",
}
