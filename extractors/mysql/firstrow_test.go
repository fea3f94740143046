package mysql_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors/internal/connecttest"
	"github.com/etlwatch/etlwatch/extractors/mysql"
)

// TestFirstRowTimeout reads a table that another session holds a LOCK TABLES ... WRITE on.
func TestFirstRowTimeout(t *testing.T) {
	db := server(t)
	connecttest.RunFirstRow(t, connecttest.FirstRowDriver{
		Type: "mysql", Product: "MySQL", Address: "127.0.0.1:3306",
		Open: connecttest.Opener(mysql.Open, mysql.WithFirstRowTimeout),
		Source: func() *configloader.Source {
			return &configloader.Source{Name: "test", DatabaseType: "mysql", Connection: configloader.Connection{DSN: testDSN}}
		},
		Table: func(t *testing.T) string {
			name := newTable(t, db, "id int PRIMARY KEY, v text")
			exec(t, db, "INSERT INTO `"+name+"` SELECT seq, CONCAT('v', seq) FROM seq_1_to_10")
			return name
		},
		Lock: lockTable,
	})
}

// lockTable takes LOCK TABLES ... WRITE on table in another session and returns what releases
// it (once; later calls do nothing).
func lockTable(t *testing.T, table string) (unlock func()) {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open("mysql", testDSN)
	require.NoError(t, err)
	locker, err := db.Conn(ctx)
	require.NoError(t, err)
	_, err = locker.ExecContext(ctx, "LOCK TABLES `"+table+"` WRITE")
	require.NoError(t, err)
	var once sync.Once
	unlock = func() {
		once.Do(func() {
			_, _ = locker.ExecContext(ctx, "UNLOCK TABLES")
			_ = locker.Close()
			_ = db.Close()
		})
	}
	t.Cleanup(unlock)
	return unlock
}
