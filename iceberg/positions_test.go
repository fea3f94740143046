package iceberg_test

import (
	"context"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/iceberg-go/table"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/iceberg"
)

// checkModel fails unless tbl holds exactly model's ids with their qty.
func checkModel(t *testing.T, tbl *table.Table, model map[int64]int64, step string) {
	t.Helper()
	ids, qty := readIDs(t, tbl)
	want := make([]int64, 0, len(model))
	for id := range model {
		want = append(want, id)
	}
	slices.Sort(want)
	require.Equal(t, want, ids, step)
	for id, q := range model {
		require.Equal(t, q, qty[id], "%s: qty of %d", step, id)
	}
}

// planKinds counts the scan plan's data files, equality-delete files and deletion vectors, and
// fails when a data file carries more than one deletion vector (the spec allows one).
func planKinds(t *testing.T, tbl *table.Table) (data, eq, vectors int) {
	t.Helper()
	tasks, err := tbl.Scan().PlanFiles(t.Context())
	require.NoError(t, err)
	eqs := map[string]bool{}
	for _, task := range tasks {
		require.LessOrEqual(t, len(task.DeletionVectorFiles), 1, "deletion vectors of %s", task.File.FilePath())
		vectors += len(task.DeletionVectorFiles)
		require.Empty(t, task.DeleteFiles, "no position-delete files")
		for _, e := range task.EqualityDeleteFiles {
			eqs[e.FilePath()] = true
		}
	}
	return len(tasks), len(eqs), vectors
}

