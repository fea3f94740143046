package prom_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/internal/promcheck"
	"github.com/etlwatch/etlwatch/internal/testenv"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/prom"
)

// TestRuntimeMetricsPassPromtool: with the Go runtime metrics on and every metric described,
// /metrics passes promtool check metrics with no output at all. OpenTelemetry's
// go.goroutine.count is served as go_goroutines, since Prometheus keeps _count for histograms
// and summaries.
func TestRuntimeMetricsPassPromtool(t *testing.T) {
	testenv.Tool(t, "promtool", promcheck.Hint)
	reg := prometheus.NewRegistry()
	sink, err := prom.NewSink(reg)
	require.NoError(t, err)
	metrics, err := monitoring.NewMetricsCollector("bulk_load", "dev_mydb", monitoring.WithSinks(sink), monitoring.WithRuntimeMetrics(),
		monitoring.WithDescriptions(map[string]string{"records_processed": "Rows loaded.", "table_load_duration": "Time to load a table."}))
	require.NoError(t, err)
	defer metrics.Shutdown(context.Background())
	ctx := context.Background()
	metrics.EmitCounter(ctx, "records_processed", 10, monitoring.Dimensions{"table": "orders"})
	metrics.EmitDuration(ctx, "table_load_duration", 1, monitoring.Dimensions{"table": "orders"})

	health, err := prom.NewHealth()
	require.NoError(t, err)
	h, err := prom.NewHandler(reg, health)
	require.NoError(t, err)
	code, body := get(t, h, "/metrics")
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "# TYPE go_goroutines gauge\n")
	assert.Regexp(t, `(?m)^go_goroutines [1-9]`, body, "the value kept")
	assert.Contains(t, body, "# HELP go_goroutines ")
	assert.NotContains(t, body, "go_goroutine_count")

	promcheck.Silent(t, body)
}

// TestDescriberGivesHelp: metrics named at run time get their HELP line from
// monitoring.WithDescriber; WithDescriptions wins over it.
func TestDescriberGivesHelp(t *testing.T) {
	reg := prometheus.NewRegistry()
	sink, err := prom.NewSink(reg)
	require.NoError(t, err)
	describe := func(name string) string {
		if name == "rows" {
			return "From the describer."
		}
		return "Checks " + name + "."
	}
	metrics, err := monitoring.NewMetricsCollector("bulk_load", "dev_mydb", monitoring.WithSinks(sink),
		monitoring.WithDescriber(func(string) string { return "" }), monitoring.WithDescriber(describe),
		monitoring.WithDescriptions(map[string]string{"rows": "Rows loaded."}))
	require.NoError(t, err)
	defer metrics.Shutdown(context.Background())
	ctx := context.Background()
	metrics.EmitCounter(ctx, "dq_row_count_passed", 1, monitoring.Dimensions{"table": "orders"})
	metrics.EmitCounter(ctx, "rows", 1, nil)

	health, err := prom.NewHealth()
	require.NoError(t, err)
	h, err := prom.NewHandler(reg, health)
	require.NoError(t, err)
	_, body := get(t, h, "/metrics")
	assert.Contains(t, body, "# HELP dq_row_count_passed_total Checks dq_row_count_passed.\n", "the first non-empty answer")
	assert.Contains(t, body, "# HELP rows_total Rows loaded.\n")
	promcheck.Silent(t, body)
}
