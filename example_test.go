package etlwatch_test

import (
	"context"
	"fmt"
	"io"

	"github.com/etlwatch/etlwatch"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/monitoringtest"
)

func ExampleNew() {
	ctx := context.Background()
	cfg, err := configloader.Parse("sources.yaml", []byte(`
sources:
  dev_mydb:
    database_type: postgres
    monitoring:
      prometheus: {listen: "127.0.0.1:0"}
      environment: prod
    data_quality:
      check_row_count: true
      row_count_tolerance: 0.01
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	src, _ := cfg.Source("dev_mydb")
	sink := monitoringtest.NewSink() // stands for any extra sink
	p, err := etlwatch.New(ctx, "bulk_load", src, etlwatch.WithLogOutput(io.Discard), etlwatch.WithSinks(sink))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx = p.Context() // carries the job's correlation ID

	p.Metrics.EmitCounter(ctx, "records_processed", 1000, monitoring.Dimensions{"table": "CUSTOMERS"})
	res := p.Checker.ValidateRowCount(ctx, "CUSTOMERS", 1000, 995, src.DataQuality.RowCountTolerance)
	fmt.Println(res.Details)
	fmt.Println(p.Sinks())
	if err := p.Shutdown(ctx); err != nil { // flushes every sink, stops the /metrics server
		fmt.Println(err)
	}
	passed, _ := sink.Value("dq_row_count_passed", monitoring.Dimensions{"table": "CUSTOMERS", "environment": "prod"})
	fmt.Println(passed)
	// Output:
	// Row count validation PASSED - source: 1000, dest: 995, difference: 5 (0.50%), tolerance: 1%
	// [prometheus]
	// 1
}
