package lineage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/etlwatch/etlwatch/monitoring"
)

// EventsFailedMetric is the self-metric counting events a transport could not deliver (dimension
// transport), those dropped from a full buffer included.
const EventsFailedMetric = "etlwatch_lineage_events_failed"

// ErrShutdown is returned by [Client.Emit] and [Client.Shutdown] once the client is shut down.
var ErrShutdown = errors.New("lineage: client is shut down")

// Defaults of [NewClient].
const (
	// DefaultBufferSize is how many events wait for each transport before new ones are dropped.
	DefaultBufferSize = 1024
	// DefaultFlushTimeout bounds how long [Client.Shutdown] waits for the events still buffered.
	DefaultFlushTimeout = 2 * time.Second
	// DefaultNamespace is the job namespace when none is configured, as in the OpenLineage clients.
	DefaultNamespace = "default"
)

// Message is what a [Transport] sends: the event and its JSON encoding (one line, no newline).
type Message struct {
	Event *RunEvent
	JSON  []byte
}

// Transport delivers events to one destination. Send is called from one goroutine per transport,
// one event at a time, in the order the events were emitted; it returns when the event was
// delivered or could not be, and gives up when ctx is done. A transport that holds resources also
// implements interface{ Close(ctx context.Context) error }, which [Client.Shutdown] calls.
type Transport interface {
	// Name is the transport's kind ("http", "console", "file", "kafka"): the transport
	// dimension of [EventsFailedMetric].
	Name() string
	// Send delivers one event.
	Send(ctx context.Context, m Message) error
}

// TransportStats are one transport's counts since the client started.
type TransportStats struct {
	Transport string // the transport's Name
	Delivered uint64 // events Send delivered
	Failed    uint64 // events not delivered, Dropped included
	Dropped   uint64 // events dropped because the transport's buffer was full
}

// DeliveryError reports that a transport could not deliver events. It reaches the error handler
// once per outage: at the first failure after a delivery (or after the start); the failures that
// follow are only counted until an event is delivered again.
type DeliveryError struct {
	Transport string // the transport's Name
	Dropped   bool   // the buffer was full, rather than Send failing
	Err       error  // Send's error; nil when Dropped
}

// Error says which transport failed and that later failures are counted.
func (e *DeliveryError) Error() string {
	if e.Dropped {
		return fmt.Sprintf("lineage: %s transport: buffer full, events dropped (counted in %s until one is delivered again)",
			e.Transport, EventsFailedMetric)
	}
	return fmt.Sprintf("lineage: %s transport: lineage events could not be delivered (further failures are counted in %s until one is delivered again): %v",
		e.Transport, EventsFailedMetric, e.Err)
}

// Unwrap returns Send's error.
func (e *DeliveryError) Unwrap() error { return e.Err }

// Option configures [NewClient].
type Option func(*config)

type config struct {
	transports   []Transport
	bufferSize   int
	flushTimeout time.Duration
	metrics      *monitoring.MetricsCollector
	onError      func(error)
	producer     string
	namespace    string
}

// WithTransports adds transports; every event goes to each of them. Default: none, and a client
// without transports drops events without counting them (lineage is off).
func WithTransports(ts ...Transport) Option {
	return func(c *config) { c.transports = append(c.transports, ts...) }
}

// WithBufferSize sets how many events wait for each transport; beyond that new events are
// dropped and counted. Default [DefaultBufferSize].
func WithBufferSize(n int) Option { return func(c *config) { c.bufferSize = n } }

// WithFlushTimeout bounds how long [Client.Shutdown] waits for buffered events, within its ctx.
// Default [DefaultFlushTimeout].
func WithFlushTimeout(d time.Duration) Option { return func(c *config) { c.flushTimeout = d } }

// WithMetrics counts undelivered events in m as [EventsFailedMetric]. Default: not counted in
// metrics ([Client.Stats] still counts them).
func WithMetrics(m *monitoring.MetricsCollector) Option { return func(c *config) { c.metrics = m } }

