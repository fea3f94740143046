package dataquality_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/monitoringtest"
)

// exampleCustomers returns an in-memory CUSTOMERS table of n rows.
func exampleCustomers(n int, edit func(id int64, r map[string]any)) *dataquality.MemoryDataset {
	rows := make([]map[string]any, 0, n)
	for id := int64(1); id <= int64(n); id++ {
		r := map[string]any{
			"CUSTOMER_ID": id,
			"EMAIL":       fmt.Sprintf("c%d@example.com", id),
			"BALANCE":     fmt.Sprintf("%d.50", id),
			"CREATED":     time.Date(2025, 1, 27, 10, 0, int(id), 0, time.UTC),
		}
		if edit != nil {
			edit(id, r)
		}
		if r["CUSTOMER_ID"] != nil {
			rows = append(rows, r)
		}
	}
	ds, err := dataquality.NewMemoryDataset(dataquality.MemoryTable{
		Columns: []dataquality.Column{
			{Name: "CUSTOMER_ID", Type: dataquality.TypeInteger},
			{Name: "EMAIL", Type: dataquality.TypeString},
			{Name: "BALANCE", Type: dataquality.TypeDecimal},
			{Name: "CREATED", Type: dataquality.TypeTimestamp},
		},
		PrimaryKey: []string{"CUSTOMER_ID"},
		Rows:       rows,
	})
	if err != nil {
		panic(err)
	}
	return ds
}

func ExampleNewChecker() {
	ctx := context.Background()
	sink := monitoringtest.NewSink() // in a job: monitoring.NewLogSink(os.Stdout), CloudWatch, OTLP...
	metrics, _ := monitoring.NewMetricsCollector("bulk_load", "dev_mydb", monitoring.WithSinks(sink))
	defer metrics.Shutdown(ctx)
	logger := monitoring.NewStructuredLogger("bulk_load", "dev_mydb", monitoringtest.NewLogCapture().Option())

	checker := dataquality.NewChecker(dataquality.WithMetrics(metrics), dataquality.WithLogger(logger))
	checker.ValidateRowCount(ctx, "CUSTOMERS", 1000, 1000, 0.01)
	checker.ValidateRowCount(ctx, "ORDERS", 500, 450, 0.01)

	_ = metrics.ForceFlush(ctx)
	fmt.Println(sink.Total("dq_row_count_passed", nil), sink.Total("dq_row_count_failed", nil))
	// Output:
	// 1 1
}

func ExampleChecker_ValidateRowCount() {
	checker := dataquality.NewChecker()
	ctx := context.Background()
	fmt.Println(checker.ValidateRowCount(ctx, "CUSTOMERS", 1000, 1000, 0))
	fmt.Println(checker.ValidateRowCount(ctx, "CUSTOMERS", 1000, 995, 0.01))
	fmt.Println(checker.ValidateRowCount(ctx, "CUSTOMERS", 1000, 900, 0.01))
	fmt.Println(checker.ValidateRowCount(ctx, "CUSTOMERS", 1000, 1000, 1.5).Err)
	// Output:
	// CUSTOMERS: Row count validation PASSED - source: 1000, dest: 1000
	// CUSTOMERS: Row count validation PASSED - source: 1000, dest: 995, difference: 5 (0.50%), tolerance: 1%
	// CUSTOMERS: Row count validation FAILED - source: 1000, dest: 900, difference: 100 (10.00%), tolerance: 1%
	// dataquality: invalid input: row count tolerance 1.5 is not within [0, 1]
}

func ExampleChecker_RowCount() {
	source := exampleCustomers(100, nil)
	dest := exampleCustomers(100, func(id int64, r map[string]any) {
		if id > 98 {
			r["CUSTOMER_ID"] = nil // not loaded
		}
	})
	r := dataquality.NewChecker().RowCount(context.Background(), "CUSTOMERS", source, dest, 0.01)
	fmt.Println(r.Passed, r.Details)
	// Output:
	// false Row count validation FAILED - source: 100, dest: 98, difference: 2 (2.00%), tolerance: 1%
}

