package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var failed = regexp.MustCompile(`(?m)^etl_failures_total\{[^}]*\} [1-9]`)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// The program serves /metrics and /health while it runs, writes the log file, and stops cleanly
// when its context ends (as on SIGINT or SIGTERM).
func TestRunServesAndStops(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "etl.log")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-rate", "2000", "-failure-interval", "100ms",
			"-seed", "5", "-log", logFile}, io.Discard, &stderr, ready)
	}()
	addr := <-ready
	require.Eventually(t, func() bool {
		_, body := get(t, "http://"+addr+"/metrics")
		return failed.MatchString(body)
	}, 10*time.Second, 50*time.Millisecond)
	code, body := get(t, "http://"+addr+"/metrics")
	assert.Equal(t, http.StatusOK, code)
	for _, name := range []string{"etl_records_total", "etl_errors_by_type_total", "etl_health_status", "etl_uptime_seconds", "etl_current_rate_records_per_second"} {
		assert.Contains(t, body, "# TYPE "+name+" ")
	}
	code, body = get(t, "http://"+addr+"/health")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, `"status"`)

	cancel()
	select {
	case c := <-done:
		assert.Zero(t, c, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("the simulator did not stop")
	}
	f, err := os.Open(logFile)
	require.NoError(t, err)
	defer f.Close()
	var last map[string]any
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		require.NoError(t, json.Unmarshal(sc.Bytes(), &last))
		n++
	}
	assert.Greater(t, n, 3)
	assert.Equal(t, "etl_stopped", last["message"])
}

func TestRunDuration(t *testing.T) {
	var out, stderr bytes.Buffer
	code := run(t.Context(), []string{"-listen", "127.0.0.1:0", "-duration", "300ms", "-rate", "1000"}, &out, &stderr, nil)
	assert.Zero(t, code, stderr.String())
	assert.Contains(t, out.String(), `"message":"etl_stopped"`)
}

func TestRunBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-rate", "0"}, {"-failure-interval", "-1s"}, {"-duration", "-1s"}, {"extra"}} {
		var stderr bytes.Buffer
		assert.Equal(t, 2, run(t.Context(), args, io.Discard, &stderr, nil), args)
		assert.NotEmpty(t, stderr.String())
	}
}

func TestRunPortInUse(t *testing.T) {
	ready := make(chan string, 1)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"-listen", "127.0.0.1:0"}, io.Discard, io.Discard, ready) }()
	addr := <-ready
	var stderr bytes.Buffer
	assert.Equal(t, 1, run(t.Context(), []string{"-listen", addr}, io.Discard, &stderr, nil))
	assert.Contains(t, stderr.String(), "listen on "+addr)
	cancel()
	<-done
}
