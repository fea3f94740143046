package prom

import (
	"errors"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// HandlerOption configures the handler of [NewHandler].
type HandlerOption interface {
	applyHandler(*handlerConfig)
}

type handlerConfig struct {
	metrics promhttp.HandlerOpts
}

type handlerOptionFunc func(*handlerConfig)

func (f handlerOptionFunc) applyHandler(c *handlerConfig) { f(c) }

// WithMetricsOpts sets the promhttp options of /metrics, replacing the default, which is
// promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}: a series that cannot be gathered
// (such as the second of two metrics whose names become the same Prometheus name) is left out and
// the rest is served. Set ErrorLog to see such errors, Registry to count them in
// promhttp_metric_handler_errors_total, EnableOpenMetrics for exemplars. Note that the zero
// ErrorHandling is promhttp.HTTPErrorOnError, which fails the whole scrape.
func WithMetricsOpts(o promhttp.HandlerOpts) HandlerOption {
	return handlerOptionFunc(func(c *handlerConfig) { c.metrics = o })
}

// NewHandler returns an http.Handler that serves, for GET and HEAD:
//
//   - /metrics: what g gathers, in the Prometheus exposition format (promhttp.HandlerFor);
//   - /health: h's [HealthReport] as JSON, HTTP 200 when healthy or degraded, 503 when down.
//
// Other paths get 404, other methods 405. Mount it under a prefix with http.StripPrefix, or mount
// promhttp.HandlerFor and h yourself on your own mux. g and h must not be nil; g is usually the
// *prometheus.Registry that [NewSink] registered on.
func NewHandler(g prometheus.Gatherer, h *Health, opts ...HandlerOption) (http.Handler, error) {
	if g == nil {
		return nil, errors.New("prom: gatherer is nil; pass the registry the sink registered on")
	}
	if h == nil {
		return nil, errors.New("prom: health is nil; create one with NewHealth")
	}
	cfg := handlerConfig{metrics: promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}}
	for _, o := range opts {
		if o != nil {
			o.applyHandler(&cfg)
		}
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, cfg.metrics))
	mux.Handle("GET /health", h)
	return mux, nil
}
