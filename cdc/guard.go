package cdc

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/etlwatch/etlwatch/cdc/debezium"
)

// Reasons the consumer gives, besides the decoder's [debezium.Reason]s, for a record it sends to
// the dead-letter topic: the values of the reason dimension of cdc_events_failed and of the
// etlwatch.error.reason header.
const (
	ReasonMissingTable     debezium.Reason = "missing_table"      // the event names no table
	ReasonInvalidTableName debezium.Reason = "invalid_table_name" // a name no Iceberg table may have
	ReasonTableCollision   debezium.Reason = "table_name_collision"
	ReasonMissingKey       debezium.Reason = "missing_key"        // a keyed op without a key
	ReasonKeyNotInRow      debezium.Reason = "key_not_in_row"     // the key's columns are not in the row
	ReasonMissingAfter     debezium.Reason = "missing_after"      // an insert or update without an after image
	ReasonValueDoesNotFit  debezium.Reason = "value_does_not_fit" // a value the table's column cannot hold
	ReasonKeyDoesNotFit    debezium.Reason = "key_does_not_fit"   // a delete's key the table's key cannot hold
	ReasonInvalidColumns   debezium.Reason = "invalid_columns"    // columns no Iceberg table can have
)

// DeadLetterReasons returns every reason the consumer gives for a dead letter: the decoder's
// ([debezium.Reasons]), then the consumer's own (Reason* above). They are the values of the
// reason dimension of cdc_events_failed and of the etlwatch.error.reason header; cdc/doc.go and
// the CdcEventsFailed runbook list them, and tests check that they list every one.
func DeadLetterReasons() []debezium.Reason {
	return append(debezium.Reasons(), ReasonMissingTable, ReasonInvalidTableName, ReasonTableCollision, ReasonMissingKey,
		ReasonKeyNotInRow, ReasonMissingAfter, ReasonValueDoesNotFit, ReasonKeyDoesNotFit, ReasonInvalidColumns)
}

// TableNaming names the Iceberg table that receives a source table's changes ([WithTableNaming]).
type TableNaming func(debezium.TableID) string

// TableOnly names the table after the source table alone ("orders"): the default, and what the
// bulk load writes. Two schemas with a table of the same name cannot then share a consumer: the
// table records the source table that first wrote it, and the other schema's events go to the
// dead-letter topic (reason table_name_collision).
func TableOnly(id debezium.TableID) string { return id.Table }

// SchemaAndTable names the table "schema_table" ("sales_orders"), or "db_table" for MySQL, so
// that tables of the same name in two schemas stay apart.
func SchemaAndTable(id debezium.TableID) string {
	if id.Schema != "" {
		return id.Schema + "_" + id.Table
	}
	if id.DB != "" {
		return id.DB + "_" + id.Table
	}
	return id.Table
}

// validTableName reports why name cannot name an Iceberg table: the SQL and Hadoop catalogs put
// it in a file path, so a separator, a parent reference or a control character would write
// outside the warehouse.
func validTableName(name string) error {
	switch {
	case name == "":
		return errors.New("the table name is empty")
	case len(name) > 255:
		return fmt.Errorf("the table name is %d bytes long; at most 255 are allowed", len(name))
	case strings.ContainsAny(name, `/\`):
		return fmt.Errorf("the table name %q contains a path separator", truncateText(name, maxQuoted))
	case strings.HasPrefix(name, ".") || strings.Contains(name, ".."):
		return fmt.Errorf("the table name %q starts with a dot or contains \"..\"", truncateText(name, maxQuoted))
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return fmt.Errorf("the table name %q contains a control character", truncateText(name, maxQuoted))
	}
	return nil
}

// ErrRetentionGap is returned (wrapped in a [*GapError]) by [Consumer.Run] when Kafka no longer
// holds the records after the position Iceberg recorded (retention or compaction deleted them
// before they were applied): those changes are lost to the consumer, so it stops rather than go
// on with a table that silently diverged. [WithSkipRetentionGaps] makes it go on instead.
var ErrRetentionGap = errors.New("cdc: kafka no longer holds records that were never applied")

// GapError says which records a retention gap lost.
type GapError struct {
	Topic     string
	Partition int32
	Next      int64 // the next offset to apply, as Iceberg recorded it
	LogStart  int64 // the first offset Kafka still holds
}

// Error implements error.
func (e *GapError) Error() string {
	return fmt.Sprintf("cdc: %s/%d: the next offset to apply is %d but the log starts at %d: records %d-%d were deleted by Kafka before they were applied (a lagging consumer or a short retention.ms); the tables fed by this topic miss those changes: reload them with a bulk load, or start the consumer with cdc.WithSkipRetentionGaps to go on and record the gap",
		e.Topic, e.Partition, e.Next, e.LogStart, e.Next, e.LogStart-1)
}

// Unwrap returns [ErrRetentionGap].
func (e *GapError) Unwrap() error { return ErrRetentionGap }

// PropOffsetGaps is the snapshot summary property that records the retention gaps a consumer
// started with [WithSkipRetentionGaps] skipped: "topic:partition=from-to;...", the offsets of the
// records Kafka deleted before they were applied.
const PropOffsetGaps = "etlwatch.kafka_offset_gaps"
