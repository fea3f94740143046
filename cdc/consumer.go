package cdc

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/plugin/kotel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/etlwatch/etlwatch/cdc/debezium"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/iceberg"
	"github.com/etlwatch/etlwatch/monitoring"
)

// Snapshot summary properties the consumer writes with each commit, besides [PropOffsets].
const (
	PropCorrelationID = iceberg.PropCorrelationID
	PropBatchID       = "etlwatch.cdc_batch_id"
	// PropPosition is where the bulk load recorded the source position of its snapshot, such as
	// "oracle_scn:5000" or "postgres_lsn:0/16B3748"; the skip rule reads it.
	PropPosition = iceberg.PropPosition
	// PropPGSnapshot is where the bulk load of a PostgreSQL source recorded the transaction
	// snapshot of its read ("xmin:xmax:xip,...", as pg_current_snapshot() prints it); the skip
	// rule reads it.
	PropPGSnapshot = iceberg.PropPGSnapshot
	// PropSourceTable is the source table ("db.schema.table") whose changes the table holds:
	// events of another source table with the same name are set aside, not merged.
	PropSourceTable = "etlwatch.source_table"
)

// DefaultBatchSize is the most records one batch holds when cdc.batch_size is not set.
const DefaultBatchSize = 10000

// Option configures [New].
type Option func(*config)

type config struct {
	maint     Maintenance
	tp        trace.TracerProvider
	prop      propagation.TextMapPropagator
	metrics   *monitoring.MetricsCollector
	logger    *monitoring.StructuredLogger
	kafkaOpts []kgo.Opt
	namespace string
	now       func() time.Time
	naming    TableNaming
	skipGaps  bool
	observers []Observer
	format    NewFormat
	maintSet  bool          // WithMaintenance was given
	connect   time.Duration // WithConnectTimeout
	interval  time.Duration // WithCommitInterval
}

// WithTableNaming sets how a source table's changes find their Iceberg table. Default
// [TableOnly], as the bulk load names them; [SchemaAndTable] keeps same-named tables of two
// schemas apart.
func WithTableNaming(n TableNaming) Option { return func(c *config) { c.naming = n } }

// WithSkipRetentionGaps makes the consumer go on when Kafka deleted records it never applied
// (see [ErrRetentionGap]): it resumes at the first offset Kafka holds, logs an ERROR, counts
// cdc_offset_gaps{topic,partition} and records the gap ("topic:partition=from-to") in the
// etlwatch.kafka_offset_gaps property of the snapshot that follows it, for an audit. Default:
// stop with a [*GapError].
func WithSkipRetentionGaps() Option { return func(c *config) { c.skipGaps = true } }

// WithMetrics sets the collector that receives the cdc_* metrics. Default: none.
func WithMetrics(m *monitoring.MetricsCollector) Option { return func(c *config) { c.metrics = m } }

// WithLogger sets the logger of the cdc_batch_complete events and progress lines. Default: none.
func WithLogger(l *monitoring.StructuredLogger) Option { return func(c *config) { c.logger = l } }

// WithKafkaOptions adds franz-go client options (TLS, SASL, kotel hooks, ...), applied after the
// consumer's own, so they win.
func WithKafkaOptions(opts ...kgo.Opt) Option {
	return func(c *config) { c.kafkaOpts = append(c.kafkaOpts, opts...) }
}

// WithTracing traces the consumer with tp: franz-go's kotel hooks give each record its receive
// span (continuing the trace its producer's publish span started, read from the record headers
// with propagator, default W3C trace context) and a process span, and each Iceberg commit has a
// span that is a child of the process span of the table's first record in the batch, linked to
// the others (up to 128). The batch's events carry that trace. Default: no tracing.
func WithTracing(tp trace.TracerProvider, propagator propagation.TextMapPropagator) Option {
	return func(c *config) { c.tp, c.prop = tp, propagator }
}

