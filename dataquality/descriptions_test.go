package dataquality_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/monitoring"
)

func TestDescribe(t *testing.T) {
	tests := []struct{ name, want string }{
		{"dq_row_count_passed", "Data-quality checks row_count that passed, by table."},
		{"dq_schema_drift_failed", "Data-quality checks schema_drift that failed, by table."},
		{dataquality.CheckDurationMetric, "Time to run one data-quality check, by table and check."},
		{dataquality.LastWriteMetric, "Time of a table's last successful write, in seconds since 1970."},
		{"dq__passed", ""},
		{"dq_", ""},
		{"records_processed", ""},
		{"row_count_passed", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, dataquality.Describe(tt.name))
		})
	}
	for _, name := range []string{dataquality.AnomalyValueMetric, dataquality.AnomalyScoreMetric, dataquality.AnomalyExpectedMetric,
		dataquality.AnomalyLowerMetric, dataquality.AnomalyUpperMetric, dataquality.AnomalyDetectedMetric, dataquality.MaxAgeMetric} {
		assert.NotEmpty(t, dataquality.Describe(name), name)
	}
}

func ExampleDescribe() {
	ctx := context.Background()
	metrics, _ := monitoring.NewMetricsCollector("bulk_load", "dev_mydb", monitoring.WithDescriber(dataquality.Describe))
	defer metrics.Shutdown(ctx)
	checker := dataquality.NewChecker(dataquality.WithMetrics(metrics))
	_ = checker // its dq_<check>_passed and dq_<check>_failed counters get HELP lines on /metrics
	fmt.Println(dataquality.Describe("dq_row_count_failed"))
	// Output: Data-quality checks row_count that failed, by table.
}
