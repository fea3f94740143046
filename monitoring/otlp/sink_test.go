package otlp_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"

	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/otlp"
)

// errorLog collects the errors a collector hands to its error handler.
type errorLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *errorLog) handle(err error) {
	l.mu.Lock()
	l.errs = append(l.errs, err)
	l.mu.Unlock()
}

func (l *errorLog) all() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]error(nil), l.errs...)
}

// newCollector returns a collector exporting to sinks only when flushed, shut down at the end of
// the test.
func newCollector(t *testing.T, log *errorLog, opts []monitoring.Option, sinks ...monitoring.Sink) *monitoring.MetricsCollector {
	t.Helper()
	base := []monitoring.Option{
		monitoring.WithSinks(sinks...),
		monitoring.WithEnvironment("test"),
		monitoring.WithExportInterval(time.Hour),
		monitoring.WithExportTimeout(10 * time.Second),
	}
	if log != nil {
		base = append(base, monitoring.WithErrorHandler(log.handle))
	}
	c, err := monitoring.NewMetricsCollector("bulk_load", "dev_mydb", append(base, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Shutdown(context.Background()) })
	return c
}

// emitStandard records one counter, one gauge and one duration.
func emitStandard(ctx context.Context, c *monitoring.MetricsCollector) {
	dims := monitoring.Dimensions{"table": "CUSTOMERS"}
	c.EmitCounter(ctx, "records_processed", 1000, dims)
	c.EmitGauge(ctx, "replication_lag", 2.5, monitoring.UnitSeconds, dims)
	c.EmitDuration(ctx, "table_load_duration", 1500*time.Millisecond, dims)
}

// assertStandard checks the points of emitStandard.
func assertStandard(t *testing.T, pts []point, sumTemporality metricpb.AggregationTemporality) {
	t.Helper()
	want := map[string]string{"table": "CUSTOMERS", "job_name": "bulk_load", "source_name": "dev_mydb", "environment": "test"}

	got := find(pts, "records_processed", want)
	require.Len(t, got, 1, "records_processed")
	assert.Equal(t, "sum", got[0].Type)
	assert.True(t, got[0].Monotonic)
	assert.Equal(t, sumTemporality, got[0].Temporality)
	assert.Equal(t, 1000.0, got[0].Value)
	assert.Equal(t, "{count}", got[0].Unit)
	assert.Equal(t, "bulk_load", got[0].Resource["service.name"])

	got = find(pts, "replication_lag", want)
	require.Len(t, got, 1, "replication_lag")
	assert.Equal(t, "gauge", got[0].Type)
	assert.Equal(t, 2.5, got[0].Value)

	got = find(pts, "table_load_duration", want)
	require.Len(t, got, 1, "table_load_duration")
	assert.Equal(t, "histogram", got[0].Type)
	assert.Equal(t, sumTemporality, got[0].Temporality)
	assert.Equal(t, uint64(1), got[0].Count)
	assert.Equal(t, 1.5, got[0].Value)
	assert.Equal(t, "s", got[0].Unit)
}

func TestHTTPSink(t *testing.T) {
	ctx := context.Background()
	recv := newMetricsReceiver(t)
	sink, err := otlp.NewHTTPSink(ctx, otlp.WithHTTPOptions(
		otlpmetrichttp.WithEndpointURL(recv.URL+"/v1/metrics"),
		otlpmetrichttp.WithHeaders(map[string]string{"X-Team": "etl"}),
	))
	require.NoError(t, err)
	assert.Equal(t, "otlp-http", sink.Name())
	c := newCollector(t, nil, nil, sink)

	emitStandard(ctx, c)
	require.NoError(t, c.ForceFlush(ctx))

	reqs := recv.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "/v1/metrics", reqs[0].Path)
	assert.Equal(t, "application/x-protobuf", reqs[0].ContentType)
	assert.Equal(t, "etl", reqs[0].Header.Get("X-Team"))
	assertStandard(t, points(reqs[0].Msg), metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE)
}