// Apply with DeleteByPosition against a model over many random commits: upserts of existing and
// new keys, deletes of present and absent keys, a key upserted again in a later commit (its row
// then lives in a small file, not the base), a stale writer whose retry must recompute the
// positions on the table another writer moved, a change written with equality deletes between
// (the table then holds both kinds), and an index too small for the base file (the change
// falls back to equality deletes). After every step the table holds exactly the model, no
// equality-delete file is written while the index holds the files, and no data file has two
// deletion vectors.
func TestApplyByPosition(t *testing.T) {
	ctx := t.Context()
	m, sc, tbl := seeded(t, 200)
	_, err := m.Apply(ctx, tbl, sc, iceberg.Change{Deletes: []arrow.RecordBatch{keys(1)}}, nil, iceberg.DeleteByPosition(iceberg.NewKeyIndex(0)))
	require.ErrorContains(t, err, "format version 3")
	tbl, err = m.EnableDeletionVectors(ctx, tbl)
	require.NoError(t, err)
	assert.Equal(t, 3, tbl.Metadata().Version())

	model := map[int64]int64{}
	for id := range int64(200) {
		model[id] = id * 10
	}
	idx := iceberg.NewKeyIndex(0)
	rng := rand.New(rand.NewPCG(1, 2))
	touched := map[int64]bool{}
	change := func() iceberg.Change {
		var ups [][2]int64
		var dels []int64
		for _, id := range rng.Perm(260)[:1+rng.IntN(12)] { // 200..259 are new or absent keys
			touched[int64(id)] = true
			if rng.IntN(4) == 0 {
				dels = append(dels, int64(id))
				delete(model, int64(id))
			} else {
				q := rng.Int64N(1000)
				ups = append(ups, [2]int64{int64(id), q})
				model[int64(id)] = q
			}
		}
		return iceberg.Change{Upserts: []arrow.RecordBatch{rows(sc, ups...)}, Deletes: []arrow.RecordBatch{keys(dels...)}}
	}
	release := func(ch iceberg.Change) {
		for _, r := range append(ch.Upserts, ch.Deletes...) {
			r.Release()
		}
	}
	deleted := int64(0)
	for commit := range 40 {
		ch := change()
		res, err := m.Apply(ctx, tbl, sc, ch, map[string]string{"n": "x"}, iceberg.DeleteByPosition(idx))
		release(ch)
		require.NoError(t, err, "commit %d", commit)
		assert.False(t, res.EqualityDeletes, "commit %d", commit)
		deleted += res.DeletedByPosition
		tbl = res.Table
		checkModel(t, tbl, model, "commit")
		_, eq, _ := planKinds(t, tbl)
		require.Zero(t, eq, "commit %d wrote equality deletes", commit)
	}
	assert.Positive(t, deleted)
	assert.Positive(t, idx.Rows())

	// A stale writer: another writer commits first, replacing the base file's deletion vector
	// that the stale change must also replace; the retry recomputes the positions on the new
	// table (computed on the stale one, the commit would fail).
	var untouched []int64
	for id := range int64(200) {
		if !touched[id] {
			untouched = append(untouched, id)
		}
	}
	require.GreaterOrEqual(t, len(untouched), 2)
	stale := tbl
	other := iceberg.Change{Deletes: []arrow.RecordBatch{keys(untouched[0])}}
	delete(model, untouched[0])
	res, err := m.Apply(ctx, tbl, sc, other, nil, iceberg.DeleteByPosition(idx))
	release(other)
	require.NoError(t, err)
	require.EqualValues(t, 1, res.DeletedByPosition)
	tbl = res.Table
	ch := iceberg.Change{Upserts: []arrow.RecordBatch{rows(sc, [2]int64{untouched[1], -1})}}
	model[untouched[1]] = -1
	res, err = m.Apply(ctx, stale, sc, ch, nil, iceberg.DeleteByPosition(idx),
		iceberg.RetryOnConflict(3, func(*table.Table) (map[string]string, error) { return nil, nil }))
	release(ch)
	require.NoError(t, err)
	assert.Equal(t, 2, res.Attempts)
	tbl = res.Table
	checkModel(t, tbl, model, "after the retry")
	planKinds(t, tbl)

	// Merging the tail: the files after the base become one, their vectors applied; the base
	// keeps its vector.
	data, _, vectors := planKinds(t, tbl)
	require.Greater(t, data, 2)
	mres, err := m.MergeDeletes(ctx, tbl, 0, map[string]string{"merged": "yes"})
	require.NoError(t, err)
	tbl = mres.Table
	checkModel(t, tbl, model, "tail merged")
	data, eq, vectors := planKinds(t, tbl)
	assert.Equal(t, [3]int{2, 0, 1}, [3]int{data, eq, vectors}, "the base with its vector, and the tail")
	assert.Equal(t, "yes", iceberg.SnapshotProperties(tbl)["merged"])
	for range 3 {
		ch = change()
		res, err = m.Apply(ctx, tbl, sc, ch, nil, iceberg.DeleteByPosition(idx))
		release(ch)
		require.NoError(t, err)
		tbl = res.Table
	}
	checkModel(t, tbl, model, "after the merge")

	// A change with equality deletes, then more by position: both kinds in one table.
	ch = change()
	res, err = m.Apply(ctx, tbl, sc, ch, nil)
	release(ch)
	require.NoError(t, err)
	require.True(t, res.EqualityDeletes)
	for range 5 {
		ch = change()
		res, err = m.Apply(ctx, res.Table, sc, ch, nil, iceberg.DeleteByPosition(idx))
		release(ch)
		require.NoError(t, err)
	}
	tbl = res.Table
	checkModel(t, tbl, model, "mixed")

	// An index that cannot hold the base file: equality deletes, and the rows still right.
	small := iceberg.NewKeyIndex(50)
	ch = change()
	res, err = m.Apply(ctx, tbl, sc, ch, nil, iceberg.DeleteByPosition(small))
	release(ch)
	require.NoError(t, err)
	assert.True(t, res.EqualityDeletes)
	tbl = res.Table
	checkModel(t, tbl, model, "index too small")
	_, _, vectors = planKinds(t, tbl)
	assert.Positive(t, vectors)
	_, err = m.MergeDeletes(ctx, tbl, 0, nil)
	require.ErrorIs(t, err, iceberg.ErrNeedsCompaction, "both kinds of deletes")

	// Compaction of a table with deletion vectors keeps the rows. A change written on the table
	// before it commits after it (a conflict, then a retry): its positions are those of the
	// compacted file, not of the files the compaction removed. The index drops the rewritten
	// files' keys.
	before := tbl
	cres, err := m.Compact(ctx, tbl, 0, nil)
	require.NoError(t, err)
	tbl = cres.Table
	checkModel(t, tbl, model, "compacted")
	data, eq, vectors = planKinds(t, tbl)
	assert.Equal(t, [3]int{1, 0, 0}, [3]int{data, eq, vectors})
	ch = change()
	res, err = m.Apply(ctx, before, sc, ch, nil, iceberg.DeleteByPosition(idx),
		iceberg.RetryOnConflict(3, func(*table.Table) (map[string]string, error) { return nil, nil }))
	release(ch)
	require.NoError(t, err)
	assert.Equal(t, 2, res.Attempts)
	assert.Positive(t, res.DeletedByPosition)
	checkModel(t, res.Table, model, "after compaction")
	data, eq, vectors = planKinds(t, res.Table)
	assert.Equal(t, [3]int{2, 0, 1}, [3]int{data, eq, vectors}, "the compacted file with its vector, and the change's")

	// A change with nothing to delete or add, on a table a BeforeCommit hook moved: nothing is
	// committed, and Apply returns the moved table, the one to write on next.
	moved, err := m.Compact(ctx, res.Table, 0, nil)
	require.NoError(t, err)
	absent := keys(10_000)
	res, err = m.Apply(ctx, res.Table, sc, iceberg.Change{Deletes: []arrow.RecordBatch{absent}}, nil, iceberg.DeleteByPosition(idx),
		iceberg.BeforeCommit(func(context.Context) (*table.Table, error) { return moved.Table, nil }),
		iceberg.RetryOnConflict(3, func(*table.Table) (map[string]string, error) { return nil, nil }))
	absent.Release()
	require.NoError(t, err)
	assert.Zero(t, res.SnapshotID)
	assert.Equal(t, moved.Table.MetadataLocation(), res.Table.MetadataLocation())
	assert.LessOrEqual(t, idx.Rows(), int64(260), "the index holds the live files only")
}

