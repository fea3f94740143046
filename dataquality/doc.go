// Package dataquality checks what an ETL load wrote against what it read: row counts with a
// tolerance, required columns, key uniqueness, freshness, schema, and checksum reconciliation of
// the rows themselves across database systems. It is the Go form of the reference pipeline's
// DataQualityChecker, and reports every result as metrics, an event and a log line through
// [github.com/etlwatch/etlwatch/monitoring].
//
//	checker := dataquality.NewChecker(dataquality.WithMetrics(metrics), dataquality.WithLogger(logger))
//
//	// After loading CUSTOMERS:
//	checks := dataquality.Checks{
//		RowCount:        true,
//		RequiredColumns: map[string][]string{"CUSTOMERS": {"CUSTOMER_ID"}},
//		ChecksumTables:  []string{"CUSTOMERS"},
//		OnFailure:       "fail",
//	}
//	source, _ := sqldataset.New(oracleDB, sqldataset.Oracle, "CUSTOMERS")
//	dest, _ := sqldataset.New(pgDB, sqldataset.PostgreSQL, "customers")
//	report := checker.RunChecks(ctx, "CUSTOMERS", checks, source, dest)
//	if err := report.Err(); err != nil { // OnFailure "fail"
//		return err
//	}
//
// With a sources.yaml, the source's data_quality: section says which checks run:
// checker.Run(ctx, "CUSTOMERS", cfg.Sources["dev_mydb"].DataQuality, source, dest) is RunChecks
// with [ChecksFrom] of that section, the one place that translates it.
//
// The package imports no database driver: the SQL datasets are in
// [github.com/etlwatch/etlwatch/dataquality/sqldataset], which uses only database/sql, and the
// application imports the drivers it needs.
//
// # Checks
//
// Each check is a method of [Checker] that returns a [Result]: Passed, a Details text in the
// reference's words, the Observed values, and Err when the check could not run.
//
//   - [Checker.ValidateRowCount] and [Checker.RowCount]: |source - dest| <= tolerance x source,
//     exact for the decimal tolerance as written.
//   - [Checker.RequiredColumns]: no NULL in the given columns.
//   - [Checker.Uniqueness]: no key value held by two rows.
//   - [Checker.Freshness]: the latest timestamp is recent enough.
//   - [Checker.SchemaCompare]: the destination has the source's columns with the same
//     normalised [Type].
//   - [Checker.Reconcile]: the rows are the same, and which keys differ if not.
//
// [Checker.RunChecks] runs the checks a [Checks] asks for ([Checker.Run] those of a
// configloader.DataQuality) and gathers them in a [Report]. A check never panics and never passes silently: a dataset that lacks what the check
// needs ([ErrUnsupported]), bad input ([ErrInvalidInput]), a missing table or a lost connection
// make a failed Result that carries the error.
//
// # Reporting
//
// Every Result is counted in the metric dq_<check>_passed or dq_<check>_failed (such as
// dq_row_count_passed, with the dimension table), timed in [CheckDurationMetric], written as the
// event [EventCheckComplete] with the check, table, passed, details, duration_seconds, error and
// Observed values, and logged as the reference's line:
//
//	CUSTOMERS: Row count validation PASSED - source: 1000, dest: 1000
//	ORDERS: DATA QUALITY ISSUE - Row count validation FAILED - source: 1000, dest: 900, difference: 100 (10.00%), tolerance: 1%
//
// A failed check's event and line have severity WARNING; a check that could not run logs
// "<table>: Data quality check failed: <error>" at ERROR.
//
// # Monitors
//
// A [Monitor] judges each load against the table's own history, with the detector of
// [github.com/etlwatch/etlwatch/dataquality/anomaly], as data_quality.monitors: in sources.yaml
// asks ([Monitors]; [MonitorsFrom] reads them from sources.yaml):
//
//   - volume: the rows a load added ([Monitor.AfterLoad]), or a CDC table's rows per hour
//     ([Monitor.Committed]);
//   - freshness: the hours since the last successful write against the cadence learned from
//     history, and an optional fixed max_age ([Monitor.CheckFreshness]);
//   - null_rate: the null rate of chosen columns;
//   - schema_drift: columns added, removed, retyped or whose nullability changed since the
//     last load ([SchemaChanges]), a warning or a failure by config.
//
// After a load:
//
//	monitor, _ := dataquality.NewMonitor(checker, history, dataquality.MonitorsFrom(cfg.Sources["dev_mydb"].DataQuality.Monitors))
//	report := monitor.AfterLoad(ctx, "ORDERS", dataquality.Load{Rows: rows, Dest: dest})
//	for _, line := range report.Summary() {
//		fmt.Println(line) // ANOMALY ORDERS volume: 120 rows is 88% below the expected 1010 rows (...)
//	}
//
// Each verdict is a [Result] (check volume, freshness, null_rate or schema_drift), reported
// like every check, with the gauges [AnomalyValueMetric], [AnomalyScoreMetric],
// [AnomalyExpectedMetric], [AnomalyLowerMetric] and [AnomalyUpperMetric] and the counter
// [AnomalyDetectedMetric], all with the dimensions table and monitor (null_rate:<column> for a
// column), and [LastWriteMetric] per table, which lets an alert see a table go stale when its
// writer has stopped. The history lives in a [HistoryStore]: [MemoryHistory], the SQL table
// of the sqlhistory package, or an Iceberg table's snapshots. Failed loads are stored but never
// shape a baseline; anomalies are stored with their mark.
//
// # Datasets
//
// A [Dataset] is a table as the checks see it. Its one method counts rows; everything else is an
// optional interface found by type assertion, so that each backend answers what it can as
// cheaply as it can: [NullCounter], [DuplicateFinder], [MaxTimeReader], [SchemaReader],
// [PrimaryKeyReader] and [Checksummer]. [MemoryDataset] holds a table in memory (for unit
// tests, and for small tables a program already holds); the sqldataset tables push each
// question down to the database as one query.
//
// # Checksum reconciliation
//
// [Checker.Reconcile] finds the rows that differ between a source and a destination, which may
// be different database systems, without moving the tables: it compares checksums of key
// ranges, and bisects the ranges that differ, as the data-diff tool does. A range's checksum is
// its row count and the sum, modulo 2^64, of its rows' 64-bit hashes, so it does not depend on
// row order. The first pass asks each side for the checksums of up to 4096 segments of the key
// range at once; equal tables cost that one pass. A differing segment is split into
// [ReconcileOptions.Segments] and compared again, until it holds at most
// [ReconcileOptions.Threshold] rows, whose keys and row hashes are then fetched from both sides
// and compared: the report names the keys missing in the destination, missing in the source,
// and changed (a sample of [ReconcileOptions.SampleSize] each, with exact totals). With dense
// keys a few differences cost a few extra queries of about Threshold rows each.
//
// The key must be a single integer column (a primary key such as CUSTOMER_ID); composite and
// text keys are not supported yet. Its range comes from min and max.
//
// # Canonical row encoding
//
// A row hash is the xxh3 64-bit hash ([RowHasher]) of the row's canonical encoding
// ([AppendCanonical]), which depends on the values and their normalised [Type], not on the
// database or the driver:
//
//   - integers and decimals are one kind of exact number, written as normalised decimal text:
//     1.50 (numeric(12,2)), 1.5 (numeric(10,1)) and 1.5000 are equal, and an integer 7 equals a
//     decimal 7.00 (Oracle's NUMBER(10) holds what PostgreSQL's bigint does). The rule: no sign
//     for positive numbers and zero, no leading zeros, no trailing zeros in the fraction, no
//     point without a fraction, no exponent.
//   - floats are IEEE-754 float64 (a float32 widened exactly), one zero and one NaN.
//   - booleans are 0 or 1 (MySQL's tinyint(1) is a boolean).
//   - timestamps are microseconds since 1970-01-01 UTC; a timestamp without time zone is read
//     as UTC, so the same wall-clock value in two systems is equal. Sub-microsecond digits are
//     dropped; a column with less precision on one side (MySQL's datetime without (6)) differs.
//   - dates are days since 1970-01-01; times of day microseconds since midnight.
//   - strings are their UTF-8 bytes, bytes as they are, and NULL a marker of its own, distinct
//     from the empty string.
//
// Each value carries a one-byte tag and each variable-length value its length, so ("a", "bc")
// and ("ab", "c") differ. Both sides must hash the same columns in the same order: Reconcile
// takes them from the source's schema (or [ReconcileOptions.Columns]) and matches names
// case-insensitively on each side.
package dataquality
