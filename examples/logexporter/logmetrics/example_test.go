package logmetrics_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/etlwatch/etlwatch/examples/logexporter/logmetrics"
)

// Follow a log file and serve its metrics.
func Example() {
	dir, _ := os.MkdirTemp("", "logmetrics")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "etl_process.log")
	_ = os.WriteFile(path, []byte(
		`{"timestamp":"2025-01-18T04:00:25Z","message":"file_processing_completed","records_processed":250,"processing_time":25.3,"current_rate":9.88}`+"\n"+
			`{"timestamp":"2025-01-18T04:00:40Z","message":"file_processing_failed","error_type":"connection_timeout"}`+"\n"), 0o644)

	reg := prometheus.NewRegistry()
	e, err := logmetrics.New(path, reg, logmetrics.WithFromStart(), logmetrics.WithEnvironment("prod"),
		logmetrics.WithPollInterval(10*time.Millisecond))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	time.Sleep(100 * time.Millisecond) // a few polls
	cancel()
	<-done

	rec := httptest.NewRecorder()
	e.Handler(reg).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for line := range strings.Lines(rec.Body.String()) {
		if strings.HasPrefix(line, "etl_records_total") || strings.HasPrefix(line, "etl_failures_total") ||
			strings.HasPrefix(line, `etl_errors_by_type_total{environment="prod",error_type="connection_timeout"`) {
			fmt.Print(line)
		}
	}
	// Output:
	// etl_errors_by_type_total{environment="prod",error_type="connection_timeout",job_name="etl_simulator",source_name="etl_process"} 1
	// etl_failures_total{environment="prod",job_name="etl_simulator",source_name="etl_process"} 1
	// etl_records_total{environment="prod",job_name="etl_simulator",source_name="etl_process"} 250
}
