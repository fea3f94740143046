// Package iceberg writes extracted tables to Apache Iceberg through
// [github.com/apache/iceberg-go]: it opens the configured catalog, creates and evolves tables from
// the Arrow schemas the extractors produce, writes each load as a single snapshot that records
// where in the source it came from, and offers the result to the data-quality checks. It is the Go
// form of the reference pipeline's IcebergTableManager.
//
// # Catalogs
//
// [OpenCatalog] turns a [configloader.Iceberg] into an iceberg-go [catalog.Catalog]. The default
// is a SQL catalog kept in SQLite (catalog.db in the warehouse directory, default
// [DefaultWarehouse]); a postgres:// URI keeps it in PostgreSQL instead; "rest" and "glue" use
// iceberg-go's REST and AWS Glue catalogs.
//
//	cat, err := iceberg.OpenCatalog(ctx, cfg.Iceberg)
//	m := iceberg.NewTableManager(cat, "raw", iceberg.WithLogger(logger))
//
// # Tables and schema evolution
//
// [TableManager.EnsureTable] creates the namespace and the table when they are missing. The
// Iceberg schema comes from the Arrow schema ([IcebergSchema]); the columns named in the schema
// metadata key [extract.PrimaryKeyMetadata] become the table's identifier fields. When the table
// exists and the source gained columns or widened one safely (int to long, float to double), the
// schema is evolved and the change is passed, as a [SchemaChange], to the hook set with
// [WithSchemaChangeHook]; any other type change is an [*IncompatibleSchemaError].
//
// # Writing
//
// [TableManager.Write] reads a stream of Arrow record batches (an iter.Seq2, so a bulk load never
// holds the whole table), writes them to Parquet data files and commits them in one snapshot,
// with the given summary properties: all rows land or none do.
//
//	tbl, err := m.EnsureTable(ctx, "orders", schema)
//	res, err := m.Write(ctx, tbl, schema, batches, map[string]string{
//		"etlwatch.position": "postgres_lsn:0/16B3748",
//	})
//
// A commit that loses a race with another writer is retried after reloading the table
// ([WithCommitRetries]); the data files are not written again. [IsCommitConflict] recognises the
// SQL catalog's conflict errors, which are not typed.
//
// # Row-level changes
//
// [TableManager.Apply] applies a [Change] (upserts, deletes and truncate, collapsed to the last
// state per key by the caller, as a change-data-capture consumer does) in one merge-on-read
// commit: equality deletes for every touched key plus data files for the surviving rows. It is
// fenced on the snapshot the table was loaded at, so a stale writer fails with [ErrStaleTable]
// instead of overwriting a newer state.
//
// # Snapshot properties
//
// [SnapshotProperties] returns the current snapshot's summary, and [TableManager.LastProperty]
// finds the newest snapshot carrying a key, such as the source position of the bulk load that a
// change-data-capture consumer starts from.
//
// # Data quality
//
// [Dataset] implements [dataquality.Dataset] and the optional [dataquality.NullCounter],
// [dataquality.SchemaReader], [dataquality.PrimaryKeyReader] and [dataquality.Checksummer]: row
// and NULL counts come from the snapshot summary and the manifests without reading data files
// when the snapshot has no delete files; checksums and row hashes for a reconciliation
// ([dataquality.Checker.Reconcile], or checksum_tables in sources.yaml) come from scans of the key
// and compared columns, pruned to the files whose key bounds meet the range asked for, hashed one
// record batch at a time, so memory does not grow with the table.
package iceberg
