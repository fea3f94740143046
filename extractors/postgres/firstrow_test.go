package postgres_test

import (
	"context"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors/internal/connecttest"
	"github.com/etlwatch/etlwatch/extractors/postgres"
)

// TestFirstRowTimeout reads a table that another session holds an ACCESS EXCLUSIVE lock on.
func TestFirstRowTimeout(t *testing.T) {
	conn := server(t)
	connecttest.RunFirstRow(t, connecttest.FirstRowDriver{
		Type: "postgres", Product: "PostgreSQL", Address: "127.0.0.1:5432",
		Open: connecttest.Opener(postgres.Open, postgres.WithFirstRowTimeout),
		Source: func() *configloader.Source {
			return &configloader.Source{Name: "test", DatabaseType: "postgres", Connection: configloader.Connection{DSN: testDSN}}
		},
		Table: func(t *testing.T) string {
			name := newTable(t, conn, "id int PRIMARY KEY, v text")
			exec(t, conn, "INSERT INTO "+name+" SELECT g, 'v' || g FROM generate_series(1, 10) g")
			return name
		},
		Lock: lockTable,
	})
}

// lockTable takes an ACCESS EXCLUSIVE lock on table in a transaction of another session and
// returns what releases it (once; later calls do nothing).
func lockTable(t *testing.T, table string) (unlock func()) {
	t.Helper()
	ctx := context.Background()
	locker, err := pgx.Connect(ctx, testDSN)
	require.NoError(t, err)
	tx, err := locker.Begin(ctx)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, "LOCK TABLE "+pgx.Identifier{table}.Sanitize()+" IN ACCESS EXCLUSIVE MODE")
	require.NoError(t, err)
	var once sync.Once
	unlock = func() {
		once.Do(func() {
			_ = tx.Rollback(ctx)
			_ = locker.Close(ctx)
		})
	}
	t.Cleanup(unlock)
	return unlock
}
