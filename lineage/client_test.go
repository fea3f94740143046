package lineage_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/etlwatch/etlwatch/lineage"
	"github.com/etlwatch/etlwatch/lineage/lineagetest"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/monitoringtest"
)

const waitLong = 10 * time.Second

func newHTTPClient(t *testing.T, url string, opts ...lineage.Option) *lineage.Client {
	t.Helper()
	tr, err := lineage.NewHTTPTransport(url, lineage.WithAPIKey("s3cret"), lineage.WithRetryBackoff(time.Millisecond))
	require.NoError(t, err)
	c, err := lineage.NewClient(append([]lineage.Option{lineage.WithTransports(tr), lineage.WithNamespace("test")}, opts...)...)
	require.NoError(t, err)
	return c
}

// TestRunsReachMarquezLikeReceiver runs a parent with two children and checks what a receiver
// that validates like Marquez sees: every event valid, one START and one terminal event per run,
// parents before children, the parent facet with the root, the correlation facet, the API key.
func TestRunsReachMarquezLikeReceiver(t *testing.T) {
	rcv := lineagetest.NewReceiver(t)
	c := newHTTPClient(t, rcv.URL())

	parent := c.NewRun("shop.bulk_load", lineage.WithCorrelationID("corr-1"))
	require.True(t, parent.Start(lineage.Update{}))
	assert.False(t, parent.Start(lineage.Update{}), "a second START is not sent")
	var children []*lineage.JobRun
	for _, table := range []string{"orders", "customers"} {
		child := c.NewRun("shop.bulk_load."+table, lineage.WithParent(parent), lineage.WithJobType("TASK"),
			lineage.WithCorrelationID("corr-1"))
		child.Start(lineage.Update{})
		children = append(children, child)
	}
	grandchild := c.NewRun("shop.bulk_load.orders.check", lineage.WithParent(children[0]))
	grandchild.Complete(lineage.Update{}) // START is sent first
	assert.True(t, children[0].Complete(lineage.Update{}))
	assert.False(t, children[0].Complete(lineage.Update{}), "a second terminal event is not sent")
	children[1].Fail(errors.New("disk full"), lineage.Update{})
	parent.End(errors.New("1 of 2 tables failed"), lineage.Update{})
	require.NoError(t, c.Shutdown(context.Background()))

	require.Empty(t, rcv.Rejected())
	events := rcv.Events()
	require.Len(t, events, 8)
	starts, terminals := map[string]int{}, map[string]int{}
	pos := map[string]int{}
	for i, ev := range events {
		switch {
		case ev.EventType == lineage.EventStart:
			starts[ev.Run.RunID]++
			pos[ev.Run.RunID] = i
		case ev.EventType.Terminal():
			terminals[ev.Run.RunID]++
			if p := ev.Run.Facets.Parent; p != nil {
				// a child ends before its parent
				for j := i + 1; j < len(events); j++ {
					if events[j].Run.RunID == p.Run.RunID {
						assert.True(t, events[j].EventType.Terminal())
					}
				}
			}
		}
		if p := ev.Run.Facets.Parent; p != nil && ev.EventType == lineage.EventStart {
			assert.Less(t, pos[p.Run.RunID], i, "the parent starts before its child")
			require.NotNil(t, p.Root)
			assert.Equal(t, parent.ID(), p.Root.Run.RunID)
			assert.Equal(t, "shop.bulk_load", p.Root.Job.Name)
		}
		assert.Equal(t, "test", ev.Job.Namespace)
		require.NotNil(t, ev.Job.Facets.JobType)
		assert.Equal(t, "ETLWATCH", ev.Job.Facets.JobType.Integration)
		assert.Equal(t, "BATCH", ev.Job.Facets.JobType.ProcessingType)
	}
	for _, r := range []*lineage.JobRun{parent, children[0], children[1], grandchild} {
		assert.Equal(t, 1, starts[r.ID()], r.JobName())
		assert.Equal(t, 1, terminals[r.ID()], r.JobName())
	}
	assert.Equal(t, grandchild.Ended(), lineage.EventComplete)
	last := events[len(events)-1]
	assert.Equal(t, lineage.EventFail, last.EventType)
	require.NotNil(t, last.Run.Facets.ErrorMessage)
	assert.Equal(t, "1 of 2 tables failed", last.Run.Facets.ErrorMessage.Message)
	require.NotNil(t, last.Run.Facets.Correlation)
	assert.Equal(t, "corr-1", last.Run.Facets.Correlation.CorrelationID)
	require.NotNil(t, events[0].Run.Facets.ProcessingEngine)
	assert.Equal(t, "etlwatch", events[0].Run.Facets.ProcessingEngine.Name)
	for _, a := range rcv.Authorization() {
		assert.Equal(t, "Bearer s3cret", a)
	}
	assert.Equal(t, []lineage.TransportStats{{Transport: "http", Delivered: 8}}, c.Stats())
}

func TestRunIDsAreUUIDv7InStartOrder(t *testing.T) {
	a, b := lineage.NewRunID(), lineage.NewRunID()
	assert.Equal(t, byte('7'), a[14], a)
	assert.Len(t, a, 36)
	assert.NotEqual(t, a, b)
	assert.LessOrEqual(t, a[:13], b[:13], "the time part grows")
}

