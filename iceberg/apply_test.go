package iceberg_test

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/iceberg-go/table"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/iceberg"
)

// rows builds ordersSchema rows from (id, qty) pairs; customer is "c<id>".
func rows(sc *arrow.Schema, pairs ...[2]int64) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	for _, p := range pairs {
		b.Field(0).(*array.Int64Builder).Append(p[0])
		b.Field(1).(*array.StringBuilder).Append("c")
		b.Field(2).(*array.Int32Builder).Append(int32(p[1]))
	}
	return b.NewRecordBatch()
}

// keys builds a batch of ids only.
func keys(ids ...int64) arrow.RecordBatch {
	sc := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).AppendValues(ids, nil)
	return b.NewRecordBatch()
}

// Upserts replace rows by key and deletes remove them, in one row-delta snapshot carrying the
// properties; a truncate empties the table first; a stale writer commits nothing.
func TestApply(t *testing.T) {
	ctx := t.Context()
	cat := openSQLite(t)
	m := iceberg.NewTableManager(cat, "raw")
	sc := ordersSchema()
	tbl, err := m.EnsureTable(ctx, "orders", sc)
	require.NoError(t, err)
	first := batch(sc, 0, 10) // ids 0..9, qty id*10
	res, err := m.Write(ctx, tbl, sc, iceberg.Batches(first), nil)
	first.Release()
	require.NoError(t, err)
	stale := res.Table

	up := rows(sc, [2]int64{3, -3}, [2]int64{20, 200})
	del := keys(5, 99) // 99 does not exist
	defer up.Release()
	defer del.Release()
	res, err = m.Apply(ctx, res.Table, sc, iceberg.Change{Upserts: []arrow.RecordBatch{up}, Deletes: []arrow.RecordBatch{del}},
		map[string]string{"etlwatch.kafka_offsets": "t/0:42"})
	require.NoError(t, err)
	assert.EqualValues(t, 2, res.Rows)
	ids, qty := readIDs(t, res.Table)
	assert.Equal(t, []int64{0, 1, 2, 3, 4, 6, 7, 8, 9, 20}, ids)
	assert.EqualValues(t, -3, qty[3])
	assert.EqualValues(t, 200, qty[20])
	assert.EqualValues(t, 40, qty[4])
	assert.Equal(t, "t/0:42", iceberg.SnapshotProperties(res.Table)["etlwatch.kafka_offsets"])
	n, err := m.Dataset("orders").RowCount(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 10, n, "row count net of the equality deletes")

	// A change with nothing to write commits nothing, not even its properties: a property-only
	// commit would not move the snapshot that fences stale writers.
	before := res.Table.MetadataLocation()
	res, err = m.Apply(ctx, res.Table, sc, iceberg.Change{}, map[string]string{"etlwatch.kafka_offsets": "t/0:50"})
	require.NoError(t, err)
	assert.Zero(t, res.SnapshotID)
	assert.Equal(t, before, res.Table.MetadataLocation())
	_, ok := res.Table.Properties()["etlwatch.kafka_offsets"]
	assert.False(t, ok)
	ids, _ = readIDs(t, res.Table)
	assert.Len(t, ids, 10)

	// The writer that loaded the table before these commits is fenced off.
	_, err = m.Apply(ctx, stale, sc, iceberg.Change{Deletes: []arrow.RecordBatch{keys(0)}}, nil)
	require.ErrorIs(t, err, iceberg.ErrStaleTable)
	ids, _ = readIDs(t, res.Table)
	assert.Contains(t, ids, int64(0), "the stale delete was not committed")

	// Truncate, then insert: only the new row is left.
	again := rows(sc, [2]int64{3, 33}, [2]int64{100, 1})
	defer again.Release()
	res, err = m.Apply(ctx, res.Table, sc, iceberg.Change{Truncate: true, Upserts: []arrow.RecordBatch{again}}, map[string]string{"etlwatch.kafka_offsets": "t/0:60"})
	require.NoError(t, err)
	ids, qty = readIDs(t, res.Table)
	assert.Equal(t, []int64{3, 100}, ids)
	assert.EqualValues(t, 33, qty[3])
	assert.Equal(t, "t/0:60", iceberg.SnapshotProperties(res.Table)["etlwatch.kafka_offsets"])

	// Truncate alone.
	res, err = m.Apply(ctx, res.Table, sc, iceberg.Change{Truncate: true}, nil)
	require.NoError(t, err)
	ids, _ = readIDs(t, res.Table)
	assert.Empty(t, ids)
}

