package otlp_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"

	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/otlp"
)

// newDeltaHTTP returns a receiver and an OTLP/HTTP sink with delta temporality that sends to it.
func newDeltaHTTP(t *testing.T, opts ...otlp.Option) (*httpReceiver[*metricsRequest], *otlp.Sink) {
	t.Helper()
	recv := newMetricsReceiver(t)
	sink, err := otlp.NewHTTPSink(context.Background(), append([]otlp.Option{otlp.WithDeltaTemporality(),
		otlp.WithHTTPOptions(otlpmetrichttp.WithEndpointURL(recv.URL + "/v1/metrics"))}, opts...)...)
	require.NoError(t, err)
	return recv, sink
}

// sumOf adds up the values (sums) or sums and counts (histograms) of the points named name.
func sumOf(pts []point, name string) (value float64, count uint64) {
	for _, p := range find(pts, name, nil) {
		value += p.Value
		count += p.Count
	}
	return value, count
}

// TestSuspectedDeltaSinkKeepsFailedExports: with delta temporality every export carries only
// what changed since the previous collection, so an export that fails must not lose its deltas.
// The receiver rejects two exports, then accepts: what it accepted adds up to everything recorded.
func TestSuspectedDeltaSinkKeepsFailedExports(t *testing.T) {
	sinks := map[string]func(t *testing.T) (*httpReceiver[*metricsRequest], *otlp.Sink){
		"otlp-http delta": func(t *testing.T) (*httpReceiver[*metricsRequest], *otlp.Sink) { return newDeltaHTTP(t) },
		"dynatrace":       func(t *testing.T) (*httpReceiver[*metricsRequest], *otlp.Sink) { return newDynatrace(t) },
		"dynatrace, one point per request": func(t *testing.T) (*httpReceiver[*metricsRequest], *otlp.Sink) {
			return newDynatrace(t, otlp.WithMaxDataPointsPerRequest(1))
		},
	}
	for name, newSink := range sinks {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			recv, sink := newSink(t)
			log := &errorLog{}
			c := newCollector(t, log, nil, sink)
			dims := monitoring.Dimensions{"table": "orders"}

			recv.fail(http.StatusInternalServerError, false)
			c.EmitCounter(ctx, "records_processed", 5, dims)
			c.EmitDuration(ctx, "batch_time", time.Second, dims)
			require.Error(t, c.ForceFlush(ctx))
			c.EmitCounter(ctx, "records_processed", 7, dims)
			c.EmitDuration(ctx, "batch_time", 2*time.Second, dims)
			require.Error(t, c.ForceFlush(ctx))
			require.NotEmpty(t, recv.requests(), "the rejected exports reached the receiver")

			recv.fail(0, false)
			c.EmitCounter(ctx, "records_processed", 11, dims)
			c.EmitDuration(ctx, "batch_time", 3*time.Second, dims)
			require.NoError(t, c.ForceFlush(ctx))

			var accepted []point
			for _, r := range recv.requests() {
				accepted = append(accepted, points(r.Msg)...)
			}
			total, _ := sumOf(accepted, "records_processed")
			assert.Equal(t, 23.0, total, "records_processed accepted after the recovery")
			seconds, count := sumOf(accepted, "batch_time")
			assert.Equal(t, 6.0, seconds, "batch_time sum")
			assert.Equal(t, uint64(3), count, "batch_time count")
			assert.Zero(t, sink.Dropped())

			// Sent once: the next export carries only what is new.
			c.EmitCounter(ctx, "records_processed", 1, dims)
			require.NoError(t, c.ForceFlush(ctx))
			var next []point
			for _, r := range recv.requests() {
				next = append(next, points(r.Msg)...)
			}
			total, _ = sumOf(next, "records_processed")
			assert.Equal(t, 1.0, total)
		})
	}
}

// TestSuspectedDeltaSinkBufferBound: the deltas kept across failed exports are bounded by
// WithMaxBufferedDataPoints; beyond it the oldest are dropped, counted by Sink.Dropped, reported
// to the error handler, and sent as the etlwatch_sink_dropped_points self-metric once the
// backend answers again.
func TestSuspectedDeltaSinkBufferBound(t *testing.T) {
	ctx := context.Background()
	recv, sink := newDeltaHTTP(t, otlp.WithMaxBufferedDataPoints(10))
	log := &errorLog{}
	c := newCollector(t, log, nil, sink)

	recv.fail(http.StatusInternalServerError, false)
	// 3 exports of 8 counter points each (and the collector's own delta self-metrics): more
	// than the 10 allowed.
	for i := range 3 {
		for table := range 8 {
			c.EmitCounter(ctx, "records_processed", float64(i+1), monitoring.Dimensions{"table": fmt.Sprint("t", table)})
		}
		require.Error(t, c.ForceFlush(ctx))
	}
	dropped := sink.Dropped()
	assert.Positive(t, dropped)
	var reported bool
	for _, err := range log.all() {
		if assert.NotNil(t, err) && strings.Contains(err.Error(), "dropped") {
			reported = true
		}
	}
	assert.True(t, reported, "the drop was reported: %v", log.all())
	recv.requests()

	recv.fail(0, false)
	require.NoError(t, c.ForceFlush(ctx))
	var accepted []point
	for _, r := range recv.requests() {
		accepted = append(accepted, points(r.Msg)...)
	}
	// The recovery export carries the buffered points and this collection's, which are 0.
	old, newest := 0, 0
	for _, p := range find(accepted, "records_processed", nil) {
		if p.Value != 0 {
			old++
		}
		if p.Value == 3 {
			newest++
		}
	}
	assert.LessOrEqual(t, old, 10, "at most the buffer's bound of old points")
	assert.Equal(t, 8, newest, "the newest export's points survive, the oldest are dropped")
	selfMetric, _ := sumOf(accepted, otlp.DroppedDataPointsMetric)
	assert.Equal(t, float64(dropped), selfMetric)

	// The self-metric is a delta too: once delivered it is not sent again.
	require.NoError(t, c.ForceFlush(ctx))
	var next []point
	for _, r := range recv.requests() {
		next = append(next, points(r.Msg)...)
	}
	assert.Empty(t, find(next, otlp.DroppedDataPointsMetric, nil))
}

// TestSuspectedCumulativeSinkBuffersNothing: a cumulative export carries the totals, so the
// next one repairs a failure: nothing is kept, nothing is sent twice.
func TestSuspectedCumulativeSinkBuffersNothing(t *testing.T) {
	ctx := context.Background()
	recv := newMetricsReceiver(t)
	sink, err := otlp.NewHTTPSink(ctx, otlp.WithHTTPOptions(otlpmetrichttp.WithEndpointURL(recv.URL+"/v1/metrics")))
	require.NoError(t, err)
	c := newCollector(t, &errorLog{}, nil, sink)
	recv.fail(http.StatusInternalServerError, false)
	c.EmitCounter(ctx, "records_processed", 5, nil)
	require.Error(t, c.ForceFlush(ctx))
	recv.requests()
	recv.fail(0, false)
	c.EmitCounter(ctx, "records_processed", 7, nil)
	require.NoError(t, c.ForceFlush(ctx))
	reqs := recv.requests()
	require.Len(t, reqs, 1)
	got := find(points(reqs[0].Msg), "records_processed", nil)
	require.Len(t, got, 1)
	assert.Equal(t, 12.0, got[0].Value)
}