// WithNamespace sets the Iceberg namespace of the tables. Default: bulk_load.namespace, else
// iceberg.namespace, else the source's name: where the bulk load wrote them.
func WithNamespace(ns string) Option { return func(c *config) { c.namespace = ns } }

// Consumer applies Debezium change events from Kafka to Iceberg tables, exactly once: each
// batch is collapsed to the last state per key and applied to each table in one commit that
// also records the Kafka offsets it covers; Kafka's group offsets are committed after, and on
// every partition assignment the consumer resumes from the offsets recorded in Iceberg.
//
// It assumes Debezium's default routing, one topic per table. A Consumer is used by one
// goroutine: [Consumer.Run], then [Consumer.Close].
type Consumer struct {
	cfg     config
	conf    Config
	tm      *iceberg.TableManager
	client  *kgo.Client
	formats []Format // one per decoding goroutine (decode.go)
	dlq     string
	index   *iceberg.KeyIndex // the data files' keys, with deletion vectors (Config.Deletes); else nil
	batch   int
	batchID int64
	kt      *kotel.Tracer // nil without WithTracing
	tracer  trace.Tracer

	// stateMu is held by the batch goroutine that runs the consumer's own code: two batches may
	// be in flight (pipeline), and the later one collects and writes its files while the earlier
	// one commits; each lets it go only inside TableManager.Apply and while it waits for the
	// batch before it (batch.waitPrev). It guards the tables' states, batchID, topics, named,
	// gaps, touched, upkeep and sinceMaint against the other batch.
	stateMu sync.Mutex

	mu     sync.Mutex // tables and topicHints, touched by the kgo offset callback too
	tables map[string]*tableState
	// topicHints maps a topic to the table whose recorded offsets name it (hintTopics).
	topicHints map[string]string

	// hintsStale: a table was loaded or changed since the formats' hints were reset (decode.go).
	hintsStale atomic.Bool
	// rebalance: the group waits to rebalance (kgo.OnPartitionsCallbackBlocked).
	rebalance atomic.Bool
	// draining: Run finishes what is held and committing to let the group rebalance; the
	// batches that end meanwhile start no maintenance, which the rebalance would wait for.
	draining atomic.Bool

	touched    map[string]bool // tables written since the last every_batches round
	upkeep     *upkeeps        // the maintenance running beside the batch, nil when none (tend)
	sinceMaint int             // batches since the last every_batches round
	interval   time.Duration   // the longest a polled record waits for its batch's commit
	started    time.Time       // when the consumer was made: "never maintained" counts from it

	// topics maps a topic to the table its events went to, so that records that change no
	// table (tombstones, logical messages, dead letters) still advance that table's offsets.
	topics map[string]string

	// named is the last source table named (tableName): a batch's events mostly name one.
	named struct {
		id         debezium.TableID
		name, from string
		err        error
	}

	// gaps are the retention gaps skipped (WithSkipRetentionGaps) and not yet recorded in a
	// table's snapshot, by topic: "topic:partition=from-to".
	gaps map[string][]string
}

