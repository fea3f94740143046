package prom_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/prom"
)

func TestHandlerRoutes(t *testing.T) {
	p := newPipeline(t, nil)
	p.metrics.EmitCounter(context.Background(), "records_processed", 1, nil)
	health, err := prom.NewHealth()
	require.NoError(t, err)
	h, err := prom.NewHandler(p.reg, health)
	require.NoError(t, err)

	tests := []struct {
		method, path string
		code         int
		contentType  string // a prefix
		body         string // a substring
	}{
		{http.MethodGet, "/metrics", http.StatusOK, "text/plain", "records_processed_total{"},
		{http.MethodHead, "/metrics", http.StatusOK, "text/plain", ""},
		{http.MethodGet, "/health", http.StatusOK, "application/json", `"status":"healthy"`},
		{http.MethodHead, "/health", http.StatusOK, "application/json", ""},
		{http.MethodPost, "/metrics", http.StatusMethodNotAllowed, "", ""},
		{http.MethodGet, "/", http.StatusNotFound, "", ""},
		{http.MethodGet, "/healthz", http.StatusNotFound, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			rec := serve(h, tt.method, tt.path)
			assert.Equal(t, tt.code, rec.Code)
			ct := rec.Header().Get("Content-Type")
			assert.True(t, strings.HasPrefix(ct, tt.contentType), ct)
			assert.Contains(t, rec.Body.String(), tt.body)
		})
	}
}

func TestNewHandlerValidates(t *testing.T) {
	health, err := prom.NewHealth()
	require.NoError(t, err)
	_, err = prom.NewHandler(nil, health)
	assert.ErrorContains(t, err, "gatherer is nil")
	_, err = prom.NewHandler(prometheus.NewRegistry(), nil)
	assert.ErrorContains(t, err, "health is nil")
}

// TestHandlerGatherErrors: two metrics whose names become the same Prometheus name. By default the
// scrape serves everything else; with promhttp's HTTPErrorOnError it fails.
func TestHandlerGatherErrors(t *testing.T) {
	p := newPipeline(t, nil)
	ctx := context.Background()
	p.metrics.EmitGauge(ctx, "cdc_lag", 1, monitoring.UnitSeconds, nil)
	p.metrics.EmitGauge(ctx, "cdc_lag_seconds", 2, monitoring.UnitSeconds, nil)
	p.metrics.EmitCounter(ctx, "records_processed", 1, nil)
	health, err := prom.NewHealth()
	require.NoError(t, err)

	var logged []string
	tests := []struct {
		name string
		opts []prom.HandlerOption
		code int
		body string
	}{
		{"default: continue", nil, http.StatusOK, "records_processed_total{"},
		{"continue with a log", []prom.HandlerOption{prom.WithMetricsOpts(promhttp.HandlerOpts{
			ErrorHandling: promhttp.ContinueOnError,
			ErrorLog:      logFunc(func(v ...any) { logged = append(logged, joinLogArgs(v)) }),
		})}, http.StatusOK, "records_processed_total{"},
		{"fail the scrape", []prom.HandlerOption{prom.WithMetricsOpts(promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError})}, http.StatusInternalServerError, "was collected before with the same name and label values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := prom.NewHandler(p.reg, health, tt.opts...)
			require.NoError(t, err)
			code, body := get(t, h, "/metrics")
			assert.Equal(t, tt.code, code)
			assert.Contains(t, body, tt.body)
		})
	}
	require.Len(t, logged, 1)
	assert.Contains(t, logged[0], `"cdc_lag_seconds"`)
}

type logFunc func(v ...any)

func (f logFunc) Println(v ...any) { f(v...) }

func joinLogArgs(v []any) string { return fmt.Sprint(v...) }
