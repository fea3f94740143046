package bulkload

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors"
	"github.com/etlwatch/etlwatch/iceberg"
)

// benchTable creates (once; later runs reuse it) a PostgreSQL table of rows rows and the ten
// columns of a typical fact table, and returns its name.
func benchTable(b *testing.B, conn *pgx.Conn, rows int) string {
	b.Helper()
	ctx := context.Background()
	name := fmt.Sprintf("etlw_bench_load_%d", rows)
	var n int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+name).Scan(&n); err == nil && n == int64(rows) {
		return name
	}
	_, err := conn.Exec(ctx, fmt.Sprintf(`DROP TABLE IF EXISTS %[1]s;
CREATE TABLE %[1]s (id bigint PRIMARY KEY, account_id integer NOT NULL, amount numeric(12,2), price double precision,
  status text, note text, active boolean, booked date, updated_at timestamptz, code varchar(16));
INSERT INTO %[1]s SELECT g, g %% 50000, (g %% 100000) / 100.0, g * 0.37, CASE g %% 4 WHEN 0 THEN 'new' WHEN 1 THEN 'paid' WHEN 2 THEN 'shipped' ELSE NULL END,
  'order note number ' || g, g %% 2 = 0, date '2020-01-01' + (g %% 1500), timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second', 'C' || (g %% 9999)
FROM generate_series(1, %[2]d) g`, name, rows))
	require.NoError(b, err)
	_, err = conn.Exec(ctx, "VACUUM ANALYZE "+name)
	require.NoError(b, err)
	return name
}

func benchConn(b *testing.B) *pgx.Conn {
	b.Helper()
	conn, err := pgx.Connect(context.Background(), pgURL)
	if err != nil {
		b.Skip("PostgreSQL is not reachable at 127.0.0.1:5432: ", err)
	}
	b.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// BenchmarkLoad1M loads a 1M-row, 10-column PostgreSQL table into Iceberg and, in the same run,
// reads it with pgx alone (the limit). Sub-benchmarks:
//
//   - pgx_read: pgx scanning every row into typed Go values, the anchor;
//   - extract: the postgres extractor to Arrow batches, nothing written;
//   - load/partitions=N: extraction + Iceberg write + one commit, no monitoring;
//   - load_monitored/partitions=N: the same through the job, with the collector, the structured
//     logger and the per-table metrics and events wired (output discarded).
//
// Each reports rows/s; the ratio to pgx_read is in docs/BENCHMARKS.md.
func BenchmarkLoad1M(b *testing.B) {
	conn := benchConn(b)
	name := benchTable(b, conn, 1_000_000)
	ctx := context.Background()
	rate := func(b *testing.B, rows int64) {
		b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(0, "ns/op")
	}

	b.Run("pgx_read", func(b *testing.B) {
		var rows int64
		for b.Loop() {
			rs, err := conn.Query(ctx, "SELECT id, account_id, amount, price, status, note, active, booked, updated_at, code FROM "+name)
			require.NoError(b, err)
			var (
				id, price          = int64(0), pgtype.Float8{}
				account            int32
				amount             pgtype.Numeric
				status, note, code pgtype.Text
				active             pgtype.Bool
				booked             pgtype.Date
				updated            pgtype.Timestamptz
			)
			for rs.Next() {
				if err := rs.Scan(&id, &account, &amount, &price, &status, &note, &active, &booked, &updated, &code); err != nil {
					b.Fatal(err)
				}
				rows++
			}
			require.NoError(b, rs.Err())
		}
		rate(b, rows)
	})

	src := &configloader.Source{Name: "bench", DatabaseType: "postgres",
		Connection: configloader.Connection{DSN: configloader.Secret(pgURL)},
		BulkLoad:   configloader.BulkLoad{ParallelWorkers: 1, ParallelPartitions: 1, Namespace: "bench"}}
	ext, err := extractors.Open(ctx, src)
	require.NoError(b, err)
	defer ext.Close()
	snap, err := ext.Snapshot(ctx)
	require.NoError(b, err)
	defer snap.Close()

	b.Run("extract", func(b *testing.B) {
		desc, err := ext.Describe(ctx, name)
		require.NoError(b, err)
		var rows int64
		for b.Loop() {
			n, err := snap.Extract(ctx, desc, extractors.ReadOptions{}, func(context.Context, arrow.RecordBatch) error { return nil })
			require.NoError(b, err)
			rows += n
		}
		rate(b, rows)
	})

	for _, parts := range []int{1, 2} {
		b.Run(fmt.Sprintf("load/partitions=%d", parts), func(b *testing.B) {
			src := *src
			src.Iceberg.Warehouse = b.TempDir()
			cat, err := iceberg.OpenCatalog(ctx, src.Iceberg)
			require.NoError(b, err)
			if c, ok := cat.(io.Closer); ok {
				defer c.Close()
			}
			tm := iceberg.NewTableManager(cat, "bench")
			var rows int64
			for b.Loop() {
				n, err := load(ctx, ext, snap, tm, name, parts, map[string]string{propSource: "bench"}, nil)
				require.NoError(b, err)
				rows += n
			}
			rate(b, rows)
		})
		b.Run(fmt.Sprintf("load_monitored/partitions=%d", parts), func(b *testing.B) {
			src := *src
			src.Iceberg.Warehouse = b.TempDir()
			src.BulkLoad.ParallelPartitions = parts
			p, err := etlwatch.New(ctx, "bulk_load", &src, etlwatch.WithLogOutput(io.Discard), etlwatch.WithMetricLog(io.Discard))
			require.NoError(b, err)
			defer p.Shutdown(context.Background()) //nolint:errcheck
			j := &job{p: p, src: &src, bl: src.BulkLoad, log: p.Logger.Slog()}
			require.NoError(b, j.open(p.Context()))
			defer j.close()
			var rows int64
			for b.Loop() {
				res := j.processTable(p.Context(), name)
				require.NoError(b, res.err)
				rows += res.records
			}
			rate(b, rows)
		})
	}
}

// BenchmarkTableMonitoring times what the job adds around each table's load: the start,
// completion and progress events, the per-table metrics and log lines, with output discarded; the
// load itself is replaced by one that reads nothing. Compared with the time a table takes to load
// (BenchmarkLoad1M), it is the collector's and logger's overhead per table.
func BenchmarkTableMonitoring(b *testing.B) {
	ctx := context.Background()
	src := &configloader.Source{Name: "bench", DatabaseType: "postgres", BulkLoad: configloader.BulkLoad{ParallelPartitions: 1}}
	p, err := etlwatch.New(ctx, "bulk_load", src, etlwatch.WithLogOutput(io.Discard), etlwatch.WithMetricLog(io.Discard))
	require.NoError(b, err)
	defer p.Shutdown(context.Background()) //nolint:errcheck
	j := &job{p: p, src: src, bl: src.BulkLoad, log: p.Logger.Slog(), snap: noSnapshot{}, tm: iceberg.NewTableManager(nil, "bench"),
		loadFn: func(_ context.Context, _ string, onBatch func(int64)) (int64, error) {
			for range 123 { // the batches of 1M rows
				onBatch(8192)
			}
			return 1_000_000, nil
		}}
	b.ReportAllocs()
	for b.Loop() {
		if res := j.processTable(p.Context(), "orders"); res.err != nil {
			b.Fatal(res.err)
		}
	}
}

// noSnapshot is a snapshot with a position and nothing else, for BenchmarkTableMonitoring.
type noSnapshot struct{ extractors.Snapshot }

func (noSnapshot) Position() extractors.Position {
	return extractors.Position{Kind: "postgres_lsn", Value: "0/16B3748"}
}
