package otlp_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/otlp"
)

// assertNoSecret fails t when s contains any of the secrets.
func assertNoSecret(t *testing.T, s string, secrets ...string) {
	t.Helper()
	for _, secret := range secrets {
		if strings.Contains(s, secret) {
			t.Errorf("a secret is shown in %q", s)
		}
	}
}

// verbs are the fmt verbs a value may be printed with.
var verbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x", "%X", "%T", "%p"}

// formatAll prints v with every verb, and logs it with slog's text and JSON handlers.
func formatAll(v any) string {
	var b strings.Builder
	for _, verb := range verbs {
		fmt.Fprintf(&b, verb+"\n", v)
	}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("value", "v", v)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("value", "v", v)
	b.Write(logs.Bytes())
	return b.String()
}

// formatError prints err with every verb, and every error it wraps.
func formatError(err error) string {
	var b strings.Builder
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		b.WriteString(formatAll(err))
		b.WriteString(err.Error())
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		}
	}
	walk(err)
	return b.String()
}

// TestTokenNeverShown formats the Dynatrace sink, the tracer provider and every error they return,
// including the errors of a backend that echoes the request headers, and checks that the token
// appears nowhere.
func TestTokenNeverShown(t *testing.T) {
	ctx := context.Background()
	recv, sink := newDynatrace(t)
	assert.Equal(t, "otlp.Sink(dynatrace)", fmt.Sprint(sink))
	assertNoSecret(t, formatAll(sink), testToken)

	t.Run("construction errors", func(t *testing.T) {
		for _, url := range []string{"", "http://example.com/api/v2/otlp/v1/metrics", "https://x/" + testToken, "https://x/wrong", "::"} {
			_, err := otlp.NewDynatraceSink(url, testToken)
			require.Error(t, err)
			assertNoSecret(t, formatError(err), testToken)
			_, err = otlp.NewDynatraceTracerProvider(ctx, url, testToken)
			require.Error(t, err)
			assertNoSecret(t, formatError(err), testToken)
		}
		for _, url := range []string{recv.URL + "/api/v2/otlp/v1/metrics", "http://example.com/" + testToken} {
			_, err := otlp.NewDynatraceSink(url, testToken+" x")
			require.Error(t, err)
			assertNoSecret(t, formatError(err), testToken)
		}
	})

	t.Run("export errors", func(t *testing.T) {
		var log errorLog
		c := newCollector(t, &log, nil, sink)
		c.EmitCounter(ctx, "rows", 1, nil)
		for _, status := range []int{403, 500, 400} {
			recv.fail(status, true)
			err := c.ForceFlush(ctx)
			require.Error(t, err)
			assert.Contains(t, err.Error(), `sink "dynatrace"`)
			assert.Contains(t, err.Error(), "Api-Token [REDACTED]", "the echoed header is redacted")
			assertNoSecret(t, formatError(err), testToken)
		}
		require.NotEmpty(t, recv.requests(), "the token was sent, and echoed back")
		for _, err := range log.all() {
			assertNoSecret(t, formatError(err), testToken)
		}
		for _, st := range c.SinkStatuses() {
			assertNoSecret(t, formatAll(st), testToken)
		}
		err := sink.Export(ctx, &metricdata.ResourceMetrics{})
		require.Error(t, err)
		assertNoSecret(t, formatError(err), testToken)
		recv.fail(0, false)
		require.NoError(t, c.Shutdown(ctx))
	})

	t.Run("traces", func(t *testing.T) {
		traces := newTraceReceiver(t)
		traces.fail(403, true)
		tp, err := otlp.NewDynatraceTracerProvider(ctx, traces.URL+"/api/v2/otlp/v1/traces", testToken)
		require.NoError(t, err)
		assertNoSecret(t, formatAll(tp), testToken)
		_, span := tp.Tracer("test").Start(ctx, "batch")
		span.End()
		err = tp.ForceFlush(ctx)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "403")
		assertNoSecret(t, formatError(err), testToken)
		require.NotEmpty(t, traces.requests())
		assertNoSecret(t, formatError(tp.Shutdown(ctx)), testToken)
	})
}

// TestGenericSinkFormat checks the generic sinks print as their name too.
func TestGenericSinkFormat(t *testing.T) {
	sink, err := otlp.NewHTTPSink(context.Background(), otlp.WithHTTPOptions(
		otlpmetrichttp.WithHeaders(map[string]string{"Authorization": "Bearer " + testToken})))
	require.NoError(t, err)
	defer sink.Shutdown(context.Background())
	assert.Equal(t, "otlp.Sink(otlp-http)", fmt.Sprintf("%+v", sink))
	assertNoSecret(t, formatAll(sink), testToken)
	var _ monitoring.PushSink = sink
}
