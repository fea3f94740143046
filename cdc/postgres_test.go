package cdc_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/iceberg"
	"github.com/etlwatch/etlwatch/internal/bulkload"
	"github.com/etlwatch/etlwatch/internal/testenv"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/monitoringtest"
)

const pgURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// On the real PostgreSQL: transaction B commits before the bulk load's snapshot, A starts before
// it and commits after (it straddles the snapshot), C runs after. The bulk load records the
// snapshot's transaction snapshot; the consumer then skips exactly B's events (their changes are
// in the load: a canary event of B that would change a row if applied proves it) and applies A's
// and C's. The table ends with the right rows.
func TestPostgresSkipRuleAroundTheSnapshot(t *testing.T) {
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		testenv.Unavailable(t, "PostgreSQL at 127.0.0.1:5432: "+err.Error())
		return
	}
	defer conn.Close(context.Background())
	other, err := pgx.Connect(ctx, pgURL)
	require.NoError(t, err)
	defer other.Close(context.Background())
	name := fmt.Sprintf("cdc_skip_%d", time.Now().UnixNano())
	_, err = conn.Exec(ctx, "CREATE TABLE "+name+" (id int PRIMARY KEY, qty int NOT NULL)")
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = conn.Exec(context.Background(), "DROP TABLE IF EXISTS "+name) })

	xid := func(tx pgx.Tx) string {
		var x int64
		require.NoError(t, tx.QueryRow(ctx, "SELECT txid_current() % 4294967296").Scan(&x)) // Debezium's 32-bit txId
		return strconv.FormatInt(x, 10)
	}
	txB, err := conn.Begin(ctx)
	require.NoError(t, err)
	_, err = txB.Exec(ctx, "INSERT INTO "+name+" VALUES (1, 1), (2, 2), (3, 3)")
	require.NoError(t, err)
	b := xid(txB)
	require.NoError(t, txB.Commit(ctx))
	txA, err := other.Begin(ctx) // straddles the snapshot
	require.NoError(t, err)
	_, err = txA.Exec(ctx, "UPDATE "+name+" SET qty = 20 WHERE id = 2")
	require.NoError(t, err)
	a := xid(txA)

	// The bulk load, while A is open.
	tmp := t.TempDir()
	warehouse := filepath.Join(tmp, "warehouse")
	require.NoError(t, os.WriteFile(filepath.Join(tmp, configloader.FileName), []byte(fmt.Sprintf(`sources:
  pg:
    database_type: postgres
    connection:
      dsn: %s
    bulk_load:
      tables: [%s]
      namespace: raw
    iceberg:
      warehouse: %s
`, pgURL, name, warehouse)), 0o600))
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, bulkload.RunConfig(ctx, bulkload.Config{Source: "pg", ConfigDir: tmp, Progress: bulkload.ProgressOff}, &stdout, &stderr), stderr.String())

	require.NoError(t, txA.Commit(ctx))
	txC, err := conn.Begin(ctx)
	require.NoError(t, err)
	_, err = txC.Exec(ctx, "INSERT INTO "+name+" VALUES (4, 40)")
	require.NoError(t, err)
	c := xid(txC)
	require.NoError(t, txC.Commit(ctx))

	// The events Debezium would send for B, A and C (B's row 1 event is a canary: qty 999).
	fields := []map[string]any{{"type": "int32", "optional": false, "field": "id"}, {"type": "int32", "optional": false, "field": "qty"}}
	event := func(op string, id, qty int, tx string) []byte {
		return rawEnvelope(t, name, op, fields, nil, map[string]any{"id": id, "qty": qty}, time.Now().UnixMilli(), map[string]any{"txId": tx})
	}
	r := newRig(t)
	r.src.CDC.Topics = []string{topic}
	r.tm = iceberg.NewTableManager(openCatalog(t, warehouse), "raw")
	r.produce(
		change(topic, keyOf(name, 1), event("c", 1, 999, b)),
		change(topic, keyOf(name, 2), event("u", 2, 20, a)),
		change(topic, keyOf(name, 4), event("c", 4, 40, c)),
	)
	sink := monitoringtest.NewSink()
	metrics, err := monitoring.NewMetricsCollector("cdc", "pg", monitoring.WithSinks(sink))
	require.NoError(t, err)
	defer metrics.Shutdown(context.Background()) //nolint:errcheck
	r.runTable(name, cdc.WithMetrics(metrics))

	assert.Equal(t, map[int64]int32{1: 1, 2: 20, 3: 3, 4: 40}, r.rowsOf(name, "qty"))
	require.NoError(t, metrics.ForceFlush(context.Background()))
	assert.EqualValues(t, 1, sink.Total("cdc_events_skipped", monitoring.Dimensions{"table": name}), "B's event")
	assert.EqualValues(t, 2, sink.Total("cdc_events_processed", monitoring.Dimensions{"table": name}), "A's and C's")
}