func TestEndAbortsOnCancelledContext(t *testing.T) {
	var buf syncBuffer
	w, err := lineage.NewWriterTransport(&buf)
	require.NoError(t, err)
	c, err := lineage.NewClient(lineage.WithTransports(w))
	require.NoError(t, err)
	r := c.NewRun("job")
	r.Start(lineage.Update{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r.End(ctx.Err(), lineage.Update{})
	require.NoError(t, c.Shutdown(context.Background()))
	evs := decodeLines(t, buf.String())
	require.Len(t, evs, 2)
	assert.Equal(t, lineage.EventAbort, evs[1].EventType)
	assert.Nil(t, evs[1].Run.Facets.ErrorMessage)
}

// TestBadEventIsNotRetried sends an event the receiver rejects (a run ID that is not a UUID):
// it is counted as failed after one request, and reported once.
func TestBadEventIsNotRetried(t *testing.T) {
	rcv := lineagetest.NewReceiver(t)
	errs := monitoringtest.NewErrorRecorder()
	c := newHTTPClient(t, rcv.URL(), lineage.WithErrorHandler(errs.Handle))
	require.NoError(t, c.Emit(&lineage.RunEvent{EventType: lineage.EventStart, Run: lineage.Run{RunID: "not-a-uuid"},
		Job: lineage.Job{Namespace: "n", Name: "j"}}))
	require.NoError(t, c.Shutdown(context.Background()))
	assert.Len(t, rcv.Rejected(), 1, "one request: a 400 is not retried")
	assert.Empty(t, rcv.Events())
	require.Len(t, errs.Errors(), 1)
	var de *lineage.DeliveryError
	require.ErrorAs(t, errs.Errors()[0], &de)
	var he *lineage.HTTPError
	require.ErrorAs(t, de, &he)
	assert.Equal(t, 400, he.StatusCode)
	assert.Equal(t, uint64(1), c.Failed())
}

// TestReceiverDownIsCountedAndReportedOnce sends events to a port where nothing listens: the
// job's calls return at once, every event is counted in the metric and in Stats, and the error
// handler hears of the outage once.
func TestReceiverDownIsCountedAndReportedOnce(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	metrics, err := monitoring.NewMetricsCollector("job", "src")
	require.NoError(t, err)
	defer metrics.Shutdown(context.Background())
	errs := monitoringtest.NewErrorRecorder()
	c := newHTTPClient(t, lineagetest.Down(t), lineage.WithMetrics(metrics), lineage.WithErrorHandler(errs.Handle))
	for range 5 {
		r := c.NewRun("job")
		r.Start(lineage.Update{})
		r.Complete(lineage.Update{})
	}
	require.NoError(t, c.Shutdown(context.Background()))
	assert.Equal(t, uint64(10), c.Failed())
	assert.Equal(t, uint64(0), c.Dropped())
	require.Len(t, errs.Errors(), 1, "one report per outage")
	assert.Contains(t, errs.Errors()[0].Error(), "lineage events could not be delivered")
	s, ok := metrics.Summary().Find(lineage.EventsFailedMetric, monitoring.Dimensions{"transport": "http"})
	require.True(t, ok)
	assert.Equal(t, 10.0, s.Sum)
}

// TestReceiverHangs: a receiver that accepts connections and never answers holds up neither
// Emit nor, beyond the flush timeout, Shutdown; the events are counted as failed and the
// transports' goroutines end.
func TestReceiverHangs(t *testing.T) {
	url := lineagetest.Hanging(t) // its goroutine ends in the test's cleanup
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	tr, err := lineage.NewHTTPTransport(url, lineage.WithRetries(0))
	require.NoError(t, err)
	c, err := lineage.NewClient(lineage.WithTransports(tr), lineage.WithFlushTimeout(100*time.Millisecond))
	require.NoError(t, err)
	for range 3 {
		require.NoError(t, c.Emit(&lineage.RunEvent{EventType: lineage.EventStart, Run: lineage.Run{RunID: lineage.NewRunID()},
			Job: lineage.Job{Namespace: "n", Name: "j"}}))
	}
	err = c.Shutdown(context.Background())
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, uint64(3), c.Failed())
	assert.ErrorIs(t, c.Shutdown(context.Background()), lineage.ErrShutdown)
	assert.ErrorIs(t, c.Emit(&lineage.RunEvent{}), lineage.ErrShutdown)
}

// TestFullBufferDrops fills a buffer of one behind a writer nobody reads: Emit never waits, the
// events that found the buffer full are dropped and counted, and every event is either
// delivered or dropped.
func TestFullBufferDrops(t *testing.T) {
	pr, pw := io.Pipe()
	w, err := lineage.NewWriterTransport(pw)
	require.NoError(t, err)
	errs := monitoringtest.NewErrorRecorder()
	c, err := lineage.NewClient(lineage.WithTransports(w), lineage.WithBufferSize(1), lineage.WithErrorHandler(errs.Handle))
	require.NoError(t, err)
	for range 10 {
		require.NoError(t, c.Emit(&lineage.RunEvent{EventType: lineage.EventStart, Run: lineage.Run{RunID: lineage.NewRunID()},
			Job: lineage.Job{Namespace: "n", Name: "j"}}))
	}
	assert.GreaterOrEqual(t, c.Dropped(), uint64(8), "at most one in flight and one buffered")
	var lines int
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			lines++
		}
	}()
	require.NoError(t, c.Shutdown(context.Background()))
	pw.Close()
	<-done
	st := c.Stats()[0]
	assert.Equal(t, uint64(10), st.Delivered+st.Dropped)
	assert.Equal(t, st.Dropped, st.Failed)
	assert.Equal(t, int(st.Delivered), lines)
	require.NotEmpty(t, errs.Errors())
	var de *lineage.DeliveryError
	require.ErrorAs(t, errs.Errors()[0], &de)
	assert.True(t, de.Dropped)
}

