package cdc

import "github.com/etlwatch/etlwatch/internal/failpoint"

// Failpoints: named places in a batch where a test stops or kills the consumer to prove that a
// crash there loses and duplicates nothing. They cost a nil check when no test set a hook.
const (
	// FailBeforeIcebergCommit is inside a table's commit, once its data and delete files are
	// written and the batch before it and the table's maintenance are over, just before the
	// Iceberg commit (with deletion vectors, before they are written).
	FailBeforeIcebergCommit = "before-iceberg-commit"
	// FailBetweenTables is after one table of a batch is committed, before the next.
	FailBetweenTables = "between-tables"
	// FailBeforeKafkaCommit is after every table of a batch is committed to Iceberg, before the
	// Kafka group offsets are.
	FailBeforeKafkaCommit = "before-kafka-commit"
	// FailAfterFilesWritten is inside a table's commit, after its Parquet data and delete files
	// (or its deletion vectors, cdc.deletes: vectors) are written, before the Iceberg commit
	// that would reference them.
	FailAfterFilesWritten = failpoint.AfterFilesWritten
	// FailAfterMaintenanceCommit is inside a table's maintenance, which runs beside the next
	// batch: after its compaction is committed, before its snapshots are expired. The next batch
	// may be writing its files meanwhile; its commit waits for the maintenance.
	FailAfterMaintenanceCommit = "after-maintenance-commit"
)

func (c *Consumer) failpoint(name string) { failpoint.At(name) }
