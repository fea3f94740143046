package monitoring_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/etlwatch/etlwatch/correlation"
	"github.com/etlwatch/etlwatch/monitoring"
)

// examplePinTime pins the timestamp through the handler's ReplaceAttr, so that the examples' output
// is deterministic. Real programs leave ReplaceAttr nil.
func examplePinTime(groups []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey && len(groups) == 0 {
		a.Value = slog.TimeValue(time.Date(2025, 1, 27, 10, 30, 45, 123456000, time.UTC))
	}
	return a
}

// exampleLogger returns a logger that writes JSON lines with a pinned timestamp to stdout.
func exampleLogger() *monitoring.StructuredLogger {
	h := monitoring.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: examplePinTime})
	return monitoring.NewStructuredLogger("bulk_load", "postgres",
		monitoring.WithHandler(h), monitoring.WithEnvironment("prod"))
}

func exampleContext() context.Context {
	return correlation.ContextWithID(context.Background(), "run-42")
}

func ExampleNewStructuredLogger() {
	// By default the logger writes JSON lines to os.Stdout; the environment comes from
	// WithEnvironment, else $ETL_ENVIRONMENT, else "dev". Here the handler pins the timestamp.
	h := monitoring.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: examplePinTime})
	logger := monitoring.NewStructuredLogger("bulk_load", "postgres",
		monitoring.WithHandler(h), monitoring.WithEnvironment("prod"))

	ctx := correlation.ContextWithID(context.Background(), "run-42")
	logger.LogJobStart(ctx, monitoring.Details{"tables": []string{"customers"}})
	logger.LogTableComplete(ctx, "customers", 1000, 2500*time.Millisecond, nil)
	logger.LogJobComplete(ctx, 1, 1000, 3*time.Second, nil)
	// Output:
	// {"timestamp":"2025-01-27T10:30:45.123456Z","correlation_id":"run-42","job_name":"bulk_load","source_name":"postgres","event_type":"job_start","environment":"prod","severity":"INFO","details":{"tables":["customers"]}}
	// {"timestamp":"2025-01-27T10:30:45.123456Z","correlation_id":"run-42","job_name":"bulk_load","source_name":"postgres","event_type":"table_processing_complete","environment":"prod","severity":"INFO","details":{"duration_seconds":2.5,"records":1000,"table":"customers"}}
	// {"timestamp":"2025-01-27T10:30:45.123456Z","correlation_id":"run-42","job_name":"bulk_load","source_name":"postgres","event_type":"job_complete","environment":"prod","severity":"INFO","details":{"duration_seconds":3,"records":1000,"tables":1}}
}

func ExampleStructuredLogger_LogJobStart() {
	logger := exampleLogger()
	logger.LogJobStart(exampleContext(), monitoring.Details{"mode": "incremental", "since": "2025-01-26"})
	// Output:
	// {"timestamp":"2025-01-27T10:30:45.123456Z","correlation_id":"run-42","job_name":"bulk_load","source_name":"postgres","event_type":"job_start","environment":"prod","severity":"INFO","details":{"mode":"incremental","since":"2025-01-26"}}
}

func ExampleStructuredLogger_LogTableStart() {
	logger := exampleLogger()
	logger.LogTableStart(exampleContext(), "customers", monitoring.Details{"batch_size": 500})
	// Output:
	// {"timestamp":"2025-01-27T10:30:45.123456Z","correlation_id":"run-42","job_name":"bulk_load","source_name":"postgres","event_type":"table_processing_start","environment":"prod","severity":"INFO","details":{"batch_size":500,"table":"customers"}}
}

func ExampleStructuredLogger_LogTableComplete() {
	logger := exampleLogger()
	logger.LogTableComplete(exampleContext(), "customers", 1000, 12500*time.Millisecond, monitoring.Details{"batches": 2})
	// Output:
	// {"timestamp":"2025-01-27T10:30:45.123456Z","correlation_id":"run-42","job_name":"bulk_load","source_name":"postgres","event_type":"table_processing_complete","environment":"prod","severity":"INFO","details":{"batches":2,"duration_seconds":12.5,"records":1000,"table":"customers"}}
}

