package sqldataset_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/dataquality/sqldataset"
)

// The benchmark tables are created once, by INSERT ... SELECT generate_series, and kept between
// runs: dq_bench_src (1M rows), dq_bench_copy (the same rows), dq_bench_diff (the same rows
// with 10 differences: 4 changed, 3 deleted, 3 inserted).
const (
	benchRows = 1_000_000
	benchCols = "id, qty, big, amount, name, note, created, day, active"
)

var benchDiffKeys = struct{ changed, deleted, inserted []int64 }{
	changed:  []int64{17, 250_001, 500_000, 999_999},
	deleted:  []int64{3, 333_333, 777_777},
	inserted: []int64{1_000_001, 1_000_002, 2_000_000},
}

func benchPostgres(b *testing.B) *sql.DB {
	b.Helper()
	db := openDB(b, "pgx", postgresDSN, "PostgreSQL at 127.0.0.1:5432")
	ctx := context.Background()
	ensure := func(name string, create ...string) {
		var n int64
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+name).Scan(&n); err == nil && n == benchRows {
			return
		}
		b.Logf("creating %s", name)
		_, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS "+name)
		require.NoError(b, err)
		for _, q := range create {
			_, err := db.ExecContext(ctx, q)
			require.NoError(b, err, q)
		}
		// Set the hint bits and the visibility map now, not during the first measured scan.
		_, err = db.ExecContext(ctx, "VACUUM ANALYZE "+name)
		require.NoError(b, err)
	}
	ensure("dq_bench_src",
		`CREATE TABLE dq_bench_src (id bigint PRIMARY KEY, qty integer, big bigint, amount numeric(12,2),
			name varchar(100), note text, created timestamp, day date, active boolean)`,
		`INSERT INTO dq_bench_src SELECT g, g % 1000, g::bigint * 1000003, (g % 100000)::numeric / 100, 'name ' || g,
			repeat('note ', (g % 7)::int) || g, timestamp '2024-01-01' + g * interval '1 second',
			date '2024-01-01' + (g % 3000)::int, g % 3 = 0 FROM generate_series(1::bigint, 1000000) g`)
	ensure("dq_bench_copy",
		`CREATE TABLE dq_bench_copy (LIKE dq_bench_src INCLUDING ALL)`,
		`INSERT INTO dq_bench_copy SELECT * FROM dq_bench_src`)
	ensure("dq_bench_diff",
		`CREATE TABLE dq_bench_diff (LIKE dq_bench_src INCLUDING ALL)`,
		`INSERT INTO dq_bench_diff SELECT * FROM dq_bench_src`,
		fmt.Sprintf(`UPDATE dq_bench_diff SET name = name || ' (changed)' WHERE id IN (%d, %d, %d, %d)`,
			benchDiffKeys.changed[0], benchDiffKeys.changed[1], benchDiffKeys.changed[2], benchDiffKeys.changed[3]),
		fmt.Sprintf(`DELETE FROM dq_bench_diff WHERE id IN (%d, %d, %d)`,
			benchDiffKeys.deleted[0], benchDiffKeys.deleted[1], benchDiffKeys.deleted[2]),
		fmt.Sprintf(`INSERT INTO dq_bench_diff (id, name) VALUES (%d, 'new'), (%d, 'new'), (%d, 'new')`,
			benchDiffKeys.inserted[0], benchDiffKeys.inserted[1], benchDiffKeys.inserted[2]))
	return db
}

// benchTable returns the table with its catalog already read, so that no measured iteration
// pays for it.
func benchTable(b *testing.B, db *sql.DB, name string) *sqldataset.Table {
	tbl, err := sqldataset.New(db, sqldataset.PostgreSQL, name)
	require.NoError(b, err)
	_, err = tbl.PrimaryKey(context.Background())
	require.NoError(b, err)
	return tbl
}

