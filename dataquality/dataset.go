package dataquality

import (
	"context"
	"time"
)

// Dataset is a table as the checks see it: something that can count its rows. What else it can
// answer cheaply is offered through the optional interfaces [NullCounter], [DuplicateFinder],
// [MaxTimeReader], [SchemaReader], [PrimaryKeyReader] and [Checksummer], which the checks detect
// by type assertion. A check that needs a capability its Dataset lacks fails with
// [ErrUnsupported]; it never passes silently.
//
// [MemoryDataset] and the SQL tables of
// [github.com/etlwatch/etlwatch/dataquality/sqldataset] implement every interface. Methods of a
// Dataset must be safe for concurrent use: [Checker.Reconcile] queries the source and the
// destination at the same time.
type Dataset interface {
	// RowCount returns the exact number of rows.
	RowCount(ctx context.Context) (int64, error)
}

// NullCounter is a [Dataset] that counts NULL values, for [Checker.RequiredColumns].
type NullCounter interface {
	Dataset
	// NullCounts returns, for each of columns (matched case-insensitively), how many rows hold
	// NULL in it, keyed by the names as given. A column the table lacks is an error.
	NullCounts(ctx context.Context, columns []string) (map[string]int64, error)
}

// DuplicateFinder is a [Dataset] that finds key values held by more than one row, for
// [Checker.Uniqueness].
type DuplicateFinder interface {
	Dataset
	// DuplicateKeys reports the key values (key lists one or more columns) held by more than
	// one row, with up to sample of them in ascending key order. Rows whose key holds a NULL in
	// any column are not counted: check them with [NullCounter].
	DuplicateKeys(ctx context.Context, key []string, sample int) (Duplicates, error)
}

// Duplicates is what [DuplicateFinder.DuplicateKeys] found.
type Duplicates struct {
	// Keys is the number of distinct key values held by more than one row.
	Keys int64
	// ExtraRows is the number of rows beyond the first for each such key: count(*) minus
	// count(distinct key), over the rows whose key has no NULL.
	ExtraRows int64
	// Sample lists some duplicated keys, in ascending key order.
	Sample []DuplicateKey
}

// DuplicateKey is one key value held by more than one row.
type DuplicateKey struct {
	Key   []any // the key columns' values, in the order asked for
	Count int64 // the number of rows that hold it, at least 2
}

// MaxTimeReader is a [Dataset] that returns the latest value of a timestamp column, for
// [Checker.Freshness].
type MaxTimeReader interface {
	Dataset
	// MaxTime returns the largest value of column. ok is false when no row has a non-NULL value.
	MaxTime(ctx context.Context, column string) (t time.Time, ok bool, err error)
}

// SchemaReader is a [Dataset] that describes its columns, for [Checker.SchemaCompare] and to
// choose the columns [Checker.Reconcile] compares.
type SchemaReader interface {
	Dataset
	// Schema returns the columns in table order.
	Schema(ctx context.Context) ([]Column, error)
}

// PrimaryKeyReader is a [Dataset] that knows its primary key, which [Checker.RunChecks] uses as
// the key of checksum reconciliation.
type PrimaryKeyReader interface {
	Dataset
	// PrimaryKey returns the primary key's columns, in key order; none when there is no key.
	PrimaryKey(ctx context.Context) ([]string, error)
}

// Checksummer is a [Dataset] that computes checksums of key ranges, for [Checker.Reconcile].
//
// The key is a single integer column. A row's hash is [RowHasher.Hash] of the canonical encoding
// of its values in the order of [ChecksumSpec.Columns] (see [AppendCanonical]); the checksum of a
// range is the number of rows in it and the sum of their hashes modulo 2^64, so that it does not
// depend on row order and two systems holding the same rows give the same checksum.
type Checksummer interface {
	Dataset
	// KeyBounds returns the smallest and largest key. ok is false when the table has no row
	// with a non-NULL key.
	KeyBounds(ctx context.Context, key string) (r KeyRange, ok bool, err error)
	// Checksums returns the checksum of each of segments, which are sorted, contiguous and do
	// not overlap, in one pass over the rows between the first segment's Lo and the last's Hi.
	// Rows whose key is NULL are not in any range.
	Checksums(ctx context.Context, spec ChecksumSpec, segments []KeyRange) ([]Checksum, error)
	// RowHashes returns the key and hash of every row in r, sorted by key. It is called only for
	// ranges of at most [ReconcileOptions.Threshold] rows.
	RowHashes(ctx context.Context, spec ChecksumSpec, r KeyRange) ([]RowHash, error)
}

// ChecksumSpec says which columns a [Checksummer] hashes.
type ChecksumSpec struct {
	// Key is the integer key column.
	Key string
	// Columns are hashed in this order; names are matched case-insensitively, so the same spec
	// serves a source in upper case and a destination in lower case.
	Columns []string
}

// KeyRange is the closed range of keys Lo <= key <= Hi. It is closed, not half-open, so that a
// key of math.MaxInt64 has a range.
type KeyRange struct {
	Lo, Hi int64 // the smallest and the largest key in the range
}

// Checksum is the order-independent checksum of the rows of a key range.
type Checksum struct {
	Count int64  // the number of rows
	Sum   uint64 // the sum of their row hashes, modulo 2^64
}

// Add adds a row hash to the checksum.
func (c *Checksum) Add(h uint64) {
	c.Count++
	c.Sum += h
}

// RowHash is one row's key and hash.
type RowHash struct {
	Key  int64  // the row's key
	Hash uint64 // the row's hash, see [RowHasher]
}

// Column describes one column of a table.
type Column struct {
	// Name is the column's name as the table spells it.
	Name string
	// Type is the normalised type, comparable across database systems.
	Type Type
	// DatabaseType is the type as the database names it, such as "numeric(12,2)" or
	// "tinyint(1)"; informational.
	DatabaseType string
}
