package prom_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/prom"
)

// pipeline is a collector with a Prometheus sink on a fresh registry, shut down at the end of the
// test.
type pipeline struct {
	reg     *prometheus.Registry
	metrics *monitoring.MetricsCollector
}

func newPipeline(t *testing.T, sinkOpts []prom.Option, opts ...monitoring.Option) pipeline {
	t.Helper()
	reg := prometheus.NewRegistry()
	sink, err := prom.NewSink(reg, sinkOpts...)
	require.NoError(t, err)
	opts = append([]monitoring.Option{
		monitoring.WithEnvironment("prod"),
		monitoring.WithSinks(sink),
		monitoring.WithExportInterval(time.Hour), // push sinks export on ForceFlush only
		monitoring.WithErrorHandler(func(error) {}),
	}, opts...)
	m, err := monitoring.NewMetricsCollector("bulk_load", "dev_mydb", opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Shutdown(context.Background()) })
	return pipeline{reg: reg, metrics: m}
}

// get serves a GET of path on h and returns the status code and body.
func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := serve(h, http.MethodGet, path)
	return rec.Code, rec.Body.String()
}

// serve serves a request on h and returns the recorded response.
func serve(h http.Handler, method, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}

// fakeClock is a clock that moves only when told to.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 1, 27, 10, 30, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