func TestHTTPSinkReadsEnvironment(t *testing.T) {
	ctx := context.Background()
	recv := newMetricsReceiver(t)
	t.Setenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", recv.URL+"/custom/metrics")
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-team=etl")
	t.Setenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "delta")
	t.Setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")

	sink, err := otlp.NewHTTPSink(ctx)
	require.NoError(t, err)
	c := newCollector(t, nil, nil, sink)
	emitStandard(ctx, c)
	require.NoError(t, c.ForceFlush(ctx))

	reqs := recv.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "/custom/metrics", reqs[0].Path)
	assert.Equal(t, "gzip", reqs[0].ContentEncoding)
	assert.Equal(t, "etl", reqs[0].Header.Get("X-Team"))
	assertStandard(t, points(reqs[0].Msg), metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA)
}

func TestHTTPSinkDeltaTemporality(t *testing.T) {
	ctx := context.Background()
	recv := newMetricsReceiver(t)
	sink, err := otlp.NewHTTPSink(ctx, otlp.WithDeltaTemporality(), otlp.WithHTTPOptions(
		otlpmetrichttp.WithEndpointURL(recv.URL+"/v1/metrics"),
		otlpmetrichttp.WithCompression(otlpmetrichttp.GzipCompression),
	))
	require.NoError(t, err)
	c := newCollector(t, nil, nil, sink)

	emitStandard(ctx, c)
	require.NoError(t, c.ForceFlush(ctx))
	c.EmitCounter(ctx, "records_processed", 234, monitoring.Dimensions{"table": "CUSTOMERS"})
	require.NoError(t, c.ForceFlush(ctx))

	reqs := recv.requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "gzip", reqs[0].ContentEncoding)
	assertStandard(t, points(reqs[0].Msg), metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA)
	got := find(points(reqs[1].Msg), "records_processed", monitoring.Dimensions{"table": "CUSTOMERS"})
	require.Len(t, got, 1)
	assert.Equal(t, 234.0, got[0].Value, "a delta export carries the change since the last one")
}

func TestGRPCSink(t *testing.T) {
	ctx := context.Background()
	recv := newGRPCMetricsReceiver(t)
	sink, err := otlp.NewGRPCSink(ctx, otlp.WithName("collector"), otlp.WithGRPCOptions(
		otlpmetricgrpc.WithEndpoint(recv.Addr),
		otlpmetricgrpc.WithInsecure(),
		otlpmetricgrpc.WithHeaders(map[string]string{"x-team": "etl"}),
	))
	require.NoError(t, err)
	assert.Equal(t, "collector", sink.Name())
	c := newCollector(t, nil, nil, sink)

	emitStandard(ctx, c)
	require.NoError(t, c.ForceFlush(ctx))

	reqs := recv.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, []string{"etl"}, reqs[0].Header["x-team"])
	assertStandard(t, points(reqs[0].Msg), metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE)

	require.NoError(t, c.Shutdown(ctx))
	assert.ErrorIs(t, sink.Shutdown(ctx), otlp.ErrShutdown, "the collector shut the sink down")
}

func TestGRPCSinkSplits(t *testing.T) {
	ctx := context.Background()
	recv := newGRPCMetricsReceiver(t)
	sink, err := otlp.NewGRPCSink(ctx, otlp.WithMaxDataPointsPerRequest(7), otlp.WithDeltaTemporality(), otlp.WithGRPCOptions(
		otlpmetricgrpc.WithEndpoint(recv.Addr), otlpmetricgrpc.WithInsecure()))
	require.NoError(t, err)
	c := newCollector(t, nil, nil, sink)
	for i := range 20 {
		c.EmitCounter(ctx, "rows", float64(i), monitoring.Dimensions{"part": string(rune('a' + i))})
	}
	require.NoError(t, c.ForceFlush(ctx))

	var all []point
	for _, r := range recv.requests() {
		n := pointCount(r.Msg)
		assert.LessOrEqual(t, n, 7)
		all = append(all, points(r.Msg)...)
	}
	got := find(all, "rows", nil)
	require.Len(t, got, 20)
	seen := map[string]bool{}
	for _, p := range got {
		assert.False(t, seen[p.Attrs["part"]], "sent twice: %v", p.Attrs)
		seen[p.Attrs["part"]] = true
		assert.Equal(t, float64(p.Attrs["part"][0]-'a'), p.Value)
	}
}