func TestApplyNeedsKey(t *testing.T) {
	ctx := t.Context()
	m := iceberg.NewTableManager(openSQLite(t), "raw")
	sc := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)
	tbl, err := m.EnsureTable(ctx, "nokey", sc)
	require.NoError(t, err)
	k := keys(1)
	defer k.Release()
	_, err = m.Apply(ctx, tbl, sc, iceberg.Change{Deletes: []arrow.RecordBatch{k}}, nil)
	assert.ErrorContains(t, err, "no identifier fields")
}

// After many small merge-on-read commits, compaction folds the data files and drops the equality
// deletes, carrying the given properties; the rows are unchanged. Expiry then removes old
// snapshots, keeping the newest.
func TestCompactAndExpire(t *testing.T) {
	ctx := t.Context()
	m, sc, tbl := seeded(t, 50)
	var res iceberg.WriteResult
	var err error
	for i := int64(0); i < 20; i++ { // 20 commits: one update and one delete each
		up := rows(sc, [2]int64{i, 1000 + i})
		del := keys(49 - i)
		res, err = m.Apply(ctx, tbl, sc, iceberg.Change{Upserts: []arrow.RecordBatch{up}, Deletes: []arrow.RecordBatch{del}}, nil)
		up.Release()
		del.Release()
		require.NoError(t, err)
		tbl = res.Table
	}
	wantIDs, wantQty := readIDs(t, tbl)
	require.Len(t, wantIDs, 30)

	cr, err := m.Compact(ctx, tbl, 0, map[string]string{"etlwatch.kafka_offsets": "t:0=99"})
	require.NoError(t, err)
	t.Logf("compaction: data files %d -> %d, delete files %d -> %d", cr.DataFilesBefore, cr.DataFilesAfter, cr.DeleteFilesBefore, cr.DeleteFilesAfter)
	assert.Equal(t, 21, cr.DataFilesBefore)
	assert.Equal(t, 20, cr.DeleteFilesBefore)
	assert.Equal(t, 1, cr.DataFilesAfter)
	assert.Zero(t, cr.DeleteFilesAfter)
	sh, err := m.ScanHealth(ctx, cr.Table)
	require.NoError(t, err)
	assert.Equal(t, sh.DataBytes, cr.DataBytesAfter, "the compaction counts the bytes a scan plan of its table reads")
	assert.Equal(t, sh.AvgDataFileBytes(), cr.AvgDataFileBytesAfter())
	assert.Equal(t, "t:0=99", iceberg.SnapshotProperties(cr.Table)["etlwatch.kafka_offsets"])
	ids, qty := readIDs(t, cr.Table)
	assert.Equal(t, wantIDs, ids)
	assert.Equal(t, wantQty, qty)

	snaps := len(cr.Table.Metadata().Snapshots())
	expired, err := m.ExpireSnapshots(ctx, cr.Table, 0, 2)
	require.NoError(t, err)
	assert.Len(t, expired.Metadata().Snapshots(), 2, "of %d", snaps)
	ids, _ = readIDs(t, expired)
	assert.Equal(t, wantIDs, ids)
}

