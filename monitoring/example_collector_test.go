package monitoring_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/monitoringtest"
)

func ExampleNewMetricsCollector() {
	ctx := context.Background()
	metrics, err := monitoring.NewMetricsCollector("bulk_load", "dev_mydb",
		monitoring.WithEnvironment("prod"),
		monitoring.WithSinks(monitoring.NewLogSink(os.Stderr)),
		monitoring.WithExportInterval(time.Minute))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer metrics.Shutdown(ctx)

	metrics.EmitCounter(ctx, "table_processed", 1, monitoring.Dimensions{"table": "CUSTOMERS"})
	s, _ := metrics.Summary().Find("table_processed", nil)
	fmt.Println(s.Name, s.Sum, s.Dimensions)
	// Output: table_processed 1 map[environment:prod job_name:bulk_load source_name:dev_mydb table:CUSTOMERS]
}

func newExampleCollector() *monitoring.MetricsCollector {
	m, err := monitoring.NewMetricsCollector("bulk_load", "dev_mydb", monitoring.WithEnvironment("dev"))
	if err != nil {
		panic(err)
	}
	return m
}

func ExampleMetricsCollector_EmitCounter() {
	ctx := context.Background()
	metrics := newExampleCollector()
	defer metrics.Shutdown(ctx)
	metrics.EmitCounter(ctx, "records_processed", 1000, monitoring.Dimensions{"table": "CUSTOMERS"})
	metrics.EmitCounter(ctx, "records_processed", 234, monitoring.Dimensions{"table": "CUSTOMERS"})
	s, _ := metrics.Summary().Find("records_processed", monitoring.Dimensions{"table": "CUSTOMERS"})
	fmt.Println(s.Kind, s.Unit, s.Sum)
	// Output: counter Count 1234
}

func ExampleMetricsCollector_EmitGauge() {
	ctx := context.Background()
	metrics := newExampleCollector()
	defer metrics.Shutdown(ctx)
	for _, lag := range []float64{2.1, 0.4, 1.3} {
		metrics.EmitGauge(ctx, "cdc_lag_seconds", lag, monitoring.UnitSeconds, monitoring.Dimensions{"namespace": "bronze"})
	}
	s, _ := metrics.Summary().Find("cdc_lag_seconds", nil)
	fmt.Printf("last=%v min=%v max=%v count=%d unit=%v\n", s.Last, s.Min, s.Max, s.Count, s.Unit)
	// Output: last=1.3 min=0.4 max=2.1 count=3 unit=Seconds
}

func ExampleMetricsCollector_EmitDuration() {
	ctx := context.Background()
	metrics := newExampleCollector()
	defer metrics.Shutdown(ctx)
	metrics.EmitDuration(ctx, "table_load_duration", 1500*time.Millisecond, monitoring.Dimensions{"table": "CUSTOMERS"})
	metrics.EmitDuration(ctx, "table_load_duration", 500*time.Millisecond, monitoring.Dimensions{"table": "CUSTOMERS"})
	s, _ := metrics.Summary().Find("table_load_duration", nil)
	fmt.Printf("count=%d sum=%vs max=%vs\n", s.Count, s.Sum, s.Max)
	// Output: count=2 sum=2s max=1.5s
}

func ExampleMetricsCollector_EmitSuccess() {
	ctx := context.Background()
	metrics := newExampleCollector()
	defer metrics.Shutdown(ctx)
	metrics.EmitSuccess(ctx, "table_load", monitoring.Dimensions{"table": "CUSTOMERS"})
	s, _ := metrics.Summary().Find("table_load_success", nil)
	fmt.Println(s.Name, s.Sum)
	// Output: table_load_success 1
}

func ExampleMetricsCollector_EmitFailure() {
	ctx := context.Background()
	metrics := newExampleCollector()
	defer metrics.Shutdown(ctx)
	metrics.EmitFailure(ctx, "table_load", "connection_timeout", monitoring.Dimensions{"table": "ORDERS"})
	s, _ := metrics.Summary().Find("table_load_failure", nil)
	fmt.Println(s.Name, s.Dimensions["error_type"], s.Sum)
	// Output: table_load_failure connection_timeout 1
}

