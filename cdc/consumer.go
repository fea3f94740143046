package cdc

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/plugin/kotel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/etlwatch/etlwatch/cdc/debezium"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/correlation"
	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/iceberg"
	"github.com/etlwatch/etlwatch/monitoring"
)

// Snapshot summary properties the consumer writes with each commit, besides [PropOffsets].
const (
	PropCorrelationID = "etlwatch.correlation_id"
	PropBatchID       = "etlwatch.cdc_batch_id"
	// PropPosition is where the bulk load recorded the source position of its snapshot, such as
	// "oracle_scn:5000" or "postgres_lsn:0/16B3748"; the skip rule reads it.
	PropPosition = "etlwatch.position"
	// PropPGSnapshot is where the bulk load of a PostgreSQL source recorded the transaction
	// snapshot of its read ("xmin:xmax:xip,...", as pg_current_snapshot() prints it); the skip
	// rule reads it.
	PropPGSnapshot = "etlwatch.pg_snapshot"
	// PropSourceTable is the source table ("db.schema.table") whose changes the table holds:
	// events of another source table with the same name are set aside, not merged.
	PropSourceTable = "etlwatch.source_table"
)

// EventBatchComplete is the event the consumer writes after each batch.
const EventBatchComplete = "cdc_batch_complete"

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
	maintSet  bool          // WithMaintenance was given
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
	src     *configloader.Source
	tm      *iceberg.TableManager
	client  *kgo.Client
	dec     *debezium.Decoder
	dlq     string
	batch   int
	batchID int64
	kt      *kotel.Tracer // nil without WithTracing
	tracer  trace.Tracer

	mu     sync.Mutex // tables and topicHints, touched by the kgo offset callback too
	tables map[string]*tableState
	// topicHints maps a topic to the table whose recorded offsets name it (hintTopics).
	topicHints map[string]string

	touched    map[string]bool // tables written since the last every_batches round
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

// tableState is what the consumer keeps of one Iceberg table.
type tableState struct {
	name     string
	tbl      *table.Table // nil until the table exists
	schema   *arrow.Schema
	key      []string
	offsets  Offsets
	position string      // the bulk load's position, "" when none
	scn      int64       // the bulk load's Oracle SCN, 0 when none
	pgsnap   *pgSnapshot // the bulk load's PostgreSQL transaction snapshot, nil when none
	pgraw    string      // as recorded
	pgerr    error       // why the recorded transaction snapshot could not be read
	source   string      // the source table that writes it ("db.schema.table"), "" until known
	maxPos   position    // the furthest source position this consumer applied
	health   tableHealth // what maintenance knows of it (health.go)
	// lastCommit is how long the last commit took, files written included.
	lastCommit time.Duration
}

