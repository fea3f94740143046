package main

import (
	"bytes"
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
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// The program follows the file, serves its metrics and health, and stops when its context ends.
func TestRun(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "etl.log")
	// -from-start: what is written reaches the exporter whether or not its first look at the
	// file comes before the write (logmetrics' tests cover starting at the end).
	require.NoError(t, os.WriteFile(logFile, nil, 0o644))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		done <- run(ctx, []string{"-log", logFile, "-listen", "127.0.0.1:0", "-poll", "10ms", "-environment", "test", "-from-start"}, &stderr, ready)
	}()
	addr := <-ready
	var lastBody string
	defer func() {
		if t.Failed() {
			t.Log(lastBody, stderr.String())
		}
	}()
	line := `{"timestamp":"2025-01-18T04:00:25Z","message":"file_processing_completed","records_processed":250,"processing_time":25.3,"current_rate":9.88}` + "\n"
	f, err := os.OpenFile(logFile, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString(line + "garbage\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	require.Eventually(t, func() bool {
		_, body := get(t, "http://"+addr+"/metrics")
		lastBody = body
		return strings.Contains(body, `etl_records_total{environment="test",job_name="etl_simulator",source_name="etl_process"} 250`) &&
			strings.Contains(body, `logexporter_malformed_lines_total{environment="test",job_name="etl_simulator",source_name="etl_process"} 1`)
	}, 10*time.Second, 20*time.Millisecond)
	code, _ := get(t, "http://"+addr+"/health")
	assert.Equal(t, http.StatusServiceUnavailable, code, "the log's only success is old")
	cancel()
	select {
	case c := <-done:
		assert.Zero(t, c, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("the exporter did not stop")
	}
}

func TestRunBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-poll", "0s"}, {"-log", ""}, {"extra"}, {"-nope"}} {
		var stderr bytes.Buffer
		assert.Equal(t, 2, run(t.Context(), args, &stderr, nil), args)
		assert.NotEmpty(t, stderr.String())
	}
}
