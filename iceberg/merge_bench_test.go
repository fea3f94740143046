//go:build unix

package iceberg_test

import (
	"context"
	"math/rand/v2"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/iceberg-go/table"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/iceberg"
)

// BenchmarkMergeDeletesScan is what MergeDeletes does to a scan: a 100,000-row table after 16
// commits of 20 upserts (16 small data files and 16 equality-delete files), then merged, each
// against the same rows in one file. It reports the mean process CPU time of one scan of each
// (CPU, not wall time: the figure must not depend on what else the machine runs) and the two
// ratios. Run with -benchtime 1x.
func BenchmarkMergeDeletesScan(b *testing.B) {
	for b.Loop() {
		ctx := context.Background()
		m := iceberg.NewTableManager(openSQLite(b), "raw")
		sc := ordersSchema()
		compacted, changed := table100k(b, m, "compacted"), table100k(b, m, "changed")
		rng := rand.New(rand.NewPCG(1, 2))
		for range 16 {
			var ups [][2]int64
			for range 20 {
				ups = append(ups, [2]int64{rng.Int64N(100_000), 7})
			}
			u := rows(sc, ups...)
			res, err := m.Apply(ctx, changed, sc, iceberg.Change{Upserts: []arrow.RecordBatch{u}}, nil)
			u.Release()
			require.NoError(b, err)
			changed = res.Table
		}
		base, before := scanCPU(b, compacted), scanCPU(b, changed)
		cr, err := m.MergeDeletes(ctx, changed, 0, nil)
		require.NoError(b, err)
		require.Equal(b, 1, cr.DeleteFilesAfter)
		merged := scanCPU(b, cr.Table)
		b.ReportMetric(base, "compacted_cpu_ms")
		b.ReportMetric(before, "16_deletes_cpu_ms")
		b.ReportMetric(merged, "merged_cpu_ms")
		b.ReportMetric(before/base, "16_deletes/compacted")
		b.ReportMetric(merged/base, "merged/compacted")
		b.ReportMetric(0, "ns/op")
	}
}

// scanCPU is the mean process CPU time of one full scan of tbl, over 40, in milliseconds.
func scanCPU(b *testing.B, tbl *table.Table) float64 {
	const n = 40
	runtime.GC()
	start := processCPU()
	for range n {
		at, err := tbl.Scan().ToArrowTable(context.Background())
		require.NoError(b, err)
		at.Release()
	}
	return float64((processCPU() - start).Microseconds()) / 1000 / n
}

// processCPU is the user and system CPU time the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
