// Package cdc applies Debezium change events from Kafka to Apache Iceberg tables, exactly once,
// and reports what it did: the Go form of the reference pipeline's cdc_kafka_to_iceberg.py.
//
// A [Consumer] reads the Debezium topics of a sources.yaml source (cdc.topics, or every topic
// starting with cdc.topic_prefix) in a franz-go consumer group, decodes each record with
// [github.com/etlwatch/etlwatch/cdc/debezium], and applies its records in batches (cdc.batch_size
// records, or what came within cdc.commit_interval of a batch's first record):
//
//   - per table, the events are collapsed to the last state of each key (an insert or update
//     keeps the after image, a delete the key; a truncate discards what came before it), since
//     Iceberg's equality deletes do not remove rows written in the same snapshot;
//
//   - each table gets one commit ([iceberg.TableManager.Apply]): equality deletes for every
//     touched key plus data files for the surviving rows, merge-on-read, with the Kafka offsets
//     it covers ([PropOffsets]), the correlation ID and the batch number in the snapshot
//     summary; the commit is fenced on the snapshot the consumer last saw, so a stale consumer
//     commits nothing;
//
//   - Kafka's group offsets are committed after Iceberg's; on every partition assignment the
//     consumer resumes where the Iceberg tables say ([RecoverOffsets]), whatever Kafka says, so
//     a crash between the two commits neither loses nor duplicates a change;
//
//   - a table the events name and Iceberg lacks is created from the event's schema (or, without
//     schemas, its first row), with the key's columns as identifier fields; new source columns
//     evolve the table;
//
//   - records are decoded as they are polled, on up to four goroutines, and a full batch is
//     committed on its own goroutine while the consumer polls and decodes the next one. Two
//     batches may be in flight: once a batch only has to commit what it wrote (no table to
//     create or change any more), the next one collects its records and writes its files
//     meanwhile; it commits after it, on the table that commit left, and commits nothing when
//     it failed. Batches still commit one at a time, in order. Records decoded while the batch
//     before them created or changed their table are decoded again before they are applied.
//     Rebalances wait for the records held and the batches committing (BlockRebalanceOnPoll);
//     when the group asks for one (kgo's OnPartitionsCallbackBlocked), or at the latest 10
//     seconds after the last one was let through, the consumer stops polling ahead, finishes
//     them (the batches that end meanwhile start no table maintenance, which the rebalance would
//     wait for) and lets it through. A [WithKafkaOptions] that sets its own
//     OnPartitionsCallbackBlocked leaves only that bound (a cooperative rebalance then takes two
//     of them).
//     A panic while a batch commits is raised again by Run on its caller's goroutine, as a
//     [*CommitPanic]; a [Format] that panics on a record has that record set aside.
//
//     c, err := cdc.Open(src, iceberg.NewTableManager(cat, "raw"),
//     cdc.WithMetrics(p.Metrics), cdc.WithLogger(p.Logger))
//     if err != nil { ... }
//     defer c.Close()
//     err = c.Run(ctx) // until ctx is done
//
// # Skipping what the bulk load captured
//
// The bulk load records its snapshot position in each table's snapshot summary
// (etlwatch.position), and for PostgreSQL the snapshot's transaction snapshot
// ([PropPGSnapshot], "xmin:xmax:xip,..." as pg_current_snapshot() prints it). An event is skipped
// (cdc_events_skipped) only when its change was certainly in the load: for Oracle, a commit_scn
// at or below the snapshot SCN; for PostgreSQL, a source.txId the transaction snapshot shows as
// committed (a change LSN below the snapshot's would prove nothing: its transaction may have
// committed after the snapshot). Anything else is applied: upserts by key are idempotent.
//
// The PostgreSQL rule compares Debezium's 32-bit txId with the snapshot's xmax modulo 2^32, as
// PostgreSQL does: it is exact past any number of wraparounds for a transaction within 2^31 IDs
// of the snapshot, and anything else is applied, never skipped.
//
// # Bad input
//
// Whatever a record holds, it ends applied, skipped or set aside; it never panics the consumer
// or stops its partition. A record that cannot be decoded, names no table or a table name that is
// not a safe path ([ReasonInvalidTableName]), lacks the key of a keyed table, holds a value its
// column cannot take (a decimal that would lose digits at the column's scale, a bigint in an int
// column the source did not widen), a delete key that does not fit the key column, or columns no
// Iceberg table can have, is sent to cdc.dead_letter_topic with headers etlwatch.error.reason,
// etlwatch.error.message (at most 1 KiB: values are quoted up to 64 bytes) and
// etlwatch.source.topic/partition/offset, written as a cdc_event_failed event and counted in
// cdc_events_failed{reason}, and the batch goes on. A dead letter the topic refuses as too large
// is sent without its value, with etlwatch.error.value_omitted. The dead letters are produced
// before the batch's offsets are committed. A dead-letter topic the consumer itself reads (in
// cdc.topics or under cdc.topic_prefix) is refused by [New].
//
// The reasons ([DeadLetterReasons]; typed constants, stable values):
//
//   - from the decoder ([debezium.Reason]): invalid_json, invalid_envelope (also any error of a
//     [Format] that is not a [*debezium.DecodeError]), missing_op, unknown_op, missing_source,
//     invalid_schema, schema_mismatch, invalid_value, number_too_long;
//   - from the consumer: missing_table (the event names no table), invalid_table_name (a name no
//     Iceberg table may have), table_name_collision (another source table already owns the
//     name), missing_key (a keyed op without a key), key_not_in_row (the key's columns are not in
//     the row), missing_after (an insert or update without an after image), value_does_not_fit
//     (a value the column cannot hold), key_does_not_fit (a delete's key the key column cannot
//     hold), invalid_columns (columns no Iceberg table can have).
//
// # Policies at the edges
//
//   - Order: a batch's changes are applied in the source's order (PostgreSQL LSN, MySQL binlog
//     file and position, Oracle commit SCN), not the poll's, so a TRUNCATE, which Debezium may put
//     on any partition, removes exactly what came before it. Across batches the order is Kafka's:
//     a TRUNCATE delivered after changes the source made after it is counted in
//     cdc_truncates_out_of_order and logged at ERROR (reload the table). Likewise a key whose
//     partition changed when the topic got more partitions: within a batch its versions are
//     ordered by source position; across batches, an older version still waiting on the old
//     partition wins if it is polled later (drain the consumer before adding partitions).
//   - Retention: when Kafka no longer holds records after the offsets Iceberg recorded, [Consumer.Run]
//     returns a [*GapError] ([ErrRetentionGap]) and counts cdc_offset_gaps; with
//     [WithSkipRetentionGaps] it resumes at the log start and records the gap in [PropOffsetGaps].
//   - A bulk load into a table a consumer writes: [iceberg.Replace] refuses it
//     ([iceberg.ErrCDCOwned]); stop the consumer and load with [iceberg.TakeOverFromCDC] (bulk load
//     --take-over-cdc). The consumer then resumes from its recorded offsets on top of the new rows,
//     judging skips by the new load's snapshot. A consumer left running meanwhile does not
//     apply the batch it judged by the previous load: [Consumer.Run] returns
//     [ErrBulkLoadReplaced], and the restarted consumer judges it by the new one.
//   - Same table name in two schemas: a table records the source table that writes it
//     ([PropSourceTable]); another schema's table of the same name is dead-lettered
//     ([ReasonTableCollision]) unless the tables are named with [WithTableNaming]([SchemaAndTable]).
//   - Type widening: a typed column the source widened (int -> bigint, float -> double, a larger
//     decimal precision) is widened in Iceberg before the batch is written.
//   - A zombie (a consumer whose session expired mid-batch) is fenced: its commit finds the table
//     applied past its batch's start and fails with [ErrPartitionTaken]. Every Iceberg commit
//     moves the snapshot that fence checks: a table whose share of a batch changes nothing
//     (tombstones, skipped or dead-lettered events) gets no commit; that progress is kept by
//     Kafka's group commit, fenced by the group generation, and a partition resumes at the later
//     of Kafka's committed offset and Iceberg's.
//
// # Observability
//
// Metrics, with namespace and table dimensions where they apply: cdc_events_processed,
// cdc_events_skipped, cdc_events_failed, cdc_new_tables, cdc_batch_processed, cdc_lag_seconds
// (now - source.ts_ms, the largest of the batch), cdc_throughput_records_per_second,
// cdc_batch_processing_time, cdc_kafka_offset_lag{topic,partition} (high watermark minus the
// next offset) and cdc_messages (logical messages, counted, not applied). Each batch ends with a
// cdc_batch_complete event (batch_id, events_processed, events_skipped, new_tables,
// batch_duration_seconds, throughput_records_per_sec, max_lag_seconds) carrying the batch's
// correlation ID: the correlation_id header of its records, or a new one.
//
// # Formats
//
// The consumer reads Debezium's JSON converter format by default ([DebeziumJSON]);
// [WithFormat] selects another [Format], such as [github.com/etlwatch/etlwatch/cdc/jsonupsert]
// (plain JSON rows keyed by primary key, tombstones as deletes).
//
// # How to add a change format
//
// A new format (Debezium Avro, Maxwell, Canal, ...) is one package beside cdc/debezium; nothing
// in the consumer changes. Copy cdc/jsonupsert and touch these files:
//
//   - cdc/<name>/<name>.go: a constructor with the signature of [NewFormat] and a type whose
//     Decode turns one Kafka record into a [debezium.Event], its rows built with
//     [debezium.NewColumns] and [debezium.NewRow] (or a Debezium envelope handed to a
//     [debezium.Decoder]); input it cannot read is a [*debezium.DecodeError] with a
//     [debezium.Reason], which the consumer dead-letters;
//   - cdc/<name>/doc.go: what the format is and its limits (which ops, keys and types);
//   - cdc/<name>/<name>_test.go: unit tests of Decode, and an end-to-end test on kfake and a
//     local Iceberg catalog, exactly once through a restart, as cdc/jsonupsert/jsonupsert_test.go;
//   - cdc/<name>/example_test.go, and the README's CDC section, which lists the formats.
//
// Users select it with [WithFormat]. [Format] gives the contract in full.
//
// # Cadence, maintenance and tracing
//
// A batch is applied when it holds cdc.batch_size records or its first record has waited the
// commit interval ([WithCommitInterval], cdc.commit_interval, default [DefaultCommitInterval]),
// so a slow stream does not make one commit per poll. Records that change no table make no
// Iceberg commit: Kafka's group commit keeps their progress ([Consumer.Applied]).
//
// Maintenance is on by default ([Maintenance], [WithMaintenance], cdc.maintenance): after each
// commit the consumer reads the table's health from its metadata ([iceberg.TableManager.Health])
// and, past a limit, compacts it: at [Maintenance.MaxDeleteFiles] delete files it merges the
// deletes ([iceberg.TableManager.MergeDeletes]: the files written since the last compaction
// rewritten with their deletes applied, the delete files made one; scans slow down as delete
// files pile up), and it rewrites the whole table ([iceberg.TableManager.Compact]) when its data
// files are small, its deletes hold over a tenth of its rows or the merge would rewrite too
// much. It expires snapshots by count
// and age with the files only they used, keeps a bounded number of metadata.json versions, and
// removes orphan files, within a timeout. A batch's maintenance runs beside the next batch, which
// collects, builds and writes its files meanwhile and waits for it only to commit (on the
// maintained table, [iceberg.BeforeCommit]); no schema change, rebalance or stop overtakes it.
// The compaction's snapshot, and every commit's, carry the
// offsets and the bulk-load position, so expiry loses neither. Each round writes a
// cdc_maintenance event (its reason, files and snapshots before and after) and counts
// cdc_compactions{kind="merge"|"full"}; a failed step counts cdc_maintenance_failures{step} and is retried later,
// never stopping the consumer. Table-health gauges follow every commit: cdc_table_snapshots,
// cdc_table_metadata_files, cdc_table_metadata_bytes, cdc_table_data_files,
// cdc_table_delete_files, cdc_table_bytes, cdc_table_avg_data_file_bytes,
// cdc_table_last_commit_seconds and cdc_table_since_maintenance_seconds.
//
// # Equality deletes or deletion vectors
//
// A commit removes the older versions of the rows it upserts or deletes. By default
// (cdc.deletes: equality, [Config.Deletes]) it writes their keys as an equality-delete file,
// which any Iceberg v2 reader reads, but which every scan matches against every older row: a
// table that a stream changes every second scans 2.1-2.7x slower than its compacted form
// between maintenance rounds. With cdc.deletes: vectors it writes deletion vectors instead
// ([iceberg.DeleteByPosition]): the positions of the rows replaced, one vector per data file,
// in the same commit as the data and the offsets. Scans then stay within 2x of the compacted
// form. The consumer keeps the keys of each data file it changes in memory (read once per
// file, about 43 bytes a row of an integer key, at most [KeyIndexRows] rows; a change touching
// a larger file falls back to equality deletes), and upgrades each table it writes to Iceberg
// format version 3, which the table's readers must then read. Maintenance then merges the tail
// (the data files since the last compaction, with their vectors applied) once the tail files
// and the vectors reach [Maintenance.MaxDeleteFiles], or after that many commits, and compacts
// the table in full instead when the deleted rows pass [Maintenance.MaxDeleteShare].
//
// [WithObserver] sees each start, commit and stop (lineage and data-quality monitors plug in
// there). [WithTracing] adds franz-go's kotel hooks: a record's publish, receive and process
// spans and the span of the Iceberg commit that applies it share one trace. In profiles, the
// consumer's goroutines carry the labels of Run's context and [ProfileLabel] (decode, batch,
// maintenance), so a CPU profile of the program splits the consumer's time by part.
//
// # Assumptions
//
// One topic carries one table, as Debezium routes by default. When a topic carries several
// tables, a partition resumes at the smallest position recorded by its tables (safe: replays are
// idempotent), but a table that has never committed does not hold the partition back.
package cdc
