package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/dataquality/sqldataset"
	"github.com/etlwatch/etlwatch/dataquality/sqlhistory"
	"github.com/etlwatch/etlwatch/internal/bulkload"
)

// sampleTables are the tables of the sample database.
var sampleTables = []string{"customers", "orders", "order_items"}

// openHistory opens the monitors' history the bulk load keeps in dir.
func openHistory(ctx context.Context, dir string) (*sqlhistory.Store, *sql.DB, error) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, bulkload.HistoryFile)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, nil, err
	}
	s, err := sqlhistory.New(ctx, db, sqldataset.SQLite)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return s, db, nil
}

// simulateHistory records days nightly loads of every sample table in the monitors' history,
// the last one a day before now: the table's row count in the sample with up to 3% of noise,
// 24 hours (± a few minutes) between loads, and customers.email's null rate with 5% of noise.
// A table whose history already holds that many loads is left alone.
func simulateHistory(ctx context.Context, dir, sample string, days int) error {
	store, hdb, err := openHistory(ctx, dir)
	if err != nil {
		return fmt.Errorf("monitor history: %w", err)
	}
	defer hdb.Close()
	src, err := sql.Open("sqlite", sample)
	if err != nil {
		return err
	}
	defer src.Close()
	r := rand.New(rand.NewPCG(13, 13))
	now := time.Now().UTC()
	for _, table := range sampleTables {
		have, err := store.History(ctx, table, dataquality.MonitorVolume, days)
		if err != nil {
			return fmt.Errorf("monitor history: %w", err)
		}
		if len(have) >= days {
			continue
		}
		var rows int64
		if err := src.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&rows); err != nil {
			return fmt.Errorf("count %s: %w", table, err)
		}
		var nullRate float64
		if table == "customers" {
			if err := src.QueryRowContext(ctx, "SELECT CAST(SUM(CASE WHEN email IS NULL THEN 1 ELSE 0 END) AS REAL) / MAX(count(*), 1) FROM customers").Scan(&nullRate); err != nil {
				return fmt.Errorf("null rate of customers.email: %w", err)
			}
		}
		for d := days; d >= 1; d-- {
			at := now.AddDate(0, 0, -d).Add(time.Duration(r.IntN(600)-300) * time.Second)
			recs := []dataquality.HistoryRecord{
				{Table: table, Series: dataquality.MonitorVolume, At: at, Value: float64(rows) * (1 + 0.03*(2*r.Float64()-1))},
				{Table: table, Series: dataquality.MonitorFreshness, At: at, Value: 24 + (r.Float64()-0.5)/6},
			}
			if table == "customers" {
				recs = append(recs, dataquality.HistoryRecord{Table: table, Series: dataquality.MonitorNullRate + ":email", At: at, Value: nullRate * (1 + 0.05*(2*r.Float64()-1))})
			}
			for _, rec := range recs {
				if err := store.Append(ctx, rec); err != nil {
					return fmt.Errorf("monitor history: %w", err)
				}
			}
		}
	}
	return nil
}

// dropRows copies the sample database and deletes 90% of table's rows from the copy (and, for
// orders, their items), and returns the copy's path.
func dropRows(ctx context.Context, dir, sample, table string) (string, error) {
	data, err := os.ReadFile(sample)
	if err != nil {
		return "", fmt.Errorf("copy the sample: %w", err)
	}
	dropped := filepath.Join(dir, "shop-dropped.db")
	if err := os.WriteFile(dropped, data, 0o644); err != nil {
		return "", fmt.Errorf("copy the sample: %w", err)
	}
	db, err := sql.Open("sqlite", dropped)
	if err != nil {
		return "", err
	}
	defer db.Close()
	key := "id"
	if table == "order_items" {
		key = "order_id"
	}
	if _, err := db.ExecContext(ctx, "DELETE FROM "+table+" WHERE "+key+" % 10 != 0"); err != nil {
		return "", fmt.Errorf("drop rows of %s: %w", table, err)
	}
	return dropped, nil
}

// printMonitors prints the monitors' verdicts of the last load, in words.
func printMonitors(w io.Writer, dir string, l *bulkload.Loaded) {
	lines := l.MonitorLines()
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(w, "monitors:   judged against the history in %s (-simulate-days 21 fills it at once)\n", filepath.Join(dir, bulkload.HistoryFile))
	anomalies := 0
	for _, line := range lines {
		if strings.HasPrefix(line, "ANOMALY ") {
			anomalies++
		}
		fmt.Fprintf(w, "            %s\n", line)
	}
	if anomalies > 0 {
		fmt.Fprintf(w, "anomalies:  %d (on_anomaly: warn reports them and lets the load succeed; fail would fail it)\n", anomalies)
	}
}