// New returns a consumer of the Debezium topics cfg names (Topics, or every topic whose name
// starts with TopicPrefix) in the consumer group GroupID, applying them to the tables of tm's
// namespace. It does not connect until [Consumer.Run]. [Open] is New for a sources.yaml source.
func New(cfg Config, tm *iceberg.TableManager, opts ...Option) (*Consumer, error) {
	if tm == nil {
		return nil, errors.New("cdc: a table manager is required")
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	c := &Consumer{conf: cfg, tm: tm, tables: map[string]*tableState{}, topics: map[string]string{}, topicHints: map[string]string{}, touched: map[string]bool{}, gaps: map[string][]string{}}
	c.cfg.now, c.cfg.naming = time.Now, TableOnly
	for _, o := range opts {
		o(&c.cfg)
	}
	c.started = c.cfg.now()
	c.batch = cmp.Or(cfg.BatchSize, DefaultBatchSize)
	c.interval = cmp.Or(c.cfg.interval, cfg.CommitInterval, DefaultCommitInterval)
	if !c.cfg.maintSet {
		c.cfg.maint = cfg.Maintenance
	}
	c.cfg.maint = c.cfg.maint.withDefaults()
	c.dlq = cfg.DeadLetterTopic
	if cfg.Deletes == configloader.DeletesVectors {
		c.index = iceberg.NewKeyIndex(KeyIndexRows)
	}
	newFormat := c.cfg.format
	if newFormat == nil {
		newFormat = DebeziumJSON
	}
	if err := c.newFormats(newFormat); err != nil {
		return nil, fmt.Errorf("cdc: format: %w", err)
	}

	cc := cfg
	kopts := []kgo.Opt{
		kgo.SeedBrokers(cc.Brokers...),
		kgo.ConsumerGroup(cc.GroupID),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.FetchMaxBytes(4 << 20),
		// A partition without a committed offset starts at the beginning; an offset Kafka no
		// longer holds is an error (a retention gap), not a silent jump to the log start.
		kgo.ConsumeResetOffset(kgo.NoResetOffset().AtStart()),
		kgo.AdjustFetchOffsetsFn(c.adjustOffsets),
		kgo.OnPartitionsCallbackBlocked(func(context.Context, *kgo.Client) { c.rebalance.Store(true) }),
		kgo.DialTimeout(c.connectTimeout()),
	}
	if c.cfg.tp != nil {
		prop := c.cfg.prop
		if prop == nil {
			prop = propagation.TraceContext{}
		}
		c.kt = kotel.NewTracer(kotel.TracerProvider(c.cfg.tp), kotel.TracerPropagator(prop), kotel.ConsumerGroup(cc.GroupID))
		c.tracer = c.cfg.tp.Tracer("github.com/etlwatch/etlwatch/cdc")
		kopts = append(kopts, kgo.WithHooks(c.kt))
	}
	if len(cc.Topics) > 0 {
		kopts = append(kopts, kgo.ConsumeTopics(cc.Topics...))
	} else {
		kopts = append(kopts, kgo.ConsumeRegex(), kgo.ConsumeTopics("^"+regexp.QuoteMeta(cc.TopicPrefix)+".*"))
	}
	cl, err := kgo.NewClient(append(kopts, c.cfg.kafkaOpts...)...)
	if err != nil {
		return nil, fmt.Errorf("cdc: kafka client: %w", err)
	}
	c.client = cl
	return c, nil
}

// Open is [New] for the source src of a sources.yaml: [FromSource] translates it.
func Open(src *configloader.Source, tm *iceberg.TableManager, opts ...Option) (*Consumer, error) {
	if src == nil {
		return nil, errors.New("cdc: a source is required")
	}
	return New(FromSource(src), tm, opts...)
}

// Close leaves the consumer group and closes the Kafka client.
func (c *Consumer) Close() { c.client.Close() }

func (c *Consumer) log(ctx context.Context, level slog.Level, msg string, args ...any) {
	if c.cfg.logger != nil {
		c.cfg.logger.Slog().Log(ctx, level, msg, args...)
	}
}

// Run consumes and applies batches until ctx is done (returning nil, after finishing the batch in
// progress) or a batch cannot be committed to Iceberg (returning the error; the batch's offsets
// are not committed, so a restarted consumer applies it again).
func (c *Consumer) Run(ctx context.Context) (err error) {
	if err := c.reachBrokers(ctx); err != nil {
		return err
	}
	if len(c.cfg.observers) > 0 {
		cc := c.conf
		info := StartInfo{Source: cc.Source, DatabaseType: cc.DatabaseType, Brokers: cc.Brokers, Topics: cc.Topics,
			TopicPrefix: cc.TopicPrefix, GroupID: cc.GroupID, Namespace: c.namespace(), StartedAt: c.cfg.now()}
		for _, o := range c.cfg.observers {
			o.Started(ctx, info)
		}
		defer func() {
			for _, o := range c.cfg.observers {
				o.Stopped(context.WithoutCancel(ctx), err)
			}
		}()
	}
	// Records are held over several polls until the batch holds batch_size records or its first
	// record has waited the commit interval: a trickle of events does not make one commit per
	// poll. A full batch is committed on its own goroutine while Run polls and decodes the next,
	// which starts once that one only has to commit (pipeline.start): two in flight at most,
	// committing one at a time, in order. Rebalances wait meanwhile (BlockRebalanceOnPoll), so
	// held and committing batches keep their partitions: Run lets a rebalance through once
	// nothing is held or committing, and stops polling ahead when the group asks for one
	// (OnPartitionsCallbackBlocked) or has waited allowEvery. On a stop, the batch being
	// committed is finished and held records are dropped, uncommitted, and read again on restart.
	p := pipeline{c: c, dec: c.newDecoder(ctx), allowed: c.cfg.now()}
	defer p.dec.close()
	// However Run ends (an error, a stop, a commit's panic raised again), the group may
	// rebalance: Close waits for that before it leaves the group.
	defer c.client.AllowRebalance()
	// Nor does a table's maintenance outlive Run (see tend).
	defer func() {
		if b := p.inflight; b != nil {
			<-b.ctx.Done() // and the batch before it
		}
		if c.upkeep == nil {
			return
		}
		if v := recover(); v != nil {
			<-c.upkeep.ctx.Done()
			c.upkeep = nil
			panic(v)
		}
		c.awaitUpkeep()
	}()
	for {
		// drain: finish what is held and committing, then let the group rebalance.
		drain := p.inflight != nil && p.allowDue()
		if drain {
			c.draining.Store(true)
		}
		var fetches kgo.Fetches
		if !drain {
			fetches = p.poll(ctx)
		}
		if ctx.Err() != nil {
			return p.join(ctx)
		}
		if errs := fetches.Errors(); len(errs) > 0 {
			for _, fe := range errs {
				if errors.Is(fe.Err, context.Canceled) || errors.Is(fe.Err, context.DeadlineExceeded) {
					continue
				}
				if errors.Is(fe.Err, kerr.OffsetOutOfRange) {
					err := p.join(ctx)
					if err == nil {
						err = c.retentionGap(ctx, fe.Topic, fe.Partition)
					}
					if err != nil {
						return err
					}
					continue
				}
				c.log(ctx, slog.LevelWarn, "kafka fetch", "topic", fe.Topic, "partition", fe.Partition, "error", fe.Err.Error())
			}
		}
		if n := fetches.NumRecords(); n > 0 {
			if p.heldN == 0 {
				p.since = c.cfg.now()
			}
			p.held, p.heldN = append(p.held, fetches...), p.heldN+n
			p.dec.add(ctx, fetches.Records(), p.inflight == nil)
		}
		if p.inflight != nil && (drain || p.inflight.over()) {
			if err := p.join(ctx); err != nil {
				return err
			}
		}
		if p.heldN == 0 {
			if p.inflight == nil {
				p.allow()
			}
			continue
		}
		if !drain && p.heldN < c.batch && c.cfg.now().Sub(p.since) < c.interval {
			continue
		}
		if err := p.start(ctx); err != nil {
			return err
		}
	}
}

// pipeline is Run's state: the records held for the next batch, the decoder decoding them, and
// the batch being committed.
type pipeline struct {
	c        *Consumer
	dec      *decoder
	held     kgo.Fetches
	heldN    int
	since    time.Time   // when the first held record was polled
	inflight *committing // the batch being committed, nil when none
	older    *committing // the batch before it, still committing, nil when none
	allowed  time.Time   // when Run last let the group rebalance
}

// committing is a batch being committed on its own goroutine; ctx ends when it is over, never
// before prev's. prepared is closed once the batch changes no table's schema or format any
// more (it only commits what it wrote): the next batch may then start (pipeline.start).
type committing struct {
	ctx      context.Context
	cancel   context.CancelFunc
	prepared chan struct{}
	prev     *committing // the batch before, still in flight when this one started; or nil
	err      error
	panicked *CommitPanic // what the commit panicked with, raised again on Run's goroutine
}

// CommitPanic is what [Consumer.Run] panics with when committing a batch panicked (a batch is
// committed on its own goroutine, so the panic is raised again on Run's, where a caller can
// recover it): the original value and the stack of the goroutine that panicked. Nothing of the
// batch past the panic was committed; a restarted consumer applies it again from the offsets
// Iceberg records.
type CommitPanic struct {
	Value any
	Stack []byte
}

// Error describes the panic, with its stack.
func (p *CommitPanic) Error() string {
	return fmt.Sprintf("cdc: committing a batch panicked: %v\n\n%s", p.Value, p.Stack)
}

// Unwrap returns the panic's value when it is an error.
func (p *CommitPanic) Unwrap() error {
	err, _ := p.Value.(error)
	return err
}

// over reports whether the batch's commit is over.
func (b *committing) over() bool { return b.ctx.Err() != nil }

// poll polls for the held batch, until its first record has waited the commit interval, and no
// longer than the batch being committed (or, when none is, the tables' maintenance) takes.
func (p *pipeline) poll(ctx context.Context) kgo.Fetches {
	c := p.c
	pctx, cancel := ctx, context.CancelFunc(func() {})
	if p.heldN > 0 {
		pctx, cancel = context.WithDeadline(ctx, p.since.Add(c.interval))
	}
	defer cancel()
	// Woken when the batch being committed is over, or, when none is, the tables' maintenance:
	// a rebalance waits for either.
	var over context.Context
	if p.inflight != nil {
		over = p.inflight.ctx
	} else if c.upkeepRunning() {
		over = c.upkeep.ctx
	}
	if over != nil {
		var wake context.CancelFunc
		pctx, wake = context.WithCancel(pctx)
		defer context.AfterFunc(over, wake)()
		defer wake()
	}
	return c.client.PollRecords(pctx, c.batch-p.heldN)
}

// start commits the held batch on its own goroutine, which waits for the batch's decoding
// first. Two batches may be in flight: the held one starts once the batch being committed is
// prepared (it changes no schema any more; its records are decoded again first if it changed
// one), and collects and writes its files while that one commits; it commits after it, and not
// at all when it failed. The batch before that one must be over.
func (p *pipeline) start(ctx context.Context) error {
	if p.inflight != nil && p.inflight.over() {
		if err := p.join(ctx); err != nil {
			return err
		}
	}
	if err := p.joinOlder(); err != nil {
		return err
	}
	prev := p.inflight
	if prev != nil {
		select {
		case <-prev.prepared:
		case <-prev.ctx.Done():
		}
		if ctx.Err() != nil {
			return nil // stopping: what is held is dropped (Run's loop)
		}
		if prev.over() { // ended before it was prepared (an error, say): join it
			if err := p.join(ctx); err != nil {
				return err
			}
			prev = nil
		} else {
			p.dec.refresh(ctx)
		}
	}
	recs, decodedOf := p.dec.take()
	held := p.held
	p.held, p.heldN = nil, 0
	b := &committing{prepared: make(chan struct{}), prev: prev}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	p.older, p.inflight = prev, b
	go func() {
		ctx := labelGoroutine(ctx, "batch")
		defer b.cancel()
		defer func() {
			if prev != nil {
				<-prev.ctx.Done() // over after the batch before, whatever happened
			}
		}()
		defer b.markPrepared()
		defer func() {
			if v := recover(); v != nil {
				if cp, ok := v.(*CommitPanic); ok { // the maintenance's, raised when awaited
					b.panicked = cp
				} else {
					b.panicked = &CommitPanic{Value: v, Stack: debug.Stack()}
				}
			}
		}()
		// A batch that started is finished even when ctx ends meanwhile (a graceful stop),
		// within batchGrace; its offsets are then committed like any other's.
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), batchGrace)
		defer cancel()
		b.err = p.c.processBatch(bctx, held, recs, decodedOf(), b)
	}()
	return nil
}