func ExampleMetricsCollector_Counter() {
	ctx := context.Background()
	metrics := newExampleCollector()
	defer metrics.Shutdown(ctx)
	rows := metrics.Counter("records_processed", monitoring.Dimensions{"table": "ORDERS"})
	for range 10 {
		rows.Add(500) // one atomic addition per batch: no lookup, lock or allocation
	}
	fmt.Println(rows.Value())
	// Output: 5000
}

func ExampleMetricsCollector_Gauge() {
	ctx := context.Background()
	metrics := newExampleCollector()
	defer metrics.Shutdown(ctx)
	throughput := metrics.Gauge("cdc_throughput_records_per_second", monitoring.UnitCountPerSecond, nil)
	throughput.Set(85.3)
	s, _ := metrics.Summary().Find("cdc_throughput_records_per_second", nil)
	fmt.Println(s.Last, s.Unit)
	// Output: 85.3 Count/Second
}

func ExampleMetricsCollector_Timer() {
	ctx := context.Background()
	metrics := newExampleCollector()
	defer metrics.Shutdown(ctx)
	batch := metrics.Timer("cdc_batch_processing_time", nil)
	batch.Record(11700 * time.Millisecond)
	s, _ := metrics.Summary().Find("cdc_batch_processing_time", nil)
	fmt.Println(s.Count, s.Sum)
	// Output: 1 11.7
}

func ExampleMetricsCollector_Summary() {
	ctx := context.Background()
	metrics := newExampleCollector()
	defer metrics.Shutdown(ctx)
	metrics.EmitCounter(ctx, "job_tables_processed", 2, nil)
	metrics.EmitDuration(ctx, "job_duration", 90*time.Second, nil)
	for _, s := range metrics.Summary().Series {
		fmt.Printf("%s %s %v\n", s.Name, s.Kind, s.Sum)
	}
	// Output:
	// job_duration duration 90
	// job_tables_processed counter 2
}

func ExampleMetricsCollector_ForceFlush() {
	ctx := context.Background()
	sink := monitoringtest.NewSink()
	metrics, _ := monitoring.NewMetricsCollector("bulk_load", "dev_mydb", monitoring.WithSinks(sink))
	defer metrics.Shutdown(ctx)
	metrics.EmitCounter(ctx, "table_processed", 1, nil)
	if err := metrics.ForceFlush(ctx); err != nil {
		fmt.Println(err)
	}
	v, _ := sink.Value("table_processed", nil)
	fmt.Println(v)
	// Output: 1
}

func ExampleMetricsCollector_Shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sink := monitoringtest.NewSink()
	metrics, _ := monitoring.NewMetricsCollector("bulk_load", "dev_mydb", monitoring.WithSinks(sink))
	metrics.EmitCounter(ctx, "job_records_processed", 1234, nil)
	fmt.Println(metrics.Shutdown(ctx)) // exports what was recorded, then stops
	v, _ := sink.Value("job_records_processed", nil)
	fmt.Println(v)
	fmt.Println(errors.Is(metrics.Shutdown(ctx), monitoring.ErrShutdown))
	// Output:
	// <nil>
	// 1234
	// true
}

func ExampleMetricsCollector_SinkStatuses() {
	ctx := context.Background()
	sink := monitoringtest.NewNamedSink("cloudwatch")
	sink.FailWith(errors.New("AccessDenied"))
	metrics, _ := monitoring.NewMetricsCollector("bulk_load", "dev_mydb",
		monitoring.WithSinks(sink), monitoring.WithErrorHandler(func(error) {}))
	defer metrics.Shutdown(ctx)
	_ = metrics.ForceFlush(ctx)
	for _, st := range metrics.SinkStatuses() {
		fmt.Println(st.Name, st.Healthy, st.Failures, st.LastError)
	}
	// Output: cloudwatch false 1 AccessDenied
}

func ExampleWithErrorHandler() {
	ctx := context.Background()
	metrics, _ := monitoring.NewMetricsCollector("bulk_load", "dev_mydb",
		monitoring.WithErrorHandler(func(err error) { fmt.Println(err) }))
	defer metrics.Shutdown(ctx)
	metrics.EmitCounter(ctx, "records_processed", -5, nil) // reported once, counted, not recorded
	metrics.EmitCounter(ctx, "records_processed", -5, nil)
	s, _ := metrics.Summary().Find(monitoring.DroppedMeasurementsMetric, nil)
	fmt.Println(s.Dimensions["reason"], s.Sum)
	// Output:
	// monitoring: measurement of "records_processed" not recorded (negative_value): found -5; a counter increment must be finite and >= 0
	// negative_value 2
}

