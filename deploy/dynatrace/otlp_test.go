package dynatrace_test

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	"google.golang.org/protobuf/proto"

	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/deploy/internal/exposed"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/otlp"
)

// metricKey is a metric as Dynatrace receives it over OTLP: its name (the metric key), its
// type, and the dimension keys of its data points and of its resource.
type metricKey struct {
	Type      string // sum, gauge or histogram
	Monotonic bool   // of a sum: a counter; a non-monotonic delta sum is a stream of changes
	Unit      string
	Points    map[string]bool // data point attribute keys: always dimensions
	Resource  map[string]bool // resource attribute keys: dimensions when allow-listed
}

// otlpReceiver is Dynatrace's OTLP metrics API on 127.0.0.1: it decodes the binary protobuf
// (gzip-compressed or not) that the Dynatrace sink sends, and records every metric.
type otlpReceiver struct {
	*httptest.Server
	mu      sync.Mutex
	metrics map[string]metricKey
	paths   map[string]bool
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	t.Helper()
	r := &otlpReceiver{metrics: map[string]metricKey{}, paths: map[string]bool{}}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *otlpReceiver) serve(w http.ResponseWriter, req *http.Request) {
	var body io.Reader = req.Body
	if req.Header.Get("Content-Encoding") == "gzip" {
		gz, err := gzip.NewReader(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		defer gz.Close()
		body = gz
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if req.Header.Get("Content-Type") != "application/x-protobuf" || req.Header.Get("Authorization") == "" {
		http.Error(w, "want binary protobuf and an Api-Token", http.StatusUnsupportedMediaType)
		return
	}
	var msg colmetricpb.ExportMetricsServiceRequest
	if err := proto.Unmarshal(raw, &msg); err != nil {
		http.Error(w, "decode: "+err.Error(), http.StatusBadRequest)
		return
	}
	keys := func(attrs []*commonpb.KeyValue, into map[string]bool) {
		for _, kv := range attrs {
			into[kv.GetKey()] = true
		}
	}
	r.mu.Lock()
	r.paths[req.URL.Path] = true
	for _, rm := range msg.GetResourceMetrics() {
		for _, sm := range rm.GetScopeMetrics() {
			for _, m := range sm.GetMetrics() {
				k, ok := r.metrics[m.GetName()]
				if !ok {
					k = metricKey{Unit: m.GetUnit(), Points: map[string]bool{}, Resource: map[string]bool{}}
				}
				keys(rm.GetResource().GetAttributes(), k.Resource)
				switch {
				case m.GetSum() != nil:
					k.Type, k.Monotonic = "sum", m.GetSum().GetIsMonotonic()
					for _, dp := range m.GetSum().GetDataPoints() {
						keys(dp.GetAttributes(), k.Points)
					}
				case m.GetGauge() != nil:
					k.Type = "gauge"
					for _, dp := range m.GetGauge().GetDataPoints() {
						keys(dp.GetAttributes(), k.Points)
					}
				case m.GetHistogram() != nil:
					k.Type = "histogram"
					for _, dp := range m.GetHistogram().GetDataPoints() {
						keys(dp.GetAttributes(), k.Points)
					}
				default:
					k.Type = "other"
				}
				r.metrics[m.GetName()] = k
			}
		}
	}
	r.mu.Unlock()
	out, _ := proto.Marshal(&colmetricpb.ExportMetricsServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

var (
	sentOnce sync.Once
	sentAll  map[string]metricKey
)

// sentMetrics returns every metric that a CDC consumer's etlwatch collector sends through the
// Dynatrace sink (otlp.NewDynatraceSink): the CDC metrics as the consumer records them
// (exposed.EmitCDC), data-quality results, and the runtime metrics of
// monitoring.WithRuntimeMetrics, memory usage ratio included.
func sentMetrics(t *testing.T) map[string]metricKey {
	t.Helper()
	sentOnce.Do(func() {
		recv := newOTLPReceiver(t)
		sink, err := otlp.NewDynatraceSink(recv.URL+"/api/v2/otlp/v1/metrics", "dt0c01.TESTTOKEN")
		require.NoError(t, err)
		old := debug.SetMemoryLimit(1 << 40) // a limit, so that etlwatch_memory_usage_ratio is reported
		defer debug.SetMemoryLimit(old)
		ctx := context.Background()
		m, err := monitoring.NewMetricsCollector("cdc_consumer", "bronze.siebel_oracle",
			monitoring.WithSinks(sink), monitoring.WithEnvironment("prod"), monitoring.WithRuntimeMetrics(),
			monitoring.WithExportInterval(time.Hour))
		require.NoError(t, err)
		exposed.EmitCDC(t, m)
		checker := dataquality.NewChecker(dataquality.WithMetrics(m))
		checker.ValidateRowCount(ctx, "orders", 1000, 990, 0)
		exposed.EmitMonitors(t, m)
		require.NoError(t, m.ForceFlush(ctx))
		require.NoError(t, m.Shutdown(ctx))
		recv.mu.Lock()
		defer recv.mu.Unlock()
		require.Equal(t, map[string]bool{"/api/v2/otlp/v1/metrics": true}, recv.paths)
		sentAll = recv.metrics
	})
	require.NotNil(t, sentAll, "collecting what the Dynatrace sink sends failed in an earlier test")
	return sentAll
}
