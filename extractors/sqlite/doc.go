// Package sqlite is the SDK's embedded extractor: it reads SQLite databases through the pure-Go
// driver modernc.org/sqlite (database/sql driver name [DriverName]), so there is nothing to
// install. [Extractor] implements [extract.Extractor] and its snapshots [extract.Snapshot].
//
//	ext, err := sqlite.Open(ctx, src) // src.Connection.Database: "shop.db"
//	if err != nil {
//		return err
//	}
//	defer ext.Close()
//	table, err := ext.Describe(ctx, "orders")
//	...
//	snap, err := ext.Snapshot(ctx)
//	...
//	defer snap.Close()
//	rows, err := snap.Extract(ctx, table, extract.ReadOptions{BatchRows: 4096}, write)
//
// [CreateSample] writes the small shop database (customers, orders, order_items) that the
// quickstart loads.
//
// # Opening
//
// [Open] takes a configloader.Source: Connection.DSN when set, passed to the driver unchanged,
// otherwise Connection.Database, a file path or ":memory:". A file is opened read-only
// (file:path?mode=ro, with a 5 s busy timeout) and must exist; the extractor never writes.
// ":memory:" is a new, empty database private to the extractor, on one connection, so a snapshot
// holds that connection until it is closed. [OpenDB] wraps a handle you opened yourself.
// Connection.Options is not used.
//
// # Types
//
// SQLite is dynamically typed: a column has a declared type and an affinity, but any row may
// store any value. [Extractor.Describe] maps the declared type, case-insensitively, by the first
// rule that matches (SQLite's affinity rules, with dates, booleans and decimals first):
//
//	declared type contains                    Arrow type
//	(no declared type)                        string (fallback)
//	BOOL                                      bool
//	DATETIME, TIMESTAMP                       timestamp[us, tz=UTC]
//	DATE (exactly)                            date32
//	INT (INTEGER, BIGINT, TINYINT, ...)       int64
//	CHAR, CLOB, TEXT (VARCHAR(n), ...)        string
//	BLOB                                      binary
//	REAL, FLOA, DOUB                          float64
//	DEC, NUMERIC with (p,s), 1 <= p <= 38     decimal128(p,s)
//	DEC, NUMERIC otherwise (NUMERIC, DEC(p))  float64
//	anything else (JSON, UUID, ...)           string (fallback)
//
// Values are converted, not guessed: a value that does not fit its column's Arrow type stops
// the extraction with a [*ValueError] naming the table, the column, the row's key and the
// value's storage class. What is accepted:
//
//   - int64: integers (and a driver bool as 0/1). bool: 0 and 1. float64: reals and integers.
//   - string: text, integers and reals written in decimal; a fallback column also takes a blob
//     that is valid UTF-8.
//   - binary: blobs and text.
//   - timestamp and date32: ISO-8601 text ("2024-03-04 05:06:07.123456", with or without "T"
//     and a zone; no zone means UTC), or a number of Unix seconds (integer or real). A date32
//     takes the date part.
//   - decimal128(p,s): integers, reals (by their shortest decimal form) and numeric text,
//     rounded to scale s; more than p digits is an error. SQLite stores NUMERIC values as
//     integers or reals, so only about 15 significant digits survive storage.
//
// A column is nullable unless it is declared NOT NULL or is the INTEGER PRIMARY KEY (the rowid).
// When the table has a primary key, the schema's metadata holds [extract.PrimaryKeyMetadata].
//
// # Snapshots
//
// [Extractor.Snapshot] takes one connection and opens a read transaction (BEGIN, then a first
// read, so the view is fixed when Snapshot returns). In WAL mode that is snapshot isolation:
// writes committed by other connections afterwards are not seen, and writers are not blocked.
// In rollback-journal mode the transaction holds a SHARED lock, which keeps the data unchanged
// by blocking writers until the snapshot is closed. The position is
// {Kind: extract.PositionNone, Value: ""}: SQLite has no change history to resume from.
//
// SQLite cannot share one transaction's view with another connection, so every read of a
// snapshot runs on its connection, one at a time (concurrent calls wait for each other). With
// ReadOptions.Partitions > 1 and a single integer primary key the table is split into that many
// key ranges, read one after the other; Partitions changes how the table is read, not how fast,
// and memory stays bounded by one batch of BatchRows rows. Rows whose key is not an integer,
// which SQLite allows outside an INTEGER PRIMARY KEY, are read with the first range. Tables
// with a primary key are read in key order.
//
// # Logging
//
// [WithLogger] gives the extractor an *slog.Logger; its messages start with the table name,
// "orders: extracted 300 rows in 1 batches", and carry table, rows and duration attributes.
// By default nothing is logged.
//
// # Concurrency
//
// An [Extractor] and its snapshots are safe for concurrent use. The batch callback is called
// from one goroutine at a time, and each batch is released when it returns. The callback runs
// while the snapshot's connection is in use, so it must not call the same snapshot's methods.
package sqlite
