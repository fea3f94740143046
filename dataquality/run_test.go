package dataquality_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/monitoringtest"
)

func TestRun(t *testing.T) {
	ctx := context.Background()
	src := customers(t, row(1, "a@x", "1.50", t0), row(2, "b@x", "2", t0), row(3, "c@x", "3", t0))
	same := customers(t, row(1, "a@x", "1.5", t0), row(2, "b@x", "2.00", t0), row(3, "c@x", "3", t0))
	changed := customers(t, row(1, "a@x", "1.5", t0), row(2, nil, "2.00", t0), row(3, "c@x", "3", t0))

	cfg := dataquality.Checks{
		RowCount:          true,
		RowCountTolerance: 0,
		RequiredColumns:   map[string][]string{"customers": {"CUSTOMER_ID", "EMAIL"}, "ORDERS": {"ORDER_ID"}},
		ChecksumTables:    []string{"Customers"},
		OnFailure:         "fail",
	}
	c := dataquality.NewChecker()
	rep := c.RunChecks(ctx, "CUSTOMERS", cfg, src, same)
	require.Len(t, rep.Results, 3)
	assert.Equal(t, []string{"row_count", "required_columns", "checksum"},
		[]string{rep.Results[0].Check, rep.Results[1].Check, rep.Results[2].Check})
	assert.True(t, rep.Passed())
	assert.NoError(t, rep.Err())
	assert.Empty(t, rep.Failed())

	rep = c.RunChecks(ctx, "CUSTOMERS", cfg, src, changed)
	assert.False(t, rep.Passed())
	assert.True(t, rep.Results[0].Passed)
	assert.False(t, rep.Results[1].Passed)
	assert.False(t, rep.Results[2].Passed)
	err := rep.Err()
	require.Error(t, err)
	assert.ErrorIs(t, err, dataquality.ErrCheckFailed)
	var cf *dataquality.CheckFailedError
	require.ErrorAs(t, err, &cf)
	assert.Len(t, cf.Failed, 2)
	assert.Equal(t, "dataquality: CUSTOMERS: 2 checks failed: required_columns (Required columns validation FAILED - nulls in EMAIL: 1); "+
		"checksum (Checksum reconciliation FAILED - source: 3 rows, dest: 3 rows; changed: 1 (2))", err.Error())

	// on_failure warn (or unset): failures are reported, not returned.
	cfg.OnFailure = "warn"
	assert.NoError(t, c.RunChecks(ctx, "CUSTOMERS", cfg, src, changed).Err())
	cfg.OnFailure = ""
	assert.NoError(t, c.RunChecks(ctx, "CUSTOMERS", cfg, src, changed).Err())

	// A table the config does not list for required columns or checksums: only the row count.
	rep = c.RunChecks(ctx, "PRODUCTS", cfg, src, same)
	require.Len(t, rep.Results, 1)
	assert.Equal(t, dataquality.CheckRowCount, rep.Results[0].Check)

	// Nothing asked: nothing run, passed.
	rep = c.RunChecks(ctx, "CUSTOMERS", dataquality.Checks{OnFailure: "fail"}, src, same)
	assert.Empty(t, rep.Results)
	assert.True(t, rep.Passed())
	assert.NoError(t, rep.Err())

	// A check that cannot run fails the report, and its error is reachable.
	lost := errors.New("connection lost")
	cfg.OnFailure = "FAIL"
	rep = c.RunChecks(ctx, "CUSTOMERS", dataquality.Checks{RowCount: true, OnFailure: "fail"}, src, countOnly{err: lost})
	assert.ErrorIs(t, rep.Err(), lost)
	assert.ErrorIs(t, rep.Err(), dataquality.ErrCheckFailed)
}

