package sqlhistory_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/dataquality/sqldataset"
	"github.com/etlwatch/etlwatch/dataquality/sqlhistory"
)

func ExampleNew() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "sqlhistory")
	defer os.RemoveAll(dir)
	db, _ := sql.Open("sqlite", filepath.Join(dir, "etl.db")) // import _ "modernc.org/sqlite"
	defer db.Close()

	history, err := sqlhistory.New(ctx, db, sqldataset.SQLite) // creates etlwatch_dq_history
	if err != nil {
		panic(err)
	}
	at := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	_ = history.Append(ctx, dataquality.HistoryRecord{Table: "ORDERS", Series: dataquality.MonitorVolume, At: at, Value: 1000})
	recs, _ := history.History(ctx, "ORDERS", dataquality.MonitorVolume, 10)
	fmt.Println(len(recs), recs[0].At, recs[0].Value)
	// Output:
	// 1 2026-03-02 02:00:00 +0000 UTC 1000
}
