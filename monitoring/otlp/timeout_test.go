package otlp_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"

	"github.com/etlwatch/etlwatch/internal/blackhole"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/otlp"
)

// TestBackendThatNeverAnswers checks that an export to a backend that accepts the connection and
// never answers, or never accepts it, fails within the sink's timeout with an error naming the
// host:port and the setting, while the collector's other sink goes on.
func TestBackendThatNeverAnswers(t *testing.T) {
	const timeout = 300 * time.Millisecond
	sinks := map[string]func(t *testing.T, addr string) (*otlp.Sink, error){
		"http": func(t *testing.T, addr string) (*otlp.Sink, error) {
			return otlp.NewHTTPSink(context.Background(), otlp.WithTimeout(timeout),
				otlp.WithHTTPOptions(otlpmetrichttp.WithEndpointURL("http://"+addr+"/v1/metrics")))
		},
		"grpc": func(t *testing.T, addr string) (*otlp.Sink, error) {
			return otlp.NewGRPCSink(context.Background(), otlp.WithTimeout(timeout),
				otlp.WithGRPCOptions(otlpmetricgrpc.WithEndpoint(addr), otlpmetricgrpc.WithInsecure()))
		},
		"dynatrace": func(t *testing.T, addr string) (*otlp.Sink, error) {
			return otlp.NewDynatraceSink("https://"+addr+"/e/abc12345/api/v2/otlp", "dt0c01.TOKEN", otlp.WithTimeout(timeout))
		},
	}
	peers := map[string]func(testing.TB) string{"silent": blackhole.Silent, "unaccepting": blackhole.Unaccepting}
	for sinkName, newSink := range sinks {
		for peerName, newPeer := range peers {
			t.Run(sinkName+"/"+peerName, func(t *testing.T) {
				ctx := context.Background()
				addr := newPeer(t)
				bad, err := newSink(t, addr)
				require.NoError(t, err)
				recv := newMetricsReceiver(t)
				good, err := otlp.NewHTTPSink(ctx, otlp.WithName("up"), otlp.WithHTTPOptions(
					otlpmetrichttp.WithEndpointURL(recv.URL+"/v1/metrics")))
				require.NoError(t, err)
				c := newCollector(t, nil, nil, bad, good)

				c.EmitCounter(ctx, "records_processed", 10, nil)
				err = c.ForceFlush(ctx)
				var te *monitoring.ExportTimeoutError
				require.ErrorAs(t, err, &te)
				assert.Equal(t, bad.Name(), te.Sink)
				assert.Equal(t, addr, te.Address)
				assert.Equal(t, timeout, te.Timeout)
				assert.ErrorIs(t, err, context.DeadlineExceeded)
				assert.Contains(t, err.Error(), addr+" did not answer within 300ms")
				assert.Contains(t, err.Error(), "otlp.WithTimeout")
				assert.NotContains(t, err.Error(), "TOKEN")
				require.NotEmpty(t, recv.requests(), "the other sink exported")
			})
		}
	}
}

func TestTimeoutSettings(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		opts    []otlp.Option
		wantErr string
	}{
		{name: "zero", opts: []otlp.Option{otlp.WithTimeout(0)}, wantErr: "WithTimeout(0s): must be > 0"},
		{name: "negative", opts: []otlp.Option{otlp.WithTimeout(-time.Second)}, wantErr: "WithTimeout(-1s): must be > 0"},
		{name: "bad environment", env: map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "10s"}, wantErr: `$OTEL_EXPORTER_OTLP_TIMEOUT="10s": want a number of milliseconds > 0`},
		{name: "environment", env: map[string]string{"OTEL_EXPORTER_OTLP_METRICS_TIMEOUT": "2500"}},
		{name: "option wins", env: map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "0"}, opts: []otlp.Option{otlp.WithTimeout(time.Second)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			s, err := otlp.NewHTTPSink(context.Background(), tt.opts...)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.NoError(t, s.Shutdown(context.Background()))
		})
	}
}

// A program that takes the timeout from its own configuration names that setting in the error.
func TestTimeoutNamesTheSettingGiven(t *testing.T) {
	ctx := context.Background()
	addr := blackhole.Silent(t)
	sink, err := otlp.NewHTTPSink(ctx, otlp.WithTimeout(300*time.Millisecond), otlp.WithTimeoutSetting("jobs.metrics_timeout in jobs.toml"),
		otlp.WithHTTPOptions(otlpmetrichttp.WithEndpointURL("http://"+addr+"/v1/metrics")))
	require.NoError(t, err)
	c := newCollector(t, nil, nil, sink)
	c.EmitCounter(ctx, "records_processed", 10, nil)
	err = c.ForceFlush(ctx)
	var te *monitoring.ExportTimeoutError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "jobs.metrics_timeout in jobs.toml", te.Setting)
	assert.Contains(t, err.Error(), addr+" did not answer within 300ms")
	assert.Contains(t, err.Error(), "raise jobs.metrics_timeout in jobs.toml")
	assert.NotContains(t, err.Error(), "otlp.WithTimeout")
}