// WithErrorHandler sets the function that gets each outage's [*DeliveryError]. It is called from
// the transports' goroutines and must not block. Default: errors are only counted.
func WithErrorHandler(h func(error)) Option { return func(c *config) { c.onError = h } }

// WithProducer sets the producer URI of the events and facets. Default [Producer].
func WithProducer(uri string) Option { return func(c *config) { c.producer = uri } }

// WithNamespace sets the namespace of the jobs the client's runs belong to. Default
// [DefaultNamespace].
func WithNamespace(ns string) Option { return func(c *config) { c.namespace = ns } }

// Client sends run events through its transports in the background: [Client.Emit] never blocks
// and never fails the job. Each transport has its own bounded buffer and goroutine, so a slow or
// unreachable destination holds up neither the job nor the other transports. Undelivered events
// are counted per transport ([Client.Stats], [EventsFailedMetric]) and reported once per outage
// through the error handler. A Client is safe for concurrent use.
type Client struct {
	cfg      config
	queues   []*queue
	mu       sync.RWMutex // held for reading while emitting; for writing to close the buffers
	closed   bool
	wg       sync.WaitGroup
	sendCtx  context.Context
	stopSend context.CancelFunc
	once     sync.Once
	shutErr  error
}

type queue struct {
	t         Transport
	ch        chan Message
	delivered atomic.Uint64
	failed    atomic.Uint64
	dropped   atomic.Uint64
	mu        sync.Mutex
	down      bool // in an outage: its start was reported
}

// NewClient returns a client sending to the transports of [WithTransports] and starts one
// goroutine per transport; [Client.Shutdown] stops them.
func NewClient(opts ...Option) (*Client, error) {
	cfg := config{bufferSize: DefaultBufferSize, flushTimeout: DefaultFlushTimeout, producer: Producer(),
		namespace: DefaultNamespace}
	for _, o := range opts {
		o(&cfg)
	}
	switch {
	case cfg.bufferSize < 1:
		return nil, fmt.Errorf("lineage: buffer size %d: allowed: 1 or more", cfg.bufferSize)
	case cfg.flushTimeout <= 0:
		return nil, fmt.Errorf("lineage: flush timeout %s: allowed: more than 0", cfg.flushTimeout)
	case cfg.producer == "":
		return nil, errors.New("lineage: empty producer: allowed: a URI naming the producer")
	case cfg.namespace == "":
		return nil, errors.New("lineage: empty namespace: allowed: a job namespace such as \"default\"")
	}
	for i, t := range cfg.transports {
		if t == nil {
			return nil, fmt.Errorf("lineage: transport %d is nil", i)
		}
	}
	c := &Client{cfg: cfg}
	c.sendCtx, c.stopSend = context.WithCancel(context.Background())
	for _, t := range cfg.transports {
		q := &queue{t: t, ch: make(chan Message, cfg.bufferSize)}
		c.queues = append(c.queues, q)
		c.wg.Add(1)
		go c.deliver(q)
	}
	return c, nil
}

// Enabled reports whether the client has a transport: without one, events go nowhere.
func (c *Client) Enabled() bool { return len(c.queues) > 0 }

// Namespace returns the namespace of the client's jobs.
func (c *Client) Namespace() string { return c.cfg.namespace }

// Transports returns the names of the client's transports.
func (c *Client) Transports() []string {
	names := make([]string, len(c.queues))
	for i, q := range c.queues {
		names[i] = q.t.Name()
	}
	return names
}

