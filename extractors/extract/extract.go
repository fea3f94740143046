package extract

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/etlwatch/etlwatch/dataquality"
)

// PrimaryKeyMetadata is the Arrow schema metadata key that lists a table's primary key columns,
// comma-separated, as github.com/etlwatch/etlwatch/dataquality/arrowdataset reads it.
const PrimaryKeyMetadata = "etlwatch.primary_key"

// Extractor reads tables from one source database. Implementations are safe for concurrent use.
type Extractor interface {
	// Tables lists the tables the extractor can read, sorted, as the database names them.
	Tables(ctx context.Context) ([]string, error)
	// Describe returns a table's columns as an Arrow schema, with its primary key. An unknown
	// table is an error naming it; a column of an unsupported type is an error naming the table,
	// the column and the type, unless the package documents a fallback for it.
	Describe(ctx context.Context, table string) (*Table, error)
	// Snapshot starts a consistent snapshot of the database and records its position, from which
	// a change-data-capture consumer can take over.
	Snapshot(ctx context.Context) (Snapshot, error)
	// Dataset returns the table as a data-quality dataset whose questions (counts, null counts,
	// checksums) are pushed down to the database.
	Dataset(ctx context.Context, table string) (dataquality.Dataset, error)
	// Close releases the extractor's connections.
	Close() error
}

// Table describes one source table.
type Table struct {
	// Name is the table's name as the database knows it.
	Name string
	// Schema has one field per column in table order, nullable as the column is; its metadata
	// holds PrimaryKeyMetadata when the table has a primary key.
	Schema *arrow.Schema
	// PrimaryKey lists the primary key's columns in key order; empty for a table without one.
	PrimaryKey []string
	// SourceTypes holds each column's type as the database declares it, such as "numeric(12,2)".
	SourceTypes []string
}

// Position is where in the source's change history a snapshot stands.
type Position struct {
	// Kind says what Value is: PositionLSN, PositionSCN, PositionBinlog, PositionGTID or PositionNone.
	Kind string
	// Value is the position in the database's own notation, such as "0/16B3748" for an LSN or
	// "mysql-bin.000003:154" for a binlog file and offset.
	Value string
	// Transactions, for PostgreSQL, is the snapshot's transaction snapshot as
	// pg_current_snapshot() prints it, "xmin:xmax:xip,...": which transactions' changes the
	// snapshot holds, so that a change-data-capture consumer can skip exactly those (an LSN
	// alone cannot tell). Empty for other databases.
	Transactions string
}

// The kinds of [Position].
const (
	PositionLSN    = "postgres_lsn" // a PostgreSQL WAL LSN, from pg_current_wal_lsn()
	PositionSCN    = "oracle_scn"   // an Oracle system change number
	PositionBinlog = "mysql_binlog" // a MySQL/MariaDB binlog file and offset
	PositionGTID   = "mysql_gtid"   // a MySQL GTID set or MariaDB GTID position
	PositionNone   = "none"         // the source has no change history (SQLite)
)

// String returns "kind:value".
func (p Position) String() string { return p.Kind + ":" + p.Value }

// Snapshot is a consistent view of the source database: every read through it sees the data as of
// [Snapshot.Position]. Close it when done; it holds a transaction open.
type Snapshot interface {
	// Position returns where in the change history the snapshot stands.
	Position() Position
	// Extract streams table as Arrow record batches of at most opts.BatchRows rows, read by
	// opts.Partitions readers over key ranges at once, and calls fn with each batch, from one
	// goroutine at a time; fn must not keep the batch after it returns unless it retains it.
	// Memory is bounded by the batch size times the number of partitions, not by the table. It
	// returns the number of rows read. An error from fn or a reader stops every reader.
	Extract(ctx context.Context, table *Table, opts ReadOptions, fn func(ctx context.Context, rec arrow.RecordBatch) error) (int64, error)
	// RowCount counts the table's rows in the snapshot.
	RowCount(ctx context.Context, table string) (int64, error)
	// Close ends the snapshot.
	Close() error
}

// ReadOptions tune [Snapshot.Extract].
type ReadOptions struct {
	// Partitions is how many key ranges are read at once (sources.yaml parallel_partitions).
	// A table without a single integer key is read by one reader. Default 1.
	Partitions int
	// BatchRows is the largest number of rows in one record batch. Default DefaultBatchRows.
	BatchRows int
	// Allocator allocates the batches. Default memory.DefaultAllocator.
	Allocator memory.Allocator
}

// DefaultBatchRows is the default number of rows in one record batch.
const DefaultBatchRows = 8192

// WithDefaults returns o with its zero fields set to their defaults, or an error for negative ones.
func (o ReadOptions) WithDefaults() (ReadOptions, error) {
	if o.Partitions < 0 || o.BatchRows < 0 {
		return o, fmt.Errorf("extract: read options: partitions %d and batch rows %d must not be negative", o.Partitions, o.BatchRows)
	}
	if o.Partitions == 0 {
		o.Partitions = 1
	}
	if o.BatchRows == 0 {
		o.BatchRows = DefaultBatchRows
	}
	if o.Allocator == nil {
		o.Allocator = memory.DefaultAllocator
	}
	return o, nil
}

// UnsupportedTypeError reports a column whose database type has no Arrow mapping.
type UnsupportedTypeError struct {
	Table, Column, Type string
}

// Error names the table, the column and the type.
func (e *UnsupportedTypeError) Error() string {
	return fmt.Sprintf("extract: %s.%s: type %s has no Arrow mapping", e.Table, e.Column, e.Type)
}
