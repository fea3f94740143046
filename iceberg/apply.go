package iceberg

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	goiceberg "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
	"github.com/etlwatch/etlwatch/internal/failpoint"
)

// Change is one batch of row-level changes to a keyed table, already collapsed to the last state
// of each key: a key is in Upserts or in Deletes, once, or in neither. (Equality deletes do not
// remove rows written in the same snapshot, so two versions of a key in one Change would both
// survive.)
type Change struct {
	// Truncate empties the table before the rest of the change is applied.
	Truncate bool
	// Upserts are the rows to insert or replace, matched on the table's identifier fields
	// (its primary key). Their schema is the sc given to [TableManager.Apply].
	Upserts []arrow.RecordBatch
	// Deletes are the keys of the rows to delete: batches holding the identifier columns (other
	// columns are ignored).
	Deletes []arrow.RecordBatch
}

// ErrStaleTable is returned (wrapped) by [TableManager.Apply] when the table changed since tbl was
// loaded: another writer committed, so the caller must reload the table and the state it derived
// from it (such as the Kafka offsets recorded in the last snapshot) before applying again.
var ErrStaleTable = errors.New("iceberg: the table changed since it was loaded")

// ApplyOption changes how [TableManager.Apply] commits.
type ApplyOption func(*applyOptions)

type applyOptions struct {
	attempts int
	decide   func(fresh *table.Table) (map[string]string, error)
	before   func(ctx context.Context) (*table.Table, error)
	index    *KeyIndex
}

// DeleteByPosition has [TableManager.Apply] delete the rows a change replaces or deletes by
// their position, as deletion vectors (one per data file, merged with the one it had), instead
// of equality deletes: a scan then skips those rows by position instead of matching every row's
// key against the deleted keys, which is what keeps a table that a stream changes every second
// as fast to read as its compacted form. idx finds the positions: it keeps each data file's keys,
// read once per file. The table must be of format version 3
// ([TableManager.EnableDeletionVectors]); its readers must read that version. A change that
// touches a data file idx cannot hold (more rows than its bound), or whose key type it cannot
// index, is written with equality deletes, as without this option
// ([WriteResult.EqualityDeletes] says so).
func DeleteByPosition(idx *KeyIndex) ApplyOption {
	return func(o *applyOptions) { o.index = idx }
}

// BeforeCommit has [TableManager.Apply] call wait once its files are written, just before it
// commits, and commit on the table wait returns (nil: the tbl given to Apply). It lets a caller
// write a change's files while something else it runs commits to the same table (a
// compaction, say) and commit once that is done. A table other than the one given to Apply is
// handled as a conflict would be: with [RetryOnConflict], its decide says the properties to
// commit with; without, Apply fails with [ErrStaleTable]. When wait fails, the files are
// removed and its error returned.
func BeforeCommit(wait func(ctx context.Context) (*table.Table, error)) ApplyOption {
	return func(o *applyOptions) { o.before = wait }
}

// RetryOnConflict lets [TableManager.Apply] commit again, up to attempts more times with a short
// growing pause, when another writer committed to the table first: it reloads the table and calls
// decide with it, which returns the properties to commit with this time, or an error to give up
// with (for example when the other writer's commit covers changes of this one). The data and
// delete files are written once. Without it, Apply fails with [ErrStaleTable] at the first
// conflict.
func RetryOnConflict(attempts int, decide func(fresh *table.Table) (map[string]string, error)) ApplyOption {
	return func(o *applyOptions) { o.attempts, o.decide = attempts, decide }
}

