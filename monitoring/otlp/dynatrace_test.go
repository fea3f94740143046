package otlp_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"

	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/otlp"
)

// testToken looks like a Dynatrace API token; tests check it never leaks.
const testToken = "dt0c01.ABCDEFGHIJKLMNOPQRSTUVWX.S3CRETS3CRETS3CRETS3CRETS3CRETS3CRETS3CRETS3CRETS3CRETS"

const delta = metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA

func newDynatrace(t *testing.T, opts ...otlp.Option) (*httpReceiver[*metricsRequest], *otlp.Sink) {
	t.Helper()
	recv := newMetricsReceiver(t)
	sink, err := otlp.NewDynatraceSink(recv.URL+"/api/v2/otlp/v1/metrics", testToken, opts...)
	require.NoError(t, err)
	return recv, sink
}

func TestDynatraceSink(t *testing.T) {
	ctx := context.Background()
	recv, sink := newDynatrace(t)
	assert.Equal(t, "dynatrace", sink.Name())
	c := newCollector(t, nil, nil, sink)

	longKey := "Long_" + strings.Repeat("K", 120)
	longValue := strings.Repeat("v", 300)
	dims := monitoring.Dimensions{"Table": "CUSTOMERS", longKey: longValue}
	c.EmitCounter(ctx, "records_processed", 1000, dims)
	c.EmitGauge(ctx, "replication_lag", 2.5, monitoring.UnitSeconds, dims)
	c.EmitDuration(ctx, "table_load_duration", 1500*time.Millisecond, dims)
	require.NoError(t, c.ForceFlush(ctx))

	reqs := recv.requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, "/api/v2/otlp/v1/metrics", r.Path)
	assert.Equal(t, "application/x-protobuf", r.ContentType)
	assert.Equal(t, "gzip", r.ContentEncoding)
	assert.Equal(t, "Api-Token "+testToken, r.Header.Get("Authorization"))

	wantKey := strings.ToLower(longKey)[:100]
	want := map[string]string{
		"table": "CUSTOMERS", wantKey: longValue[:255],
		"job_name": "bulk_load", "source_name": "dev_mydb", "environment": "test",
	}
	pts := points(r.Msg)
	for _, name := range []string{"records_processed", "replication_lag", "table_load_duration"} {
		got := find(pts, name, want)
		require.Len(t, got, 1, name)
		assert.Equal(t, want, got[0].Attrs, "%s: keys lowercased and cut to 100, values cut to 255", name)
		if got[0].Type != "gauge" {
			assert.Equal(t, delta, got[0].Temporality, name)
		}
	}
	for _, p := range pts {
		if p.Type != "gauge" {
			assert.Equal(t, delta, p.Temporality, "%s: Dynatrace needs delta for every sum and histogram", p.Name)
		}
		for k := range p.Attrs {
			assert.Equal(t, strings.ToLower(k), k)
		}
	}
	assert.Equal(t, 1000.0, find(pts, "records_processed", want)[0].Value)
	assert.Equal(t, 2.5, find(pts, "replication_lag", want)[0].Value)
	assert.Equal(t, 1.5, find(pts, "table_load_duration", want)[0].Value)

	c.EmitCounter(ctx, "records_processed", 234, dims)
	require.NoError(t, c.ForceFlush(ctx))
	got := find(points(recv.requests()[0].Msg), "records_processed", want)
	require.Len(t, got, 1)
	assert.Equal(t, 234.0, got[0].Value)
}

func TestDynatraceCaseCollision(t *testing.T) {
	ctx := context.Background()
	recv, sink := newDynatrace(t)
	c := newCollector(t, nil, nil, sink)
	c.EmitCounter(ctx, "rows", 1, monitoring.Dimensions{"Table": "upper", "table": "lower"})
	require.NoError(t, c.ForceFlush(ctx))
	got := find(points(recv.requests()[0].Msg), "rows", nil)
	require.Len(t, got, 1)
	assert.Equal(t, "upper", got[0].Attrs["table"], `"Table" sorts before "table": the first is kept`)
}

