package cloudwatch_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	awscw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/etlwatch/etlwatch/internal/fakecloudwatch"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/cloudwatch"
	"github.com/etlwatch/etlwatch/monitoring/monitoringtest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"), goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"))
}

func newCollector(t *testing.T, sink monitoring.Sink) (*monitoring.MetricsCollector, *monitoringtest.ErrorRecorder) {
	t.Helper()
	e := monitoringtest.NewErrorRecorder()
	c, err := monitoring.NewMetricsCollector("bulk_load", "dev_mydb", monitoring.WithSinks(sink),
		monitoring.WithEnvironment("test"), monitoring.WithErrorHandler(e.Handle), monitoring.WithExportInterval(time.Hour))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Shutdown(context.Background()) })
	return c, e
}

func TestPutMetricDataThroughTheRealClient(t *testing.T) {
	ctx := context.Background()
	fake := fakecloudwatch.New(t)
	sink, err := cloudwatch.NewSink(fake.Client(), "")
	require.NoError(t, err)
	c, e := newCollector(t, sink)

	c.EmitCounter(ctx, "records_processed", 1000, monitoring.Dimensions{"table": "CUSTOMERS"})
	c.EmitCounter(ctx, "records_processed", 234, monitoring.Dimensions{"table": "CUSTOMERS"})
	c.EmitGauge(ctx, "cdc_lag_seconds", 2.5, monitoring.UnitSeconds, nil)
	c.EmitGauge(ctx, "cdc_throughput_records_per_second", 85.3, monitoring.UnitCountPerSecond, nil)
	c.EmitGauge(ctx, "bytes_written", 4096, monitoring.UnitBytes, nil)
	c.EmitDuration(ctx, "table_load_duration", 1500*time.Millisecond, monitoring.Dimensions{"table": "CUSTOMERS"})
	c.EmitDuration(ctx, "table_load_duration", 500*time.Millisecond, monitoring.Dimensions{"table": "CUSTOMERS"})
	before := time.Now()
	require.NoError(t, c.ForceFlush(ctx))

	reqs := fake.Requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, "/service/GraniteServiceVersion20100801/operation/PutMetricData", r.Path)
	assert.Equal(t, "rpc-v2-cbor", r.Header.Get("Smithy-Protocol"))
	assert.Equal(t, "application/cbor", r.Header.Get("Content-Type"))
	assert.Equal(t, "ETL/Pipeline", r.Namespace)

	rows := fakecloudwatch.Find(r.Data, "records_processed", map[string]string{"table": "CUSTOMERS"})
	require.Len(t, rows, 1)
	require.NotNil(t, rows[0].Value)
	assert.Equal(t, 1234.0, *rows[0].Value)
	assert.Equal(t, "Count", rows[0].Unit)
	assert.Equal(t, map[string]string{"table": "CUSTOMERS", "job_name": "bulk_load", "source_name": "dev_mydb", "environment": "test"}, rows[0].Dims)
	assert.WithinDuration(t, before, rows[0].Timestamp, time.Minute)
	assert.Zero(t, rows[0].StorageResolution)

	lag := fakecloudwatch.Find(r.Data, "cdc_lag_seconds", nil)
	require.Len(t, lag, 1)
	assert.Equal(t, 2.5, *lag[0].Value)
	assert.Equal(t, "Seconds", lag[0].Unit)
	assert.Equal(t, "Count/Second", fakecloudwatch.Find(r.Data, "cdc_throughput_records_per_second", nil)[0].Unit)
	assert.Equal(t, "Bytes", fakecloudwatch.Find(r.Data, "bytes_written", nil)[0].Unit)

	dur := fakecloudwatch.Find(r.Data, "table_load_duration", nil)
	require.Len(t, dur, 1)
	assert.True(t, dur[0].HasStats)
	assert.Nil(t, dur[0].Value)
	assert.Equal(t, "Seconds", dur[0].Unit)
	assert.Equal(t, 2.0, dur[0].SampleCount)
	assert.Equal(t, 2.0, dur[0].Sum)
	assert.Equal(t, 0.5, dur[0].Min)
	assert.Equal(t, 1.5, dur[0].Max)

	// Delta temporality: the next interval carries only what happened in it.
	c.EmitCounter(ctx, "records_processed", 10, monitoring.Dimensions{"table": "CUSTOMERS"})
	require.NoError(t, c.ForceFlush(ctx))
	reqs = fake.Requests()
	require.Len(t, reqs, 2)
	rows = fakecloudwatch.Find(reqs[1].Data, "records_processed", map[string]string{"table": "CUSTOMERS"})
	require.Len(t, rows, 1)
	assert.Equal(t, 10.0, *rows[0].Value)
	assert.Empty(t, fakecloudwatch.Find(reqs[1].Data, "table_load_duration", nil), "no duration recorded in the interval: no datum")
	assert.Empty(t, e.Errors())
}