// New returns a consumer of the Debezium topics src.CDC names (topics, or every topic whose name
// starts with topic_prefix) in the consumer group group_id, applying them to the tables of tm's
// namespace. It does not connect until [Consumer.Run].
func New(src *configloader.Source, tm *iceberg.TableManager, opts ...Option) (*Consumer, error) {
	if src == nil || tm == nil {
		return nil, errors.New("cdc: source and table manager are required")
	}
	c := &Consumer{src: src, tm: tm, tables: map[string]*tableState{}, topics: map[string]string{}, topicHints: map[string]string{}, touched: map[string]bool{}, gaps: map[string][]string{}}
	c.cfg.now, c.cfg.naming = time.Now, TableOnly
	for _, o := range opts {
		o(&c.cfg)
	}
	c.started = c.cfg.now()
	cc := src.CDC
	switch {
	case len(cc.Brokers) == 0:
		return nil, fmt.Errorf("cdc: source %q: cdc.brokers is empty", src.Name)
	case len(cc.Topics) == 0 && cc.TopicPrefix == "":
		return nil, fmt.Errorf("cdc: source %q: cdc.topics or cdc.topic_prefix is required", src.Name)
	case cc.GroupID == "":
		return nil, fmt.Errorf("cdc: source %q: cdc.group_id is required", src.Name)
	}
	switch cc.DeadLetterLoop() {
	case configloader.DeadLetterInTopics:
		return nil, fmt.Errorf("cdc: source %q: cdc.dead_letter_topic %q is also in cdc.topics: the consumer would read its own dead letters back; use a topic it does not read", src.Name, cc.DeadLetterTopic)
	case configloader.DeadLetterUnderPrefix:
		return nil, fmt.Errorf("cdc: source %q: cdc.dead_letter_topic %q starts with cdc.topic_prefix %q: the consumer would read its own dead letters back; use a name without that prefix", src.Name, cc.DeadLetterTopic, cc.TopicPrefix)
	}
	c.batch = cmp.Or(cc.BatchSize, DefaultBatchSize)
	c.interval = cmp.Or(c.cfg.interval, cc.CommitInterval, DefaultCommitInterval)
	if !c.cfg.maintSet {
		c.cfg.maint = maintenanceOf(cc.Maintenance)
	}
	c.cfg.maint = c.cfg.maint.withDefaults()
	c.dlq = cc.DeadLetterTopic
	dec, err := debezium.NewDecoder(debezium.WithHints(c.hint))
	if err != nil {
		return nil, fmt.Errorf("cdc: %w", err)
	}
	c.dec = dec

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

// Close leaves the consumer group and closes the Kafka client.
func (c *Consumer) Close() { c.client.Close() }

// adjustOffsets makes every assigned partition resume where Iceberg says the last commit left
// it when Kafka's committed offset is behind that (Kafka's commit comes after Iceberg's and may
// have been lost). Kafka's is ahead only when the records after Iceberg's last commit changed no
// table: it is committed after every table's commit of a batch, and only by the group
// generation that owns the partition.
func (c *Consumer) adjustOffsets(ctx context.Context, assigned map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
	recorded, err := c.recorded(ctx)
	if err != nil {
		return nil, err
	}
	for topic, ps := range assigned {
		for p, o := range ps {
			// Kafka's committed offset is ahead of Iceberg's when the records after the last
			// Iceberg commit changed no table (see apply): it was committed after them.
			if next, ok := recorded.Get(topic, p); ok && o.EpochOffset().Offset < next {
				ps[p] = kgo.NewOffset().At(next).WithEpoch(-1)
			}
		}
	}
	c.log(ctx, slog.LevelInfo, "partitions assigned; resuming at the offsets recorded in Iceberg", "offsets", recorded.String())
	return assigned, nil
}

// recorded returns the offsets recorded in the tables of the consumer's namespace.
func (c *Consumer) recorded(ctx context.Context) (Offsets, error) {
	id := c.tm.Identifier("")
	var tables []string
	for t, err := range c.tm.Catalog().ListTables(ctx, id[:len(id)-1]) {
		if errors.Is(err, catalog.ErrNoSuchNamespace) {
			return Offsets{}, nil // nothing was ever committed: Kafka's offsets stand
		}
		if err != nil {
			return nil, fmt.Errorf("cdc: list tables: %w", err)
		}
		tables = append(tables, t[len(t)-1])
	}
	offs, err := RecoverOffsets(ctx, c.tm, tables)
	if err == nil {
		c.hintTopics(ctx, tables)
	}
	return offs, err
}

// hintTopics notes, for each topic the tables record offsets of, the table its events go to: a
// consumer that starts on a record that changes no table (a tombstone, a dead letter) then still
// advances that table's offsets instead of replaying the record after every restart.
func (c *Consumer) hintTopics(ctx context.Context, tables []string) {
	hints := map[string]string{}
	for _, name := range tables {
		tbl, err := c.tm.Catalog().LoadTable(ctx, c.tm.Identifier(name))
		if err != nil {
			continue
		}
		offs, err := TableOffsets(tbl)
		if err != nil {
			continue
		}
		for topic := range offs {
			hints[topic] = name
		}
	}
	c.mu.Lock()
	maps.Copy(c.topicHints, hints)
	c.mu.Unlock()
}

// topicTable returns the table topic's events go to, when known.
func (c *Consumer) topicTable(topic string) (string, bool) {
	if name, ok := c.topics[topic]; ok {
		return name, true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	name, ok := c.topicHints[topic]
	return name, ok
}

func (c *Consumer) log(ctx context.Context, level slog.Level, msg string, args ...any) {
	if c.cfg.logger != nil {
		c.cfg.logger.Slog().Log(ctx, level, msg, args...)
	}
}

// Run consumes and applies batches until ctx is done (returning nil, after finishing the batch in
// progress) or a batch cannot be committed to Iceberg (returning the error; the batch's offsets
// are not committed, so a restarted consumer applies it again).
func (c *Consumer) Run(ctx context.Context) (err error) {
	if len(c.cfg.observers) > 0 {
		cc := c.src.CDC
		info := StartInfo{Source: c.src.Name, DatabaseType: c.src.DatabaseType, Brokers: cc.Brokers, Topics: cc.Topics,
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
	// poll. Rebalances wait meanwhile (BlockRebalanceOnPoll), so a held batch keeps its
	// partitions; on a stop, held records are dropped, uncommitted, and read again on restart.
	var held kgo.Fetches
	var heldN int
	var since time.Time // when the first held record was polled
	for {
		pctx, cancel := ctx, context.CancelFunc(func() {})
		if heldN > 0 {
			pctx, cancel = context.WithDeadline(ctx, since.Add(c.interval))
		}
		fetches := c.client.PollRecords(pctx, c.batch-heldN)
		cancel()
		if ctx.Err() != nil {
			c.client.AllowRebalance()
			return nil
		}
		if errs := fetches.Errors(); len(errs) > 0 {
			for _, fe := range errs {
				if errors.Is(fe.Err, context.Canceled) || errors.Is(fe.Err, context.DeadlineExceeded) {
					continue
				}
				if errors.Is(fe.Err, kerr.OffsetOutOfRange) {
					if err := c.retentionGap(ctx, fe.Topic, fe.Partition); err != nil {
						c.client.AllowRebalance()
						return err
					}
					continue
				}
				c.log(ctx, slog.LevelWarn, "kafka fetch", "topic", fe.Topic, "partition", fe.Partition, "error", fe.Err.Error())
			}
		}
		if n := fetches.NumRecords(); n > 0 {
			if heldN == 0 {
				since = c.cfg.now()
			}
			held, heldN = append(held, fetches...), heldN+n
		}
		if heldN == 0 {
			c.client.AllowRebalance()
			continue
		}
		if heldN < c.batch && c.cfg.now().Sub(since) < c.interval {
			continue
		}
		// A batch that started is finished even when ctx ends meanwhile (a graceful stop), within
		// batchGrace; its offsets are then committed like any other's.
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), batchGrace)
		err := c.processBatch(bctx, held)
		cancel()
		held, heldN = nil, 0
		c.client.AllowRebalance()
		if err != nil {
			return err
		}
	}
}

// batchGrace bounds how long a batch may still run after Run's context ended.
const batchGrace = 2 * time.Minute

// pending is the last state of one key in a batch.
type pending struct {
	row debezium.Row // After for an upsert, the key for a delete
	del bool
}

// tableBatch is one table's share of a batch.
type tableBatch struct {
	state     *tableState
	truncate  bool
	changes   []change // collected in poll order; collapse orders them and fills rows
	rows      map[string]pending
	order     []string
	maxPos    position // the furthest source position among the changes
	processed int64
	skipped   int64
	maxLagMs  int64
	offsets   Offsets        // the next offset after the batch's last record, by partition
	first     Offsets        // the batch's first record, by partition
	shapes    []debezium.Row // one upserted row per column set seen: what the table must hold
	keyIdx    []int
	keyCols   *debezium.Columns
	scratch   *array.RecordBuilder // see check
	keyScr    *array.RecordBuilder // see checkKey
	parent    trace.SpanContext    // with WithTracing: the first record's process span
	links     []trace.Link         // and the others'
	commit    *CommitInfo          // with observers: what apply committed, nil when nothing
	// committedAt and commitTook: when apply committed and how long it took; zero when nothing
	committedAt time.Time
	commitTook  time.Duration
}

// addShape remembers row's column set, once, after checking that a table can have those columns
// (a new table's or a new column's type comes from the row).
func (tb *tableBatch) addShape(row, key debezium.Row) error {
	for _, r := range tb.shapes {
		if r.Columns() == row.Columns() {
			return nil
		}
	}
	if tb.state.tbl == nil || !covers(tb.state.schema, row) {
		if _, err := iceberg.IcebergSchema(schemaOf(row, key.Columns().Names())); err != nil {
			return err
		}
	}
	tb.shapes = append(tb.shapes, row)
	return nil
}

// check reports whether row's values fit the table's existing columns (new columns are added
// with the types the row says, and a column the row types wider, int -> long, float -> double, a
// larger decimal precision, is widened first): a value that does not fit makes its event a dead
// letter instead of failing the batch. It appends the row to a scratch builder, which appendValue
// leaves untouched on error.
func (tb *tableBatch) check(row debezium.Row) error {
	return checkRow(&tb.scratch, tb.state.schema, row, true)
}

// checkKey is check for a delete's key, against the table's key columns as they are (a delete
// widens nothing).
func (tb *tableBatch) checkKey(key debezium.Row) error {
	if tb.state.schema == nil {
		return nil
	}
	return checkRow(&tb.keyScr, keyOnly(tb.state.schema, tb.state.key), key, false)
}

// checkRow appends row's values for sc's fields to the builder *b (made for sc on first use);
// with widen, a column the row types wider is checked against that type instead.
func checkRow(b **array.RecordBuilder, sc *arrow.Schema, row debezium.Row, widen bool) error {
	if sc == nil {
		return nil
	}
	if *b == nil || (*b).Schema() != sc {
		if *b != nil {
			(*b).Release()
		}
		*b = array.NewRecordBuilder(memory.DefaultAllocator, sc)
	}
	cols := row.Columns()
	for i := range sc.NumFields() {
		f := sc.Field(i) // not Fields(), which copies the slice: this runs for every row
		j, ok := cols.Index(f.Name)
		if !ok {
			if !f.Nullable {
				return fmt.Errorf("column %s: missing from a row of a table that requires it", f.Name)
			}
			continue
		}
		if widen && cols.Typed() && widenable(f.Type) {
			if to := arrowType(cols.Type(j), row.Value(j), true); widens(f.Type, to) {
				// The table is widened before the batch is written: check against the new type.
				wb := array.NewBuilder(memory.DefaultAllocator, to)
				err := appendValue(wb, arrow.Field{Name: f.Name, Type: to, Nullable: f.Nullable}, row.Value(j))
				wb.Release()
				if err != nil {
					return err
				}
				continue
			}
		}
		if err := appendValue((*b).Field(i), f, row.Value(j)); err != nil {
			return err
		}
	}
	if (*b).Field(0).Len() >= 4096 {
		(*b).NewRecordBatch().Release()
	}
	return nil
}

// widenable reports whether a column of type t could be widened (see widens): only then is the
// row's own type worth working out.
func widenable(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT32, arrow.FLOAT32, arrow.DECIMAL128:
		return true
	}
	return false
}

// widens reports whether Iceberg can widen a column of type from to type to (int -> long,
// float -> double, a decimal to a larger precision of the same scale).
func widens(from, to arrow.DataType) bool {
	switch f := from.(type) {
	case *arrow.Int32Type:
		return to.ID() == arrow.INT64
	case *arrow.Float32Type:
		return to.ID() == arrow.FLOAT64
	case *arrow.Decimal128Type:
		t, ok := to.(*arrow.Decimal128Type)
		return ok && t.Scale == f.Scale && t.Precision > f.Precision
	}
	return false
}

// release frees the scratch builder.
func (tb *tableBatch) release() {
	for _, b := range []**array.RecordBuilder{&tb.scratch, &tb.keyScr} {
		if *b != nil {
			(*b).Release()
			*b = nil
		}
	}
}

// saw records that the batch holds r.
func (tb *tableBatch) saw(r *kgo.Record) {
	tb.offsets.Set(r.Topic, r.Partition, r.Offset+1)
	if _, ok := tb.first.Get(r.Topic, r.Partition); !ok {
		tb.first.Set(r.Topic, r.Partition, r.Offset)
	}
}

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

// BatchResult is what one batch did, as the cdc_batch_complete event reports it.
type BatchResult struct {
	BatchID         int64
	Records         int
	EventsProcessed int64
	EventsSkipped   int64
	EventsFailed    int64
	NewTables       int
	Duration        time.Duration
	MaxLag          time.Duration
}

// processBatch decodes, collapses and applies one poll's records, then commits their offsets.
func (c *Consumer) processBatch(ctx context.Context, fetches kgo.Fetches) error {
	recs := fetches.Records()
	if len(recs) == 0 {
		return nil
	}
	start := c.cfg.now()
	c.batchID++
	res := BatchResult{BatchID: c.batchID, Records: len(recs)}
	id := ""
	for _, r := range recs {
		for _, h := range r.Headers {
			if h.Key == correlation.HeaderKey && correlation.Valid(string(h.Value)) {
				id = string(h.Value)
				break
			}
		}
		if id != "" {
			break
		}
	}
	if id == "" {
		id = correlation.NewID()
	}
	ctx = correlation.ContextWithID(ctx, id)

	batches := map[string]*tableBatch{}
	defer func() {
		for _, tb := range batches {
			tb.release()
		}
	}()
	var dead []*kgo.Record
	var deadWhy []error
	// passed advances the offsets of the table r's topic feeds, for a record that changes none.
	passed := func(r *kgo.Record) error {
		name, ok := c.topicTable(r.Topic)
		if !ok {
			return nil
		}
		tb, err := c.tableBatch(ctx, batches, name)
		if err == nil {
			tb.saw(r)
		}
		return err
	}
	// reject sets r aside for the dead-letter topic; r's table, when known, has already seen it.
	reject := func(r *kgo.Record, reason debezium.Reason, path string, err error) {
		var de *debezium.DecodeError
		if !errors.As(err, &de) {
			err = &debezium.DecodeError{Reason: reason, Path: path, Offset: -1, Err: err}
		}
		dead, deadWhy = append(dead, r), append(deadWhy, err)
	}
	fail := func(r *kgo.Record, err error) error {
		dead = append(dead, r)
		deadWhy = append(deadWhy, err)
		return passed(r)
	}
	// collect decodes r and adds its change to its table's share of the batch. Whatever r holds,
	// it ends applied, skipped or set aside: only a catalog that cannot answer stops the batch.
	collect := func(r *kgo.Record) error {
		ev, err := c.dec.Decode(r.Key, r.Value)
		if err != nil {
			return fail(r, err)
		}
		switch ev.Op {
		case debezium.OpTombstone: // the delete before it did the work
			return passed(r)
		case debezium.OpMessage:
			c.count(ctx, "cdc_messages", 1, monitoring.Dimensions{"topic": r.Topic})
			return passed(r)
		}
		if ev.Source.Table == "" {
			return fail(r, &debezium.DecodeError{Reason: ReasonMissingTable, Path: "payload.source.table", Offset: -1, Err: errors.New("the event names no table")})
		}
		name, from, err := c.tableName(ev.Source.TableID())
		if err != nil {
			return fail(r, &debezium.DecodeError{Reason: ReasonInvalidTableName, Path: "payload.source.table", Offset: -1, Err: err})
		}
		c.topics[r.Topic] = name
		tb, err := c.tableBatch(ctx, batches, name)
		if err != nil {
			return err
		}
		tb.saw(r)
		if tb.state.source == "" {
			tb.state.source = from
		} else if from != tb.state.source {
			reject(r, ReasonTableCollision, "payload.source", fmt.Errorf("table %s holds the changes of %s; %s has the same name (name the tables with cdc.SchemaAndTable)", name, tb.state.source, truncateText(from, 2*maxQuoted)))
			return nil
		}
		pos := positionOf(ev)
		if ev.Op == debezium.OpTruncate {
			tb.changes = append(tb.changes, change{pos: pos, truncate: true})
			tb.processed++
			return nil
		}
		if !ev.HasKey() {
			reject(r, ReasonMissingKey, "key", fmt.Errorf("a %s event for table %s without a key", ev.Op, name))
			return nil
		}
		if tb.keyCols != ev.Key.Columns() {
			if tb.keyIdx, err = keyIndex(ev.Key, ev.After, ev.Before); err != nil {
				reject(r, ReasonKeyNotInRow, "key", err)
				return nil
			}
			tb.keyCols = ev.Key.Columns()
		}
		if tb.state.skips(ev) {
			tb.skipped++
			return nil
		}
		p := pending{row: ev.After}
		switch {
		case ev.Op == debezium.OpDelete:
			if err := tb.checkKey(ev.Key); err != nil {
				reject(r, ReasonKeyDoesNotFit, "key", err)
				return nil
			}
			p = pending{row: ev.Key, del: true}
		case !ev.After.Present():
			reject(r, ReasonMissingAfter, "payload.after", fmt.Errorf("a %s event without an after image", ev.Op))
			return nil
		default:
			if err := tb.check(ev.After); err != nil {
				reject(r, ReasonValueDoesNotFit, "payload.after", err)
				return nil
			}
			if err := tb.addShape(ev.After, ev.Key); err != nil {
				reject(r, ReasonInvalidColumns, "payload.after", err)
				return nil
			}
		}
		tb.changes = append(tb.changes, change{pos: pos, key: keyString(ev.Key, seq(ev.Key.Len())), p: p})
		tb.processed++
		if lag := c.cfg.now().UnixMilli() - ev.Source.TsMs; ev.Source.TsMs > 0 && lag > tb.maxLagMs {
			tb.maxLagMs = lag
		}
		return nil
	}
	var batchSpan trace.SpanContext // the first record's process span: the batch's trace
	for _, r := range recs {
		var span trace.Span
		if c.kt != nil {
			var pctx context.Context
			pctx, span = c.kt.WithProcessSpan(r)
			if !batchSpan.IsValid() {
				batchSpan = trace.SpanContextFromContext(pctx)
			}
		}
		err := collect(r)
		if span != nil {
			// The table's commit span will be a child of its first record's process span and
			// linked to the others'.
			if tb := batches[c.topics[r.Topic]]; tb != nil {
				sc := span.SpanContext()
				if !tb.parent.IsValid() {
					tb.parent = sc
				} else if len(tb.links) < 128 {
					tb.links = append(tb.links, trace.Link{SpanContext: sc})
				}
			}
			span.End()
		}
		if err != nil {
			return err
		}
	}
	if batchSpan.IsValid() {
		ctx = trace.ContextWithSpanContext(ctx, batchSpan)
	}
	for _, name := range slices.Sorted(maps.Keys(batches)) {
		tb := batches[name]
		if tp := tb.collapse(); tp.ok && tp.compare(tb.state.maxPos) < 0 {
			// A truncate that Kafka delivered after changes the source made after it, in an
			// earlier batch (it sat on a lagging partition): those changes are gone from the
			// table. Say so loudly; the remedy is a bulk load of the table.
			c.count(ctx, "cdc_truncates_out_of_order", 1, monitoring.Dimensions{"namespace": c.namespace(), "table": name})
			c.log(ctx, slog.LevelError, name+": a TRUNCATE arrived after changes made after it were applied in an earlier batch; those changes were removed with it: reload the table with a bulk load")
		}
	}

	// Dead letters first: once the batch's offsets are committed, they are the only copy.
	if err := c.deadLetter(ctx, dead, deadWhy); err != nil {
		return err
	}
	res.EventsFailed = int64(len(dead))

	for i, name := range slices.Sorted(maps.Keys(batches)) {
		if i > 0 {
			c.failpoint(FailBetweenTables)
		}
		tb := batches[name]
		isNew, err := c.apply(ctx, tb, id)
		if err != nil {
			return fmt.Errorf("cdc: table %s: %w", name, err)
		}
		dims := monitoring.Dimensions{"namespace": c.namespace(), "table": name}
		c.count(ctx, "cdc_events_processed", float64(tb.processed), dims)
		c.count(ctx, "cdc_events_skipped", float64(tb.skipped), dims)
		if isNew {
			res.NewTables++
			c.count(ctx, "cdc_new_tables", 1, dims)
		}
		if c.cfg.metrics != nil && tb.maxLagMs > 0 {
			c.cfg.metrics.EmitGauge(ctx, "cdc_lag_seconds", float64(tb.maxLagMs)/1000, monitoring.UnitSeconds, dims)
		}
		res.EventsProcessed += tb.processed
		res.EventsSkipped += tb.skipped
		if tb.commit != nil {
			for _, o := range c.cfg.observers {
				o.Committed(ctx, *tb.commit)
			}
		}
		res.MaxLag = max(res.MaxLag, time.Duration(tb.maxLagMs)*time.Millisecond)
	}
	for name := range batches {
		c.touched[name] = true
	}
	committed := make([]*tableState, 0, len(batches))
	for _, name := range slices.Sorted(maps.Keys(batches)) {
		if tb := batches[name]; tb.committedAt != (time.Time{}) {
			committed = append(committed, tb.state)
		}
	}
	c.failpoint(FailBeforeKafkaCommit)
	if err := c.client.CommitRecords(ctx, recs...); err != nil && ctx.Err() == nil {
		// Iceberg holds the offsets: a lost Kafka commit only means a restart re-reads them.
		c.log(ctx, slog.LevelWarn, "kafka offset commit failed; Iceberg holds the offsets", "error", err.Error())
	}
	res.Duration = c.cfg.now().Sub(start)
	c.report(ctx, fetches, res)
	c.tend(ctx, committed)
	return nil
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// keyIndex checks that the after or before image has the key's columns.
func keyIndex(key, after, before debezium.Row) ([]int, error) {
	img := after
	if !img.Present() {
		img = before
	}
	idx := make([]int, key.Len())
	for i := range idx {
		name := key.Columns().Name(i)
		if !img.Present() {
			idx[i] = -1
			continue
		}
		j, ok := img.Columns().Index(name)
		if !ok {
			return nil, &debezium.DecodeError{Reason: "key_not_in_row", Path: "key." + name, Err: fmt.Errorf("key column %s is not in the row", name)}
		}
		idx[i] = j
	}
	return idx, nil
}

// tableName returns the Iceberg table of the source table id (WithTableNaming), id as text
// ("db.schema.table"), and why the name cannot be a table's; the last answer is kept, so that
// the events of one table cost no allocation.
func (c *Consumer) tableName(id debezium.TableID) (name, from string, err error) {
	if n := &c.named; n.id != id || n.from == "" {
		n.id, n.name, n.from = id, c.cfg.naming(id), id.String()
		n.err = validTableName(n.name)
	}
	return c.named.name, c.named.from, c.named.err
}

// tableBatch returns name's share of the batch, loading the table's state on first use.
func (c *Consumer) tableBatch(ctx context.Context, batches map[string]*tableBatch, name string) (*tableBatch, error) {
	if tb, ok := batches[name]; ok {
		return tb, nil
	}
	st, err := c.state(ctx, name)
	if err != nil {
		return nil, err
	}
	tb := &tableBatch{state: st, rows: map[string]pending{}, offsets: Offsets{}, first: Offsets{}}
	batches[name] = tb
	return tb, nil
}

func (c *Consumer) namespace() string {
	return cmp.Or(c.cfg.namespace, c.src.BulkLoad.Namespace, c.src.Iceberg.Namespace, c.src.Name)
}

// state returns the table's state, loading it from the catalog the first time.
func (c *Consumer) state(ctx context.Context, name string) (*tableState, error) {
	c.mu.Lock()
	st, ok := c.tables[name]
	c.mu.Unlock()
	if ok {
		return st, nil
	}
	st = &tableState{name: name, offsets: Offsets{}}
	tbl, err := c.tm.Catalog().LoadTable(ctx, c.tm.Identifier(name))
	if err != nil && !errors.Is(err, catalog.ErrNoSuchTable) {
		// Not "no such table": a catalog that cannot answer must not pass for an empty one.
		return nil, fmt.Errorf("cdc: load table %s: %w", name, err)
	}
	if err == nil {
		if err := st.load(tbl); err != nil {
			return nil, err
		}
		if st.pgerr != nil {
			c.log(ctx, slog.LevelWarn, name+": unreadable "+PropPGSnapshot+"; no change will be skipped", "error", st.pgerr.Error())
		}
	}
	c.mu.Lock()
	c.tables[name] = st
	c.mu.Unlock()
	c.dec.ResetHints()
	return st, nil
}

// load takes tbl as the table's current state.
func (st *tableState) load(tbl *table.Table) error {
	sc, err := table.SchemaToArrowSchema(tbl.Schema(), nil, false, false)
	if err != nil {
		return err
	}
	offs, err := TableOffsets(tbl)
	if err != nil {
		return err
	}
	st.tbl, st.schema, st.offsets = tbl, sc, offs
	// What the bulk load recorded is read again with every reload, so that a table loaded again
	// (after the consumer was stopped) is judged by its new snapshot, not the one cached.
	st.pgsnap, st.pgraw, st.pgerr, st.position, st.scn = nil, "", nil, "", 0
	if v, ok := iceberg.LastPropertyOf(tbl, PropPGSnapshot); ok {
		if snap, err := parsePGSnapshot(v); err == nil {
			st.pgsnap, st.pgraw = snap, v
		} else {
			st.pgerr = err
		}
	}
	if pos, ok := iceberg.LastPropertyOf(tbl, PropPosition); ok {
		st.position = pos
		if v, ok := strings.CutPrefix(pos, extract.PositionSCN+":"); ok {
			st.scn, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	if v, ok := iceberg.LastPropertyOf(tbl, PropSourceTable); ok && st.source == "" {
		st.source = v
	}
	st.key = st.key[:0]
	for _, id := range tbl.Schema().IdentifierFieldIDs {
		if n, ok := tbl.Schema().FindColumnName(id); ok {
			st.key = append(st.key, n)
		}
	}
	return nil
}

// skips reports whether ev's change was certainly in the bulk load's snapshot: for Oracle, a
// commit SCN at or below the snapshot's SCN; for PostgreSQL, a transaction the snapshot's
// transaction snapshot shows as committed (an LSN below the snapshot's proves nothing: the
// transaction may have committed after it). Anything else is applied: upserts are idempotent.
func (st *tableState) skips(ev *debezium.Event) bool {
	if st.pgsnap != nil && ev.Source.TxID != "" {
		xid, err := strconv.ParseUint(ev.Source.TxID, 10, 64)
		return err == nil && st.pgsnap.committed(xid)
	}
	if st.scn <= 0 || ev.Source.CommitSCN == "" {
		return false
	}
	scn, err := strconv.ParseInt(ev.Source.CommitSCN, 10, 64)
	return err == nil && scn <= st.scn
}

// hint tells the decoder, for schemaless messages, the column types of the Iceberg table.
func (c *Consumer) hint(id debezium.TableID, column string) (debezium.Hint, bool) {
	c.mu.Lock()
	st, ok := c.tables[id.Table]
	c.mu.Unlock()
	if !ok || st.schema == nil {
		return debezium.Hint{}, false
	}
	fs, ok := st.schema.FieldsByName(column)
	if !ok || len(fs) != 1 {
		return debezium.Hint{}, false
	}
	switch t := fs[0].Type.(type) {
	case *arrow.Decimal128Type:
		return debezium.Hint{Logical: debezium.LogicalDecimal, Scale: t.Scale}, true
	case *arrow.TimestampType:
		if t.TimeZone != "" {
			return debezium.Hint{Logical: debezium.LogicalZonedTimestamp}, true
		}
		return debezium.Hint{Logical: debezium.LogicalMicroTimestamp}, true
	case *arrow.Date32Type:
		return debezium.Hint{Logical: debezium.LogicalDate}, true
	case *arrow.Time64Type:
		return debezium.Hint{Logical: debezium.LogicalMicroTime}, true
	case *arrow.BinaryType:
		return debezium.Hint{Logical: debezium.LogicalBytes}, true
	}
	return debezium.Hint{}, false
}

// apply commits tb to its table, creating or evolving the table first. It reports whether the
// table was created.
func (c *Consumer) apply(ctx context.Context, tb *tableBatch, corrID string) (created bool, err error) {
	st := tb.state
	began := c.cfg.now()
	if c.tracer != nil {
		if tb.parent.IsValid() {
			ctx = trace.ContextWithSpanContext(ctx, tb.parent)
		}
		var span trace.Span
		ctx, span = c.tracer.Start(ctx, "iceberg commit "+st.name, trace.WithLinks(tb.links...),
			trace.WithAttributes(attribute.String("iceberg.table", st.name), attribute.Int64("cdc.events", tb.processed)))
		defer func() {
			if err != nil {
				span.RecordError(err)
				span.SetStatus(codes.Error, err.Error())
			}
			span.End()
		}()
	}
	for _, shape := range tb.shapes {
		if st.tbl != nil && covers(st.schema, shape) {
			continue
		}
		var key []string
		if tb.keyCols != nil {
			key = tb.keyCols.Names()
		}
		if len(st.key) > 0 {
			key = st.key
		}
		created = created || st.tbl == nil
		tbl, err := c.tm.EnsureTable(ctx, st.name, schemaOf(shape, key))
		if err != nil {
			return false, err
		}
		if err := st.load(tbl); err != nil {
			return false, err
		}
		c.dec.ResetHints()
	}
	if st.tbl == nil {
		// Only deletes or a truncate for a table that does not exist: nothing to change.
		return false, nil
	}
	var ups, dels []debezium.Row
	for _, k := range tb.order {
		p := tb.rows[k]
		if p.del {
			dels = append(dels, p.row)
		} else {
			ups = append(ups, p.row)
		}
	}
	if len(ups) == 0 && len(dels) == 0 && !tb.truncate {
		// Nothing to write (tombstones, skipped or dead-lettered events): no commit. A commit
		// of offsets alone could only set table properties, which do not move the snapshot
		// that fences a stale writer. Their progress is kept by Kafka's group commit, which
		// is fenced by the group generation, and by the table's next commit.
		st.offsets.mergeMax(tb.offsets)
		return false, nil
	}
	upRec, err := buildRecord(st.schema, ups)
	if err != nil {
		return false, err
	}
	defer upRec.Release()
	ch := iceberg.Change{Truncate: tb.truncate}
	if upRec.NumRows() > 0 {
		ch.Upserts = []arrow.RecordBatch{upRec}
	}
	if len(dels) > 0 {
		keySchema := keyOnly(st.schema, st.key)
		delRec, err := buildRecord(keySchema, dels)
		if err != nil {
			return false, err
		}
		defer delRec.Release()
		ch.Deletes = []arrow.RecordBatch{delRec}
	}
	// Consumers of other partitions of the same table commit to it too: when the table moved
	// on, Apply reloads it and commits again with the offsets merged, unless a commit already
	// covers part of this batch (then this consumer lost the partition and must not write).
	propsFor := func() (map[string]string, Offsets) {
		offs := Offsets{}
		offs.mergeMax(st.offsets)
		offs.mergeMax(tb.offsets)
		props := map[string]string{
			PropOffsets:       offs.String(),
			PropCorrelationID: corrID,
			PropBatchID:       strconv.FormatInt(c.batchID, 10),
		}
		if st.source != "" {
			props[PropSourceTable] = st.source
		}
		// The bulk load's position and transaction snapshot ride along, so that expiring the
		// load's snapshot does not lose what the skip rule needs.
		if st.position != "" {
			props[PropPosition] = st.position
		}
		if st.pgraw != "" {
			props[PropPGSnapshot] = st.pgraw
		}
		if g := c.gapsFor(tb.offsets); g != "" {
			props[PropOffsetGaps] = g
		}
		return props, offs
	}
	props, offs := propsFor()
	judgedBy := [...]string{st.position, st.pgraw} // the load's snapshot collect judged the batch by
	decide := func(fresh *table.Table) (map[string]string, error) {
		if err := st.load(fresh); err != nil {
			return nil, err
		}
		if judgedBy != [...]string{st.position, st.pgraw} {
			return nil, fmt.Errorf("%w (position %q, now %q)", ErrBulkLoadReplaced, judgedBy[0], st.position)
		}
		for topic, ps := range tb.first {
			for p, first := range ps {
				if done, ok := st.offsets.Get(topic, p); ok && done > first {
					return nil, fmt.Errorf("%w: %s/%d is applied up to %d, this batch starts at %d", ErrPartitionTaken, topic, p, done, first)
				}
			}
		}
		if !schemaEqual(st.schema, ch, upRec) {
			return nil, errors.New("cdc: the table's schema changed under this batch")
		}
		var p map[string]string
		p, offs = propsFor()
		return p, nil
	}
	c.failpoint(FailBeforeIcebergCommit)
	res, err := c.tm.Apply(ctx, st.tbl, st.schema, ch, props, iceberg.RetryOnConflict(50, decide))
	if err != nil {
		return false, err
	}
	st.tbl, st.offsets = res.Table, offs
	tb.committedAt = c.cfg.now()
	tb.commitTook = tb.committedAt.Sub(began)
	st.lastCommit = tb.commitTook
	if len(c.cfg.observers) > 0 {
		tb.commit = &CommitInfo{Namespace: c.namespace(), Table: st.name, Location: st.tbl.Location(), SourceTable: st.source,
			Topics: slices.Sorted(maps.Keys(tb.offsets)), Upserted: int64(len(ups)), Deleted: int64(len(dels)), Events: tb.processed,
			Truncated: tb.truncate, DataFiles: int(summaryInt(st.tbl, "added-data-files")), DeleteFiles: int(summaryInt(st.tbl, "added-delete-files")),
			AddedBytes: summaryInt(st.tbl, "added-files-size"), TotalRecords: summaryInt(st.tbl, "total-records"), SnapshotID: res.SnapshotID,
			Created: created, CommittedAt: c.cfg.now(), Duration: c.cfg.now().Sub(began), Columns: columnsOf(st.tbl), Offsets: offs.clone()}
	}
	if tb.maxPos.compare(st.maxPos) > 0 {
		st.maxPos = tb.maxPos
	}
	for topic := range tb.offsets {
		delete(c.gaps, topic)
	}
	return created, nil
}

// schemaEqual reports whether the upsert batch still has the table's schema sc.
func schemaEqual(sc *arrow.Schema, ch iceberg.Change, up arrow.RecordBatch) bool {
	if len(ch.Upserts) == 0 {
		return true
	}
	return up.Schema().Equal(sc)
}

// covers reports whether sc has every column of row, each at least as wide as the row types it.
func covers(sc *arrow.Schema, row debezium.Row) bool {
	cols := row.Columns()
	for i, n := range cols.Names() {
		fs, ok := sc.FieldsByName(n)
		if !ok || len(fs) == 0 {
			return false
		}
		if cols.Typed() && widens(fs[0].Type, arrowType(cols.Type(i), row.Value(i), true)) {
			return false
		}
	}
	return true
}

// keyOnly returns the fields of sc named by key.
func keyOnly(sc *arrow.Schema, key []string) *arrow.Schema {
	fields := make([]arrow.Field, 0, len(key))
	for _, k := range key {
		if fs, ok := sc.FieldsByName(k); ok && len(fs) == 1 {
			fields = append(fields, fs[0])
		}
	}
	return arrow.NewSchema(fields, nil)
}

// buildRecord builds a record batch of sc from rows, matching columns by name; a column a row
// lacks is NULL.
func buildRecord(sc *arrow.Schema, rows []debezium.Row) (arrow.RecordBatch, error) {
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	idx := make([]int, sc.NumFields())
	var last *debezium.Columns
	for _, row := range rows {
		if row.Columns() != last {
			last = row.Columns()
			for i, f := range sc.Fields() {
				j, ok := last.Index(f.Name)
				if !ok {
					j = -1
				}
				idx[i] = j
			}
		}
		for i, f := range sc.Fields() {
			v := debezium.NullValue()
			if idx[i] >= 0 {
				v = row.Value(idx[i])
			}
			if err := appendValue(b.Field(i), f, v); err != nil {
				return nil, err
			}
		}
	}
	return b.NewRecordBatch(), nil
}

// maxErrorText bounds the error text a dead letter's header and its cdc_event_failed event carry:
// the record itself is the evidence; the text only says why.
const maxErrorText = 1024

// deadLetter sends each failed record to the dead-letter topic with headers saying why, or,
// without one, logs it as an event; either way it is counted. A dead letter the broker refuses
// as too large (the original record plus the headers over the topic's max.message.bytes) is sent
// again without its value, with etlwatch.error.value_omitted giving the value's size: the headers
// still say where the original is.
func (c *Consumer) deadLetter(ctx context.Context, recs []*kgo.Record, why []error) error {
	if len(recs) == 0 {
		return nil
	}
	var out []*kgo.Record
	for i, r := range recs {
		reason := string(debezium.ReasonOf(why[i]))
		if reason == "" {
			reason = "invalid"
		}
		msg := truncateText(why[i].Error(), maxErrorText)
		c.count(ctx, "cdc_events_failed", 1, monitoring.Dimensions{"namespace": c.namespace(), "topic": r.Topic, "reason": reason})
		details := monitoring.Details{
			"topic": r.Topic, "partition": r.Partition, "offset": r.Offset,
			"reason": reason, "error": msg, "dead_letter_topic": c.dlq,
		}
		if c.cfg.logger != nil {
			c.cfg.logger.LogWarning(ctx, "cdc_event_failed", details)
		}
		if c.dlq == "" {
			continue
		}
		headers := append(slices.Clone(r.Headers),
			kgo.RecordHeader{Key: "etlwatch.error.reason", Value: []byte(reason)},
			kgo.RecordHeader{Key: "etlwatch.error.message", Value: []byte(msg)},
			kgo.RecordHeader{Key: "etlwatch.source.topic", Value: []byte(r.Topic)},
			kgo.RecordHeader{Key: "etlwatch.source.partition", Value: []byte(strconv.Itoa(int(r.Partition)))},
			kgo.RecordHeader{Key: "etlwatch.source.offset", Value: []byte(strconv.FormatInt(r.Offset, 10))},
		)
		out = append(out, &kgo.Record{Topic: c.dlq, Key: r.Key, Value: r.Value, Headers: headers})
	}
	if len(out) == 0 {
		return nil
	}
	res := c.client.ProduceSync(ctx, out...)
	var retry []*kgo.Record
	for _, pr := range res {
		switch {
		case pr.Err == nil:
		case errors.Is(pr.Err, kerr.MessageTooLarge) || errors.Is(pr.Err, kerr.RecordListTooLarge):
			r := pr.Record
			h := []kgo.RecordHeader{{Key: "etlwatch.error.value_omitted", Value: []byte(strconv.Itoa(len(r.Value) + len(r.Key)))}}
			for _, x := range r.Headers {
				if strings.HasPrefix(x.Key, "etlwatch.") {
					h = append(h, x)
				}
			}
			retry = append(retry, &kgo.Record{Topic: r.Topic, Headers: h})
		default:
			return fmt.Errorf("cdc: dead-letter topic %s: %w", c.dlq, pr.Err)
		}
	}
	if len(retry) > 0 {
		if err := c.client.ProduceSync(ctx, retry...).FirstErr(); err != nil {
			return fmt.Errorf("cdc: dead-letter topic %s (without the values that were too large): %w", c.dlq, err)
		}
	}
	return nil
}

func (c *Consumer) count(ctx context.Context, name string, v float64, dims monitoring.Dimensions) {
	if c.cfg.metrics != nil {
		c.cfg.metrics.EmitCounter(ctx, name, v, dims)
	}
}

// report emits the batch metrics, the Kafka offset lag and the cdc_batch_complete event.
func (c *Consumer) report(ctx context.Context, fetches kgo.Fetches, res BatchResult) {
	throughput := 0.0
	if s := res.Duration.Seconds(); s > 0 {
		throughput = float64(res.EventsProcessed) / s
	}
	if m := c.cfg.metrics; m != nil {
		m.EmitCounter(ctx, "cdc_batch_processed", 1, nil)
		m.EmitDuration(ctx, "cdc_batch_processing_time", res.Duration, nil)
		m.EmitGauge(ctx, "cdc_throughput_records_per_sec", throughput, monitoring.UnitNone, nil)
		fetches.EachPartition(func(p kgo.FetchTopicPartition) {
			if len(p.Records) == 0 {
				return
			}
			next := p.Records[len(p.Records)-1].Offset + 1
			m.EmitGauge(ctx, "cdc_kafka_offset_lag", float64(max(0, p.HighWatermark-next)), monitoring.UnitNone,
				monitoring.Dimensions{"topic": p.Topic, "partition": strconv.Itoa(int(p.Partition))})
		})
	}
	if c.cfg.logger != nil {
		c.cfg.logger.LogEvent(ctx, EventBatchComplete, monitoring.Details{
			"batch_id":                   res.BatchID,
			"records":                    res.Records,
			"events_processed":           res.EventsProcessed,
			"events_skipped":             res.EventsSkipped,
			"events_failed":              res.EventsFailed,
			"new_tables":                 res.NewTables,
			"batch_duration_seconds":     res.Duration.Seconds(),
			"throughput_records_per_sec": throughput,
			"max_lag_seconds":            res.MaxLag.Seconds(),
		})
	}
}