// markPrepared notes that the batch changes no schema any more; once is enough.
func (b *committing) markPrepared() {
	select {
	case <-b.prepared:
	default:
		close(b.prepared)
	}
}

// joinOlder waits for the batch before the one being committed, if any, and returns its error.
func (p *pipeline) joinOlder() error {
	b := p.older
	if b == nil {
		return nil
	}
	<-b.ctx.Done()
	p.older = nil
	if b.panicked != nil {
		panic(b.panicked)
	}
	return b.err
}

// join waits for the batch being committed, if any, and returns its error; the records held
// meanwhile are then decoded again if the batch loaded or changed a table.
func (p *pipeline) join(ctx context.Context) error {
	errOlder := p.joinOlder()
	b := p.inflight
	if b == nil {
		return errOlder
	}
	<-b.ctx.Done()
	p.inflight = nil
	if errOlder != nil {
		return errOlder // the later batch failed with it, committing nothing
	}
	if b.panicked != nil {
		panic(b.panicked)
	}
	if b.err != nil {
		return b.err
	}
	if ctx.Err() == nil { // on a stop, what is held is dropped: no need to decode it again
		p.dec.refresh(ctx)
	}
	return nil
}

// allow lets the group rebalance, unless a table's maintenance still runs and no rebalance is
// due (allowDue): then it waits for the next call. When one is, it waits for the maintenance,
// so that no maintenance commits to a table another consumer now writes.
func (p *pipeline) allow() {
	if p.c.upkeepRunning() && !p.allowDue() {
		return
	}
	p.c.awaitUpkeep()
	p.c.client.AllowRebalance()
	p.c.rebalance.Store(false)
	p.c.draining.Store(false)
	p.allowed = p.c.cfg.now()
}

