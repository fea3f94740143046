package cloudwatch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/etlwatch/etlwatch/monitoring"
	cw "github.com/etlwatch/etlwatch/monitoring/cloudwatch"
)

// printingClient stands for *cloudwatch.Client: anything with PutMetricData fits.
type printingClient struct{}

func (printingClient) PutMetricData(_ context.Context, in *cloudwatch.PutMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.PutMetricDataOutput, error) {
	fmt.Printf("PutMetricData %s: %d datums\n", *in.Namespace, len(in.MetricData))
	for _, d := range in.MetricData {
		if *d.MetricName == "table_load_duration" {
			fmt.Printf("  %s %s count=%v sum=%v\n", *d.MetricName, d.Unit, *d.StatisticValues.SampleCount, *d.StatisticValues.Sum)
		}
	}
	return &cloudwatch.PutMetricDataOutput{}, nil
}

func ExampleNewSink() {
	ctx := context.Background()
	// In production: cloudwatch.NewFromConfig(cfg) from github.com/aws/aws-sdk-go-v2.
	sink, err := cw.NewSink(printingClient{}, "ETL/Pipeline")
	if err != nil {
		fmt.Println(err)
		return
	}
	metrics, _ := monitoring.NewMetricsCollector("bulk_load", "dev_mydb", monitoring.WithSinks(sink))
	for range 1000 {
		metrics.EmitCounter(ctx, "records_processed", 1, monitoring.Dimensions{"table": "CUSTOMERS"})
	}
	metrics.EmitDuration(ctx, "table_load_duration", 2*time.Second, monitoring.Dimensions{"table": "CUSTOMERS"})
	_ = metrics.Shutdown(ctx) // one request for the whole interval
	fmt.Println("calls:", sink.Calls())
	// Output:
	// PutMetricData ETL/Pipeline: 3 datums
	//   table_load_duration Seconds count=1 sum=2
	// calls: 1
}

func ExampleWithHighResolution() {
	sink, _ := cw.NewSink(printingClient{}, "", cw.WithHighResolution(), cw.WithName("cloudwatch-1s"))
	fmt.Println(sink)
	// Output: cloudwatch.Sink{name=cloudwatch-1s namespace=ETL/Pipeline}
}

func ExampleWithRetry() {
	// Let the sink own retries: three attempts from 100 ms, doubling with full jitter. Turn the SDK
	// client's own retries off with its RetryMaxAttempts option set to 1.
	_, err := cw.NewSink(printingClient{}, "", cw.WithRetry(3, 100*time.Millisecond), cw.WithMaxBuffered(50_000))
	fmt.Println(err)
	// Output: <nil>
}

func ExampleNewEMFSink() {
	ctx := context.Background()
	var out bytes.Buffer // os.Stdout on Lambda
	metrics, _ := monitoring.NewMetricsCollector("bulk_load", "dev_mydb", monitoring.WithEnvironment("prod"),
		monitoring.WithSinks(cw.NewEMFSink(&out, "ETL/Pipeline")))
	metrics.EmitCounter(ctx, "table_processed", 1, monitoring.Dimensions{"table": "CUSTOMERS"})
	_ = metrics.Shutdown(ctx)

	var doc map[string]any
	for _, line := range bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n")) {
		var d map[string]any
		if json.Unmarshal(line, &d) == nil && d["table"] != nil {
			doc = d // the document of the series with dimension table
		}
	}
	meta := doc["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)[0].(map[string]any)
	fmt.Println(meta["Namespace"], meta["Dimensions"], meta["Metrics"])
	fmt.Println(doc["table"], doc["table_processed"])
	// Output:
	// ETL/Pipeline [[environment job_name source_name table]] [map[Name:table_processed Unit:Count]]
	// CUSTOMERS 1
}

// silentClient stands for a CloudWatch endpoint that never answers.
type silentClient struct{}

func (silentClient) PutMetricData(ctx context.Context, _ *cloudwatch.PutMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.PutMetricDataOutput, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func ExampleWithTimeout() {
	ctx := context.Background()
	sink, _ := cw.NewSink(silentClient{}, "", cw.WithTimeout(100*time.Millisecond))
	metrics, _ := monitoring.NewMetricsCollector("bulk_load", "dev_mydb", monitoring.WithSinks(sink),
		monitoring.WithErrorHandler(func(error) {}))
	defer metrics.Shutdown(ctx)
	metrics.EmitCounter(ctx, "records_processed", 1, nil)
	err := metrics.ForceFlush(ctx) // recording never waits for it: only this flush does
	var te *monitoring.ExportTimeoutError
	fmt.Println(errors.As(err, &te), te.Timeout)
	fmt.Println(te)
	// Output:
	// true 100ms
	// sink cloudwatch: its endpoint did not answer within 100ms (down, firewalled or stuck); if it is only slow, raise cloudwatch.WithTimeout
}
