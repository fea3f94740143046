package monitoring_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/monitoringtest"
)

func TestFailingSinkIsIsolatedCountedAndRecovers(t *testing.T) {
	ctx := context.Background()
	good := monitoringtest.NewNamedSink("good")
	bad := monitoringtest.NewNamedSink("bad")
	e := monitoringtest.NewErrorRecorder()
	c, err := monitoring.NewMetricsCollector("j", "s", monitoring.WithSinks(good, bad),
		monitoring.WithErrorHandler(e.Handle), monitoring.WithExportInterval(time.Hour))
	require.NoError(t, err)
	defer func() { require.NoError(t, c.Shutdown(ctx)) }()

	boom := errors.New("backend down")
	bad.FailWith(boom)
	c.EmitCounter(ctx, "rows", 1, nil)
	err = c.ForceFlush(ctx)
	require.Error(t, err)
	var se *monitoring.SinkError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "bad", se.Sink)
	assert.ErrorIs(t, err, boom)
	assert.Contains(t, err.Error(), `sink "bad"`)

	v, _ := good.Value("rows", nil)
	assert.Equal(t, 1.0, v, "the good sink still exports")
	require.Len(t, e.Errors(), 1)
	assert.ErrorIs(t, e.Errors()[0], boom)

	st := c.SinkStatuses()
	require.Len(t, st, 2)
	assert.True(t, st[0].Healthy)
	assert.False(t, st[1].Healthy)
	assert.Equal(t, int64(1), st[1].Failures)
	assert.Equal(t, "backend down", st[1].LastError)

	// Recovery: the backend returns, data recorded meanwhile arrives, the failure was counted.
	bad.FailWith(nil)
	c.EmitCounter(ctx, "rows", 1, nil)
	require.NoError(t, c.ForceFlush(ctx))
	v, _ = bad.Value("rows", nil)
	assert.Equal(t, 2.0, v)
	v, _ = bad.Value(monitoring.SinkExportFailuresMetric, monitoring.Dimensions{"sink": "bad"})
	assert.Equal(t, 1.0, v)
	v, _ = bad.Value(monitoring.SinkExportFailuresMetric, monitoring.Dimensions{"sink": "good"})
	assert.Equal(t, 0.0, v)
	st = c.SinkStatuses()
	assert.True(t, st[1].Healthy)
	assert.False(t, st[1].LastSuccess.IsZero())
}

func TestPeriodicExport(t *testing.T) {
	sink := monitoringtest.NewSink()
	c, err := monitoring.NewMetricsCollector("j", "s", monitoring.WithSinks(sink), monitoring.WithExportInterval(20*time.Millisecond))
	require.NoError(t, err)
	defer c.Shutdown(context.Background())
	c.Counter("rows", nil).Add(42)
	require.Eventually(t, func() bool {
		v, _ := sink.Value("rows", nil)
		return v == 42
	}, 5*time.Second, 10*time.Millisecond)
}

func TestShutdown(t *testing.T) {
	ctx := context.Background()
	c, sink, _ := newCollector(t)
	c.EmitCounter(ctx, "rows", 7, nil)
	require.NoError(t, c.Shutdown(ctx))
	v, _ := sink.Value("rows", nil)
	assert.Equal(t, 7.0, v, "Shutdown exports what was recorded")
	assert.ErrorIs(t, c.Shutdown(ctx), monitoring.ErrShutdown)
	assert.ErrorIs(t, c.ForceFlush(ctx), monitoring.ErrShutdown)
	assert.NotPanics(t, func() { c.EmitCounter(ctx, "rows", 1, nil) })
	s, _ := c.Summary().Find("rows", nil)
	assert.Equal(t, 8.0, s.Sum)
}

// TestConcurrentEmitFlushShutdown runs emitters, flushes and Shutdown at once and proves that every
// measurement completed before Shutdown was called is exported by it.
func TestConcurrentEmitFlushShutdown(t *testing.T) {
	ctx := context.Background()
	sink := monitoringtest.NewSink()
	c, err := monitoring.NewMetricsCollector("j", "s", monitoring.WithSinks(sink), monitoring.WithExportInterval(5*time.Millisecond))
	require.NoError(t, err)

	const workers = 8
	var done [workers]atomic.Int64 // emits completed, per worker
	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bound := c.Counter("bound", nil)
			dims := monitoring.Dimensions{"worker": string(rune('a' + w%3))}
			for !stop.Load() {
				bound.Add(1)
				c.EmitCounter(ctx, "emitted", 1, dims)
				c.EmitDuration(ctx, "t", time.Millisecond, nil)
				done[w].Add(1)
			}
		}()
	}
	var fw sync.WaitGroup
	fw.Add(1)
	go func() {
		defer fw.Done()
		for !stop.Load() {
			_ = c.ForceFlush(ctx) // may race with Shutdown and return ErrShutdown
			_ = c.Summary()
		}
	}()
	time.Sleep(100 * time.Millisecond)
	var before int64
	for i := range done {
		before += done[i].Load()
	}
	require.NoError(t, c.Shutdown(ctx))
	stop.Store(true)
	wg.Wait()
	fw.Wait()
	var after int64
	for i := range done {
		after += done[i].Load()
	}

	require.Positive(t, before)
	exported := sink.Total("bound", nil)
	assert.GreaterOrEqual(t, exported, float64(before), "lost measurements")
	assert.LessOrEqual(t, exported, float64(after))
	emitted := sink.Total("emitted", nil)
	assert.GreaterOrEqual(t, emitted, float64(before))
	assert.LessOrEqual(t, emitted, float64(after))
	var count uint64
	for _, p := range sink.Find("t", nil) {
		count += p.Count
	}
	assert.GreaterOrEqual(t, count, uint64(before))
}

