package iceberg_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/iceberg-go/table"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/iceberg"
)

// MergeDeletes keeps a table exact through any mix of upserts, deletes and re-inserts of the
// same keys, merged at any point: after every commit and every merge the table's rows equal a
// model of them. The keys are few (60), so the same key is deleted, re-inserted and updated
// before and after merges; a merge leaves the base, one tail file and one delete file.
func TestMergeDeletes(t *testing.T) {
	ctx := t.Context()
	m := iceberg.NewTableManager(openSQLite(t), "raw")
	sc := ordersSchema()
	tbl, err := m.EnsureTable(ctx, "orders", sc)
	require.NoError(t, err)
	base := batch(sc, 0, 40) // ids 0..39, qty id*10
	res, err := m.Write(ctx, tbl, sc, iceberg.Batches(base), nil)
	base.Release()
	require.NoError(t, err)
	tbl = res.Table
	model := map[int64]int64{}
	for id := range int64(40) {
		model[id] = id * 10
	}
	check := func(step string) {
		t.Helper()
		ids, qty := readIDs(t, tbl)
		want := slices.Sorted(func(yield func(int64) bool) {
			for id := range model {
				if !yield(id) {
					return
				}
			}
		})
		require.Equal(t, want, ids, step)
		for id, q := range model {
			require.Equal(t, q, qty[id], "%s: qty of %d", step, id)
		}
	}

	rng := rand.New(rand.NewPCG(7, 8))
	merges := 0
	for commit := range 120 {
		var ups [][2]int64
		var dels []int64
		for _, id := range rng.Perm(60)[:1+rng.IntN(6)] {
			if rng.IntN(3) == 0 {
				dels = append(dels, int64(id))
				delete(model, int64(id))
			} else {
				q := int64(commit*100 + id)
				ups = append(ups, [2]int64{int64(id), q})
				model[int64(id)] = q
			}
		}
		var ch iceberg.Change
		if len(ups) > 0 {
			u := rows(sc, ups...)
			defer u.Release()
			ch.Upserts = []arrow.RecordBatch{u}
		}
		if len(dels) > 0 {
			k := keys(dels...)
			defer k.Release()
			ch.Deletes = []arrow.RecordBatch{k}
		}
		res, err := m.Apply(ctx, tbl, sc, ch, nil)
		require.NoError(t, err)
		tbl = res.Table
		check("after commit")
		if rng.IntN(4) != 0 {
			continue
		}
		before := tbl.CurrentSnapshot().SnapshotID
		cr, err := m.MergeDeletes(ctx, tbl, 0, map[string]string{"etlwatch.kafka_offsets": "t/0:1"})
		require.NoError(t, err)
		tbl = cr.Table
		if cr.DeleteFilesBefore < 2 {
			assert.Equal(t, before, tbl.CurrentSnapshot().SnapshotID, "nothing to merge commits nothing")
			continue
		}
		merges++
		check("after merge")
		assert.Equal(t, 1, cr.DeleteFilesAfter, "one merged delete file")
		assert.LessOrEqual(t, cr.DataFilesAfter, 2, "the base file and one tail file")
		sh, err := m.ScanHealth(ctx, tbl)
		require.NoError(t, err)
		assert.Equal(t, sh.DataBytes, cr.DataBytesAfter, "the merge counts the bytes a scan plan of its table reads")
		assert.Equal(t, "t/0:1", tbl.CurrentSnapshot().Summary.Properties["etlwatch.kafka_offsets"])
		h, err := m.Health(ctx, tbl)
		require.NoError(t, err)
		assert.Positive(t, h.EqualityDeletes)
		assert.LessOrEqual(t, h.EqualityDeletes, int64(60), "each key once in the merged delete file")
	}
	assert.Greater(t, merges, 10)

	// A compaction after merges folds everything into the base again.
	cr, err := m.Compact(ctx, tbl, 0, nil)
	require.NoError(t, err)
	tbl = cr.Table
	check("after compaction")
	assert.Equal(t, 0, cr.DeleteFilesAfter)
}

// MergeDeletes refuses, writing nothing, a tail larger than allowed, and is fenced like every
// commit: a table changed since it was loaded is not merged.
func TestMergeDeletesLimits(t *testing.T) {
	ctx := t.Context()
	m, sc, tbl := seeded(t, 10)
	var stale *table.Table
	for i := range 3 {
		u := rows(sc, [2]int64{int64(i), 1}, [2]int64{int64(20 + i), 2})
		res, err := m.Apply(ctx, tbl, sc, iceberg.Change{Upserts: []arrow.RecordBatch{u}}, nil)
		u.Release()
		require.NoError(t, err)
		stale, tbl = tbl, res.Table
	}
	_, err := m.MergeDeletes(ctx, tbl, 1, nil)
	assert.True(t, errors.Is(err, iceberg.ErrNeedsCompaction), "%v", err)

	_, err = m.MergeDeletes(ctx, stale, 0, nil)
	require.Error(t, err)
	assert.True(t, errors.Is(err, iceberg.ErrStaleTable), "%v", err)

	cr, err := m.MergeDeletes(ctx, tbl, 0, nil)
	require.NoError(t, err)
	assert.Equal(t, 1, cr.DeleteFilesAfter)
	ids, _ := readIDs(t, cr.Table)
	assert.Equal(t, []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 20, 21, 22}, ids)
}
