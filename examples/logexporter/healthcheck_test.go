package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHealthcheckMode: -healthcheck exits 0 against a running exporter's /health and 1 once the
// exporter has stopped (nothing listens any more), as the container health check runs it.
func TestHealthcheckMode(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	ready := make(chan string, 1)
	done := make(chan int, 1)
	logFile := filepath.Join(t.TempDir(), "etl_process.log") // not written yet: the exporter waits for it
	go func() { done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-log", logFile}, io.Discard, ready) }()
	var addr string
	select {
	case addr = <-ready:
	case code := <-done:
		cancel()
		t.Fatalf("the exporter exited with %d before serving", code)
	}
	var stderr bytes.Buffer
	assert.Equal(t, 0, run(t.Context(), []string{"-healthcheck", "-listen", addr}, &stderr, nil), stderr.String())
	cancel()
	require.Equal(t, 0, <-done)

	stderr.Reset()
	assert.Equal(t, 1, run(t.Context(), []string{"-healthcheck", "-listen", addr}, &stderr, nil))
	assert.Contains(t, stderr.String(), "/health")
}