func TestChecksFrom(t *testing.T) {
	dq := configloader.DataQuality{
		CheckRowCount:     true,
		RowCountTolerance: 0.25,
		RequiredColumns:   map[string][]string{"CUSTOMERS": {"EMAIL"}},
		ChecksumTables:    []string{"CUSTOMERS"},
		OnFailure:         "fail",
		Monitors:          configloader.Monitors{Volume: true},
	}
	assert.Equal(t, dataquality.Checks{
		RowCount:          true,
		RowCountTolerance: 0.25,
		RequiredColumns:   map[string][]string{"CUSTOMERS": {"EMAIL"}},
		ChecksumTables:    []string{"CUSTOMERS"},
		OnFailure:         "fail",
	}, dataquality.ChecksFrom(dq))
	assert.Equal(t, dataquality.Checks{}, dataquality.ChecksFrom(configloader.DataQuality{}))
}

// Run, the sources.yaml form, runs what RunChecks runs with the translated section.
func TestRunFromDataQuality(t *testing.T) {
	ctx := context.Background()
	src := customers(t, row(1, "a@x", "1.50", t0), row(2, "b@x", "2", t0))
	changed := customers(t, row(1, "a@x", "1.5", t0), row(2, nil, "2.00", t0))
	dq := configloader.DataQuality{
		CheckRowCount:   true,
		RequiredColumns: map[string][]string{"CUSTOMERS": {"EMAIL"}},
		ChecksumTables:  []string{"CUSTOMERS"},
		OnFailure:       "fail",
	}
	c := dataquality.NewChecker()
	rep := c.Run(ctx, "CUSTOMERS", dq, src, changed)
	want := c.RunChecks(ctx, "CUSTOMERS", dataquality.ChecksFrom(dq), src, changed)
	require.Len(t, rep.Results, 3)
	require.Len(t, want.Results, 3)
	for i := range rep.Results {
		assert.Equal(t, want.Results[i].Check, rep.Results[i].Check)
		assert.Equal(t, want.Results[i].Passed, rep.Results[i].Passed)
		assert.Equal(t, want.Results[i].Details, rep.Results[i].Details)
	}
	assert.Equal(t, "fail", rep.OnFailure)
	assert.ErrorIs(t, rep.Err(), dataquality.ErrCheckFailed)
}

