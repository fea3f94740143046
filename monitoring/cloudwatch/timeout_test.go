package cloudwatch_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awscw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/internal/blackhole"
	"github.com/etlwatch/etlwatch/internal/fakecloudwatch"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/cloudwatch"
)

// TestEndpointThatNeverAnswers checks that an export to an endpoint that accepts the connection
// and never answers, or never accepts it, fails within the sink's timeout, once and not retried,
// with an error naming the host:port and the setting; the datums stay buffered and reach the
// endpoint once it answers.
func TestEndpointThatNeverAnswers(t *testing.T) {
	const timeout = 300 * time.Millisecond
	peers := map[string]func(testing.TB) string{"silent": blackhole.Silent, "unaccepting": blackhole.Unaccepting}
	for name, newPeer := range peers {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			addr := newPeer(t)
			fake := fakecloudwatch.New(t)
			base := "http://" + addr
			client := awscw.NewFromConfig(aws.Config{
				Region:      "eu-west-1",
				Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
			}, func(o *awscw.Options) { o.BaseEndpoint = &base })
			sink, err := cloudwatch.NewSink(switchable{&client, fake.Client()}, "", cloudwatch.WithTimeout(timeout),
				cloudwatch.WithRetry(3, time.Millisecond))
			require.NoError(t, err)
			c, e := newCollector(t, sink)

			c.EmitCounter(ctx, "rows", 5, nil)
			err = c.ForceFlush(ctx)
			var te *monitoring.ExportTimeoutError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, "cloudwatch", te.Sink)
			assert.Equal(t, timeout, te.Timeout)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			assert.Contains(t, err.Error(), "did not answer within 300ms")
			assert.Contains(t, err.Error(), "raise cloudwatch.WithTimeout")
			assert.Equal(t, int64(1), sink.Calls(), "a request that timed out is not retried within the export")
			assert.Len(t, e.Errors(), 1)

			client = nil // the endpoint answers again
			c.EmitCounter(ctx, "rows", 2, nil)
			require.NoError(t, c.ForceFlush(ctx))
			var sent float64
			for _, d := range fakecloudwatch.Find(fake.Datums(false), "rows", nil) {
				sent += *d.Value
			}
			assert.Equal(t, 7.0, sent, "the buffered datums were sent")
		})
	}
}

// switchable sends through *first while it is not nil, then through then.
type switchable struct {
	first **awscw.Client
	then  *awscw.Client
}

func (s switchable) PutMetricData(ctx context.Context, in *awscw.PutMetricDataInput, opts ...func(*awscw.Options)) (*awscw.PutMetricDataOutput, error) {
	if *s.first != nil {
		return (*s.first).PutMetricData(ctx, in, opts...)
	}
	return s.then.PutMetricData(ctx, in, opts...)
}

func TestTimeoutNamesTheEndpoint(t *testing.T) {
	addr := blackhole.Silent(t)
	tests := []struct {
		name   string
		client cloudwatch.PutMetricDataAPI
		want   string
	}{
		{"base endpoint", awscw.NewFromConfig(aws.Config{Region: "eu-west-1"}, func(o *awscw.Options) { o.BaseEndpoint = aws.String("http://" + addr) }), addr},
		{"region", awscw.NewFromConfig(aws.Config{Region: "eu-west-1"}), "monitoring.eu-west-1.amazonaws.com:443"},
		{"another client", hang{}, "its endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink, err := cloudwatch.NewSink(tt.client, "", cloudwatch.WithTimeout(time.Nanosecond), cloudwatch.WithRetry(1, 0))
			require.NoError(t, err)
			c, _ := newCollector(t, sink)
			c.EmitCounter(context.Background(), "rows", 1, nil)
			err = c.ForceFlush(context.Background())
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want+" did not answer within 1ns")
		})
	}
}

// hang is a client that answers nothing until its context ends.
type hang struct{}

func (hang) PutMetricData(ctx context.Context, _ *awscw.PutMetricDataInput, _ ...func(*awscw.Options)) (*awscw.PutMetricDataOutput, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// A program that takes the timeout from its own configuration names that setting in the error.
func TestTimeoutNamesTheSettingGiven(t *testing.T) {
	sink, err := cloudwatch.NewSink(hang{}, "", cloudwatch.WithTimeout(time.Nanosecond), cloudwatch.WithRetry(1, 0),
		cloudwatch.WithTimeoutSetting("jobs.metrics_timeout in jobs.toml"))
	require.NoError(t, err)
	c, _ := newCollector(t, sink)
	c.EmitCounter(context.Background(), "rows", 1, nil)
	err = c.ForceFlush(context.Background())
	var te *monitoring.ExportTimeoutError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "jobs.metrics_timeout in jobs.toml", te.Setting)
	assert.Contains(t, err.Error(), "raise jobs.metrics_timeout in jobs.toml")
	assert.NotContains(t, err.Error(), "cloudwatch.WithTimeout")
}
