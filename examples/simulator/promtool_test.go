package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/internal/promcheck"
	"github.com/etlwatch/etlwatch/internal/testenv"
)

// TestMetricsPassPromtool: the simulator's /metrics, the Go runtime metrics included, passes
// promtool check metrics with no output at all.
func TestMetricsPassPromtool(t *testing.T) {
	testenv.Tool(t, "promtool", promcheck.Hint)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-rate", "2000", "-failure-interval", "100ms",
			"-seed", "7", "-log", filepath.Join(t.TempDir(), "etl.log")}, io.Discard, io.Discard, ready)
	}()
	addr := <-ready
	require.Eventually(t, func() bool {
		_, body := get(t, "http://"+addr+"/metrics")
		return failed.MatchString(body)
	}, 10*time.Second, 50*time.Millisecond, "every kind of series is there once a failure was recorded")
	code, body := get(t, "http://"+addr+"/metrics")
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "# TYPE go_goroutines gauge")

	promcheck.Silent(t, body)

	cancel()
	select {
	case c := <-done:
		assert.Zero(t, c)
	case <-time.After(10 * time.Second):
		t.Fatal("the simulator did not stop")
	}
}
