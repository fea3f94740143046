package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors"
	"github.com/etlwatch/etlwatch/iceberg"
	"github.com/etlwatch/etlwatch/internal/testenv"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// checkLoaded asserts that each Iceberg table of the quickstart in dir holds the rows of its
// SQLite source table.
func checkLoaded(t *testing.T, dir string) {
	t.Helper()
	ctx := t.Context()
	cfg, err := configloader.Load(dir)
	require.NoError(t, err)
	src, err := cfg.Source(sourceName)
	require.NoError(t, err)
	ext, err := extractors.Open(ctx, src)
	require.NoError(t, err)
	defer ext.Close()
	snap, err := ext.Snapshot(ctx)
	require.NoError(t, err)
	defer snap.Close()
	cat, err := iceberg.OpenCatalog(ctx, src.Iceberg)
	require.NoError(t, err)
	if c, ok := cat.(interface{ Close() error }); ok {
		defer c.Close()
	}
	tm := iceberg.NewTableManager(cat, src.BulkLoad.Namespace)
	for _, name := range []string{"customers", "orders", "order_items"} {
		want, err := snap.RowCount(ctx, name)
		require.NoError(t, err, name)
		require.Positive(t, want, name)
		got, err := tm.Dataset(name).RowCount(ctx)
		require.NoError(t, err, name)
		assert.Equal(t, want, got, "rows of %s", name)
	}
}

func TestQuickstart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	args := []string{"-rows", "3000", "-dir", dir, "-listen", "127.0.0.1:0"}
	metricsURL := regexp.MustCompile(`http://127\.0\.0\.1:\d+/metrics`)

	for _, run1 := range []struct{ name, source string }{
		{"create", "created SQLite sample"},
		{"reuse", "reused SQLite sample"},
	} {
		t.Run(run1.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), args, &stdout, &stderr)
			out := piped(t, &stdout, &stderr)
			require.Equal(t, 0, code, out)
			assert.Contains(t, out, run1.source)
			// One dq_check_complete event per result, whose details hold the reference's text.
			assert.Contains(t, out, `"details":"Checksum reconciliation PASSED - source: 900 rows, dest: 900 rows, all match"`)
			assert.Contains(t, out, "reconcile:  Checksum reconciliation PASSED")
			assert.Regexp(t, metricsURL, out)
			assert.Contains(t, out, "warehouse:  "+filepath.Join(dir, "warehouse"))
			assert.Contains(t, out, "result:     OK")
			checkLoaded(t, dir)
		})
	}
}

func TestBusyPortIsSkipped(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	args := []string{"-rows", "300", "-dir", t.TempDir(), "-listen", busy.Addr().String()}
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), args, &stdout, &stderr)
	out := piped(t, &stdout, &stderr)
	require.Equal(t, 0, code, out)
	assert.Contains(t, stderr.String(), "metrics:    no /metrics server: ")
	assert.Contains(t, stderr.String(), busy.Addr().String())
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-rows", "2"},
		{"-dir", ""},
		{"-serve-for", "-1s"},
		{"-runs", "0"},
		{"-simulate-days", "-1"},
		{"-drop-rows", "products"},
		{"extra"},
	} {
		var stdout, stderr bytes.Buffer
		assert.Equal(t, 2, run(t.Context(), args, &stdout, &stderr), "%v", args)
		assert.NotEmpty(t, stderr.String(), "%v", args)
	}
}

// watchWriter is a buffer safe for concurrent use that sends the first match of re to found.
type watchWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	re    *regexp.Regexp
	found chan string
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if w.found != nil {
		if m := w.re.FindStringSubmatch(w.buf.String()); m != nil {
			w.found <- m[1]
			w.found = nil
		}
	}
	return n, err
}

func (w *watchWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func TestServeFor(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	// Piped, the line a person reads ("serving ...") is on stderr.
	found := make(chan string, 1) // read here, not through stderr.found, which Write clears
	stderr := &watchWriter{re: regexp.MustCompile(`serving (http://\S+/metrics) `), found: found}
	var stdout bytes.Buffer
	args := []string{"-rows", "300", "-dir", t.TempDir(), "-listen", "127.0.0.1:0", "-serve-for", "1m"}
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, &stdout, stderr) }()

	select {
	case url := <-found:
		resp, err := http.Get(url)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Contains(t, string(body), "records_processed")
	case code := <-done:
		t.Fatalf("run ended with %d before serving; stderr: %s", code, stderr.String())
	}
	cancel()
	assert.Equal(t, 0, <-done, "stderr: %s\nstdout: %s", stderr.String(), stdout.String())
}

// TestMonitorsReportAnInjectedDrop replays three weeks of nightly loads, loads twice, and drops
// 90% of the orders on the last run: the summary says so in words, and the other verdicts pass.
func TestMonitorsReportAnInjectedDrop(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	args := []string{"-rows", "3000", "-dir", dir, "-listen", "127.0.0.1:0", "-simulate-days", "21", "-runs", "2", "-drop-rows", "orders"}
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), args, &stdout, &stderr)
	out := piped(t, &stdout, &stderr)
	require.Equal(t, 0, code, "on_anomaly: warn; %s", out)
	assert.Contains(t, out, "=== run 2 of 2 ===")
	assert.Regexp(t, `ANOMALY orders volume: 90 rows is 9\d% below the expected \d+ rows`, out)
	assert.Contains(t, out, "anomalies:  1 ")
	assert.Regexp(t, `customers volume: 300 rows is within the normal range`, out)
	assert.Regexp(t, `customers null_rate:email: \S+ is within the normal range`, out)
	assert.Contains(t, out, "orders schema_drift: no change since the last load (6 columns)")
	assert.Contains(t, out, "result:     OK")
}

// piped checks what a run with stdout piped printed: JSON lines only on stdout, the summary a
// person reads on stderr. It returns both, stdout first, for the assertions on their content.
func piped(t *testing.T, stdout, stderr *bytes.Buffer) string {
	t.Helper()
	testenv.JSONLines(t, stdout.String())
	assert.Contains(t, stderr.String(), "=== etlwatch quickstart ===", "the summary is on stderr")
	return stdout.String() + stderr.String()
}
