//go:build unix

package iceberg_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	gi "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/iceberg"
)

// BenchmarkScanDeleteKinds is what each kind of change costs a scan of a 100,000-row table,
// against the same table before it: one more small data file (an append of 20 rows); an upsert
// of 20 or 2,000 existing keys (a data file and an equality-delete file, as the CDC consumer
// writes); and 20 rows removed by position deletes (iceberg-go's merge-on-read Delete), or by a
// deletion vector (the same Delete on the table upgraded to format version 3). It
// reports the mean process CPU time of a scan of each as a ratio to the table before. Run with
// -benchtime 1x; it says which delete form a streaming writer should leave behind.
func BenchmarkScanDeleteKinds(b *testing.B) {
	for b.Loop() {
		ctx := context.Background()
		m := iceberg.NewTableManager(openSQLite(b), "raw")
		sc := ordersSchema()
		fresh := func(name string) *table.Table { return table100k(b, m, name) }
		rng := rand.New(rand.NewPCG(3, 4))
		upsert := func(name string, n int) *table.Table {
			tbl := fresh(name)
			var ups [][2]int64
			for range n {
				ups = append(ups, [2]int64{rng.Int64N(100_000), 7})
			}
			u := rows(sc, ups...)
			defer u.Release()
			res, err := m.Apply(ctx, tbl, sc, iceberg.Change{Upserts: []arrow.RecordBatch{u}}, nil)
			require.NoError(b, err)
			return res.Table
		}
		base := scanCPU(b, fresh("base"))

		app := fresh("append")
		extra := batch(sc, 200_000, 20)
		res, err := m.Write(ctx, app, sc, iceberg.Batches(extra), nil)
		extra.Release()
		require.NoError(b, err)
		b.ReportMetric(scanCPU(b, res.Table)/base, "append_20/base")

		b.ReportMetric(scanCPU(b, upsert("eq20", 20))/base, "eq_delete_20/base")
		b.ReportMetric(scanCPU(b, upsert("eq2000", 2000))/base, "eq_delete_2000/base")

		pos := fresh("pos")
		tx := pos.NewTransaction()
		require.NoError(b, tx.SetProperties(gi.Properties{table.WriteDeleteModeKey: table.WriteModeMergeOnRead}))
		var ids []int64
		for range 20 {
			ids = append(ids, rng.Int64N(100_000))
		}
		require.NoError(b, tx.Delete(ctx, gi.IsIn(gi.Reference("id"), ids...), nil))
		pos, err = tx.Commit(ctx)
		require.NoError(b, err)
		plan, err := pos.Scan().PlanFiles(ctx)
		require.NoError(b, err)
		require.NotEmpty(b, plan[0].DeleteFiles, "position deletes written")
		b.ReportMetric(scanCPU(b, pos)/base, "pos_delete_20/base")

		// The same 20 rows removed by a deletion vector (format version 3).
		dv := fresh("dv")
		tx = dv.NewTransaction()
		require.NoError(b, tx.UpgradeFormatVersion(3))
		require.NoError(b, tx.SetProperties(gi.Properties{table.WriteDeleteModeKey: table.WriteModeMergeOnRead}))
		dv, err = tx.Commit(ctx)
		require.NoError(b, err)
		tx = dv.NewTransaction()
		require.NoError(b, tx.Delete(ctx, gi.IsIn(gi.Reference("id"), ids...), nil))
		dv, err = tx.Commit(ctx)
		require.NoError(b, err)
		plan, err = dv.Scan().PlanFiles(ctx)
		require.NoError(b, err)
		require.NotEmpty(b, plan[0].DeletionVectorFiles, "a deletion vector written")
		b.ReportMetric(scanCPU(b, dv)/base, "dv_delete_20/base")

		// A stream's upserts of 20 keys, 1 and 4 commits of them, as Apply writes them: equality
		// deletes, or deletion vectors (DeleteByPosition).
		for _, byPos := range []bool{false, true} {
			tbl := fresh(map[bool]string{false: "stream_eq", true: "stream_dv"}[byPos])
			var opts []iceberg.ApplyOption
			if byPos {
				tbl, err = m.EnableDeletionVectors(ctx, tbl)
				require.NoError(b, err)
				opts = append(opts, iceberg.DeleteByPosition(iceberg.NewKeyIndex(0)))
			}
			for i := range 4 {
				var ups [][2]int64
				for range 20 {
					ups = append(ups, [2]int64{rng.Int64N(100_000), 7})
				}
				u := rows(sc, ups...)
				res, err := m.Apply(ctx, tbl, sc, iceberg.Change{Upserts: []arrow.RecordBatch{u}}, nil, opts...)
				u.Release()
				require.NoError(b, err)
				require.Equal(b, !byPos, res.EqualityDeletes)
				tbl = res.Table
				if i == 0 || i == 3 {
					b.ReportMetric(scanCPU(b, tbl)/base, fmt.Sprintf("stream_%s_%d/base", map[bool]string{false: "eq", true: "dv"}[byPos], i+1))
				}
			}
		}
		b.ReportMetric(base, "base_cpu_ms")
		b.ReportMetric(0, "ns/op")
	}
}