func ExampleWithCardinalityLimit() {
	ctx := context.Background()
	metrics, _ := monitoring.NewMetricsCollector("bulk_load", "dev_mydb",
		monitoring.WithCardinalityLimit(2), monitoring.WithErrorHandler(func(error) {}))
	defer metrics.Shutdown(ctx)
	for _, table := range []string{"A", "B", "C", "D"} {
		metrics.EmitCounter(ctx, "rows", 1, monitoring.Dimensions{"table": table})
	}
	for _, s := range metrics.Summary().Series {
		if s.Name == "rows" {
			fmt.Println(s.Dimensions["table"], s.Dimensions[monitoring.OverflowDimension], s.Sum)
		}
	}
	// Output:
	//  true 2
	// A  1
	// B  1
}

func ExampleWithSinks() {
	ctx := context.Background()
	memory := monitoringtest.NewSink()
	metrics, _ := monitoring.NewMetricsCollector("bulk_load", "dev_mydb",
		monitoring.WithSinks(memory, monitoring.NewLogSink(os.Stderr)))
	metrics.EmitCounter(ctx, "table_processed", 1, nil)
	_ = metrics.Shutdown(ctx)
	fmt.Println(memory.Total("table_processed", nil))
	// Output: 1
}

func ExampleNewLogSink() {
	ctx := context.Background()
	var out strings.Builder
	metrics, _ := monitoring.NewMetricsCollector("bulk_load", "dev_mydb",
		monitoring.WithEnvironment("dev"), monitoring.WithSinks(monitoring.NewLogSink(&out)))
	metrics.EmitCounter(ctx, "table_processed", 1, monitoring.Dimensions{"table": "CUSTOMERS"})
	_ = metrics.Shutdown(ctx)
	line := out.String()
	fmt.Println(line[:strings.Index(line, `,"timestamp"`)])
	// Output: METRIC: {"metric_name":"table_processed","value":1,"unit":"Count","dimensions":{"environment":"dev","job_name":"bulk_load","source_name":"dev_mydb","table":"CUSTOMERS"}
}

// stdoutExporter stands for any OpenTelemetry exporter, such as stdoutmetric or otlpmetrichttp.
type stdoutExporter struct{ sdkmetric.Exporter }

func (stdoutExporter) Temporality(sdkmetric.InstrumentKind) metricdata.Temporality {
	return metricdata.CumulativeTemporality
}

func (stdoutExporter) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return sdkmetric.DefaultAggregationSelector(k)
}

func (stdoutExporter) Export(_ context.Context, rm *metricdata.ResourceMetrics) error {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			fmt.Println("exported", m.Name)
		}
	}
	return nil
}

func (stdoutExporter) ForceFlush(context.Context) error { return nil }
func (stdoutExporter) Shutdown(context.Context) error   { return nil }

func ExampleNewExporterSink() {
	ctx := context.Background()
	metrics, _ := monitoring.NewMetricsCollector("bulk_load", "dev_mydb",
		monitoring.WithSinks(monitoring.NewExporterSink("stdout", stdoutExporter{})))
	metrics.EmitDuration(ctx, "job_duration", time.Second, nil)
	_ = metrics.Shutdown(ctx)
	// Unordered output:
	// exported job_duration
	// exported etlwatch_sink_export_failures
}

func ExampleNewReaderSink() {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader() // a pull reader, such as the Prometheus exporter
	metrics, _ := monitoring.NewMetricsCollector("bulk_load", "dev_mydb",
		monitoring.WithSinks(monitoring.NewReaderSink("scrape", reader)))
	defer metrics.Shutdown(ctx)
	metrics.EmitCounter(ctx, "rows", 3, nil)
	var rm metricdata.ResourceMetrics
	_ = reader.Collect(ctx, &rm)
	sum := rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Sum[float64])
	fmt.Println(rm.ScopeMetrics[0].Metrics[0].Name, sum.DataPoints[0].Value)
	// Output: rows 3
}