// Apply applies ch to tbl in one commit, merge-on-read: equality deletes for the key of every
// upserted and deleted row (so older versions of those rows disappear) and data files with the
// upserted rows, as one row-delta snapshot whose summary carries props; a truncate first adds a
// snapshot deleting every row, in the same commit. A change with nothing to write (no rows, no
// keys, no truncate of a table that has rows) commits nothing: Iceberg makes no snapshot without
// files, and props set as table properties would not move the snapshot the fence below checks,
// so a stale writer's could land. The commit is fenced on the
// snapshot tbl was loaded at (AssertRefSnapshotID on main): when another writer committed
// meanwhile, nothing is committed and the error wraps [ErrStaleTable], unless
// [RetryOnConflict] says to try again on the new state.
//
// A change written while the table had no rows, and committed on a table that has some (after
// BeforeCommit or a conflict), writes its equality deletes then. The table must have
// identifier fields (a primary key). Apply releases nothing: the caller keeps and releases
// ch's batches.
func (m *TableManager) Apply(ctx context.Context, tbl *table.Table, sc *arrow.Schema, ch Change, props map[string]string, opts ...ApplyOption) (WriteResult, error) {
	var ao applyOptions
	for _, o := range opts {
		o(&ao)
	}
	name := dotted(tbl.Identifier())
	tsc := tbl.Schema()
	keyIDs := tsc.IdentifierFieldIDs
	if len(keyIDs) == 0 && (len(ch.Upserts) > 0 || len(ch.Deletes) > 0) {
		return WriteResult{}, fmt.Errorf("iceberg: apply to %s: the table has no identifier fields (primary key) to match rows on", name)
	}
	keyNames := make([]string, len(keyIDs))
	for i, id := range keyIDs {
		n, ok := tsc.FindColumnName(id)
		if !ok {
			return WriteResult{}, fmt.Errorf("iceberg: apply to %s: identifier field %d has no column", name, id)
		}
		keyNames[i] = n
	}

	// Keys to delete: those of the upserts and the deletes.
	var keyBatches []arrow.RecordBatch
	defer func() {
		for _, k := range keyBatches {
			k.Release()
		}
	}()
	if !ch.Truncate {
		for _, batches := range [][]arrow.RecordBatch{ch.Upserts, ch.Deletes} {
			for _, rec := range batches {
				k, err := project(rec, keyNames)
				if err != nil {
					return WriteResult{}, fmt.Errorf("iceberg: apply to %s: %w", name, err)
				}
				keyBatches = append(keyBatches, k)
			}
		}
	}
	// With deletion vectors the positions are found at each commit attempt, below.
	var keys []string
	byPosition := ao.index != nil && len(keyBatches) > 0 && tbl.CurrentSnapshot() != nil
	if byPosition {
		if !supportsVectors(tbl) {
			return WriteResult{}, fmt.Errorf("iceberg: apply to %s: deletion vectors need format version 3, the table is version %d (TableManager.EnableDeletionVectors upgrades it)", name, tbl.Metadata().Version())
		}
		var err error
		if keys, err = changeKeys(keyBatches); err != nil {
			byPosition = false // a key type the index cannot hold: equality deletes
		}
	}
	// The delete file is written while the data files are: the two are independent, and a
	// stream's commit waits for both.
	var delFiles []goiceberg.DataFile
	var delErr error
	delDone := make(chan struct{})
	go func() {
		defer close(delDone)
		if len(keyBatches) > 0 && tbl.CurrentSnapshot() != nil && !byPosition {
			delFiles, delErr = tbl.NewTransaction().WriteEqualityDeletes(ctx, keyIDs, Batches(keyBatches...))
		}
	}()
	dataFiles, rows, err := m.writeData(ctx, tbl, sc, Batches(ch.Upserts...))
	<-delDone
	if err != nil || delErr != nil {
		m.removeFiles(ctx, tbl, append(slices.Clone(dataFiles), delFiles...))
		if err != nil {
			return WriteResult{}, err
		}
		return WriteResult{}, fmt.Errorf("iceberg: apply to %s: write equality deletes: %w", name, delErr)
	}
	written := append(slices.Clone(dataFiles), delFiles...)
	if !byPosition {
		failpoint.At(failpoint.AfterFilesWritten)
	}
	res := WriteResult{Table: tbl, Rows: rows, DataFiles: len(dataFiles), EqualityDeletes: len(delFiles) > 0}
	if len(written) == 0 && (!ch.Truncate || tbl.CurrentSnapshot() == nil) && !byPosition {
		return res, nil
	}

	// Files written and not committed are removed however Apply ends, unless a commit may have
	// landed (an error other than a conflict says nothing about that).
	keep := false
	var vectors, replaced []goiceberg.DataFile // this attempt's deletion vectors, and those they replace
	defer func() {
		if !keep {
			m.removeFiles(ctx, tbl, append(written, vectors...))
		}
	}()
	cur := tbl
	if ao.before != nil {
		fresh, err := ao.before(ctx)
		if err != nil {
			return WriteResult{}, fmt.Errorf("iceberg: apply to %s: %w", name, err)
		}
		if fresh != nil && fresh != tbl {
			if ao.decide == nil {
				return WriteResult{}, fmt.Errorf("iceberg: apply to %s: %w: it moved on while the files were written", name, ErrStaleTable)
			}
			if props, err = ao.decide(fresh); err != nil {
				return WriteResult{}, fmt.Errorf("iceberg: apply to %s: %w", name, err)
			}
			cur = fresh
		}
	}
	for attempt := 0; ; attempt++ {
		res.Attempts = attempt + 1
		if !byPosition && !ch.Truncate && len(keyBatches) > 0 && len(delFiles) == 0 && cur.CurrentSnapshot() != nil {
			// The table had no rows when the files were written, and has some now (another
			// writer's first commit, or what BeforeCommit waited for): the rows this change
			// replaces are deleted by key all the same.
			if delFiles, err = cur.NewTransaction().WriteEqualityDeletes(ctx, keyIDs, Batches(keyBatches...)); err != nil {
				m.removeFiles(ctx, tbl, delFiles)
				return WriteResult{}, fmt.Errorf("iceberg: apply to %s: write equality deletes: %w", name, err)
			}
			written, res.EqualityDeletes = append(written, delFiles...), len(delFiles) > 0
		}
		if byPosition {
			// The positions are those of the table this attempt commits on.
			m.removeFiles(ctx, tbl, vectors)
			var err error
			vectors, replaced, res.DeletedByPosition, err = m.positionDeletes(ctx, cur, ao.index, keyIDs, keyNames, keys)
			if errors.Is(err, errIndexBound) {
				byPosition, vectors, replaced, res.DeletedByPosition = false, nil, nil, 0
				if delFiles, err = cur.NewTransaction().WriteEqualityDeletes(ctx, keyIDs, Batches(keyBatches...)); err != nil {
					m.removeFiles(ctx, tbl, delFiles)
					return WriteResult{}, fmt.Errorf("iceberg: apply to %s: write equality deletes: %w", name, err)
				}
				written, res.EqualityDeletes = append(written, delFiles...), len(delFiles) > 0
			} else if err != nil {
				return WriteResult{}, fmt.Errorf("iceberg: apply to %s: deletion vectors: %w", name, err)
			}
			if attempt == 0 {
				failpoint.At(failpoint.AfterFilesWritten) // the deletion vectors are written too
			}
			if len(written)+len(vectors) == 0 && !ch.Truncate {
				res.Table = cur // nothing to delete, nothing to add: the table as the hook left it
				return res, nil
			}
		}
		next, err := commitChange(ctx, cur, ch.Truncate, dataFiles, append(slices.Clone(delFiles), vectors...), replaced, props)
		if err == nil {
			keep = true
			res.Table = next
			if s := next.CurrentSnapshot(); s != nil {
				res.SnapshotID = s.SnapshotID
			}
			return res, nil
		}
		if !IsCommitConflict(err) {
			keep = true
			return WriteResult{}, fmt.Errorf("iceberg: apply to %s: commit: %w", name, err)
		}
		if ao.decide == nil || attempt >= ao.attempts {
			return WriteResult{}, fmt.Errorf("iceberg: apply to %s (attempts: %d): %w: %w", name, res.Attempts, ErrStaleTable, err)
		}
		if err := sleep(ctx, time.Duration(1+rand.IntN(5<<min(attempt, 5)))*time.Millisecond); err != nil {
			return WriteResult{}, err
		}
		if cur, err = m.cat.LoadTable(ctx, tbl.Identifier()); err != nil {
			return WriteResult{}, fmt.Errorf("iceberg: apply to %s: reload: %w", name, err)
		}
		if props, err = ao.decide(cur); err != nil {
			return WriteResult{}, fmt.Errorf("iceberg: apply to %s: %w", name, err)
		}
	}
}