func rowsPerSecond(b *testing.B, rows int64) {
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkRowCount compares the planner's estimate (pg_class.reltuples) with count(*) on the
// 1M-row table.
func BenchmarkRowCount(b *testing.B) {
	db := benchPostgres(b)
	tbl := benchTable(b, db, "dq_bench_src")
	ctx := context.Background()
	b.Run("estimate_reltuples", func(b *testing.B) {
		for b.Loop() {
			if _, err := tbl.EstimatedRowCount(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("count_star", func(b *testing.B) {
		for b.Loop() {
			if _, err := tbl.RowCount(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkReconcile1M reconciles the 1M-row table against its copy (equal) and against the
// copy with 10 differences, next to the rates at which pgx alone, and database/sql over pgx,
// read the same rows (the limit), and the rate of an md5 checksum computed inside PostgreSQL
// (the pushdown alternative, one side only, not comparable across systems).
func BenchmarkReconcile1M(b *testing.B) {
	db := benchPostgres(b)
	ctx := context.Background()
	src := benchTable(b, db, "dq_bench_src")

	pgxRead := func(b *testing.B, decode bool) {
		conn, err := pgx.Connect(ctx, postgresDSN)
		require.NoError(b, err)
		defer conn.Close(ctx)
		for b.Loop() {
			rows, err := conn.Query(ctx, "SELECT "+benchCols+" FROM dq_bench_src")
			require.NoError(b, err)
			n := 0
			for rows.Next() {
				if decode {
					if _, err := rows.Values(); err != nil {
						b.Fatal(err)
					}
				} else {
					_ = rows.RawValues()
				}
				n++
			}
			require.NoError(b, rows.Err())
			require.Equal(b, benchRows, n)
		}
		rowsPerSecond(b, benchRows)
	}
	// The limit: pgx receiving the rows without decoding them.
	b.Run("pgx_raw_read", func(b *testing.B) { pgxRead(b, false) })
	// pgx decoding every value to Go (rows.Values).
	b.Run("pgx_values_read", func(b *testing.B) { pgxRead(b, true) })
	b.Run("database_sql_read", func(b *testing.B) {
		for b.Loop() {
			rows, err := db.QueryContext(ctx, "SELECT "+benchCols+" FROM dq_bench_src")
			require.NoError(b, err)
			vals := make([]any, 9)
			ptrs := make([]any, 9)
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			n := 0
			for rows.Next() {
				if err := rows.Scan(ptrs...); err != nil {
					b.Fatal(err)
				}
				n++
			}
			require.NoError(b, rows.Err())
			require.Equal(b, benchRows, n)
		}
		rowsPerSecond(b, benchRows)
	})
	b.Run("one_side_checksum_pass", func(b *testing.B) {
		spec := dataquality.ChecksumSpec{Key: "id", Columns: []string{"id", "qty", "big", "amount", "name", "note", "created", "day", "active"}}
		segs := dataquality.SplitRange(dataquality.KeyRange{Lo: 1, Hi: benchRows}, dataquality.DefaultSegments)
		for b.Loop() {
			if _, err := src.Checksums(ctx, spec, segs); err != nil {
				b.Fatal(err)
			}
		}
		rowsPerSecond(b, benchRows)
	})
	b.Run("md5_pushdown_one_side", func(b *testing.B) {
		for b.Loop() {
			var n int64
			var sum string
			err := db.QueryRowContext(ctx, `SELECT count(*), sum(('x' || substr(md5(t::text), 1, 16))::bit(64)::bigint::numeric)::text FROM dq_bench_src t`).Scan(&n, &sum)
			require.NoError(b, err)
		}
		rowsPerSecond(b, benchRows)
	})
	c := dataquality.NewChecker()
	b.Run("reconcile_equal", func(b *testing.B) {
		dst := benchTable(b, db, "dq_bench_copy")
		for b.Loop() {
			r := c.Reconcile(ctx, "dq_bench", src, dst, dataquality.ReconcileOptions{})
			if !r.Passed {
				b.Fatal(r.Details)
			}
		}
		rowsPerSecond(b, benchRows)
	})
	b.Run("reconcile_10_diffs", func(b *testing.B) {
		dst := benchTable(b, db, "dq_bench_diff")
		var r dataquality.Result
		for b.Loop() {
			r = c.Reconcile(ctx, "dq_bench", src, dst, dataquality.ReconcileOptions{})
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
		require.Equal(b, benchDiffKeys.changed, r.Observed["changed_keys"])
		require.Equal(b, benchDiffKeys.deleted, r.Observed["missing_in_dest_keys"])
		require.Equal(b, benchDiffKeys.inserted, r.Observed["missing_in_source_keys"])
		b.ReportMetric(float64(r.Observed["checksum_queries"].(int64)), "checksum_queries")
		b.ReportMetric(float64(r.Observed["row_hash_queries"].(int64)), "row_hash_queries")
		rowsPerSecond(b, benchRows)
	})
}