func ExampleWithMeterProvider() {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)) // the application's own
	defer mp.Shutdown(ctx)
	metrics, _ := monitoring.NewMetricsCollector("bulk_load", "dev_mydb", monitoring.WithMeterProvider(mp))
	metrics.EmitCounter(ctx, "rows", 7, nil)
	var rm metricdata.ResourceMetrics
	_ = reader.Collect(ctx, &rm)
	fmt.Println(rm.ScopeMetrics[0].Scope.Name, rm.ScopeMetrics[0].Metrics[0].Name)
	// Output: github.com/etlwatch/etlwatch/monitoring rows
}

func ExampleWithReaders() {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	metrics, _ := monitoring.NewMetricsCollector("bulk_load", "dev_mydb", monitoring.WithReaders(reader))
	defer metrics.Shutdown(ctx)
	metrics.EmitGauge(ctx, "lag", 1.5, monitoring.UnitSeconds, nil)
	var rm metricdata.ResourceMetrics
	_ = reader.Collect(ctx, &rm)
	m := rm.ScopeMetrics[0].Metrics[0]
	fmt.Println(m.Name, m.Unit)
	// Output: lag s
}

func ExampleParseUnit() {
	u, ok := monitoring.ParseUnit("Count/Second")
	fmt.Println(u, u.UCUM(), ok)
	u, ok = monitoring.ParseUnit("By")
	fmt.Println(u, ok)
	// Output:
	// Count/Second {count}/s true
	// Bytes true
}

func ExampleWithEnvironment() {
	ctx := context.Background()
	// One option value configures both the collector and the logger.
	env := monitoring.WithEnvironment("staging")
	metrics, _ := monitoring.NewMetricsCollector("bulk_load", "dev_mydb", env)
	defer metrics.Shutdown(ctx)
	capture := monitoringtest.NewLogCapture()
	events := monitoring.NewStructuredLogger("bulk_load", "dev_mydb", env, capture.Option())
	events.LogJobStart(ctx, nil)
	fmt.Println(metrics.Environment(), capture.Events()[0].Environment)
	// Output: staging staging
}

func ExampleWithExportInterval() {
	ctx := context.Background()
	sink := monitoringtest.NewSink()
	metrics, _ := monitoring.NewMetricsCollector("cdc_consumer", "bronze",
		monitoring.WithSinks(sink), monitoring.WithExportInterval(10*time.Millisecond))
	defer metrics.Shutdown(ctx)
	metrics.EmitCounter(ctx, "cdc_events_processed", 1000, nil)
	for sink.Total("cdc_events_processed", nil) == 0 { // exported in the background, no ForceFlush
		time.Sleep(5 * time.Millisecond)
	}
	fmt.Println(sink.Total("cdc_events_processed", nil))
	// Output: 1000
}

func ExampleWithExportTimeout() {
	ctx := context.Background()
	metrics, err := monitoring.NewMetricsCollector("bulk_load", "dev_mydb",
		monitoring.WithSinks(monitoring.NewLogSink(os.Stderr)),
		monitoring.WithExportTimeout(5*time.Second)) // an export that takes longer is abandoned and counted as failed
	fmt.Println(err)
	_ = metrics.Shutdown(ctx)
	// Output: <nil>
}

func ExampleWithDurationBuckets() {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	metrics, _ := monitoring.NewMetricsCollector("bulk_load", "dev_mydb",
		monitoring.WithReaders(reader), monitoring.WithDurationBuckets(1, 10, 60))
	defer metrics.Shutdown(ctx)
	metrics.EmitDuration(ctx, "table_load_duration", 12*time.Second, nil)
	var rm metricdata.ResourceMetrics
	_ = reader.Collect(ctx, &rm)
	h := rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Histogram[float64])
	fmt.Println(h.DataPoints[0].Bounds, h.DataPoints[0].BucketCounts)
	// Output: [1 10 60] [0 0 1 0]
}

func ExampleWithResource() {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	res := resource.NewSchemaless(attribute.String("service.name", "etl-cdc-consumer"))
	metrics, _ := monitoring.NewMetricsCollector("cdc_consumer", "bronze",
		monitoring.WithReaders(reader), monitoring.WithResource(res))
	defer metrics.Shutdown(ctx)
	metrics.EmitCounter(ctx, "cdc_batch_processed", 1, nil)
	var rm metricdata.ResourceMetrics
	_ = reader.Collect(ctx, &rm)
	name, _ := rm.Resource.Set().Value("service.name")
	fmt.Println(name.AsString())
	// Output: etl-cdc-consumer
}
