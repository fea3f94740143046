package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/extractors/postgres"
)

// BenchmarkExtract reads a 200k-row table (bigint key, numeric(12,2), text, timestamptz) with one
// and with four readers and reports rows/s.
func BenchmarkExtract(b *testing.B) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testDSN)
	if err != nil {
		b.Skip("PostgreSQL is not reachable: ", err)
	}
	defer conn.Close(ctx)
	name := "etlw_pg_bench_extract"
	_, err = conn.Exec(ctx, "DROP TABLE IF EXISTS "+name+"; CREATE TABLE "+name+` (id bigint PRIMARY KEY, amount numeric(12,2), note text, at timestamptz);
		INSERT INTO `+name+` SELECT g, g / 100.0, 'note ' || g, now() FROM generate_series(1, 200000) g`)
	require.NoError(b, err)
	defer conn.Exec(ctx, "DROP TABLE "+name) //nolint:errcheck
	ext, err := postgres.Open(ctx, &configloader.Source{Name: "bench", Connection: configloader.Connection{DSN: testDSN}})
	require.NoError(b, err)
	defer ext.Close()
	table, err := ext.Describe(ctx, name)
	require.NoError(b, err)
	snap, err := ext.Snapshot(ctx)
	require.NoError(b, err)
	defer snap.Close()
	for _, parts := range []int{1, 4} {
		b.Run(fmt.Sprintf("partitions=%d", parts), func(b *testing.B) {
			var rows int64
			for b.Loop() {
				n, err := snap.Extract(ctx, table, extract.ReadOptions{Partitions: parts}, func(context.Context, arrow.RecordBatch) error { return nil })
				require.NoError(b, err)
				rows += n
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
