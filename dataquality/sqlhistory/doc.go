// Package sqlhistory keeps the anomaly monitors' history ([dataquality.HistoryStore]) in a table
// of the user's own PostgreSQL, MySQL/MariaDB or SQLite database, created on first use. It uses
// only database/sql: the application imports the driver.
//
//	db, _ := sql.Open("pgx", dsn) // import _ "github.com/jackc/pgx/v5/stdlib"
//	history, err := sqlhistory.New(ctx, db, sqldataset.PostgreSQL)
//	monitor, err := dataquality.NewMonitor(checker, history, dataquality.MonitorsFrom(cfg.DataQuality.Monitors))
//
// # Table
//
// One row per measurement, in the table [DefaultTable] (or [WithTable]):
//
//	table_name varchar(255), series varchar(128), at_us bigint (microseconds since 1970, UTC),
//	value double precision (NULL for NaN), failed smallint, anomalous smallint, note text
//
// with an index on (table_name, series, at_us). With SQLite, which lets one writer in at a
// time, open the database with a busy timeout (modernc.org/sqlite:
// "file:history.db?_pragma=busy_timeout(10000)") and, when several goroutines write, one
// connection (db.SetMaxOpenConns(1)). Times are stored as integers so that every
// database and driver reads back the same instant.
package sqlhistory