// TestConcurrentEmitAndShutdown emits from several goroutines while the client shuts down:
// every event is delivered, dropped, or refused with ErrShutdown.
func TestConcurrentEmitAndShutdown(t *testing.T) {
	var buf syncBuffer
	w, err := lineage.NewWriterTransport(&buf)
	require.NoError(t, err)
	c, err := lineage.NewClient(lineage.WithTransports(w), lineage.WithBufferSize(8))
	require.NoError(t, err)
	var wg sync.WaitGroup
	var mu sync.Mutex
	refused := 0
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				r := c.NewRun("job")
				if err := c.Emit(&lineage.RunEvent{EventType: lineage.EventStart, Run: lineage.Run{RunID: r.ID()},
					Job: lineage.Job{Namespace: "n", Name: "j"}}); errors.Is(err, lineage.ErrShutdown) {
					mu.Lock()
					refused++
					mu.Unlock()
				}
			}
		}()
	}
	require.NoError(t, c.Shutdown(context.Background()))
	wg.Wait()
	st := c.Stats()[0]
	assert.Equal(t, uint64(200), st.Delivered+st.Dropped+uint64(refused))
	assert.Len(t, decodeLines(t, buf.String()), int(st.Delivered))
}

func TestDisabledClientSendsNothing(t *testing.T) {
	c, err := lineage.NewClient()
	require.NoError(t, err)
	assert.False(t, c.Enabled())
	r := c.NewRun("job")
	assert.True(t, r.Start(lineage.Update{}))
	assert.True(t, r.Complete(lineage.Update{}))
	assert.Empty(t, c.Stats())
	require.NoError(t, c.Shutdown(context.Background()))
}

func TestNewClientRejectsNonsense(t *testing.T) {
	for name, opt := range map[string]lineage.Option{
		"buffer":    lineage.WithBufferSize(0),
		"flush":     lineage.WithFlushTimeout(0),
		"producer":  lineage.WithProducer(""),
		"namespace": lineage.WithNamespace(""),
		"transport": lineage.WithTransports(nil),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := lineage.NewClient(opt)
			assert.Error(t, err)
		})
	}
	for _, url := range []string{"", "localhost:5000", "ftp://x", "http://"} {
		_, err := lineage.NewHTTPTransport(url)
		assert.Error(t, err, url)
	}
}

// syncBuffer is a bytes.Buffer safe for the transport's goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// decodeLines validates and decodes JSON lines of events.
func decodeLines(t *testing.T, s string) []lineage.RunEvent {
	t.Helper()
	var out []lineage.RunEvent
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		if line == "" {
			continue
		}
		require.NoError(t, lineagetest.Validate([]byte(line)), line)
		var ev lineage.RunEvent
		require.NoError(t, json.Unmarshal([]byte(line), &ev))
		out = append(out, ev)
	}
	return out
}

// TestServerErrorsAreRetried: a receiver that answers 503 twice and then 201 gets the event on
// the third request, and nothing is counted as failed.
func TestServerErrorsAreRetried(t *testing.T) {
	var mu sync.Mutex
	requests := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		requests++
		if requests <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	c := newHTTPClient(t, srv.URL)
	r := c.NewRun("job")
	r.Start(lineage.Update{})
	require.NoError(t, c.Shutdown(context.Background()))
	assert.Equal(t, 3, requests)
	assert.Equal(t, []lineage.TransportStats{{Transport: "http", Delivered: 1}}, c.Stats())
}

// TestHTTPTransportHidesItsKey: printing the transport never shows the API key or the URL's
// password.
func TestHTTPTransportHidesItsKey(t *testing.T) {
	tr, err := lineage.NewHTTPTransport("https://etl:url-pw-do-not-print@marquez:5000", lineage.WithAPIKey("key-do-not-print"),
		lineage.WithEndpoint("api/v2/lineage"))
	require.NoError(t, err)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out := fmt.Sprintf(verb, tr)
		assert.NotContains(t, out, "do-not-print", verb)
		assert.Contains(t, out, "marquez:5000/api/v2/lineage", verb)
	}
	assert.Equal(t, "https://etl:url-pw-do-not-print@marquez:5000/api/v2/lineage", tr.URL(), "URL is what it posts to")
}