// TestApplyBeforeCommit: the hook runs after the change's files are written and before the
// commit, and the commit lands on the table it returns. Here the hook compacts the table (the
// CDC consumer's maintenance, running beside the next batch): the change commits on the
// compacted table, in one attempt, with the properties decide gives for it, and its upsert and
// delete apply to the compacted rows. A hook that fails, or a moved table with no decide, leaves
// no file behind.
func TestApplyBeforeCommit(t *testing.T) {
	ctx := t.Context()
	m, sc, tbl := seeded(t, 10)
	seed := rows(sc, [2]int64{1, -1}, [2]int64{2, -2})
	res, err := m.Apply(ctx, tbl, sc, iceberg.Change{Upserts: []arrow.RecordBatch{seed}}, nil)
	seed.Release()
	require.NoError(t, err)
	loaded := res.Table

	up := rows(sc, [2]int64{1, 111}, [2]int64{30, 300})
	defer up.Release()
	del := keys(2)
	defer del.Release()
	ch := iceberg.Change{Upserts: []arrow.RecordBatch{up}, Deletes: []arrow.RecordBatch{del}}
	var compacted, decided *table.Table
	hook := iceberg.BeforeCommit(func(ctx context.Context) (*table.Table, error) {
		files := tableFiles(t, loaded)
		assert.Greater(t, files, 0)
		cr, err := m.Compact(ctx, loaded, 0, map[string]string{"etlwatch.kafka_offsets": "t/0:5"})
		if err != nil {
			return nil, err
		}
		compacted = cr.Table
		return cr.Table, nil
	})
	decide := iceberg.RetryOnConflict(3, func(fresh *table.Table) (map[string]string, error) {
		decided = fresh
		return map[string]string{"etlwatch.kafka_offsets": "t/0:6"}, nil
	})
	res, err = m.Apply(ctx, loaded, sc, ch, map[string]string{"etlwatch.kafka_offsets": "stale"}, hook, decide)
	require.NoError(t, err)
	require.NotNil(t, compacted)
	assert.Same(t, compacted, decided, "decide judged the table the hook returned")
	assert.Equal(t, 1, res.Attempts, "no conflict: the commit was fenced on the compacted snapshot")
	assert.Equal(t, compacted.CurrentSnapshot().SnapshotID, *res.Table.CurrentSnapshot().ParentSnapshotID)
	assert.Equal(t, "t/0:6", iceberg.SnapshotProperties(res.Table)["etlwatch.kafka_offsets"])
	ids, qty := readIDs(t, res.Table)
	assert.Equal(t, []int64{0, 1, 3, 4, 5, 6, 7, 8, 9, 30}, ids, "the delete and the upsert applied to the compacted rows")
	assert.EqualValues(t, 111, qty[1])

	// A hook that fails: nothing committed, the change's files removed.
	before, files := res.Table.CurrentSnapshot().SnapshotID, tableFiles(t, res.Table)
	boom := errors.New("maintenance went wrong")
	_, err = m.Apply(ctx, res.Table, sc, ch, nil, iceberg.BeforeCommit(func(context.Context) (*table.Table, error) {
		assert.Greater(t, tableFiles(t, res.Table), files, "the files are written before the hook")
		return nil, boom
	}))
	require.ErrorIs(t, err, boom)
	assert.Equal(t, files, tableFiles(t, res.Table), "the change's files are removed")
	now, err := m.Catalog().LoadTable(ctx, res.Table.Identifier())
	require.NoError(t, err)
	assert.Equal(t, before, now.CurrentSnapshot().SnapshotID)

	// A table that moved on, and no decide to judge it: stale, files removed.
	moved, err := m.Compact(ctx, res.Table, 0, nil)
	require.NoError(t, err)
	files = tableFiles(t, moved.Table)
	_, err = m.Apply(ctx, res.Table, sc, ch, nil, iceberg.BeforeCommit(func(context.Context) (*table.Table, error) {
		return moved.Table, nil
	}))
	require.ErrorIs(t, err, iceberg.ErrStaleTable)
	assert.Equal(t, files, tableFiles(t, moved.Table))
}

