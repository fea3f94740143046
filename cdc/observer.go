package cdc

import (
	"context"
	"strconv"
	"time"

	"github.com/apache/iceberg-go/table"
)

// Observer is told what a [Consumer] does: when it starts, each Iceberg commit, and when it
// stops. Lineage emitters, data-quality monitors and a user's own bookkeeping plug in here
// ([WithObserver]) without touching the consumer's loop.
//
// The methods are called from [Consumer.Run]'s goroutines, one at a time and Committed in
// commit order: they must return quickly (hand slow work, such as network I/O, to a goroutine
// of their own) and must not call the Consumer. An observer cannot fail the consumer: it has
// no error to return.
type Observer interface {
	// Started is called once when Run starts, before its first poll.
	Started(ctx context.Context, info StartInfo)
	// Committed is called after each Iceberg commit of a table's share of a batch; ctx carries
	// the batch's correlation ID.
	Committed(ctx context.Context, info CommitInfo)
	// Stopped is called once when Run returns, with the error it returns: nil after a clean
	// stop (Run's context ended).
	Stopped(ctx context.Context, err error)
}

// WithObserver adds an observer of the consumer's start, commits and stop. It may be given
// several times; observers are called in the order given. Default: none.
func WithObserver(o Observer) Option {
	return func(c *config) {
		if o != nil {
			c.observers = append(c.observers, o)
		}
	}
}

// StartInfo describes a consumer as it starts.
type StartInfo struct {
	Source       string   // the source's name in sources.yaml
	DatabaseType string   // the source's database_type: postgres, mysql, oracle, sqlite
	Brokers      []string // cdc.brokers
	Topics       []string // cdc.topics; empty when TopicPrefix selects them
	TopicPrefix  string   // cdc.topic_prefix
	GroupID      string   // cdc.group_id
	Namespace    string   // the Iceberg namespace of the tables
	StartedAt    time.Time
}

// Column is one column of a table as it stood at a commit.
type Column struct {
	Name     string
	Type     string // the Iceberg type: long, string, decimal(10, 2), timestamp, ...
	Nullable bool
}

// CommitInfo is one Iceberg commit of a table's share of a batch.
type CommitInfo struct {
	Namespace   string
	Table       string // the Iceberg table's name within Namespace
	Location    string // the table's location (its warehouse path or URI)
	SourceTable string // the source table, "db.schema.table" as Debezium names it; "" if unknown
	// Topics are the Kafka topics whose records the commit applied.
	Topics []string
	// Upserted and Deleted count the rows written and the keys deleted after the batch was
	// collapsed to the last change per key; Events counts the change events it applied.
	Upserted, Deleted, Events int64
	Truncated                 bool  // the commit emptied the table first
	DataFiles, DeleteFiles    int   // files the commit added
	AddedBytes                int64 // bytes of the files it added
	TotalRecords              int64 // rows in the table after it (Iceberg's total-records, before merge-on-read deletes)
	SnapshotID                int64
	Created                   bool // the commit created the table
	CommittedAt               time.Time
	Duration                  time.Duration // of the commit, files written included, not a wait for the table's maintenance
	Columns                   []Column      // the table's schema after the commit
	Offsets                   Offsets       // the offsets the table records after the commit
}

// columnsOf lists the columns of tbl's current schema.
func columnsOf(tbl *table.Table) []Column {
	fields := tbl.Schema().Fields()
	out := make([]Column, len(fields))
	for i, f := range fields {
		out[i] = Column{Name: f.Name, Type: f.Type.String(), Nullable: !f.Required}
	}
	return out
}

// summaryInt reads an integer of the current snapshot's summary (added-data-files, ...).
func summaryInt(tbl *table.Table, key string) int64 {
	s := tbl.CurrentSnapshot()
	if s == nil || s.Summary == nil {
		return 0
	}
	n, _ := strconv.ParseInt(s.Summary.Properties[key], 10, 64)
	return n
}