func ExampleStructuredLogger_LogTableFailure() {
	logger := exampleLogger()
	// error_type names the root cause of the wrapped error.
	err := fmt.Errorf("load customers: %w", fmt.Errorf("copy: %w", &net.DNSError{Err: "i/o timeout", Name: "db", IsTimeout: true}))
	logger.LogTableFailure(exampleContext(), "customers", err, monitoring.Details{"attempt": 3})
	// Output:
	// {"timestamp":"2025-01-27T10:30:45.123456Z","correlation_id":"run-42","job_name":"bulk_load","source_name":"postgres","event_type":"table_processing_failed","environment":"prod","severity":"ERROR","details":{"attempt":3,"error":"load customers: copy: lookup db: i/o timeout","error_type":"*net.DNSError","table":"customers"}}
}

func ExampleStructuredLogger_LogJobComplete() {
	logger := exampleLogger()
	logger.LogJobComplete(exampleContext(), 4, 125000, 95*time.Second, monitoring.Details{"status": "ok"})
	// Output:
	// {"timestamp":"2025-01-27T10:30:45.123456Z","correlation_id":"run-42","job_name":"bulk_load","source_name":"postgres","event_type":"job_complete","environment":"prod","severity":"INFO","details":{"duration_seconds":95,"records":125000,"status":"ok","tables":4}}
}

func ExampleStructuredLogger_LogEvent() {
	logger := exampleLogger()
	logger.LogEvent(exampleContext(), "checkpoint_saved", monitoring.Details{"table": "orders", "offset": 42000})
	// Output:
	// {"timestamp":"2025-01-27T10:30:45.123456Z","correlation_id":"run-42","job_name":"bulk_load","source_name":"postgres","event_type":"checkpoint_saved","environment":"prod","severity":"INFO","details":{"offset":42000,"table":"orders"}}
}

func ExampleStructuredLogger_LogWarning() {
	logger := exampleLogger()
	logger.LogWarning(exampleContext(), "schema_drift", monitoring.Details{"table": "orders", "new_columns": []string{"coupon"}})
	// Output:
	// {"timestamp":"2025-01-27T10:30:45.123456Z","correlation_id":"run-42","job_name":"bulk_load","source_name":"postgres","event_type":"schema_drift","environment":"prod","severity":"WARNING","details":{"new_columns":["coupon"],"table":"orders"}}
}

func ExampleStructuredLogger_Slog() {
	logger := exampleLogger()
	// Plain lines go through the same handler, with the job's fields attached.
	logger.Slog().InfoContext(exampleContext(), "CUSTOMERS: Extracting 1000 records", "rows", 1000)
	// Output:
	// {"timestamp":"2025-01-27T10:30:45.123456Z","correlation_id":"run-42","job_name":"bulk_load","source_name":"postgres","event_type":"log","environment":"prod","severity":"INFO","details":{"message":"CUSTOMERS: Extracting 1000 records","rows":1000}}
}

func ExampleStructuredLogger_Handler() {
	logger := monitoring.NewStructuredLogger("bulk_load", "postgres", monitoring.WithEnvironment("prod"))
	// Skip building costly details when the handler would drop the record anyway.
	ctx := context.Background()
	fmt.Println("debug enabled:", logger.Handler().Enabled(ctx, slog.LevelDebug))
	fmt.Println("info enabled:", logger.Handler().Enabled(ctx, slog.LevelInfo))
	// Output:
	// debug enabled: false
	// info enabled: true
}