// A change written while its table had no rows, committed after another writer's first rows
// landed (what BeforeCommit waited for, or a conflict's reload): the rows it replaces are
// deleted by key all the same, so each key is there once.
func TestApplyOnTableThatGainedRows(t *testing.T) {
	ctx := t.Context()
	m := iceberg.NewTableManager(openSQLite(t), "raw")
	sc := ordersSchema()
	first := rows(sc, [2]int64{1, 10}, [2]int64{2, 20})
	defer first.Release()
	up := rows(sc, [2]int64{1, 11}, [2]int64{3, 30})
	defer up.Release()
	del := keys(2)
	defer del.Release()
	for _, how := range []string{"hook", "conflict"} {
		t.Run(how, func(t *testing.T) {
			tbl, err := m.EnsureTable(ctx, "orders_"+how, sc)
			require.NoError(t, err)
			require.Nil(t, tbl.CurrentSnapshot(), "no rows when the change's files are written")
			var gained *table.Table
			land := func(ctx context.Context) (*table.Table, error) {
				res, err := m.Apply(ctx, tbl, sc, iceberg.Change{Upserts: []arrow.RecordBatch{first}}, nil)
				gained = res.Table
				return res.Table, err
			}
			opts := []iceberg.ApplyOption{iceberg.RetryOnConflict(3, func(*table.Table) (map[string]string, error) { return nil, nil })}
			if how == "hook" {
				opts = append(opts, iceberg.BeforeCommit(land))
			} else {
				opts = append(opts, iceberg.BeforeCommit(func(ctx context.Context) (*table.Table, error) {
					_, err := land(ctx)
					return nil, err // the commit on tbl conflicts; Apply reloads
				}))
			}
			res, err := m.Apply(ctx, tbl, sc, iceberg.Change{Upserts: []arrow.RecordBatch{up}, Deletes: []arrow.RecordBatch{del}}, nil, opts...)
			require.NoError(t, err)
			require.NotNil(t, gained)
			wantAttempts := map[string]int{"hook": 1, "conflict": 2}[how]
			assert.Equal(t, wantAttempts, res.Attempts, "committed on the table with rows (after a conflict: reloaded)")
			assert.True(t, res.EqualityDeletes, "equality deletes written at commit")
			ids, qty := readIDs(t, res.Table)
			assert.Equal(t, []int64{1, 3}, ids, "key 1 once, key 2 deleted")
			assert.EqualValues(t, 11, qty[1])
		})
	}
}

// tableFiles counts the files under tbl's location.
func tableFiles(t *testing.T, tbl *table.Table) int {
	t.Helper()
	n := 0
	require.NoError(t, filepath.WalkDir(strings.TrimPrefix(tbl.Location(), "file://"), func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(d.Name(), ".parquet") {
			n++
		}
		return err
	}))
	return n
}

// When the equality-delete file cannot be written (here a deleted key is text that is not a
// number, for a long key column), the data files written beside it are removed too and nothing
// is committed.
func TestApplyDeleteWriteFails(t *testing.T) {
	ctx := t.Context()
	m, sc, tbl := seeded(t, 10)
	files := tableFiles(t, tbl)
	up := rows(sc, [2]int64{1, 11}, [2]int64{30, 300})
	defer up.Release()
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String}}, nil))
	b.Field(0).(*array.StringBuilder).Append("not a number")
	del := b.NewRecordBatch()
	b.Release()
	defer del.Release()
	_, err := m.Apply(ctx, tbl, sc, iceberg.Change{Upserts: []arrow.RecordBatch{up}, Deletes: []arrow.RecordBatch{del}}, nil)
	require.ErrorContains(t, err, "write equality deletes")
	assert.Equal(t, files, tableFiles(t, tbl), "the data files written beside the failed delete file are removed")
	now, err := m.Catalog().LoadTable(ctx, tbl.Identifier())
	require.NoError(t, err)
	assert.Equal(t, tbl.CurrentSnapshot().SnapshotID, now.CurrentSnapshot().SnapshotID, "nothing committed")
}
