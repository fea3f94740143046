package prom_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/monitoring/prom"
)

func newTestHandler(t *testing.T) http.Handler {
	t.Helper()
	health, err := prom.NewHealth()
	require.NoError(t, err)
	h, err := prom.NewHandler(prometheus.NewRegistry(), health)
	require.NoError(t, err)
	return h
}

func TestServe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- prom.Serve(ctx, ln, newTestHandler(t)) }()

	client := &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	resp, err := client.Get("http://" + ln.Addr().String() + "/health")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), `"status":"healthy"`)

	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after its context was canceled")
	}
	_, err = client.Get("http://" + ln.Addr().String() + "/health")
	assert.Error(t, err, "the server is stopped")
}

func TestListenAndServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- prom.ListenAndServe(ctx, "127.0.0.1:0", newTestHandler(t)) }()
	select {
	case err := <-done:
		t.Fatalf("ListenAndServe returned before its context was canceled: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("ListenAndServe did not return after its context was canceled")
	}
}

func TestListenAndServeErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	ctx := context.Background()

	tests := []struct {
		name    string
		run     func() error
		wantErr string
	}{
		{"address in use", func() error { return prom.ListenAndServe(ctx, busy.Addr().String(), newTestHandler(t)) }, "prom: listen on " + busy.Addr().String()},
		{"bad address", func() error { return prom.ListenAndServe(ctx, "127.0.0.1:notaport", newTestHandler(t)) }, "prom: listen on"},
		{"nil handler", func() error { return prom.ListenAndServe(ctx, "127.0.0.1:0", nil) }, "handler is nil"},
		{"nil listener", func() error { return prom.Serve(ctx, nil, newTestHandler(t)) }, "listener is nil"},
		{"closed listener", func() error {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			require.NoError(t, ln.Close())
			return prom.Serve(ctx, ln, newTestHandler(t))
		}, "prom: serve on"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.ErrorContains(t, tt.run(), tt.wantErr)
		})
	}
}