// TestCostFigure: 10 series x 1,000 emits inside one interval cost one PutMetricData call; the
// reference pipeline made one call per emit.
func TestCostFigure(t *testing.T) {
	ctx := context.Background()
	fake := fakecloudwatch.New(t)
	sink, err := cloudwatch.NewSink(fake.Client(), "ETL/Pipeline")
	require.NoError(t, err)
	c, _ := newCollector(t, sink)
	for i := range 10 {
		dims := monitoring.Dimensions{"table": "T" + strconv.Itoa(i)}
		for range 1000 {
			c.EmitCounter(ctx, "records_processed", 1, dims)
		}
	}
	require.NoError(t, c.ForceFlush(ctx))
	var got float64
	for _, d := range fakecloudwatch.Find(fake.Datums(false), "records_processed", nil) {
		got += *d.Value
	}
	assert.Equal(t, 10000.0, got)
	assert.Equal(t, int64(1), sink.Calls())
	t.Logf("cost figure: 10 series x 1,000 emits -> %d PutMetricData call (the reference pipeline: 10,000 calls)", sink.Calls())
}

func TestBatchingByCountAndSize(t *testing.T) {
	ctx := context.Background()
	t.Run("1000 datums per request", func(t *testing.T) {
		fake := fakecloudwatch.New(t)
		sink, _ := cloudwatch.NewSink(fake.Client(), "")
		c, _ := newCollector(t, sink)
		for i := range 2500 { // two metrics: each stays under the cardinality limit
			c.EmitCounter(ctx, "rows_"+strconv.Itoa(i%2), 1, monitoring.Dimensions{"table": "T" + strconv.Itoa(i)})
		}
		require.NoError(t, c.ForceFlush(ctx))
		var total int
		for _, r := range fake.Requests() {
			assert.LessOrEqual(t, len(r.Data), 1000)
			total += len(fakecloudwatch.Find(r.Data, "rows_0", nil)) + len(fakecloudwatch.Find(r.Data, "rows_1", nil))
		}
		assert.Equal(t, 2500, total)
		assert.Len(t, fake.Requests(), 3)
	})
	t.Run("1 MB per request", func(t *testing.T) {
		fake := fakecloudwatch.New(t)
		sink, _ := cloudwatch.NewSink(fake.Client(), "")
		c, _ := newCollector(t, sink)
		long := strings.Repeat("x", 1000)
		for i := range 400 {
			dims := monitoring.Dimensions{"table": "T" + strconv.Itoa(i)}
			for j := range 20 {
				dims["d"+strconv.Itoa(j)] = long
			}
			c.EmitCounter(ctx, "rows", 1, dims)
		}
		require.NoError(t, c.ForceFlush(ctx))
		reqs := fake.Requests()
		require.Greater(t, len(reqs), 1, "about 8 MB must be split")
		var total int
		for _, r := range reqs {
			assert.Less(t, r.BodyBytes, 1_000_000)
			total += len(r.Data)
		}
		assert.Equal(t, 401, total) // 400 series and the sink-failure self-metric
	})
}

