package iceberg

// Snapshot summary properties that the writers of etlwatch record and read back: the bulk load
// (internal/bulkload, examples/bulkload) writes them with each table's commit and the CDC
// consumer (package cdc) reads them to resume and to skip what the load already holds. They are
// spelled here once, so that a rename cannot break one side silently; [PropKafkaOffsets] is the
// consumer's own.
const (
	// PropSource is the source a bulk load read ("sources.yaml source name").
	PropSource = "etlwatch.source"
	// PropPosition is the source position of the load's consistent snapshot, such as
	// "oracle_scn:5000", "postgres_lsn:0/16B3748" or "mysql_binlog:file:pos".
	PropPosition = "etlwatch.position"
	// PropCorrelationID is the correlation ID of the job or batch that made the commit.
	PropCorrelationID = "etlwatch.correlation_id"
	// PropPGSnapshot is the PostgreSQL transaction snapshot of a load's read ("xmin:xmax:xip,...",
	// as pg_current_snapshot() prints it): the consumer skips exactly the changes of the
	// transactions it shows as committed.
	PropPGSnapshot = "etlwatch.pg_snapshot"
)