// BenchmarkKeyIndex is what a KeyIndex costs: the heap it holds per row of a 100,000-row data
// file, and the time to index the file (its key column read once). Run with -benchtime 1x.
func BenchmarkKeyIndex(b *testing.B) {
	for b.Loop() {
		m := iceberg.NewTableManager(openSQLite(b), "raw")
		sc := ordersSchema()
		tbl := table100k(b, m, "orders")
		tbl, err := m.EnableDeletionVectors(b.Context(), tbl)
		require.NoError(b, err)
		// The heap the index holds: with it, then once it is dropped.
		idx := iceberg.NewKeyIndex(0)
		del := keys(1)
		start := time.Now()
		res, err := m.Apply(b.Context(), tbl, sc, iceberg.Change{Deletes: []arrow.RecordBatch{del}}, nil, iceberg.DeleteByPosition(idx))
		took := time.Since(start)
		require.NoError(b, err)
		require.EqualValues(b, 1, res.DeletedByPosition)
		b.ReportMetric(float64(took.Milliseconds()), "first_apply_ms")
		start = time.Now()
		next := keys(2)
		_, err = m.Apply(b.Context(), res.Table, sc, iceberg.Change{Deletes: []arrow.RecordBatch{next}}, nil, iceberg.DeleteByPosition(idx))
		next.Release()
		require.NoError(b, err)
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "next_apply_ms")
		with := liveHeap()
		rows := idx.Rows()
		idx = nil
		b.ReportMetric(float64(with-liveHeap())/float64(rows), "heap_bytes/row")
		del.Release()
		b.ReportMetric(0, "ns/op")
	}
}

// liveHeap is the live heap after a collection.
func liveHeap() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// table100k creates the table name of ordersSchema holding rows 0..99,999 in one file.
func table100k(b *testing.B, m *iceberg.TableManager, name string) *table.Table {
	sc := ordersSchema()
	tbl, err := m.EnsureTable(context.Background(), name, sc)
	require.NoError(b, err)
	rs := batch(sc, 0, 100_000)
	defer rs.Release()
	res, err := m.Write(context.Background(), tbl, sc, iceberg.Batches(rs), nil)
	require.NoError(b, err)
	return res.Table
}