func TestTooManyDimensionsIsReportedNotSent(t *testing.T) {
	ctx := context.Background()
	fake := fakecloudwatch.New(t)
	sink, _ := cloudwatch.NewSink(fake.Client(), "")
	c, e := newCollector(t, sink)
	dims := monitoring.Dimensions{}
	for i := range 28 { // + job_name, source_name, environment = 31
		dims["d"+strconv.Itoa(i)] = "v"
	}
	c.EmitCounter(ctx, "wide", 1, dims)
	c.EmitCounter(ctx, "narrow", 1, nil)
	require.NoError(t, c.ForceFlush(ctx))
	require.NoError(t, c.ForceFlush(ctx))
	ds := fake.Datums(false)
	assert.Empty(t, fakecloudwatch.Find(ds, "wide", nil))
	assert.Len(t, fakecloudwatch.Find(ds, "narrow", nil), 2)
	require.Len(t, e.Errors(), 1, "reported once")
	assert.Contains(t, e.Errors()[0].Error(), `metric "wide" not sent: 31 dimensions; CloudWatch allows at most 30`)
}

func TestHighResolution(t *testing.T) {
	ctx := context.Background()
	fake := fakecloudwatch.New(t)
	sink, _ := cloudwatch.NewSink(fake.Client(), "Custom/NS", cloudwatch.WithHighResolution())
	c, _ := newCollector(t, sink)
	c.EmitGauge(ctx, "lag", 1, monitoring.UnitSeconds, nil)
	require.NoError(t, c.ForceFlush(ctx))
	r := fake.Requests()[0]
	assert.Equal(t, "Custom/NS", r.Namespace)
	assert.Equal(t, int64(1), fakecloudwatch.Find(r.Data, "lag", nil)[0].StorageResolution)
}

func TestThrottlingIsRetried(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		code   string
		status int
	}{{"Throttling", 400}, {"InternalServiceError", 500}, {"ServiceUnavailable", 503}} {
		t.Run(tc.code, func(t *testing.T) {
			fake := fakecloudwatch.New(t)
			fake.Fail = func(n int) (string, int) {
				if n < 2 {
					return tc.code, tc.status
				}
				return "", 0
			}
			sink, _ := cloudwatch.NewSink(fake.Client(), "", cloudwatch.WithRetry(3, time.Millisecond))
			c, e := newCollector(t, sink)
			c.EmitCounter(ctx, "rows", 5, nil)
			require.NoError(t, c.ForceFlush(ctx))
			assert.Equal(t, int64(3), sink.Calls())
			rows := fakecloudwatch.Find(fake.Datums(false), "rows", nil)
			require.Len(t, rows, 1)
			assert.Equal(t, 5.0, *rows[0].Value)
			assert.Empty(t, e.Errors())
		})
	}
}

func TestOutageBuffersBoundedAndRecovers(t *testing.T) {
	ctx := context.Background()
	fake := fakecloudwatch.New(t)
	var down sync.Mutex
	isDown := true
	fake.Fail = func(int) (string, int) {
		down.Lock()
		defer down.Unlock()
		if isDown {
			return "InternalServiceError", 500
		}
		return "", 0
	}
	sink, _ := cloudwatch.NewSink(fake.Client(), "", cloudwatch.WithRetry(1, 0), cloudwatch.WithMaxBuffered(1000))
	c, e := newCollector(t, sink)

	rows := c.Counter("rows", monitoring.Dimensions{"table": "T"})
	for range 3 { // three failed intervals
		rows.Add(10)
		require.Error(t, c.ForceFlush(ctx))
	}
	down.Lock()
	isDown = false
	down.Unlock()
	require.NoError(t, c.ForceFlush(ctx))
	var sum float64
	for _, d := range fakecloudwatch.Find(fake.Datums(false), "rows", nil) {
		sum += *d.Value
	}
	assert.Equal(t, 30.0, sum, "the deltas of the failed intervals arrive after recovery")
	assert.Zero(t, sink.Dropped())

	// A long outage: the buffer keeps the newest 1,000 datums and counts the rest.
	down.Lock()
	isDown = true
	down.Unlock()
	for i := range 1200 {
		c.EmitCounter(ctx, "wide", 1, monitoring.Dimensions{"table": "W" + strconv.Itoa(i)})
	}
	require.Error(t, c.ForceFlush(ctx))
	assert.Equal(t, int64(1200+2-1000), sink.Dropped()) // 1,200 series, rows and the failure counter
	var dropped bool
	for _, err := range e.Errors() {
		dropped = dropped || strings.Contains(err.Error(), "dropped 202 unsent datums")
	}
	assert.True(t, dropped, "%v", e.Errors())
}