func ExampleChecker_RequiredColumns() {
	dest := exampleCustomers(10, func(id int64, r map[string]any) {
		if id%5 == 0 {
			r["EMAIL"] = nil
		}
	})
	r := dataquality.NewChecker().RequiredColumns(context.Background(), "CUSTOMERS", dest, []string{"CUSTOMER_ID", "EMAIL"})
	fmt.Println(r.Details)
	fmt.Println(r.Observed["null_counts"])
	// Output:
	// Required columns validation FAILED - nulls in EMAIL: 2
	// map[CUSTOMER_ID:0 EMAIL:2]
}

func ExampleChecker_Uniqueness() {
	dest := exampleCustomers(10, func(id int64, r map[string]any) {
		if id == 10 {
			r["CUSTOMER_ID"] = int64(3) // loaded twice
		}
	})
	r := dataquality.NewChecker().Uniqueness(context.Background(), "CUSTOMERS", dest, []string{"CUSTOMER_ID"})
	fmt.Println(r.Details)
	// Output:
	// Uniqueness validation FAILED - 1 values of (CUSTOMER_ID) held by more than one row (1 extra rows): 3 (2 rows)
}

func ExampleChecker_Freshness() {
	now := time.Date(2025, 1, 27, 10, 30, 0, 0, time.UTC)
	checker := dataquality.NewChecker(dataquality.WithClock(func() time.Time { return now }))
	r := checker.Freshness(context.Background(), "CUSTOMERS", exampleCustomers(10, nil), "CREATED", time.Hour)
	fmt.Println(r.Details)
	// Output:
	// Freshness validation PASSED - latest CREATED: 2025-01-27T10:00:10Z, age: 29m50s, max age: 1h0m0s
}

func ExampleChecker_SchemaCompare() {
	dest, _ := dataquality.NewMemoryDataset(dataquality.MemoryTable{Columns: []dataquality.Column{
		{Name: "customer_id", Type: dataquality.TypeInteger},
		{Name: "balance", Type: dataquality.TypeFloat, DatabaseType: "double"},
		{Name: "created", Type: dataquality.TypeTimestamp},
	}})
	r := dataquality.NewChecker().SchemaCompare(context.Background(), "CUSTOMERS", exampleCustomers(0, nil), dest)
	fmt.Println(r.Details)
	// Output:
	// Schema validation FAILED - missing in dest: EMAIL; type mismatches: BALANCE decimal (decimal) vs float (double)
}

func ExampleChecker_Reconcile() {
	source := exampleCustomers(10_000, nil)
	dest := exampleCustomers(10_001, func(id int64, r map[string]any) {
		switch id {
		case 42:
			r["CUSTOMER_ID"] = nil // lost
		case 4711:
			r["EMAIL"] = "changed@example.com"
		case 9000:
			r["BALANCE"] = "9000.5000" // same value at another scale: equal
		}
	})
	r := dataquality.NewChecker().Reconcile(context.Background(), "CUSTOMERS", source, dest, dataquality.ReconcileOptions{})
	fmt.Println(r.Details)
	fmt.Println("checksum queries per side:", r.Observed["checksum_queries"], "row hash queries:", r.Observed["row_hash_queries"])
	// Output:
	// Checksum reconciliation FAILED - source: 10000 rows, dest: 10000 rows; missing in dest: 1 (42); missing in source: 1 (10001); changed: 1 (4711)
	// checksum queries per side: 1 row hash queries: 3
}

func ExampleChecker_RunChecks() {
	checks := dataquality.Checks{ // a program without a sources.yaml fills its own
		RowCount:          true,
		RowCountTolerance: 0.01,
		RequiredColumns:   map[string][]string{"CUSTOMERS": {"CUSTOMER_ID", "CREATED"}},
		ChecksumTables:    []string{"CUSTOMERS"},
		OnFailure:         "fail",
	}
	source := exampleCustomers(1000, nil)
	dest := exampleCustomers(995, nil)
	report := dataquality.NewChecker().RunChecks(context.Background(), "CUSTOMERS", checks, source, dest)
	for _, r := range report.Results {
		fmt.Println(r)
	}
	fmt.Println(report.Passed(), errors.Is(report.Err(), dataquality.ErrCheckFailed))
	// Output:
	// CUSTOMERS: Row count validation PASSED - source: 1000, dest: 995, difference: 5 (0.50%), tolerance: 1%
	// CUSTOMERS: Required columns validation PASSED - no nulls in CUSTOMER_ID, CREATED
	// CUSTOMERS: Checksum reconciliation FAILED - source: 1000 rows, dest: 995 rows; missing in dest: 5 (996, 997, 998, 999, 1000)
	// false true
}