// commitChange commits, fenced on cur's snapshot: a truncate, then the files as a row delta, or,
// with no files, nothing else (Apply does not call it with nothing to change).
func commitChange(ctx context.Context, cur *table.Table, truncate bool, dataFiles, delFiles, replaced []goiceberg.DataFile, props map[string]string) (*table.Table, error) {
	tx := cur.NewTransaction()
	if err := tx.AssertRefSnapshotID(table.MainBranch); err != nil {
		return nil, err
	}
	if truncate && cur.CurrentSnapshot() != nil {
		if err := tx.Delete(ctx, goiceberg.AlwaysTrue{}, maps.Clone(props)); err != nil {
			return nil, fmt.Errorf("truncate: %w", err)
		}
	}
	if len(dataFiles) > 0 || len(delFiles) > 0 {
		rd := tx.NewRowDelta(props)
		rd.AddRows(dataFiles...)
		rd.AddDeletes(delFiles...)
		rd.RemoveDeletes(replaced...)
		if err := rd.Commit(ctx); err != nil {
			return nil, err
		}
	}
	return tx.Commit(ctx)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// project returns the columns names of rec (matched exactly), as a new batch.
func project(rec arrow.RecordBatch, names []string) (arrow.RecordBatch, error) {
	fields := make([]arrow.Field, len(names))
	cols := make([]arrow.Array, len(names))
	for i, n := range names {
		idx := rec.Schema().FieldIndices(n)
		if len(idx) != 1 {
			return nil, fmt.Errorf("a change batch has no key column %q", n)
		}
		fields[i] = rec.Schema().Field(idx[0])
		fields[i].Nullable = false
		cols[i] = rec.Column(idx[0])
		if cols[i].NullN() > 0 {
			return nil, fmt.Errorf("key column %q holds NULL", n)
		}
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, rec.NumRows()), nil
}
