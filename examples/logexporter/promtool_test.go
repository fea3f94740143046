package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/internal/promcheck"
	"github.com/etlwatch/etlwatch/internal/testenv"
)

// TestMetricsPassPromtool: the log exporter's /metrics, after a success, a failure and a
// malformed line, passes promtool check metrics with no output at all.
func TestMetricsPassPromtool(t *testing.T) {
	testenv.Tool(t, "promtool", promcheck.Hint)
	logFile := filepath.Join(t.TempDir(), "etl.log")
	lines := `{"timestamp":"2025-01-18T04:00:25Z","message":"file_processing_completed","records_processed":250,"processing_time":25.3,"current_rate":9.88}` + "\n" +
		`{"timestamp":"2025-01-18T04:00:26Z","message":"file_processing_failed","error_type":"timeout"}` + "\n" + "garbage\n"
	require.NoError(t, os.WriteFile(logFile, []byte(lines), 0o644))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-log", logFile, "-listen", "127.0.0.1:0", "-poll", "10ms", "-from-start"}, io.Discard, ready)
	}()
	addr := <-ready
	var body string
	require.Eventually(t, func() bool {
		_, body = get(t, "http://"+addr+"/metrics")
		return strings.Contains(body, "logexporter_malformed_lines_total{")
	}, 10*time.Second, 20*time.Millisecond)
	code, body := get(t, "http://"+addr+"/metrics")
	require.Equal(t, http.StatusOK, code)

	promcheck.Silent(t, body)

	cancel()
	select {
	case c := <-done:
		assert.Zero(t, c)
	case <-time.After(10 * time.Second):
		t.Fatal("the exporter did not stop")
	}
}