// Checks names tables as the load does; RequiredColumns and ChecksumTables match them
// case-insensitively. Only the checks asked for run.
func ExampleChecks() {
	checks := dataquality.Checks{
		RequiredColumns: map[string][]string{"customers": {"EMAIL"}},
		OnFailure:       "fail",
	}
	source := exampleCustomers(3, nil)
	dest := exampleCustomers(3, func(id int64, r map[string]any) {
		if id == 2 {
			r["EMAIL"] = nil
		}
	})
	report := dataquality.NewChecker().RunChecks(context.Background(), "CUSTOMERS", checks, source, dest)
	fmt.Println(len(report.Results), report.Err())
	// Output:
	// 1 dataquality: CUSTOMERS: 1 check failed: required_columns (Required columns validation FAILED - nulls in EMAIL: 1)
}

func ExampleChecksFrom() {
	dq := configloader.DataQuality{ // as loaded from sources.yaml's data_quality:
		CheckRowCount:     true,
		RowCountTolerance: 0.05,
		ChecksumTables:    []string{"CUSTOMERS"},
		OnFailure:         "warn",
	}
	checks := dataquality.ChecksFrom(dq)
	fmt.Println(checks.RowCount, checks.RowCountTolerance, checks.ChecksumTables, checks.OnFailure)
	// Output:
	// true 0.05 [CUSTOMERS] warn
}

func ExampleMonitorsFrom() {
	cfg, err := configloader.Parse("sources.yaml", []byte(`
sources:
  dev_mydb:
    database_type: postgres
    data_quality:
      monitors:
        volume: true
        schema_drift: warn
        exclude: [{from: 2026-03-01, to: 2026-03-02, reason: migration}]
`))
	if err != nil {
		log.Fatal(err)
	}
	m := dataquality.MonitorsFrom(cfg.Sources["dev_mydb"].DataQuality.Monitors)
	fmt.Println(m.Volume, m.SchemaDrift, m.Enabled(), m.Excluded(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)), m.Exclude[0].Reason)
	// Output: true warn true true migration
}