func TestDynatraceDimensionLimit(t *testing.T) {
	ctx := context.Background()
	recv, sink := newDynatrace(t)
	c := newCollector(t, nil, nil, sink)
	dims := monitoring.Dimensions{}
	for i := range 60 {
		dims[fmt.Sprintf("d%02d", i)] = "x"
	}
	c.EmitCounter(ctx, "wide", 1, dims)
	require.NoError(t, c.ForceFlush(ctx))

	got := find(points(recv.requests()[0].Msg), "wide", nil)
	require.Len(t, got, 1)
	p := got[0]
	all := maps.Clone(p.Resource)
	maps.Copy(all, p.Attrs)
	assert.Len(t, all, otlp.DynatraceMaxDimensions, "resource and point attributes together")
	for _, k := range []string{"job_name", "source_name", "environment"} {
		assert.Contains(t, p.Attrs, k, "standard dimensions are kept first")
	}
	var kept []string
	for k := range p.Attrs {
		if strings.HasPrefix(k, "d") {
			kept = append(kept, k)
		}
	}
	slices.Sort(kept)
	budget := otlp.DynatraceMaxDimensions - len(p.Resource) - 3
	require.Len(t, kept, budget)
	assert.Equal(t, "d00", kept[0])
	assert.Equal(t, fmt.Sprintf("d%02d", budget-1), kept[len(kept)-1], "the keys that sort last are dropped")
}

func TestDynatraceTokenFromEnvironment(t *testing.T) {
	ctx := context.Background()
	recv := newMetricsReceiver(t)
	t.Setenv(otlp.DynatraceTokenVariable, "dt0c01.FROMENV")

	fromEnv, err := otlp.NewDynatraceSink(recv.URL+"/api/v2/otlp/v1/metrics", "", otlp.WithName("env"))
	require.NoError(t, err)
	fromArg, err := otlp.NewDynatraceSink(recv.URL+"/api/v2/otlp/v1/metrics", "dt0c01.FROMARG", otlp.WithName("arg"))
	require.NoError(t, err)
	c := newCollector(t, nil, nil, fromEnv)
	require.NoError(t, c.ForceFlush(ctx))
	require.NoError(t, c.Shutdown(ctx))
	c = newCollector(t, nil, nil, fromArg)
	require.NoError(t, c.ForceFlush(ctx))

	reqs := recv.requests()
	require.Len(t, reqs, 3, "flush and shutdown of the first collector, flush of the second")
	assert.Equal(t, "Api-Token dt0c01.FROMENV", reqs[0].Header.Get("Authorization"))
	assert.Equal(t, "Api-Token dt0c01.FROMARG", reqs[2].Header.Get("Authorization"), "the argument wins")
}

func TestDynatraceURLs(t *testing.T) {
	ctx := context.Background()
	tests := []struct{ path, want string }{
		{"/api/v2/otlp/v1/metrics", "/api/v2/otlp/v1/metrics"},
		{"/api/v2/otlp", "/api/v2/otlp/v1/metrics"},
		{"/api/v2/otlp/", "/api/v2/otlp/v1/metrics"},
		{"/e/abc12345/api/v2/otlp/v1/metrics", "/e/abc12345/api/v2/otlp/v1/metrics"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			recv := newMetricsReceiver(t)
			sink, err := otlp.NewDynatraceSink(recv.URL+tt.path, testToken)
			require.NoError(t, err)
			c := newCollector(t, nil, nil, sink)
			require.NoError(t, c.ForceFlush(ctx))
			reqs := recv.requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, tt.want, reqs[0].Path)
		})
	}
}