// Emit fills ev's producer, schema URLs and event time where empty, encodes it and hands it to
// each transport's buffer without waiting; an event that finds a buffer full is dropped for
// that transport and counted. ev must not be changed while Emit runs; afterwards it may be.
// Emit returns [ErrShutdown] after [Client.Shutdown] and an error when ev cannot be encoded;
// nothing else, so a job may ignore its result.
func (c *Client) Emit(ev *RunEvent) error {
	if len(c.queues) == 0 {
		return nil
	}
	c.fill(ev)
	data, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("lineage: encode %s event of %s: %w", ev.EventType, ev.Job.Name, err)
	}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return ErrShutdown
	}
	m := Message{Event: ev, JSON: data}
	var full []*queue
	for _, q := range c.queues {
		select {
		case q.ch <- m:
		default:
			full = append(full, q)
		}
	}
	c.mu.RUnlock()
	// Counted and reported outside the lock, so that an error handler may call the client.
	for _, q := range full {
		q.dropped.Add(1)
		c.failed(q, &DeliveryError{Transport: q.t.Name(), Dropped: true})
	}
	return nil
}

func (c *Client) deliver(q *queue) {
	defer c.wg.Done()
	for m := range q.ch {
		err := c.sendCtx.Err()
		if err == nil {
			err = q.t.Send(c.sendCtx, m)
		}
		if err != nil {
			c.failed(q, &DeliveryError{Transport: q.t.Name(), Err: err})
			continue
		}
		q.delivered.Add(1)
		q.mu.Lock()
		q.down = false
		q.mu.Unlock()
	}
}

// failed counts an undelivered event and reports the start of an outage.
func (c *Client) failed(q *queue, err *DeliveryError) {
	q.failed.Add(1)
	if c.cfg.metrics != nil {
		c.cfg.metrics.EmitCounter(context.Background(), EventsFailedMetric, 1, monitoring.Dimensions{"transport": q.t.Name()})
	}
	q.mu.Lock()
	report := !q.down
	q.down = true
	q.mu.Unlock()
	if report && c.cfg.onError != nil {
		c.cfg.onError(err)
	}
}

// Stats returns each transport's counts, in the order of [WithTransports].
func (c *Client) Stats() []TransportStats {
	out := make([]TransportStats, len(c.queues))
	for i, q := range c.queues {
		out[i] = TransportStats{Transport: q.t.Name(), Delivered: q.delivered.Load(), Failed: q.failed.Load(),
			Dropped: q.dropped.Load()}
	}
	return out
}

// Dropped returns how many events were dropped because a transport's buffer was full, summed
// over the transports.
func (c *Client) Dropped() uint64 {
	var n uint64
	for _, q := range c.queues {
		n += q.dropped.Load()
	}
	return n
}

// Failed returns how many events could not be delivered, summed over the transports.
func (c *Client) Failed() uint64 {
	var n uint64
	for _, q := range c.queues {
		n += q.failed.Load()
	}
	return n
}

// Shutdown stops accepting events, waits for the buffered ones to be delivered, at most
// the flush timeout ([WithFlushTimeout]) and until ctx is done, then gives up on the rest
// (counted as failed), closes the transports and stops the goroutines. It returns an error when
// it gave up on events; later calls return [ErrShutdown].
func (c *Client) Shutdown(ctx context.Context) error {
	err := ErrShutdown
	c.once.Do(func() {
		c.mu.Lock()
		c.closed = true
		for _, q := range c.queues {
			close(q.ch)
		}
		c.mu.Unlock()
		done := make(chan struct{})
		go func() { c.wg.Wait(); close(done) }()
		fctx, cancel := context.WithTimeout(ctx, c.cfg.flushTimeout)
		defer cancel()
		select {
		case <-done:
		case <-fctx.Done():
			pending := 0
			for _, q := range c.queues {
				pending += len(q.ch)
			}
			c.shutErr = fmt.Errorf("lineage: shutdown: gave up on %d buffered events: %w", pending, context.Cause(fctx))
			c.stopSend()
			// Sends see their context cancelled; the rest of each buffer fails at once.
			select {
			case <-done:
			case <-ctx.Done():
			case <-time.After(c.cfg.flushTimeout):
			}
		}
		c.stopSend()
		for _, q := range c.queues {
			if cl, ok := q.t.(interface{ Close(context.Context) error }); ok {
				cctx, ccancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.flushTimeout)
				if cerr := cl.Close(cctx); cerr != nil {
					c.shutErr = errors.Join(c.shutErr, fmt.Errorf("lineage: close %s transport: %w", q.t.Name(), cerr))
				}
				ccancel()
			}
		}
		err = c.shutErr
	})
	return err
}