func ExampleChecker_Run() {
	cfg, err := configloader.Parse("sources.yaml", []byte(`
sources:
  dev_mydb:
    database_type: postgres
    data_quality:
      check_row_count: true
      row_count_tolerance: 0.01
      required_columns: {CUSTOMERS: [CUSTOMER_ID, CREATED]}
      checksum_tables: [CUSTOMERS]
      on_failure: fail
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	source := exampleCustomers(1000, nil)
	dest := exampleCustomers(1000, func(id int64, r map[string]any) {
		if id == 7 {
			r["BALANCE"] = "0.00"
		}
	})
	dq := cfg.Sources["dev_mydb"].DataQuality
	report := dataquality.NewChecker().Run(context.Background(), "CUSTOMERS", dq, source, dest)
	for _, r := range report.Results {
		fmt.Println(r)
	}
	fmt.Println(report.Passed(), errors.Is(report.Err(), dataquality.ErrCheckFailed))
	// Output:
	// CUSTOMERS: Row count validation PASSED - source: 1000, dest: 1000
	// CUSTOMERS: Required columns validation PASSED - no nulls in CUSTOMER_ID, CREATED
	// CUSTOMERS: Checksum reconciliation FAILED - source: 1000 rows, dest: 1000 rows; changed: 1 (7)
	// false true
}

func ExampleNewMemoryDataset() {
	ds, err := dataquality.NewMemoryDataset(dataquality.MemoryTable{
		Columns:    []dataquality.Column{{Name: "ID"}, {Name: "AMOUNT", Type: dataquality.TypeDecimal}},
		PrimaryKey: []string{"ID"},
		Rows:       []map[string]any{{"ID": 1, "AMOUNT": "12.50"}, {"ID": 2}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	n, _ := ds.RowCount(context.Background())
	nulls, _ := ds.NullCounts(context.Background(), []string{"AMOUNT"})
	cols, _ := ds.Schema(context.Background())
	fmt.Println(n, nulls["AMOUNT"], cols[0].Type, cols[1].Type)
	// Output:
	// 2 1 integer decimal
}

func ExampleAppendCanonical() {
	a, _ := dataquality.AppendCanonical(nil, dataquality.TypeDecimal, "1.50")
	b, _ := dataquality.AppendCanonical(nil, dataquality.TypeDecimal, []byte("1.5"))
	null, _ := dataquality.AppendCanonical(nil, dataquality.TypeString, nil)
	empty, _ := dataquality.AppendCanonical(nil, dataquality.TypeString, "")
	fmt.Printf("%q %q %q %q\n", a, b, null, empty)
	// Output:
	// "N\x031.5" "N\x031.5" "\x00" "S\x00"
}

func ExampleNewMonitor() {
	ctx := context.Background()
	night := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	now := night
	checker := dataquality.NewChecker(dataquality.WithClock(func() time.Time { return now }))
	cfg := dataquality.Monitors{Volume: true} // data_quality.monitors: {volume: true}
	monitor, err := dataquality.NewMonitor(checker, dataquality.NewMemoryHistory(), cfg)
	if err != nil {
		panic(err)
	}
	// Three weeks of nightly loads of about 1,000 rows, then one of 120.
	for i := range 21 {
		now = night.AddDate(0, 0, i)
		monitor.AfterLoad(ctx, "ORDERS", dataquality.Load{Rows: int64(1000 + i%3*10)})
	}
	now = night.AddDate(0, 0, 21)
	report := monitor.AfterLoad(ctx, "ORDERS", dataquality.Load{Rows: 120})
	for _, line := range report.Summary() {
		fmt.Println(line)
	}
	// Output:
	// ANOMALY ORDERS volume: 120 rows is 88% below the expected 1010 rows (normal range 909 rows to 1111 rows, score -257.1)
}

func ExampleMonitor_Committed() {
	ctx := context.Background()
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	now := start
	checker := dataquality.NewChecker(dataquality.WithClock(func() time.Time { return now }))
	monitor, _ := dataquality.NewMonitor(checker, dataquality.NewMemoryHistory(), dataquality.Monitors{Volume: true, Freshness: true})
	// A CDC consumer commits 100 rows to orders every 10 minutes for two days...
	for i := range 2 * 24 * 6 {
		now = start.Add(time.Duration(i) * 10 * time.Minute)
		monitor.Committed(ctx, "orders", now, 100)
	}
	// ...then stops. Two hours later:
	now = now.Add(2 * time.Hour)
	fmt.Println(monitor.CheckFreshness(ctx, "orders").Details)
	// Output:
	// Freshness monitor ANOMALY - 2 h is 1100% above the expected 10 min (normal range 0 h to 40 min, score 2484.9)
}

func ExampleSchemaChanges() {
	before := []dataquality.SchemaColumn{{Name: "ID", Type: "integer", Required: true}, {Name: "EMAIL", Type: "string"}, {Name: "PHONE", Type: "string"}}
	after := []dataquality.SchemaColumn{{Name: "ID", Type: "decimal", Required: true}, {Name: "EMAIL", Type: "string", Required: true}, {Name: "CREATED", Type: "timestamp"}}
	for _, c := range dataquality.SchemaChanges(before, after) {
		fmt.Println(c)
	}
	// Output:
	// retyped ID from integer to decimal
	// EMAIL became required
	// added CREATED (timestamp)
	// removed PHONE
}

// By default a result is one dq_check_complete event; WithLogLines(true) adds the reference's
// plain log line.
func ExampleWithLogLines() {
	capture := monitoringtest.NewLogCapture()
	logger := monitoring.NewStructuredLogger("bulk_load", "dev_mydb", capture.Option())
	checker := dataquality.NewChecker(dataquality.WithLogger(logger), dataquality.WithLogLines(true))
	checker.ValidateRowCount(context.Background(), "ORDERS", 500, 450, 0.01)
	for _, e := range capture.Events() {
		fmt.Println(e.EventType, e.Severity, e.Details["message"])
	}
	// Output:
	// dq_check_complete WARNING <nil>
	// log WARNING ORDERS: DATA QUALITY ISSUE - Row count validation FAILED - source: 500, dest: 450, difference: 50 (10.00%), tolerance: 1%
}