// TestEmittersThenShutdownLoseNothing: when emitters finish before Shutdown, the export is exact.
func TestEmittersThenShutdownLoseNothing(t *testing.T) {
	ctx := context.Background()
	sink := monitoringtest.NewSink()
	c, err := monitoring.NewMetricsCollector("j", "s", monitoring.WithSinks(sink), monitoring.WithExportInterval(time.Millisecond))
	require.NoError(t, err)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := c.Counter("rows", monitoring.Dimensions{"w": string(rune('a' + w))})
			for i := range 20000 {
				h.Add(1)
				c.EmitCounter(ctx, "rows_emit", 1, monitoring.Dimensions{"table": string(rune('A' + i%50))})
				if i%5000 == 0 {
					_ = c.ForceFlush(ctx)
				}
			}
		}()
	}
	wg.Wait()
	require.NoError(t, c.Shutdown(ctx))
	assert.Equal(t, 160000.0, sink.Total("rows", nil))
	assert.Equal(t, 160000.0, sink.Total("rows_emit", nil))
}

// hangingSink's Export blocks, ignoring its context, until release is closed.
type hangingSink struct {
	*monitoringtest.Sink
	release chan struct{}
	entered chan struct{}
	once    sync.Once
}

func (h *hangingSink) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	h.once.Do(func() { close(h.entered) })
	<-h.release
	return h.Sink.Export(ctx, rm)
}

func TestHangingSinkBlocksNeitherRecordingNorOtherSinksNorShutdown(t *testing.T) {
	ctx := context.Background()
	hang := &hangingSink{Sink: monitoringtest.NewNamedSink("hang"), release: make(chan struct{}), entered: make(chan struct{})}
	good := monitoringtest.NewNamedSink("good")
	e := monitoringtest.NewErrorRecorder()
	c, err := monitoring.NewMetricsCollector("j", "s", monitoring.WithSinks(hang, good),
		monitoring.WithErrorHandler(e.Handle), monitoring.WithExportInterval(time.Hour))
	require.NoError(t, err)

	c.EmitCounter(ctx, "rows", 1, nil)
	fctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	err = c.ForceFlush(fctx)
	cancel()
	require.Error(t, err)
	assert.Contains(t, err.Error(), `sink "hang"`)
	assert.NotContains(t, err.Error(), `sink "good"`)
	<-hang.entered
	v, _ := good.Value("rows", nil)
	assert.Equal(t, 1.0, v, "the other sink exported")

	// Recording goes on while the sink hangs.
	done := make(chan struct{})
	go func() {
		for range 1000 {
			c.EmitCounter(ctx, "rows", 1, nil)
		}
		close(done)
	}()
	<-done

	sctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	err = c.Shutdown(sctx)
	cancel()
	require.Error(t, err)
	var se *monitoring.SinkError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "hang", se.Sink)
	v, _ = good.Value("rows", nil)
	assert.Equal(t, 1001.0, v, "Shutdown exported to the healthy sink")

	st := c.SinkStatuses()
	assert.False(t, st[0].Healthy)
	assert.Contains(t, st[0].LastError, "deadline exceeded")

	// Once the backend lets go, every goroutine ends (TestMain checks for leaks).
	close(hang.release)
}

func TestSinkDownForManyIntervalsReportsOnceCountsAllAndRecovers(t *testing.T) {
	ctx := context.Background()
	sink := monitoringtest.NewNamedSink("backend")
	e := monitoringtest.NewErrorRecorder()
	c, err := monitoring.NewMetricsCollector("j", "s", monitoring.WithSinks(sink),
		monitoring.WithErrorHandler(e.Handle), monitoring.WithExportInterval(time.Hour))
	require.NoError(t, err)
	defer c.Shutdown(ctx)

	sink.FailWith(errors.New("AccessDenied"))
	rows := c.Counter("rows", monitoring.Dimensions{"table": "T"})
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range 500 { // 500 failed intervals
		rows.Add(10)
		c.EmitGauge(ctx, "lag", 1, monitoring.UnitSeconds, nil)
		c.EmitDuration(ctx, "batch", time.Millisecond, nil)
		require.Error(t, c.ForceFlush(ctx))
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	// Memory stays bounded: nothing accumulates per failed interval in the collector.
	assert.Less(t, int64(after.HeapAlloc)-int64(before.HeapAlloc), int64(4<<20))
	require.Len(t, e.Errors(), 1, "a backend that stays down is reported once")

	st := c.SinkStatuses()[0]
	assert.Equal(t, int64(500), st.Failures)

	sink.FailWith(nil)
	require.NoError(t, c.ForceFlush(ctx))
	v, _ := sink.Value("rows", monitoring.Dimensions{"table": "T"})
	assert.Equal(t, 5000.0, v, "data recorded while the backend was down arrives after recovery")
	v, _ = sink.Value(monitoring.SinkExportFailuresMetric, monitoring.Dimensions{"sink": "backend"})
	assert.Equal(t, 500.0, v)

	sink.FailWith(errors.New("AccessDenied"))
	require.Error(t, c.ForceFlush(ctx))
	assert.Len(t, e.Errors(), 2, "a new outage after a recovery is reported again")
}
