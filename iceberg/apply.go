package iceberg

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	goiceberg "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
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

// Apply applies ch to tbl in one commit, merge-on-read: equality deletes for the key of every
// upserted and deleted row (so older versions of those rows disappear) and data files with the
// upserted rows, as one row-delta snapshot whose summary carries props; a truncate first adds a
// snapshot deleting every row, in the same commit. A change with nothing to write sets props as
// table properties instead (see [TableManager.LastProperty]). The commit is fenced on the snapshot tbl was
// loaded at (AssertRefSnapshotID on main): when another writer committed meanwhile, nothing is
// committed and the error wraps [ErrStaleTable]. There is no retry: a stale writer must not
// overwrite a newer state.
//
// The table must have identifier fields (a primary key). Apply releases nothing: the caller
// keeps and releases ch's batches.
func (m *TableManager) Apply(ctx context.Context, tbl *table.Table, sc *arrow.Schema, ch Change, props map[string]string) (WriteResult, error) {
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

	tx := tbl.NewTransaction()
	if err := tx.AssertRefSnapshotID(table.MainBranch); err != nil {
		return WriteResult{}, fmt.Errorf("iceberg: apply to %s: %w", name, err)
	}
	if ch.Truncate {
		if err := tx.Delete(ctx, goiceberg.AlwaysTrue{}, maps.Clone(props)); err != nil {
			return WriteResult{}, fmt.Errorf("iceberg: apply to %s: truncate: %w", name, err)
		}
	}

	// Keys to delete: those of the upserts and the deletes.
	var keyBatches []arrow.RecordBatch
	defer func() {
		for _, k := range keyBatches {
			k.Release()
		}
	}()
	for _, batches := range [][]arrow.RecordBatch{ch.Upserts, ch.Deletes} {
		for _, rec := range batches {
			k, err := project(rec, keyNames)
			if err != nil {
				return WriteResult{}, fmt.Errorf("iceberg: apply to %s: %w", name, err)
			}
			keyBatches = append(keyBatches, k)
		}
	}
	var delFiles []goiceberg.DataFile
	if len(keyBatches) > 0 && tbl.CurrentSnapshot() != nil && !ch.Truncate {
		var err error
		delFiles, err = tx.WriteEqualityDeletes(ctx, keyIDs, Batches(keyBatches...))
		if err != nil {
			return WriteResult{}, fmt.Errorf("iceberg: apply to %s: write equality deletes: %w", name, err)
		}
	}
	dataFiles, rows, err := m.writeData(ctx, tbl, sc, Batches(ch.Upserts...))
	if err != nil {
		m.removeFiles(ctx, tbl, delFiles)
		return WriteResult{}, err
	}
	res := WriteResult{Table: tbl, Rows: rows, DataFiles: len(dataFiles), Attempts: 1}
	switch {
	case len(dataFiles) == 0 && len(delFiles) == 0 && !ch.Truncate:
		// Nothing to write: Iceberg makes no snapshot without files, so props go to the table's
		// properties, where LastProperty finds them (a batch whose events were all skipped
		// still advances its offsets).
		if len(props) == 0 {
			return res, nil
		}
		if err := tx.SetProperties(maps.Clone(props)); err != nil {
			return WriteResult{}, fmt.Errorf("iceberg: apply to %s: %w", name, err)
		}
	case len(dataFiles) > 0 || len(delFiles) > 0:
		rd := tx.NewRowDelta(props)
		rd.AddRows(dataFiles...)
		rd.AddDeletes(delFiles...)
		if err := rd.Commit(ctx); err != nil {
			m.removeFiles(ctx, tbl, append(dataFiles, delFiles...))
			return WriteResult{}, fmt.Errorf("iceberg: apply to %s: %w", name, err)
		}
	}
	next, err := tx.Commit(ctx)
	if err != nil {
		if IsCommitConflict(err) {
			m.removeFiles(ctx, tbl, append(dataFiles, delFiles...))
			return WriteResult{}, fmt.Errorf("iceberg: apply to %s: %w: %w", name, ErrStaleTable, err)
		}
		return WriteResult{}, fmt.Errorf("iceberg: apply to %s: commit: %w", name, err)
	}
	res.Table = next
	if s := next.CurrentSnapshot(); s != nil {
		res.SnapshotID = s.SnapshotID
	}
	return res, nil
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