func ExampleWithOutput() {
	var buf bytes.Buffer
	logger := monitoring.NewStructuredLogger("bulk_load", "postgres",
		monitoring.WithOutput(&buf), monitoring.WithEnvironment("prod"))
	logger.LogTableStart(context.Background(), "customers", nil)

	var event map[string]any
	if err := json.Unmarshal(buf.Bytes(), &event); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(event["event_type"], event["severity"], event["details"])
	// Output:
	// table_processing_start INFO map[table:customers]
}

func ExampleWithHandler() {
	// Route events into slog's own JSON handler (without its time, for a stable output). The
	// logger wraps it so that the correlation ID from the context is added.
	h := slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{}
			}
			return a
		},
	})
	logger := monitoring.NewStructuredLogger("bulk_load", "postgres",
		monitoring.WithHandler(h), monitoring.WithEnvironment("prod"))
	logger.LogTableComplete(exampleContext(), "customers", 1000, 2*time.Second, nil)
	// Output:
	// {"level":"INFO","msg":"table_processing_complete","correlation_id":"run-42","job_name":"bulk_load","source_name":"postgres","environment":"prod","event_type":"table_processing_complete","details":{"duration_seconds":2,"records":1000,"table":"customers"}}
}

func ExampleWithLevel() {
	h := monitoring.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: examplePinTime, Level: slog.LevelDebug})
	logger := monitoring.NewStructuredLogger("bulk_load", "postgres",
		monitoring.WithHandler(h), monitoring.WithEnvironment("prod"), monitoring.WithLevel(slog.LevelWarn))
	ctx := exampleContext()
	logger.LogTableStart(ctx, "customers", nil) // INFO: dropped
	logger.LogTableFailure(ctx, "customers", errors.New("disk full"), nil)
	// Output:
	// {"timestamp":"2025-01-27T10:30:45.123456Z","correlation_id":"run-42","job_name":"bulk_load","source_name":"postgres","event_type":"table_processing_failed","environment":"prod","severity":"ERROR","details":{"error":"disk full","error_type":"*errors.errorString","table":"customers"}}
}

func ExampleNewJSONHandler() {
	// The handler also serves plain slog loggers; groups are flattened with dots.
	h := monitoring.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: examplePinTime})
	logger := slog.New(h).With("job_name", "bulk_load")
	logger.InfoContext(exampleContext(), "connected", slog.Group("db", "host", "pg-1", "port", 5432))
	// Output:
	// {"timestamp":"2025-01-27T10:30:45.123456Z","correlation_id":"run-42","job_name":"bulk_load","source_name":"","event_type":"log","environment":"","severity":"INFO","details":{"db.host":"pg-1","db.port":5432,"message":"connected"}}
}

func ExampleNewConsoleHandler() {
	// Records made by a logger carry the local time; here it is pinned to UTC.
	h := monitoring.NewConsoleHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: examplePinTime})
	logger := monitoring.NewStructuredLogger("bulk_load", "postgres",
		monitoring.WithHandler(h), monitoring.WithEnvironment("prod"))

	ctx := monitoring.ContextWithWorker(exampleContext(), "worker-3")
	logger.LogTableStart(ctx, "customers", nil)
	logger.Slog().InfoContext(ctx, "CUSTOMERS: Extracting 1000 records", "batch", 1)
	// Output:
	// 2025-01-27 10:30:45 - [worker-3] - etlwatch.bulk_load - INFO - EVENT: {"timestamp":"2025-01-27T10:30:45.123456Z","correlation_id":"run-42","job_name":"bulk_load","source_name":"postgres","event_type":"table_processing_start","environment":"prod","severity":"INFO","details":{"table":"customers"}}
	// 2025-01-27 10:30:45 - [worker-3] - etlwatch - INFO - CUSTOMERS: Extracting 1000 records batch=1
}

func ExampleNewContextHandler() {
	// Give a program's own slog logger the correlation ID of the context.
	h := slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{}
			}
			return a
		},
	})
	logger := slog.New(monitoring.NewContextHandler(h))
	logger.InfoContext(exampleContext(), "loaded", "rows", 1000)
	// Output:
	// level=INFO msg=loaded correlation_id=run-42 rows=1000
}

