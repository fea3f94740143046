package iceberg

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"maps"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	goiceberg "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
)

// WriteResult is what [TableManager.Write] committed.
type WriteResult struct {
	// Table is the table as of the new snapshot; use it for the next write.
	Table *table.Table
	// SnapshotID is the ID of the snapshot the write created; zero when there were no rows.
	SnapshotID int64
	// Rows is the number of rows written.
	Rows int64
	// DataFiles is the number of Parquet data files written.
	DataFiles int
	// Attempts is the number of commits tried: 1 unless the write lost races with other writers.
	Attempts int
	// DeletedByPosition is the number of rows an [TableManager.Apply] with [DeleteByPosition]
	// deleted by deletion vectors; EqualityDeletes says it wrote equality deletes instead (or
	// without that option).
	DeletedByPosition int64
	EqualityDeletes   bool
}

// Batches turns record batches held in memory into the sequence [TableManager.Write] reads.
// Write releases each batch, so Batches retains them first: the caller keeps its references.
func Batches(recs ...arrow.RecordBatch) iter.Seq2[arrow.RecordBatch, error] {
	return func(yield func(arrow.RecordBatch, error) bool) {
		for _, r := range recs {
			r.Retain()
			if !yield(r, nil) {
				r.Release()
				return
			}
		}
	}
}

// WriteOption changes how [TableManager.Write] commits.
type WriteOption func(*writeOptions)

type writeOptions struct {
	replace     bool
	takeOver    bool
	commitProps func() map[string]string
}

// WithCommitProperties adds the properties fn returns to the snapshot summary; fn is called
// once, after the last batch was read and before the commit: properties computed from the rows
// written, such as their null rates ([NullRateProperties]). They win over the props given to
// [TableManager.Write] with the same key. Default: none.
func WithCommitProperties(fn func() map[string]string) WriteOption {
	return func(o *writeOptions) { o.commitProps = fn }
}

// PropKafkaOffsets is the snapshot summary property in which a change-data
// capture consumer (package cdc) records the Kafka offsets each of its commits applied. A table
// that has it is owned by a consumer: [Replace] refuses to replace it unless [TakeOverFromCDC].
const PropKafkaOffsets = "etlwatch.kafka_offsets"

// ErrCDCOwned is returned (wrapped) by [TableManager.Write] with [Replace] for a table a
// change-data-capture consumer writes: replacing its rows while the consumer runs would delete
// the changes it applied after the load's snapshot, and the consumer, resuming after them, would
// never apply them again.
var ErrCDCOwned = errors.New("iceberg: a change-data-capture consumer writes this table")

// Replace makes the write replace the table's rows instead of appending to them: the commit
// deletes every existing row and adds the new ones at once (two snapshots, one commit), so
// readers see the old rows or the new ones, never both, and a bulk load run twice does not
// double the table.
//
// A table a change-data-capture consumer writes (it records [PropKafkaOffsets]) is not replaced:
// the write fails with [ErrCDCOwned], unless [TakeOverFromCDC].
func Replace() WriteOption { return func(o *writeOptions) { o.replace = true } }

// TakeOverFromCDC lets [Replace] replace a table a change-data-capture consumer writes. Stop the
// consumer first: it resumes from the offsets it recorded before the replace, so every change
// after them is applied again on top of the new rows (changes the load already holds are
// idempotent upserts, or skipped by the skip rule). To make sure no consumer committed while the
// load read the source, a commit conflict is then an error, never retried.
func TakeOverFromCDC() WriteOption { return func(o *writeOptions) { o.takeOver = true } }

