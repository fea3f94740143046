package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/internal/promcheck"
	"github.com/etlwatch/etlwatch/internal/testenv"
)

// TestMetricsPassPromtool: the demo's /metrics, with every kind of series the consumer and the
// data-quality checker record, passes promtool check metrics with no output at all.
func TestMetricsPassPromtool(t *testing.T) {
	testenv.Tool(t, "promtool", promcheck.Hint)
	r := startDemo(t, "--demo", "--dir", filepath.Join(t.TempDir(), "data"), "--listen", "127.0.0.1:0",
		"--rows", "100", "--changes", "60", "--batch-size", "20")
	code, body := get(t, r.url)
	require.Equal(t, http.StatusOK, code)
	for _, m := range []string{"cdc_throughput_records_per_second", "dq_checksum_passed_total", "dq_check_duration_seconds", "schema_changes_total"} {
		assert.True(t, strings.Contains(body, "\n# TYPE "+m+" "), "/metrics has %s", m)
	}
	promcheck.Silent(t, body)
	assert.Equal(t, 0, r.stop(), "stderr: %s", r.stderr.String())
}