func ExampleContextWithWorker() {
	h := monitoring.NewConsoleHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: examplePinTime})
	logger := slog.New(h)
	for _, worker := range []string{"worker-1", "worker-2"} {
		ctx := monitoring.ContextWithWorker(context.Background(), worker)
		logger.InfoContext(ctx, "ORDERS: Loading batch")
	}
	// Output:
	// 2025-01-27 10:30:45 - [worker-1] - etlwatch - INFO - ORDERS: Loading batch
	// 2025-01-27 10:30:45 - [worker-2] - etlwatch - INFO - ORDERS: Loading batch
}

func ExampleWorkerFromContext() {
	ctx := context.Background()
	fmt.Println(monitoring.WorkerFromContext(ctx))
	fmt.Println(monitoring.WorkerFromContext(monitoring.ContextWithWorker(ctx, "worker-7")))
	// Output:
	// main
	// worker-7
}

func ExampleDetails() {
	// Details are encoded by type and written with sorted keys; nested maps are objects.
	logger := exampleLogger()
	logger.LogEvent(context.Background(), "batch_written", monitoring.Details{
		"rows":      250,
		"took":      1500 * time.Millisecond, // seconds
		"ratio":     0.25,
		"tags":      []string{"eu", "daily"},
		"watermark": map[string]any{"table": "orders", "id": 42},
	})
	// Output:
	// {"timestamp":"2025-01-27T10:30:45.123456Z","correlation_id":"","job_name":"bulk_load","source_name":"postgres","event_type":"batch_written","environment":"prod","severity":"INFO","details":{"ratio":0.25,"rows":250,"tags":["eu","daily"],"took":1.5,"watermark":{"id":42,"table":"orders"}}}
}

func ExampleDetails_LogValue() {
	// Foreign handlers resolve Details to a group with sorted keys.
	fmt.Println(monitoring.Details{"b": 2, "a": 1}.LogValue())
	// Output:
	// [a=1 b=2]
}

// ErrorType names the root cause of a wrapped error, for the error_type of a failure metric that
// matches the table_processing_failed event.
func ExampleErrorType() {
	_, err := os.Open("/does/not/exist")
	fmt.Println(monitoring.ErrorType(fmt.Errorf("load customers: %w", err)))
	// Output:
	// syscall.Errno
}

func ExampleStructuredLogger_LogJobFailure() {
	logger := exampleLogger()
	// The job as a whole failed: with the error, what had completed.
	err := errors.New("2 of 3 tables failed: orders, order_items")
	logger.LogJobFailure(exampleContext(), err, 1, 30000, 42*time.Second, monitoring.Details{"failed_table_names": []string{"orders", "order_items"}})
	// Output:
	// {"timestamp":"2025-01-27T10:30:45.123456Z","correlation_id":"run-42","job_name":"bulk_load","source_name":"postgres","event_type":"job_failed","environment":"prod","severity":"ERROR","details":{"duration_seconds":42,"error":"2 of 3 tables failed: orders, order_items","error_type":"*errors.errorString","failed_table_names":["orders","order_items"],"records":30000,"tables":1}}
}

func ExampleStructuredLogger_LogError() {
	logger := exampleLogger()
	err := fmt.Errorf("upload: %w", &net.DNSError{Err: "no such host", Name: "s3", IsNotFound: true})
	logger.LogError(exampleContext(), "archive_failed", err, monitoring.Details{"table": "orders"})
	// Output:
	// {"timestamp":"2025-01-27T10:30:45.123456Z","correlation_id":"run-42","job_name":"bulk_load","source_name":"postgres","event_type":"archive_failed","environment":"prod","severity":"ERROR","details":{"error":"upload: lookup s3: no such host","error_type":"*net.DNSError","table":"orders"}}
}