func TestAccessDeniedIsClearAndReportedOnce(t *testing.T) {
	ctx := context.Background()
	fake := fakecloudwatch.New(t)
	fake.Fail = func(int) (string, int) { return "AccessDenied", 403 }
	sink, _ := cloudwatch.NewSink(fake.Client(), "")
	c, e := newCollector(t, sink)
	for range 3 {
		c.EmitCounter(ctx, "rows", 1, nil)
		err := c.ForceFlush(ctx)
		require.Error(t, err)
		assert.ErrorIs(t, err, cloudwatch.ErrAccessDenied)
		assert.Contains(t, err.Error(), "add cloudwatch:PutMetricData to the IAM role")
	}
	assert.Equal(t, int64(3), sink.Calls(), "not retried")
	require.Len(t, e.Errors(), 1, "a lasting AccessDenied is reported once")
	st := c.SinkStatuses()[0]
	assert.Equal(t, int64(3), st.Failures)
	assert.False(t, st.Healthy)
}

func TestNoCredentials(t *testing.T) {
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("eu-west-1"), config.WithRetryMaxAttempts(1))
	require.NoError(t, err)
	fake := fakecloudwatch.New(t)
	client := awscw.NewFromConfig(cfg, func(o *awscw.Options) { o.BaseEndpoint = aws.String(fake.URL()) })
	sink, _ := cloudwatch.NewSink(client, "")
	c, e := newCollector(t, sink)
	c.EmitCounter(ctx, "rows", 1, nil)
	err = c.ForceFlush(ctx)
	require.Error(t, err)
	assert.ErrorIs(t, err, cloudwatch.ErrNoCredentials)
	assert.Contains(t, err.Error(), "no AWS credentials found")
	assert.Empty(t, fake.Requests(), "nothing was sent")
	c.EmitCounter(ctx, "rows", 1, nil)
	require.Error(t, c.ForceFlush(ctx))
	assert.Len(t, e.Errors(), 1)
}

func TestNewSinkValidates(t *testing.T) {
	fake := fakecloudwatch.New(t)
	_, err := cloudwatch.NewSink(nil, "")
	assert.ErrorContains(t, err, "client is nil")
	_, err = cloudwatch.NewSink(fake.Client(), ":bad")
	assert.ErrorContains(t, err, "namespace")
	_, err = cloudwatch.NewSink(fake.Client(), "", cloudwatch.WithMaxBuffered(5), cloudwatch.WithRetry(0, 0))
	assert.ErrorContains(t, err, "WithMaxBuffered(5)")
	assert.ErrorContains(t, err, "WithRetry(0")
	s, err := cloudwatch.NewSink(fake.Client(), "")
	require.NoError(t, err)
	assert.Equal(t, "cloudwatch.Sink{name=cloudwatch namespace=ETL/Pipeline}", s.String())
	assert.True(t, errors.Is(&cloudwatch.Error{Kind: cloudwatch.ErrAccessDenied}, cloudwatch.ErrAccessDenied))
}

func TestNewSinkValidatesTimeout(t *testing.T) {
	fake := fakecloudwatch.New(t)
	for _, d := range []time.Duration{0, -time.Second} {
		_, err := cloudwatch.NewSink(fake.Client(), "", cloudwatch.WithTimeout(d))
		assert.ErrorContains(t, err, "WithTimeout("+d.String()+"): must be > 0")
	}
}