// TestUnreachableEndpoint checks that a sink whose endpoint is down fails its exports, named,
// while the collector and its other sinks go on.
func TestUnreachableEndpoint(t *testing.T) {
	ctx := context.Background()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	down := lis.Addr().String()
	require.NoError(t, lis.Close())

	bad, err := otlp.NewHTTPSink(ctx, otlp.WithName("down"), otlp.WithHTTPOptions(
		otlpmetrichttp.WithEndpointURL("http://"+down+"/v1/metrics")))
	require.NoError(t, err)
	recv := newMetricsReceiver(t)
	good, err := otlp.NewHTTPSink(ctx, otlp.WithName("up"), otlp.WithHTTPOptions(
		otlpmetrichttp.WithEndpointURL(recv.URL+"/v1/metrics")))
	require.NoError(t, err)
	var log errorLog
	c := newCollector(t, &log, nil, bad, good)

	for round := 1; round <= 2; round++ {
		c.EmitCounter(ctx, "records_processed", 10, nil)
		err := c.ForceFlush(ctx)
		require.Error(t, err)
		var se *monitoring.SinkError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, "down", se.Sink)
		assert.Contains(t, err.Error(), `sink "down"`)
		assert.Contains(t, err.Error(), "connect")

		got := find(points(recv.requests()[0].Msg), "records_processed", nil)
		require.Len(t, got, 1)
		assert.Equal(t, float64(10*round), got[0].Value, "the healthy sink keeps exporting")
	}
	st := c.SinkStatuses()
	require.Len(t, st, 2)
	assert.Equal(t, int64(2), st[0].Failures)
	assert.False(t, st[0].Healthy)
	assert.True(t, st[1].Healthy)
	assert.NotEmpty(t, log.all(), "the failure reaches the error handler")
}

// TestServerErrors checks that a rejected export fails ForceFlush with an error naming the sink and
// the status, and that the next export succeeds once the backend recovers.
func TestServerErrors(t *testing.T) {
	for _, status := range []int{500, 403} {
		t.Run(httpStatus(status), func(t *testing.T) {
			ctx := context.Background()
			recv := newMetricsReceiver(t)
			sink, err := otlp.NewHTTPSink(ctx, otlp.WithHTTPOptions(otlpmetrichttp.WithEndpointURL(recv.URL+"/v1/metrics")))
			require.NoError(t, err)
			c := newCollector(t, &errorLog{}, nil, sink)
			c.EmitCounter(ctx, "records_processed", 1, nil)

			recv.fail(status, false)
			err = c.ForceFlush(ctx)
			require.Error(t, err)
			assert.Contains(t, err.Error(), `sink "otlp-http"`)
			assert.Contains(t, err.Error(), httpStatus(status))

			recv.fail(0, false)
			require.NoError(t, c.ForceFlush(ctx))
			st := c.SinkStatuses()
			assert.Equal(t, int64(1), st[0].Failures)
			assert.True(t, st[0].Healthy)
		})
	}
}

func httpStatus(code int) string {
	return map[int]string{500: "500 Internal Server Error", 403: "403 Forbidden"}[code]
}

func TestSinkOptionErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		new  func() (*otlp.Sink, error)
		want string
	}{
		{"grpc options to http", func() (*otlp.Sink, error) {
			return otlp.NewHTTPSink(ctx, otlp.WithGRPCOptions(otlpmetricgrpc.WithInsecure()))
		}, "WithGRPCOptions applies only to NewGRPCSink"},
		{"http options to grpc", func() (*otlp.Sink, error) {
			return otlp.NewGRPCSink(ctx, otlp.WithHTTPOptions(otlpmetrichttp.WithInsecure()))
		}, "WithHTTPOptions applies only to NewHTTPSink and NewDynatraceSink"},
		{"grpc options to dynatrace", func() (*otlp.Sink, error) {
			return otlp.NewDynatraceSink("https://abc.live.dynatrace.com/api/v2/otlp/v1/metrics", "tok", otlp.WithGRPCOptions())
		}, "WithGRPCOptions applies only to NewGRPCSink"},
		{"empty name", func() (*otlp.Sink, error) { return otlp.NewHTTPSink(ctx, otlp.WithName("")) }, "the name is empty"},
		{"negative points", func() (*otlp.Sink, error) {
			return otlp.NewHTTPSink(ctx, otlp.WithMaxDataPointsPerRequest(-1))
		}, "WithMaxDataPointsPerRequest(-1): must be >= 0"},
		{"negative bytes", func() (*otlp.Sink, error) { return otlp.NewGRPCSink(ctx, otlp.WithMaxRequestBytes(-1)) }, "WithMaxRequestBytes(-1): must be >= 0"},
		{"dynatrace points", func() (*otlp.Sink, error) {
			return otlp.NewDynatraceSink("https://abc.live.dynatrace.com/api/v2/otlp/v1/metrics", "tok", otlp.WithMaxDataPointsPerRequest(20000))
		}, "Dynatrace drops requests of more than 15000 data points"},
		{"dynatrace bytes", func() (*otlp.Sink, error) {
			return otlp.NewDynatraceSink("https://abc.live.dynatrace.com/api/v2/otlp/v1/metrics", "tok", otlp.WithMaxRequestBytes(5_000_000))
		}, "Dynatrace drops requests of more than 4000000 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.new()
			require.Error(t, err)
			assert.Nil(t, s)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestSinkAfterShutdown(t *testing.T) {
	ctx := context.Background()
	recv := newMetricsReceiver(t)
	sink, err := otlp.NewHTTPSink(ctx, otlp.WithHTTPOptions(otlpmetrichttp.WithEndpointURL(recv.URL+"/v1/metrics")))
	require.NoError(t, err)
	require.NoError(t, sink.Shutdown(ctx))
	assert.ErrorIs(t, sink.Shutdown(ctx), otlp.ErrShutdown)
	assert.ErrorIs(t, sink.ForceFlush(ctx), otlp.ErrShutdown)
	assert.ErrorIs(t, sink.Export(ctx, nil), otlp.ErrShutdown)
}

// TestConcurrentFlushAndShutdown runs emitters, flushes and shutdown at once.
func TestConcurrentFlushAndShutdown(t *testing.T) {
	ctx := context.Background()
	recv := newMetricsReceiver(t)
	sink, err := otlp.NewDynatraceSink(recv.URL+"/api/v2/otlp/v1/metrics", "dt0c01.TEST", otlp.WithMaxDataPointsPerRequest(3))
	require.NoError(t, err)
	c := newCollector(t, &errorLog{}, nil, sink)

	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				c.EmitCounter(ctx, "rows", 1, monitoring.Dimensions{"g": string(rune('a' + g)), "i": string(rune('a' + i%10))})
			}
		})
		wg.Go(func() {
			for range 5 {
				if err := c.ForceFlush(ctx); err != nil && !errors.Is(err, monitoring.ErrShutdown) {
					t.Error(err)
				}
			}
		})
	}
	wg.Go(func() {
		time.Sleep(5 * time.Millisecond)
		assert.NoError(t, c.Shutdown(ctx))
	})
	wg.Wait()
	total := 0.0
	for _, r := range recv.requests() {
		assert.LessOrEqual(t, pointCount(r.Msg), 3)
		for _, p := range find(points(r.Msg), "rows", nil) {
			total += p.Value
		}
	}
	assert.LessOrEqual(t, total, 800.0, "delta exports never count a row twice")
}
