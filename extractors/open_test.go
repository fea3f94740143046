package extractors_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors"
	"github.com/etlwatch/etlwatch/extractors/sqlite"
)

func TestOpenSQLite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sample.db")
	require.NoError(t, sqlite.CreateSample(ctx, path, 1000))
	ext, err := extractors.Open(ctx, &configloader.Source{Name: "local", DatabaseType: "sqlite",
		Connection: configloader.Connection{Database: path}})
	require.NoError(t, err)
	defer ext.Close()

	tables, err := ext.Tables(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, tables)
	table, err := ext.Describe(ctx, tables[0])
	require.NoError(t, err)
	snap, err := ext.Snapshot(ctx)
	require.NoError(t, err)
	defer snap.Close()
	want, err := snap.RowCount(ctx, table.Name)
	require.NoError(t, err)
	var got int64
	n, err := snap.Extract(ctx, table, extractors.ReadOptions{BatchRows: 100}, func(_ context.Context, rec arrow.RecordBatch) error {
		got += rec.NumRows()
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, want, n)
	assert.Equal(t, want, got)
}

func TestOpenRejects(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ typ, want string }{
		{"oracle", `oracle: source "s": connection.host and connection.service_name is required when connection.dsn is not set`},
		{"db2", `extractors: source "s": database_type "db2": allowed: oracle, postgres, mysql, sqlite`},
	} {
		_, err := extractors.Open(ctx, &configloader.Source{Name: "s", DatabaseType: tc.typ})
		assert.ErrorContains(t, err, tc.want, tc.typ)
	}
	_, err := extractors.Open(ctx, nil)
	assert.Error(t, err)
}

// TestOpenOracle shows that an oracle source reaches the Oracle extractor, which pings the
// server: nothing listens on port 1 of the loopback address.
func TestOpenOracle(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := extractors.Open(ctx, &configloader.Source{Name: "erp", DatabaseType: "oracle", Connection: configloader.Connection{
		Host: "127.0.0.1", Port: 1, ServiceName: "FREEPDB1", Username: "etl", Password: "hunter2-secret"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `oracle: source "erp": ping 127.0.0.1:1/FREEPDB1: `)
	assert.NotContains(t, err.Error(), "hunter2-secret")
}
