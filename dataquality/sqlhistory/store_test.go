package sqlhistory_test

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/dataquality/sqldataset"
	"github.com/etlwatch/etlwatch/dataquality/sqlhistory"
	"github.com/etlwatch/etlwatch/internal/testenv"
)

var (
	postgresDSN = envOr("ETLWATCH_TEST_POSTGRES_DSN", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	mysqlDSN    = envOr("ETLWATCH_TEST_MYSQL_DSN", "root@tcp(127.0.0.1:3306)/test")
)

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func openDB(t *testing.T, driver, dsn, what string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		testenv.Unavailable(t, fmt.Sprintf("%s is not reachable: %v", what, err))
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// backends returns the three databases, each with a fresh table name.
func backends(t *testing.T) []struct {
	name    string
	dialect sqldataset.Dialect
	open    func(t *testing.T) *sql.DB
} {
	return []struct {
		name    string
		dialect sqldataset.Dialect
		open    func(t *testing.T) *sql.DB
	}{
		{"postgres", sqldataset.PostgreSQL, func(t *testing.T) *sql.DB { return openDB(t, "pgx", postgresDSN, "PostgreSQL at 127.0.0.1:5432") }},
		{"mariadb", sqldataset.MySQL, func(t *testing.T) *sql.DB { return openDB(t, "mysql", mysqlDSN, "MariaDB at 127.0.0.1:3306") }},
		{"sqlite", sqldataset.SQLite, func(t *testing.T) *sql.DB {
			db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "history.db"))
			require.NoError(t, err)
			t.Cleanup(func() { db.Close() })
			return db
		}},
	}
}

func TestStore(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db := b.open(t)
			table := fmt.Sprintf("dq_history_test_%d", time.Now().UnixNano()%1_000_000_000)
			t.Cleanup(func() { _, _ = db.Exec("DROP TABLE IF EXISTS " + table) })

			s, err := sqlhistory.New(ctx, db, b.dialect, sqlhistory.WithTable(table))
			require.NoError(t, err)
			assert.Equal(t, table, s.Table())
			// Created on first use: a second New finds it.
			_, err = sqlhistory.New(ctx, db, b.dialect, sqlhistory.WithTable(table))
			require.NoError(t, err)

			at := time.Date(2026, 3, 2, 2, 0, 0, 123456000, time.FixedZone("CET", 3600))
			for i := range 5 {
				require.NoError(t, s.Append(ctx, dataquality.HistoryRecord{Table: "ORDERS", Series: "volume", At: at.AddDate(0, 0, i), Value: float64(1000 + i), Anomalous: i == 3}))
			}
			require.NoError(t, s.Append(ctx, dataquality.HistoryRecord{Table: "ORDERS", Series: "freshness", At: at, Value: math.NaN(), Failed: true, Note: "first write"}))
			require.NoError(t, s.Append(ctx, dataquality.HistoryRecord{Table: "OTHER", Series: "volume", At: at, Value: 1}))

			recs, err := s.History(ctx, "ORDERS", "volume", 3)
			require.NoError(t, err)
			require.Len(t, recs, 3)
			assert.Equal(t, 1002.0, recs[0].Value, "the newest three, oldest first")
			assert.Equal(t, 1004.0, recs[2].Value)
			assert.True(t, recs[1].Anomalous)
			assert.True(t, recs[0].At.Equal(at.AddDate(0, 0, 2)), "microseconds kept: %v", recs[0].At)
			assert.Equal(t, "ORDERS", recs[0].Table)

			fr, err := s.History(ctx, "ORDERS", "freshness", 0)
			require.NoError(t, err)
			require.Len(t, fr, 1)
			assert.True(t, math.IsNaN(fr[0].Value))
			assert.True(t, fr[0].Failed)
			assert.Equal(t, "first write", fr[0].Note)

			none, err := s.History(ctx, "NOPE", "volume", 10)
			require.NoError(t, err)
			assert.Empty(t, none)
		})
	}
}

// TestMonitorOnSQLHistory runs the volume monitor on each database's history, through a fresh
// Store each load as a nightly job would, and finds the drop.
func TestMonitorOnSQLHistory(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db := b.open(t)
			table := fmt.Sprintf("dq_monitor_test_%d", time.Now().UnixNano()%1_000_000_000)
			t.Cleanup(func() { _, _ = db.Exec("DROP TABLE IF EXISTS " + table) })
			night := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
			var rep dataquality.MonitorReport
			for i := range 22 {
				s, err := sqlhistory.New(ctx, db, b.dialect, sqlhistory.WithTable(table))
				require.NoError(t, err)
				now := night.AddDate(0, 0, i)
				checker := dataquality.NewChecker(dataquality.WithClock(func() time.Time { return now }))
				mon, err := dataquality.NewMonitor(checker, s, dataquality.Monitors{Volume: true, Freshness: true})
				require.NoError(t, err)
				rows := int64(5000 + i%3*50)
				if i == 21 {
					rows = 400
				}
				rep = mon.AfterLoad(ctx, "ORDERS", dataquality.Load{Rows: rows})
			}
			require.Len(t, rep.Results, 2)
			assert.False(t, rep.Results[0].Passed, rep.Results[0].Details)
			assert.Contains(t, rep.Results[0].Details, "400 rows is 92% below the expected")
			assert.True(t, rep.Results[1].Passed, "freshness: on time: %s", rep.Results[1].Details)
		})
	}
}

func TestNewRejectsNonsense(t *testing.T) {
	ctx := context.Background()
	_, err := sqlhistory.New(ctx, nil, sqldataset.SQLite)
	assert.ErrorIs(t, err, sqlhistory.ErrInvalidConfig)
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "x.db"))
	require.NoError(t, err)
	defer db.Close()
	_, err = sqlhistory.New(ctx, db, sqldataset.SQLite, sqlhistory.WithTable("x; DROP TABLE y"))
	assert.ErrorIs(t, err, sqlhistory.ErrInvalidConfig)
	_, err = sqlhistory.New(ctx, db, sqldataset.Oracle)
	assert.ErrorIs(t, err, sqlhistory.ErrInvalidConfig)
}
