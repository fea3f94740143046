package healthcheck_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/internal/healthcheck"
	"github.com/etlwatch/etlwatch/monitoring/prom"
)

// serve starts the etlwatch /metrics and /health server of h on a loopback port and returns its
// address.
func serve(t *testing.T, h *prom.Health) string {
	t.Helper()
	handler, err := prom.NewHandler(prometheus.NewRegistry(), h)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- prom.Serve(ctx, ln, handler) }()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String()
}

func TestRunHealthy(t *testing.T) {
	h, err := prom.NewHealth()
	require.NoError(t, err)
	h.ReportSuccess()
	addr := serve(t, h)
	var stderr bytes.Buffer
	assert.Equal(t, 0, healthcheck.Run(context.Background(), addr, &stderr))
	assert.Empty(t, stderr.String())

	// A failure last makes the job degraded, which /health still serves with 200.
	h.ReportFailure(context.Canceled)
	assert.Equal(t, 0, healthcheck.Run(context.Background(), addr, &stderr))
}

func TestRunDown(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	h, err := prom.NewHealth(prom.WithStaleAfter(time.Minute), prom.WithClock(clock))
	require.NoError(t, err)
	addr := serve(t, h)
	now = now.Add(2 * time.Minute) // no success within the last minute: down
	var stderr bytes.Buffer
	assert.Equal(t, 1, healthcheck.Run(context.Background(), addr, &stderr))
	assert.Contains(t, stderr.String(), "503 Service Unavailable")
	assert.Contains(t, stderr.String(), `"status":"down"`)
}

func TestRunUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens there any more
	var stderr bytes.Buffer
	assert.Equal(t, 1, healthcheck.Run(context.Background(), addr, &stderr))
	assert.Contains(t, stderr.String(), "connection refused")
}

// TestCheckHung: a server that accepts the request and never answers is reported as unhealthy
// when the timeout passes, rather than holding the check until the runtime kills it.
func TestCheckHung(t *testing.T) {
	release := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}), ReadHeaderTimeout: time.Second}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { close(release); _ = srv.Close() })

	err = healthcheck.Check(context.Background(), ln.Addr().String(), 50*time.Millisecond)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no answer within 50ms")
}

func TestCheckNotFound(t *testing.T) {
	srv := &http.Server{Handler: http.NotFoundHandler(), ReadHeaderTimeout: time.Second}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	err = healthcheck.Check(context.Background(), ln.Addr().String(), 0)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "404 Not Found")
}

func TestURL(t *testing.T) {
	for _, tc := range []struct{ addr, want, err string }{
		{addr: "127.0.0.1:8083", want: "http://127.0.0.1:8083/health"},
		{addr: ":8083", want: "http://127.0.0.1:8083/health"},
		{addr: "0.0.0.0:9000", want: "http://127.0.0.1:9000/health"},
		{addr: "[::]:8083", want: "http://[::1]:8083/health"},
		{addr: "etl-metrics:8083", want: "http://etl-metrics:8083/health"},
		{addr: "8083", err: `address "8083"`},
		{addr: "127.0.0.1:0", err: `found port "0"`},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			got, err := healthcheck.URL(tc.addr)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}
