package monitoring_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/monitoring"
)

func ExampleSummary_Text() {
	ctx := context.Background()
	metrics, _ := monitoring.NewMetricsCollector("bulk_load", "dev_mydb", monitoring.WithEnvironment("prod"))
	defer metrics.Shutdown(ctx)
	metrics.EmitCounter(ctx, "records_processed", 30000, monitoring.Dimensions{"table": "orders"})
	metrics.EmitDuration(ctx, "table_load_duration", 1500*time.Millisecond, monitoring.Dimensions{"table": "orders"})
	metrics.EmitDuration(ctx, "table_load_duration", 2500*time.Millisecond, monitoring.Dimensions{"table": "orders"})
	metrics.EmitGauge(ctx, "batch_size", 2*1024*1024, monitoring.UnitBytes, nil)
	metrics.EmitGauge(ctx, "cpu", 40, monitoring.UnitPercent, nil)
	metrics.EmitGauge(ctx, "cpu", 60, monitoring.UnitPercent, nil)
	fmt.Print(metrics.Summary().Text())
	// Output:
	// metrics of job bulk_load, source dev_mydb, environment prod: 4 series
	// METRIC               DIMENSIONS    VALUE
	// batch_size           -             2.0 MiB
	// cpu                  -             60% (last of 2, min 40%, max 60%)
	// records_processed    table=orders  30000
	// table_load_duration  table=orders  2 × total 4s, mean 2s, min 1.5s, max 2.5s
}

// TestSummaryTextLines: counters show only their total (no count, min or max), and no line is
// longer than 200 characters however long the dimensions.
func TestSummaryTextLines(t *testing.T) {
	ctx := context.Background()
	metrics, err := monitoring.NewMetricsCollector("bulk_load", "dev_mydb")
	require.NoError(t, err)
	defer metrics.Shutdown(ctx)
	long := strings.Repeat("x", 180)
	metrics.EmitCounter(ctx, "dq_row_count_passed", 1, monitoring.Dimensions{"table": long, "check": "row_count"})
	metrics.EmitCounter(ctx, "dq_row_count_failed", 0, monitoring.Dimensions{"table": "orders"})
	text := metrics.Summary().Text()
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		assert.LessOrEqual(t, utf8.RuneCountInString(line), 200, line)
	}
	assert.Contains(t, text, "check=row_count table=xxx")
	assert.Regexp(t, `(?m)^dq_row_count_failed  table=orders +0$`, text)
	assert.NotContains(t, text, "min")
	assert.NotContains(t, text, "job_name=", "the header names the job")

	empty, err := monitoring.NewMetricsCollector("j", "s", monitoring.WithEnvironment("dev"))
	require.NoError(t, err)
	defer empty.Shutdown(ctx)
	assert.Equal(t, "metrics of job j, source s, environment dev: 0 series\n", empty.Summary().Text())
}

var update = flag.Bool("update", false, "rewrite testdata/summary.golden.json from the current output")

// TestSummaryJSON: each kind carries what it has, counters only their total; compared with
// testdata/summary.golden.json (go test -run TestSummaryJSON -update rewrites it).
func TestSummaryJSON(t *testing.T) {
	ctx := context.Background()
	metrics, err := monitoring.NewMetricsCollector("bulk_load", "dev_mydb", monitoring.WithEnvironment("prod"))
	require.NoError(t, err)
	defer metrics.Shutdown(ctx)
	metrics.EmitCounter(ctx, "records_processed", 30000, monitoring.Dimensions{"table": "orders"})
	metrics.EmitDuration(ctx, "table_load_duration", 1500*time.Millisecond, monitoring.Dimensions{"table": "orders"})
	metrics.EmitDuration(ctx, "table_load_duration", 2500*time.Millisecond, monitoring.Dimensions{"table": "orders"})
	metrics.EmitGauge(ctx, "cpu", 40, monitoring.UnitPercent, nil)
	metrics.EmitGauge(ctx, "cpu", 60, monitoring.UnitPercent, nil)

	got := metrics.Summary().String() + "\n"
	golden := filepath.Join("testdata", "summary.golden.json")
	if *update {
		require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), got)

	var back struct {
		Series []map[string]any `json:"series"`
	}
	require.NoError(t, json.Unmarshal([]byte(got), &back))
	for _, s := range back.Series {
		switch s["kind"] {
		case "counter":
			assert.NotContains(t, s, "min", s["name"])
			assert.NotContains(t, s, "count", s["name"])
			assert.Contains(t, s, "sum", s["name"])
		default:
			for _, k := range []string{"count", "sum", "min", "max", "last"} {
				assert.Contains(t, s, k, s["name"])
			}
		}
	}
}