func TestDynatraceValidation(t *testing.T) {
	const good = "https://abc12345.live.dynatrace.com/api/v2/otlp/v1/metrics"
	tests := []struct {
		name, url, token, env, want string
	}{
		{"no token", good, "", "", "no Dynatrace API token: pass apiToken or set $DT_API_TOKEN to a token with the metrics.ingest scope"},
		{"blank token", good, "  ", "", "no Dynatrace API token"},
		{"token with a line break", good, testToken + "\nX-Evil: 1", "", "contains a space, a line break"},
		{"empty URL", "", testToken, "", "the Dynatrace endpoint URL is empty"},
		{"http remote", "http://abc12345.live.dynatrace.com/api/v2/otlp/v1/metrics", testToken, "", "only https is allowed"},
		{"other scheme", "ftp://abc12345.live.dynatrace.com/api/v2/otlp/v1/metrics", testToken, "", `scheme "ftp"`},
		{"no host", "https:///api/v2/otlp/v1/metrics", testToken, "", "has no host"},
		{"wrong path", "https://abc12345.live.dynatrace.com/v1/metrics", testToken, "", `has path "/v1/metrics": want https://{env-id}.live.dynatrace.com/api/v2/otlp/v1/metrics`},
		{"traces path", "https://abc12345.live.dynatrace.com/api/v2/otlp/v1/traces", testToken, "", "has path"},
		{"query", good + "?Api-Token=x", testToken, "", "has a query"},
		{"password", "https://user:hunter2@abc12345.live.dynatrace.com/api/v2/otlp/v1/metrics", testToken, "", "has a user name or password"},
		{"token in URL", good + "?" + testToken, testToken, "", "contains the API token"},
		{"token from env in URL", "https://x/" + testToken, "", testToken, "contains the API token"},
		{"bad URL", "https://abc 12345/api", testToken, "", "does not parse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(otlp.DynatraceTokenVariable, tt.env)
			sink, err := otlp.NewDynatraceSink(tt.url, tt.token)
			require.Error(t, err)
			assert.Nil(t, sink)
			assert.Contains(t, err.Error(), tt.want)
			assertNoSecret(t, err.Error(), testToken, "hunter2")
		})
	}
}

// TestDynatraceSplitsLargeExports emits more series than one Dynatrace request may carry.
func TestDynatraceSplitsLargeExports(t *testing.T) {
	ctx := context.Background()
	recv, sink := newDynatrace(t)
	c := newCollector(t, nil, []monitoring.Option{monitoring.WithCardinalityLimit(20000)}, sink)
	const series = 16000
	for i := range series {
		c.EmitCounter(ctx, "rows", float64(i), monitoring.Dimensions{"i": fmt.Sprint(i)})
	}
	require.NoError(t, c.ForceFlush(ctx))

	reqs := recv.requests()
	require.GreaterOrEqual(t, len(reqs), 2)
	seen := make(map[string]bool, series)
	for _, r := range reqs {
		assert.LessOrEqual(t, pointCount(r.Msg), otlp.DynatraceMaxDataPoints)
		assert.LessOrEqual(t, r.Size, otlp.DynatraceMaxRequestBytes)
		assert.Equal(t, "Api-Token "+testToken, r.Header.Get("Authorization"))
		for _, p := range find(points(r.Msg), "rows", nil) {
			i := p.Attrs["i"]
			require.False(t, seen[i], "series %s sent twice", i)
			seen[i] = true
			assert.Equal(t, i, fmt.Sprint(p.Value))
			assert.Equal(t, delta, p.Temporality)
		}
	}
	assert.Len(t, seen, series, "no series is lost")
}

// TestDynatraceMaxRequestBytes checks that a size cap splits requests by their real encoded size.
func TestDynatraceMaxRequestBytes(t *testing.T) {
	ctx := context.Background()
	const limit = 20_000
	recv, sink := newDynatrace(t, otlp.WithMaxRequestBytes(limit))
	c := newCollector(t, nil, nil, sink)
	const series = 300
	for i := range series {
		dims := monitoring.Dimensions{"table": fmt.Sprintf("TABLE_%04d_%s", i, strings.Repeat("x", i%50))}
		c.EmitDuration(ctx, "table_load_duration", time.Duration(i)*time.Millisecond, dims)
		c.EmitCounter(ctx, "rows", float64(i), dims)
	}
	require.NoError(t, c.ForceFlush(ctx))

	reqs := recv.requests()
	require.Greater(t, len(reqs), 2)
	var hist, rows int
	for i, r := range reqs {
		assert.LessOrEqual(t, r.Size, limit, "uncompressed body")
		if i < len(reqs)-1 {
			assert.Greater(t, r.Size, limit/4, "the estimate is not wildly pessimistic")
		}
		hist += len(find(points(r.Msg), "table_load_duration", nil))
		rows += len(find(points(r.Msg), "rows", nil))
	}
	assert.Equal(t, series, hist)
	assert.Equal(t, series, rows)
}