func TestReporting(t *testing.T) {
	ctx := context.Background()
	sink := monitoringtest.NewSink()
	metrics, err := monitoring.NewMetricsCollector("bulk_load", "dev_mydb", monitoring.WithSinks(sink))
	require.NoError(t, err)
	t.Cleanup(func() { _ = metrics.Shutdown(context.Background()) })
	capture := monitoringtest.NewLogCapture()
	logger := monitoring.NewStructuredLogger("bulk_load", "dev_mydb", capture.Option())

	c := dataquality.NewChecker(dataquality.WithMetrics(metrics), dataquality.WithLogger(logger), dataquality.WithLogLines(true))
	c.ValidateRowCount(ctx, "CUSTOMERS", 1000, 1000, 0)
	c.ValidateRowCount(ctx, "CUSTOMERS", 1000, 1000, 0.01)
	c.ValidateRowCount(ctx, "ORDERS", 1000, 900, 0.01)
	c.RowCount(ctx, "ITEMS", countOnly{n: 1}, countOnly{err: errors.New("connection lost")}, 0)
	src := orders(t, makeOrders(20))
	dst := orders(t, makeOrders(19))
	c.Reconcile(ctx, "ORDERS", src, dst, dataquality.ReconcileOptions{})
	require.NoError(t, metrics.ForceFlush(ctx))

	value := func(name, table string) float64 {
		v, ok := sink.Value(name, monitoring.Dimensions{"table": table})
		if !ok {
			return 0
		}
		return v
	}
	assert.Equal(t, 2.0, value("dq_row_count_passed", "CUSTOMERS"))
	assert.Equal(t, 0.0, value("dq_row_count_failed", "CUSTOMERS"))
	assert.Equal(t, 1.0, value("dq_row_count_failed", "ORDERS"))
	assert.Equal(t, 1.0, value("dq_row_count_failed", "ITEMS"))
	assert.Equal(t, 1.0, value("dq_checksum_failed", "ORDERS"))
	pts := sink.Find(dataquality.CheckDurationMetric, monitoring.Dimensions{"table": "ORDERS", "check": "checksum"})
	require.Len(t, pts, 1)
	assert.Equal(t, uint64(1), pts[0].Count)

	capture.AssertWellFormed(t)
	events := capture.EventsOfType(dataquality.EventCheckComplete)
	require.Len(t, events, 5)
	ok := events[0]
	assert.Equal(t, "INFO", ok.Severity)
	assert.Equal(t, "row_count", ok.Details["check"])
	assert.Equal(t, "CUSTOMERS", ok.Details["table"])
	assert.Equal(t, true, ok.Details["passed"])
	assert.Equal(t, "Row count validation PASSED - source: 1000, dest: 1000", ok.Details["details"])
	assert.Equal(t, 1000.0, ok.Details["source"])
	assert.Equal(t, 1000.0, ok.Details["dest"])
	assert.Contains(t, ok.Details, "duration_seconds")
	assert.NotContains(t, ok.Details, "error")

	bad := events[2]
	assert.Equal(t, "WARNING", bad.Severity)
	assert.Equal(t, false, bad.Details["passed"])
	assert.Equal(t, 100.0, bad.Details["difference"])

	broken := events[3]
	assert.Equal(t, "WARNING", broken.Severity)
	assert.Equal(t, "dest: count rows: connection lost", broken.Details["error"])

	sum := events[4]
	assert.Equal(t, "checksum", sum.Details["check"])
	assert.Equal(t, []any{20.0}, sum.Details["missing_in_dest_keys"])

	// The plain log lines of the reference.
	var lines []string
	var levels []string
	for _, e := range capture.Events() {
		if e.EventType == dataquality.EventCheckComplete {
			continue
		}
		lines = append(lines, e.Details["message"].(string))
		levels = append(levels, e.Severity)
	}
	assert.Equal(t, []string{
		"CUSTOMERS: Row count validation PASSED - source: 1000, dest: 1000",
		"CUSTOMERS: Row count validation PASSED - source: 1000, dest: 1000",
		"ORDERS: DATA QUALITY ISSUE - Row count validation FAILED - source: 1000, dest: 900, difference: 100 (10.00%), tolerance: 1%",
		"ITEMS: Data quality check failed: dest: count rows: connection lost",
		"ORDERS: DATA QUALITY ISSUE - Checksum reconciliation FAILED - source: 20 rows, dest: 19 rows; missing in dest: 1 (20)",
	}, lines)
	assert.Equal(t, []string{"INFO", "INFO", "WARNING", "ERROR", "WARNING"}, levels)
}

// TestReportingOneLinePerResult: by default each result is one dq_check_complete event and no
// log line besides, passed, failed or broken.
func TestReportingOneLinePerResult(t *testing.T) {
	ctx := context.Background()
	capture := monitoringtest.NewLogCapture()
	logger := monitoring.NewStructuredLogger("bulk_load", "dev_mydb", capture.Option())
	c := dataquality.NewChecker(dataquality.WithLogger(logger))
	c.ValidateRowCount(ctx, "CUSTOMERS", 1000, 1000, 0)
	c.ValidateRowCount(ctx, "ORDERS", 1000, 900, 0.01)
	c.RowCount(ctx, "ITEMS", countOnly{n: 1}, countOnly{err: errors.New("connection lost")}, 0)
	capture.AssertWellFormed(t)
	events := capture.Events()
	require.Len(t, events, 3, "one record per result")
	for _, e := range events {
		assert.Equal(t, dataquality.EventCheckComplete, e.EventType)
	}
	assert.Equal(t, "Row count validation FAILED - source: 1000, dest: 900, difference: 100 (10.00%), tolerance: 1%",
		events[1].Details["details"], "the event carries the log line's text")
}

func TestNilReporters(t *testing.T) {
	c := dataquality.NewChecker(dataquality.WithMetrics(nil), dataquality.WithLogger(nil), dataquality.WithClock(nil), nil)
	r := c.ValidateRowCount(context.Background(), "T", 1, 1, 0)
	assert.True(t, r.Passed)
}