// fill sets the producer, schema URLs and time of ev and its facets where empty.
func (c *Client) fill(ev *RunEvent) {
	p := c.cfg.producer
	if ev.Producer == "" {
		ev.Producer = p
	}
	if ev.SchemaURL == "" {
		ev.SchemaURL = RunEventSchemaURL
	}
	if ev.EventTime.IsZero() {
		ev.EventTime = time.Now().UTC()
	}
	fillRun(&ev.Run.Facets, p)
	fillJob(&ev.Job.Facets, p)
	for i := range ev.Inputs {
		fillDataset(&ev.Inputs[i].Facets, p)
		fillInput(&ev.Inputs[i].InputFacets, p)
	}
	for i := range ev.Outputs {
		fillDataset(&ev.Outputs[i].Facets, p)
		fillOutput(&ev.Outputs[i].OutputFacets, p)
	}
}

func fillRun(f *RunFacets, p string) {
	if f.Parent != nil {
		f.Parent.fill(p, ParentRunFacetSchemaURL)
	}
	if f.ErrorMessage != nil {
		f.ErrorMessage.fill(p, ErrorMessageRunFacetSchemaURL)
	}
	if f.ProcessingEngine != nil {
		f.ProcessingEngine.fill(p, ProcessingEngineRunFacetSchemaURL)
	}
	if f.Test != nil {
		f.Test.fill(p, TestRunFacetSchemaURL)
	}
	if f.NominalTime != nil {
		f.NominalTime.fill(p, NominalTimeRunFacetSchemaURL)
	}
	if f.Correlation != nil {
		f.Correlation.fill(p, CorrelationRunFacetSchemaURL)
	}
}

func fillJob(f *JobFacets, p string) {
	if f.JobType != nil {
		f.JobType.fill(p, JobTypeJobFacetSchemaURL)
	}
}

func fillDataset(f *DatasetFacets, p string) {
	if f.Schema != nil {
		f.Schema.fill(p, SchemaDatasetFacetSchemaURL)
	}
	if f.DataSource != nil {
		f.DataSource.fill(p, DatasourceDatasetFacetSchemaURL)
	}
	if f.Symlinks != nil {
		f.Symlinks.fill(p, SymlinksDatasetFacetSchemaURL)
	}
	if f.ColumnLineage != nil {
		f.ColumnLineage.fill(p, ColumnLineageDatasetFacetSchemaURL)
	}
	if f.Storage != nil {
		f.Storage.fill(p, StorageDatasetFacetSchemaURL)
	}
	if f.Version != nil {
		f.Version.fill(p, DatasetVersionDatasetFacetSchemaURL)
	}
	if f.DataQualityMetrics != nil {
		f.DataQualityMetrics.fill(p, DataQualityMetricsDatasetFacetSchemaURL)
	}
}

func fillInput(f *InputDatasetFacets, p string) {
	if f.DataQualityMetrics != nil {
		f.DataQualityMetrics.fill(p, DataQualityMetricsInputDatasetFacetSchemaURL)
	}
	if f.DataQualityAssertions != nil {
		f.DataQualityAssertions.fill(p, DataQualityAssertionsDatasetFacetSchemaURL)
	}
	if f.InputStatistics != nil {
		f.InputStatistics.fill(p, InputStatisticsInputDatasetFacetSchemaURL)
	}
}

func fillOutput(f *OutputDatasetFacets, p string) {
	if f.OutputStatistics != nil {
		f.OutputStatistics.fill(p, OutputStatisticsOutputDatasetFacetSchemaURL)
	}
	if f.IcebergCommitReport != nil {
		f.IcebergCommitReport.fill(p, IcebergCommitReportOutputDatasetFacetSchemaURL)
	}
}
