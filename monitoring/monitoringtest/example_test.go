package monitoringtest_test

import (
	"context"
	"fmt"

	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/monitoringtest"
)

// loadTable stands for the pipeline code under test.
func loadTable(ctx context.Context, m *monitoring.MetricsCollector, table string, rows int64) {
	m.Counter("records_processed", monitoring.Dimensions{"table": table}).Add(rows)
	m.EmitSuccess(ctx, "table_load", monitoring.Dimensions{"table": table})
}

func ExampleNewSink() {
	ctx := context.Background()
	sink := monitoringtest.NewSink()
	metrics, _ := monitoring.NewMetricsCollector("bulk_load", "test", monitoring.WithSinks(sink))
	defer metrics.Shutdown(ctx)

	loadTable(ctx, metrics, "CUSTOMERS", 1000)
	loadTable(ctx, metrics, "ORDERS", 250)
	_ = metrics.ForceFlush(ctx)

	rows, ok := sink.Value("records_processed", monitoring.Dimensions{"table": "CUSTOMERS"})
	fmt.Println(rows, ok)
	fmt.Println(sink.Total("records_processed", nil))
	// Output:
	// 1000 true
	// 1250
}

func ExampleNewNamedSink() {
	ctx := context.Background()
	primary, backup := monitoringtest.NewNamedSink("primary"), monitoringtest.NewNamedSink("backup")
	metrics, _ := monitoring.NewMetricsCollector("bulk_load", "test", monitoring.WithSinks(primary, backup),
		monitoring.WithErrorHandler(func(err error) { fmt.Println(err) }))
	defer metrics.Shutdown(ctx)
	primary.FailWith(fmt.Errorf("backend down"))
	loadTable(ctx, metrics, "CUSTOMERS", 10)
	_ = metrics.ForceFlush(ctx)
	fmt.Println(backup.Total("records_processed", nil))
	primary.FailWith(nil) // the backend is back: the next export succeeds
	// Output:
	// monitoring: sink "primary": export: backend down
	// 10
}

func ExampleNewErrorRecorder() {
	ctx := context.Background()
	errs := monitoringtest.NewErrorRecorder()
	metrics, _ := monitoring.NewMetricsCollector("bulk_load", "test", monitoring.WithErrorHandler(errs.Handle))
	defer metrics.Shutdown(ctx)
	metrics.EmitCounter(ctx, "bad name", 1, nil)
	fmt.Println(len(errs.Errors()))
	// Output: 1
}
