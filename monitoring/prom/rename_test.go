package prom_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/internal/testenv"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/prom"
)

// TestRuntimeMetricsPassPromtool: with the Go runtime metrics on and every metric described,
// /metrics passes promtool check metrics with no output at all. OpenTelemetry's
// go.goroutine.count is served as go_goroutines, since Prometheus keeps _count for histograms
// and summaries.
func TestRuntimeMetricsPassPromtool(t *testing.T) {
	promtool := testenv.Tool(t, "promtool", "apt-get install -y prometheus")
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

	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("promtool check metrics: %v", err)
	}
	assert.Empty(t, string(bytes.TrimSpace(out)), "promtool check metrics has something to say")
	assert.NoError(t, err)
}
