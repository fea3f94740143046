package cdc

// Failpoints: named places in a batch where a test stops or kills the consumer to prove that a
// crash there loses and duplicates nothing. They cost a nil check when no test set a hook.
const (
	// FailBeforeIcebergCommit is after a table's share of the batch is collapsed and checked,
	// before its data and delete files are written and committed.
	FailBeforeIcebergCommit = "before-iceberg-commit"
	// FailBetweenTables is after one table of a batch is committed, before the next.
	FailBetweenTables = "between-tables"
	// FailBeforeKafkaCommit is after every table of a batch is committed to Iceberg, before the
	// Kafka group offsets are.
	FailBeforeKafkaCommit = "before-kafka-commit"
)

// failpointHook is called at each failpoint when set (by tests only, through export_test.go).
var failpointHook func(name string)

func (c *Consumer) failpoint(name string) {
	if h := failpointHook; h != nil {
		h(name)
	}
}