// allowEvery is how often, at least, Run lets the group rebalance when the group has not said
// it asks to (OnPartitionsCallbackBlocked, which a kgo option given to WithKafkaOptions may
// replace): it then stops polling until what is held and committing is done, and waits for the
// tables' maintenance, so not more often than this (it did at every commit interval: a stream
// with a short one then committed one batch at a time, with Kafka's fetches stopped).
var allowEvery = 10 * time.Second // a variable for the tests

// allowDue reports whether the group must be let rebalance now: it asks to, or Run last let it
// allowEvery ago.
func (p *pipeline) allowDue() bool {
	return p.c.rebalance.Load() || p.c.cfg.now().Sub(p.allowed) >= allowEvery
}

// batchGrace bounds how long a batch may still run after Run's context ended.
const batchGrace = 2 * time.Minute

// ErrPartitionTaken is returned (wrapped) by [Consumer.Run] when another consumer already
// committed changes of a partition past where this consumer's batch starts: this consumer lost
// the partition (its group session expired mid-batch) and must not commit. Restart it: it resumes
// from the offsets recorded in Iceberg.
var ErrPartitionTaken = errors.New("cdc: another consumer has applied this partition further")

// ErrBulkLoadReplaced is returned by [Consumer.Run] when a bulk load replaced a table (with
// [iceberg.TakeOverFromCDC]) while the consumer ran: the batch in progress was judged by the
// previous load's snapshot, so applying it could put back older values the new load had
// replaced. Nothing of that table is committed; a restarted consumer judges the batch by the new
// load. The documented procedure stops the consumer before such a load.
var ErrBulkLoadReplaced = errors.New("cdc: a bulk load replaced the table while the consumer ran; restart the consumer")

func (c *Consumer) namespace() string {
	return cmp.Or(c.cfg.namespace, c.conf.Namespace, c.conf.Source)
}

func (c *Consumer) count(ctx context.Context, name string, v float64, dims monitoring.Dimensions) {
	if c.cfg.metrics != nil {
		c.cfg.metrics.EmitCounter(ctx, name, v, dims)
	}
}
