package etlwatch_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"go.uber.org/goleak"
	"google.golang.org/protobuf/proto"

	"github.com/etlwatch/etlwatch"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/correlation"
	"github.com/etlwatch/etlwatch/internal/fakecloudwatch"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/cloudwatch"
	"github.com/etlwatch/etlwatch/monitoring/monitoringtest"
)

// otlpReceiver decodes OTLP/HTTP metric requests as the real exporter sends them.
type otlpReceiver struct {
	srv     *httptest.Server
	mu      sync.Mutex
	names   map[string]bool
	headers []http.Header
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	r := &otlpReceiver{names: map[string]bool{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var body io.Reader = req.Body
		if req.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(req.Body)
			if err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			body = zr
		}
		raw, _ := io.ReadAll(body)
		var msg colmetricpb.ExportMetricsServiceRequest
		if err := proto.Unmarshal(raw, &msg); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		r.mu.Lock()
		r.headers = append(r.headers, req.Header.Clone())
		for _, rm := range msg.ResourceMetrics {
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					r.names[m.Name] = true
				}
			}
		}
		r.mu.Unlock()
		out, _ := proto.Marshal(&colmetricpb.ExportMetricsServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *otlpReceiver) got(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.names[name]
}

func (r *otlpReceiver) header(key string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.headers) == 0 {
		return ""
	}
	return r.headers[0].Get(key)
}

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// http.Get's keep-alive connections to the test servers.
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"))
}