// Write appends the batches, all of schema sc, to tbl in a single snapshot: it streams them into
// Parquet data files through iceberg-go's data-file writer (so memory stays bounded by the file
// writer's buffers, not by the number of rows) and then commits all the files at once, with props
// (such as the source name, the source position "postgres_lsn:0/16B3748" and the correlation ID)
// in the snapshot summary. Either every row lands or none does. A write of no rows makes no
// snapshot: props are set as table properties instead, where [TableManager.LastProperty] finds
// them (so an empty source table still records the position a change-data-capture consumer
// starts from).
//
// Write releases every batch it reads. An error yielded by batches aborts the write. When the
// commit loses a race with another writer, Write reloads the table and commits the same data files
// again, up to the retry count set by [WithCommitRetries]; the files are written only once. Data
// files of a failed write are removed on a best-effort basis, except after a commit error that
// leaves it unknown whether the commit happened.
//
// Columns of sc that are nullable but required in the table (primary-key columns) are written as
// required; a NULL in them is the caller's bug.
func (m *TableManager) Write(ctx context.Context, tbl *table.Table, sc *arrow.Schema,
	batches iter.Seq2[arrow.RecordBatch, error], props map[string]string, opts ...WriteOption,
) (WriteResult, error) {
	var wo writeOptions
	for _, o := range opts {
		o(&wo)
	}
	name := dotted(tbl.Identifier())
	owned := func(t *table.Table) error {
		if _, ok := LastPropertyOf(t, PropKafkaOffsets); ok && wo.replace && !wo.takeOver {
			return fmt.Errorf("iceberg: replace %s: %w: replacing its rows would delete the changes it applied since the load's snapshot; stop the consumer and load again with the take-over option (bulk load: --take-over-cdc)", name, ErrCDCOwned)
		}
		return nil
	}
	if err := owned(tbl); err != nil {
		return WriteResult{}, err
	}
	files, rows, err := m.writeData(ctx, tbl, sc, batches)
	if err != nil {
		return WriteResult{}, err
	}
	if wo.commitProps != nil {
		if extra := wo.commitProps(); len(extra) > 0 {
			props = maps.Clone(props)
			if props == nil {
				props = make(map[string]string, len(extra))
			}
			maps.Copy(props, extra)
		}
	}
	res := WriteResult{Table: tbl, Rows: rows, DataFiles: len(files)}
	if len(files) == 0 && len(props) == 0 && !wo.replace {
		return res, nil
	}

	cur := tbl
	for attempt := 0; ; attempt++ {
		res.Attempts = attempt + 1
		tx := cur.NewTransaction()
		var err error
		if wo.replace && cur.CurrentSnapshot() != nil {
			// Every file matches: the delete drops whole files, rewriting none.
			err = tx.Delete(ctx, goiceberg.AlwaysTrue{}, maps.Clone(props))
		}
		switch {
		case err != nil:
		case len(files) > 0:
			err = tx.AddDataFiles(ctx, files, maps.Clone(props))
		case len(props) > 0:
			err = tx.SetProperties(maps.Clone(props))
		}
		committing := false
		if err == nil {
			var next *table.Table
			committing = true
			if next, err = tx.Commit(ctx); err == nil {
				res.Table = next
				if s := next.CurrentSnapshot(); s != nil {
					res.SnapshotID = s.SnapshotID
				}
				m.logger.LogAttrs(ctx, slog.LevelDebug, "iceberg write committed",
					slog.String("table", name), slog.Int64("rows", rows), slog.Int("data_files", len(files)),
					slog.Int64("snapshot_id", res.SnapshotID), slog.Int("attempts", res.Attempts))
				return res, nil
			}
		}
		var rerr error
		if wo.replace && wo.takeOver && IsCommitConflict(err) {
			rerr = fmt.Errorf("another writer committed while the load read the source (is a consumer still running?): %w", err)
		} else if cur, rerr = m.retryAfter(ctx, cur, attempt, err); rerr == nil {
			rerr = owned(cur)
		}
		if rerr != nil {
			// After a failed commit the files are removed only when the catalog surely did not
			// take them (a conflict); an ambiguous failure may have committed them.
			if !committing || IsCommitConflict(err) {
				m.removeFiles(ctx, tbl, files)
			}
			return WriteResult{}, fmt.Errorf("iceberg: commit %d data files to %s (attempts: %d): %w",
				len(files), name, res.Attempts, rerr)
		}
	}
}

// writeData streams batches, all of schema sc, into Parquet data files of tbl (not committed) and
// returns them with the number of rows. On error it removes the files it wrote.
func (m *TableManager) writeData(ctx context.Context, tbl *table.Table, sc *arrow.Schema,
	batches iter.Seq2[arrow.RecordBatch, error],
) ([]goiceberg.DataFile, int64, error) {
	name := dotted(tbl.Identifier())
	target := writeSchema(sc, tbl.Schema())
	var rows int64
	counted := func(yield func(arrow.RecordBatch, error) bool) {
		for rec, err := range batches {
			if err != nil {
				yield(nil, err)
				return
			}
			if err := checkUnsigned(rec); err != nil {
				rec.Release()
				yield(nil, fmt.Errorf("iceberg: write %s: %w", name, err))
				return
			}
			rows += rec.NumRows()
			if target != sc {
				cols := rec.Columns()
				rebuilt := array.NewRecordBatch(target, cols, rec.NumRows())
				rec.Release()
				rec = rebuilt
			}
			if !yield(rec, nil) {
				return
			}
		}
	}
	var files []goiceberg.DataFile
	for df, err := range table.WriteRecords(ctx, tbl, target, counted) {
		if err != nil {
			m.removeFiles(ctx, tbl, files)
			return nil, 0, fmt.Errorf("iceberg: write data files of %s: %w", name, err)
		}
		files = append(files, df)
	}
	return files, rows, nil
}

