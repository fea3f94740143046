package bulkload

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/iceberg"
	"github.com/etlwatch/etlwatch/internal/testenv"
)

// A table written to while it loads: every writer transaction moves an amount between two
// accounts and replaces one account by a new one, so any consistent state has exactly n rows
// whose balances sum to the same total. Four partition readers read the table concurrently while
// the writes go on; the Iceberg table must hold a consistent state.
func TestPostgresTableWrittenDuringLoad(t *testing.T) {
	ctx := t.Context()
	pool, err := pgxpool.New(ctx, pgURL)
	if err == nil {
		err = pool.Ping(ctx)
	}
	if err != nil {
		testenv.Unavailable(t, "PostgreSQL at 127.0.0.1:5432: "+err.Error())
		return
	}
	defer pool.Close()
	const n, total = 50000, 50000 * 1000
	name := fmt.Sprintf("bulkload_busy_%d", time.Now().UnixNano())
	_, err = pool.Exec(ctx, fmt.Sprintf(`CREATE TABLE %[1]s (id bigint PRIMARY KEY, balance bigint NOT NULL, note text);
INSERT INTO %[1]s SELECT g, 1000, 'account ' || g FROM generate_series(1, %[2]d) g`, name, n))
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = pool.Exec(context.Background(), "DROP TABLE IF EXISTS "+name) })

	// The writer runs from before the load until after it.
	stop := make(chan struct{})
	var commits atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		next := int64(n + 1)
		for i := int64(0); ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			// Move 7 from one account to another, and replace the smallest account by a new
			// one with its balance.
			_, err := pool.Exec(context.Background(), fmt.Sprintf(`
WITH moved AS (UPDATE %[1]s SET balance = balance + CASE WHEN id = (SELECT max(id) FROM %[1]s) THEN 7 ELSE -7 END
  WHERE id IN ((SELECT max(id) FROM %[1]s), (SELECT min(id) + 1 FROM %[1]s)) RETURNING 1),
old AS (DELETE FROM %[1]s WHERE id = (SELECT min(id) FROM %[1]s) RETURNING balance)
INSERT INTO %[1]s SELECT %[2]d, balance, 'new' FROM old`, name, next))
			if err != nil {
				t.Errorf("writer: %v", err)
				return
			}
			next++
			commits.Add(1)
		}
	}()
	t.Cleanup(func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	})
	for commits.Load() < 20 {
		time.Sleep(5 * time.Millisecond)
	}

	tmp := t.TempDir()
	dir := writeConfig(t, fmt.Sprintf(`sources:
  src:
    database_type: postgres
    connection:
      dsn: %s
    bulk_load:
      parallel_partitions: 4
      max_retries: 0
      tables: [%s]
      namespace: raw
    iceberg:
      warehouse: %s
    data_quality:
      check_row_count: true
      on_failure: fail
`, pgURL, name, filepath.Join(tmp, "warehouse")))
	var stdout, stderr bytes.Buffer
	before := commits.Load()
	code := Run(ctx, []string{"--source", "src", "--config-dir", dir, "--progress", "off"}, &stdout, &stderr)
	during := commits.Load() - before
	close(stop)
	wg.Wait()
	require.Equal(t, 0, code, "stderr: %s\nstdout: %s", stderr.String(), stdout.String())
	require.Positive(t, during, "the writer committed nothing during the load")
	t.Logf("%d writer transactions committed during the load", during)

	rows, sum := icebergBalances(t, dir, name)
	assert.EqualValues(t, n, rows, "rows in Iceberg")
	assert.EqualValues(t, total, sum, "sum of balances in Iceberg")
}

// icebergBalances reads the loaded table name back from the warehouse of the configuration in
// dir and returns its rows and the sum of their balances, failing on an id seen twice.
func icebergBalances(t *testing.T, dir, name string) (rows, sum int64) {
	t.Helper()
	ctx := t.Context()
	cfg, err := configloader.Load(dir)
	require.NoError(t, err)
	src, err := cfg.Source("src")
	require.NoError(t, err)
	cat, err := iceberg.OpenCatalog(ctx, src.Iceberg)
	require.NoError(t, err)
	if c, ok := cat.(interface{ Close() error }); ok {
		defer c.Close()
	}
	tbl, err := cat.LoadTable(ctx, iceberg.NewTableManager(cat, "raw").Identifier(name))
	require.NoError(t, err)
	at, err := tbl.Scan().ToArrowTable(ctx)
	require.NoError(t, err)
	defer at.Release()
	seen := map[int64]bool{}
	tr := array.NewTableReader(at, 0)
	defer tr.Release()
	for tr.Next() {
		rec := tr.RecordBatch()
		ids := rec.Column(0).(*array.Int64)
		bal := rec.Column(1).(*array.Int64)
		for i := 0; i < int(rec.NumRows()); i++ {
			require.False(t, seen[ids.Value(i)], "id %d twice", ids.Value(i))
			seen[ids.Value(i)] = true
			sum += bal.Value(i)
			rows++
		}
	}
	return rows, sum
}
