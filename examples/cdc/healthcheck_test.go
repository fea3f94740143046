package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/monitoring/prom"
)

// TestHealthcheckMode: --healthcheck exits 0 against a healthy /health (the server the consumer
// runs, with its health), 1 against one that is down and 1 when nothing listens, and needs no
// --source or sources.yaml, as the container health check runs it.
func TestHealthcheckMode(t *testing.T) {
	h, err := prom.NewHealth()
	require.NoError(t, err)
	handler, err := prom.NewHandler(prometheus.NewRegistry(), h)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- prom.Serve(ctx, ln, handler) }()

	var stderr bytes.Buffer
	assert.Equal(t, 0, run(t.Context(), []string{"--healthcheck", "--listen", addr}, io.Discard, &stderr), stderr.String())
	cancel()
	require.NoError(t, <-done)

	stderr.Reset()
	assert.Equal(t, 1, run(t.Context(), []string{"--healthcheck", "--listen", addr}, io.Discard, &stderr))
	assert.Contains(t, stderr.String(), "/health")
}