// writeSchema returns sc with the columns the table requires marked non-nullable, or sc itself
// when nothing needs changing.
func writeSchema(sc *arrow.Schema, tsc *goiceberg.Schema) *arrow.Schema {
	fields := sc.Fields()
	changed := false
	for i, f := range fields {
		if tf, ok := tsc.FindFieldByName(f.Name); ok && tf.Required && f.Nullable {
			fields[i].Nullable = false
			changed = true
		}
	}
	if !changed {
		return sc
	}
	md := sc.Metadata()
	return arrow.NewSchema(fields, &md)
}

func (m *TableManager) removeFiles(ctx context.Context, tbl *table.Table, files []goiceberg.DataFile) {
	if len(files) == 0 {
		return
	}
	fs, err := tbl.FS(ctx)
	if err != nil {
		return
	}
	var errs []error
	for _, f := range files {
		errs = append(errs, fs.Remove(f.FilePath()))
	}
	if err := errors.Join(errs...); err != nil {
		m.logger.LogAttrs(ctx, slog.LevelWarn, "iceberg: remove data files of a failed write",
			slog.String("table", dotted(tbl.Identifier())), slog.String("error", err.Error()))
	}
}

// SnapshotProperties returns the summary properties of tbl's current snapshot (iceberg-go's own,
// such as "total-records", and those given to [TableManager.Write]); nil when the table has no
// snapshot. It reloads nothing: call it on a table returned by the catalog or by Write.
func SnapshotProperties(tbl *table.Table) map[string]string {
	s := tbl.CurrentSnapshot()
	if s == nil || s.Summary == nil {
		return nil
	}
	return maps.Clone(map[string]string(s.Summary.Properties))
}

// LastProperty returns the summary property key of the newest snapshot of the table name that has
// it, walking back from the current snapshot through its parents, so that a position recorded
// by a bulk load is found even after later commits without it; when no snapshot has it, the table
// property key (set by a [TableManager.Write] of no rows). ok is false when neither has it.
func (m *TableManager) LastProperty(ctx context.Context, name, key string) (value string, ok bool, err error) {
	tbl, err := m.cat.LoadTable(ctx, m.Identifier(name))
	if err != nil {
		return "", false, fmt.Errorf("iceberg: load table %s: %w", dotted(m.Identifier(name)), err)
	}
	value, ok = LastPropertyOf(tbl, key)
	return value, ok, nil
}

// LastPropertyOf is [TableManager.LastProperty] on a table already loaded.
func LastPropertyOf(tbl *table.Table, key string) (value string, ok bool) {
	for s := tbl.CurrentSnapshot(); s != nil; {
		if s.Summary != nil {
			if v, ok := s.Summary.Properties[key]; ok {
				return v, true
			}
		}
		if s.ParentSnapshotID == nil {
			break
		}
		s = tbl.SnapshotByID(*s.ParentSnapshotID)
	}
	v, ok := tbl.Properties()[key]
	return v, ok
}

// checkUnsigned fails for a uint64 value Iceberg's long cannot hold. Iceberg has no unsigned
// types: an Arrow uint64 column (MySQL's bigint unsigned) is stored as long, as Debezium's default
// bigint.unsigned.handling.mode=long does, so values above 2^63-1 are refused here, naming the
// column, rather than deep in the Parquet writer.
func checkUnsigned(rec arrow.RecordBatch) error {
	for i, col := range rec.Columns() {
		u, ok := col.(*array.Uint64)
		if !ok {
			continue
		}
		for j, v := range u.Uint64Values() {
			if v > math.MaxInt64 && u.IsValid(j) {
				return fmt.Errorf("column %s: value %d is above the largest Iceberg long, 2^63-1", rec.ColumnName(i), v)
			}
		}
	}
	return nil
}
