package extractors_test

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors"
	"github.com/etlwatch/etlwatch/internal/testenv"
)

// connectYAML is a sources.yaml with one source per database the machine runs.
const connectYAML = `sources:
  pg:
    database_type: postgres
    connection: {host: 127.0.0.1, port: 5432, database: test, username: postgres, connect_timeout: 5s,
                 options: {sslmode: disable}}
  maria:
    database_type: mysql
    connection: {host: 127.0.0.1, port: 3306, database: test, username: root, connect_timeout: 5s}
  local:
    database_type: sqlite
    connection: {database: "${ETLWATCH_TEST_SQLITE}"}
`

// reachable skips t (or fails it, see testenv) when nothing listens at addr.
func reachable(t *testing.T, name, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		testenv.Unavailable(t, name+" is not reachable at "+addr+": "+err.Error())
	}
	_ = c.Close()
}

// TestConnectAndDataset goes from a sources.yaml source to a *sql.DB for the user's own queries
// and to the pushdown dataset of a table, for each database: the answers of both agree.
func TestConnectAndDataset(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "local.db")
	t.Setenv("ETLWATCH_TEST_SQLITE", path)
	cfg, err := configloader.Parse("sources.yaml", []byte(connectYAML))
	require.NoError(t, err)
	table := fmt.Sprintf("etlwatch_connect_%d", os.Getpid())

	for _, tc := range []struct {
		source string
		setup  func(t *testing.T) // creates the table when Connect's handle cannot (SQLite is read-only)
	}{
		{"pg", func(t *testing.T) { reachable(t, "PostgreSQL", "127.0.0.1:5432") }},
		{"maria", func(t *testing.T) { reachable(t, "MariaDB", "127.0.0.1:3306") }},
		{"local", func(t *testing.T) {
			db, err := sql.Open("sqlite", path)
			require.NoError(t, err)
			defer db.Close()
			createTable(t, db, table)
		}},
	} {
		t.Run(tc.source, func(t *testing.T) {
			tc.setup(t)
			src, err := cfg.Source(tc.source)
			require.NoError(t, err)
			db, err := extractors.Connect(ctx, src)
			require.NoError(t, err)
			defer db.Close()
			if src.DatabaseType != "sqlite" {
				createTable(t, db, table)
				t.Cleanup(func() { _, _ = db.Exec("DROP TABLE " + table) })
			}

			var rows, missing int64 // the user's own query
			require.NoError(t, db.QueryRowContext(ctx,
				"SELECT count(*), count(*) - count(note) FROM "+table).Scan(&rows, &missing))
			assert.Equal(t, int64(3), rows)

			ds, err := extractors.Dataset(db, src, table)
			require.NoError(t, err)
			n, err := ds.RowCount(ctx)
			require.NoError(t, err)
			assert.Equal(t, rows, n)
			nulls, err := ds.NullCounts(ctx, []string{"note"})
			require.NoError(t, err)
			assert.Equal(t, map[string]int64{"note": missing}, nulls)
			pk, err := ds.PrimaryKey(ctx)
			require.NoError(t, err)
			assert.Equal(t, []string{"id"}, pk)
		})
	}
}

func createTable(t *testing.T, db *sql.DB, table string) {
	t.Helper()
	for _, q := range []string{
		"DROP TABLE IF EXISTS " + table,
		"CREATE TABLE " + table + " (id INTEGER PRIMARY KEY, note VARCHAR(20))",
		"INSERT INTO " + table + " (id, note) VALUES (1, 'a'), (2, NULL), (3, 'c')",
	} {
		_, err := db.Exec(q)
		require.NoError(t, err, q)
	}
}

func TestConnectRejects(t *testing.T) {
	ctx := context.Background()
	_, err := extractors.Connect(ctx, &configloader.Source{Name: "s", DatabaseType: "db2"})
	assert.EqualError(t, err, `extractors: source "s": database_type "db2": allowed: oracle, postgres, mysql, sqlite`)
	_, err = extractors.Connect(ctx, nil)
	assert.Error(t, err)
	_, err = extractors.Dataset(nil, &configloader.Source{Name: "s", DatabaseType: "postgres"}, "t")
	assert.Error(t, err, "a nil *sql.DB")
	_, err = extractors.Dataset(&sql.DB{}, &configloader.Source{Name: "s", DatabaseType: "db2"}, "t")
	assert.Error(t, err)
}