func TestNewStartsEveryConfiguredSink(t *testing.T) {
	ctx := correlation.ContextWithID(context.Background(), "job-42")
	cw := fakecloudwatch.New(t)
	collector := newOTLPReceiver(t)
	dynatrace := newOTLPReceiver(t)
	src := &configloader.Source{Name: "dev_mydb", Monitoring: configloader.Monitoring{
		EnableCloudWatch:    true,
		CloudWatchNamespace: "ETL/Pipeline",
		OTLP:                configloader.OTLP{Endpoint: collector.srv.URL, Protocol: "http"},
		Dynatrace:           configloader.Dynatrace{Endpoint: dynatrace.srv.URL + "/api/v2/otlp/v1/metrics", APIToken: "dt0c01.SECRETTOKEN"},
		Prometheus:          configloader.Prometheus{Listen: "127.0.0.1:0"},
		Environment:         "prod",
		RequiredSinks:       []string{"cloudwatch", "otlp", "dynatrace", "prometheus"},
	}}
	events := monitoringtest.NewLogCapture()
	var metricLog bytes.Buffer
	p, err := etlwatch.New(ctx, "bulk_load", src, etlwatch.WithCloudWatchClient(cw.Client()),
		etlwatch.WithLoggerOptions(events.Option()), etlwatch.WithMetricLog(&metricLog))
	require.NoError(t, err)
	assert.Equal(t, []string{"cloudwatch", "otlp", "dynatrace", "prometheus", "log"}, p.Sinks(), "the metric log too, as /health lists it")
	assert.Empty(t, p.Skipped())
	assert.Equal(t, "job-42", p.CorrelationID())

	p.Metrics.EmitCounter(p.Context(), "records_processed", 1000, monitoring.Dimensions{"table": "CUSTOMERS"})
	p.Logger.LogTableComplete(p.Context(), "CUSTOMERS", 1000, time.Second, nil)
	res := p.Checker.ValidateRowCount(p.Context(), "CUSTOMERS", 1000, 1000, 0)
	assert.True(t, res.Passed)
	p.Health.ReportSuccess()

	// Prometheus /metrics and /health while the job runs.
	base := "http://" + p.MetricsAddr().String()
	body := get(t, base+"/metrics")
	assert.Contains(t, body, `records_processed_total{environment="prod",job_name="bulk_load",source_name="dev_mydb",table="CUSTOMERS"} 1000`)
	assert.Contains(t, body, `dq_row_count_passed_total{`)
	var health map[string]any
	require.NoError(t, json.Unmarshal([]byte(get(t, base+"/health")), &health))
	assert.Equal(t, "healthy", health["status"])

	require.NoError(t, p.Shutdown(ctx))

	rows := fakecloudwatch.Find(cw.Datums(false), "records_processed", map[string]string{"table": "CUSTOMERS", "environment": "prod"})
	require.Len(t, rows, 1)
	assert.Equal(t, 1000.0, *rows[0].Value)
	assert.Equal(t, "ETL/Pipeline", cw.Requests()[0].Namespace)
	assert.True(t, collector.got("records_processed"))
	assert.True(t, dynatrace.got("records_processed"))
	assert.Equal(t, "Api-Token dt0c01.SECRETTOKEN", dynatrace.header("Authorization"))
	assert.Contains(t, metricLog.String(), `METRIC: {"metric_name":"records_processed"`)

	evs := events.EventsOfType(monitoring.EventTableComplete)
	require.Len(t, evs, 1)
	assert.Equal(t, "job-42", evs[0].CorrelationID)
	assert.Equal(t, "prod", evs[0].Environment)
	assert.Len(t, events.EventsOfType("dq_check_complete"), 1)

	_, err = net.DialTimeout("tcp", p.MetricsAddr().String(), time.Second)
	assert.Error(t, err, "the metrics server is stopped")
	assert.NoError(t, p.Shutdown(ctx), "Shutdown is idempotent")
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

func clearAWSEnv(t *testing.T) {
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_REGION", "eu-west-1")
}

func TestSinkThatCannotStartIsSkippedUnlessRequired(t *testing.T) {
	clearAWSEnv(t)
	ctx := context.Background()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	src := &configloader.Source{Name: "dev_mydb", Monitoring: configloader.Monitoring{
		EnableCloudWatch: true,
		Prometheus:       configloader.Prometheus{Listen: busy.Addr().String()},
	}}

	events := monitoringtest.NewLogCapture()
	reported := monitoringtest.NewErrorRecorder()
	p, err := etlwatch.New(ctx, "bulk_load", src, etlwatch.WithLoggerOptions(events.Option()),
		etlwatch.WithErrorHandler(reported.Handle))
	require.NoError(t, err, "optional sinks that cannot start do not stop the job")
	defer p.Shutdown(ctx)
	assert.Empty(t, p.Sinks())
	skipped := p.Skipped()
	require.Len(t, skipped, 2)
	assert.ErrorIs(t, skipped[0], cloudwatch.ErrNoCredentials)
	assert.Contains(t, skipped[0].Error(), "sink cloudwatch: no AWS credentials found")
	assert.Contains(t, skipped[1].Error(), "sink prometheus: listen on "+busy.Addr().String())
	assert.Len(t, reported.Errors(), 2)
	unavailable := events.EventsOfType(etlwatch.EventSinkUnavailable)
	require.Len(t, unavailable, 2)
	for i, want := range []string{"cloudwatch", "prometheus"} {
		assert.Equal(t, want, unavailable[i].Details["sink"])
		assert.Equal(t, skipped[i].Error(), unavailable[i].Details["error"])
		assert.Equal(t, p.CorrelationID(), unavailable[i].CorrelationID)
		assert.Equal(t, "WARNING", unavailable[i].Severity)
	}
	assert.Nil(t, p.Health)

	// Without an error handler of the caller's, each sink is still reported once: one event, no
	// log line besides.
	quiet := monitoringtest.NewLogCapture()
	p2, err := etlwatch.New(ctx, "bulk_load", src, etlwatch.WithLoggerOptions(quiet.Option()))
	require.NoError(t, err)
	defer p2.Shutdown(ctx)
	assert.Len(t, quiet.EventsOfType(etlwatch.EventSinkUnavailable), 2)
	assert.Len(t, quiet.Events(), 2, "nothing else: %v", quiet.Events())

	for _, required := range []string{"cloudwatch", "prometheus"} {
		src.Monitoring.RequiredSinks = []string{required}
		_, err = etlwatch.New(ctx, "bulk_load", src, etlwatch.WithLogOutput(io.Discard))
		require.Error(t, err, required)
		assert.Contains(t, err.Error(), "sink "+required)
	}
	src.Monitoring.RequiredSinks = []string{"kafka"}
	_, err = etlwatch.New(ctx, "bulk_load", src, etlwatch.WithLogOutput(io.Discard))
	assert.ErrorContains(t, err, `unknown sink "kafka"`)
}

func TestNewWithoutMonitoringConfig(t *testing.T) {
	ctx := context.Background()
	sink := monitoringtest.NewSink()
	var out bytes.Buffer
	p, err := etlwatch.New(ctx, "bulk_load", &configloader.Source{Name: "local"}, etlwatch.WithLogOutput(&out), etlwatch.WithSinks(sink))
	require.NoError(t, err)
	assert.NotEmpty(t, p.CorrelationID())
	p.Logger.LogJobStart(p.Context(), nil)
	p.Metrics.EmitCounter(p.Context(), "job_tables_processed", 1, nil)
	require.NoError(t, p.Shutdown(ctx))
	v, ok := sink.Value("job_tables_processed", monitoring.Dimensions{"source_name": "local"})
	assert.True(t, ok)
	assert.Equal(t, 1.0, v)
	assert.True(t, strings.Contains(out.String(), p.CorrelationID()))
	_, err = etlwatch.New(ctx, "bulk_load", nil)
	assert.Error(t, err)
}
