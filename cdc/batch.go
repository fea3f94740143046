package cdc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/etlwatch/etlwatch/cdc/debezium"
	"github.com/etlwatch/etlwatch/correlation"
	"github.com/etlwatch/etlwatch/iceberg"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.opentelemetry.io/otel/trace"
)

// pending is the last state of one key in a batch.
type pending struct {
	row debezium.Row // After for an upsert, the key for a delete
	del bool
}

// tableBatch is one table's share of a batch.
type tableBatch struct {
	b         *batch // the batch it is a share of
	last      bool   // the batch's last table to commit
	state     *tableState
	truncate  bool
	changes   []change // collected in poll order; collapse orders them and fills rows
	rows      map[string]pending
	order     []string
	maxPos    position // the furthest source position among the changes
	truncPos  position // the position of the batch's truncate (collapse), when it has one
	processed int64
	skipped   int64
	maxLagMs  int64
	offsets   Offsets        // the next offset after the batch's last record, by partition
	first     Offsets        // the batch's first record, by partition
	shapes    []debezium.Row // one upserted row per column set seen: what the table must hold
	keyIdx    []int
	keyCols   *debezium.Columns
	keyBuf    []byte               // see keyString
	scratch   *array.RecordBuilder // see check
	keyScr    *array.RecordBuilder // see checkKey
	parent    trace.SpanContext    // with WithTracing: the first record's process span
	links     []trace.Link         // and the others'
	commit    *CommitInfo          // with observers: what apply committed, nil when nothing
	// committedAt and commitTook: when apply committed and how long it took; zero when nothing
	committedAt time.Time
	commitTook  time.Duration
	// upkeepWait is how long its commit waited for the table's maintenance (not in commitTook,
	// nor is the wait for the batch before).
	upkeepWait time.Duration
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
		v := row.Value(j)
		if f.Type.ID() == arrow.STRING && !v.IsNull() {
			continue // any value fits a string column (appendValue formats it): no need to copy it
		}
		if err := appendValue((*b).Field(i), f, v); err != nil {
			return err
		}
	}
	// The scratch columns only grow (a string column not at all): empty them now and then.
	for _, fb := range (*b).Fields() {
		if fb.Len() >= 4096 {
			for _, fb := range (*b).Fields() {
				fb.NewArray().Release()
			}
			break
		}
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

// processBatch collapses and applies one batch of records, recs (fetches' records in order),
// decoded as evs, then commits their offsets. self is the batch in the pipeline: self.prev, the
// batch before, may still be committing; this one commits after it (waitPrev).
func (c *Consumer) processBatch(ctx context.Context, fetches kgo.Fetches, recs []*kgo.Record, evs []decoded, self *committing) error {
	if len(recs) == 0 {
		return nil
	}
	c.stateMu.Lock()
	defer c.stateMu.Unlock()
	start := c.cfg.now()
	c.batchID++
	b := &batch{c: c, self: self, prev: self.prev, nowMs: start.UnixMilli(), tables: map[string]*tableBatch{}, res: BatchResult{BatchID: c.batchID, Records: len(recs)}}
	defer b.release()
	b.corrID = correlationOf(recs)
	b.ctx = correlation.ContextWithID(ctx, b.corrID)
	if err := b.collectAll(recs, evs); err != nil {
		return err
	}
	b.collapse()
	if err := b.commit(recs); err != nil {
		return err
	}
	b.res.Duration = c.cfg.now().Sub(start)
	c.report(b.ctx, fetches, b.res)
	c.tend(b.ctx, b.committed())
	return nil
}

// batch is one batch on its way to Iceberg: each table's share of it, the records set aside for
// the dead-letter topic, and what it did. Every record ends in exactly one of three places:
// applied (or skipped) by its table's commit, set aside ([batch.setAside]), or passed (a record
// that changes no table, [batch.passed]); in all three, the table its topic feeds, when known,
// counts its offset, so that the table's next commit records it.
type batch struct {
	c       *Consumer
	self    *committing     // this batch in the pipeline
	prev    *committing     // the batch before, until waitPrev saw it over; nil then
	waited  time.Duration   // how long it waited for the batch before (awaitPrev)
	nowMs   int64           // when collecting began, in Unix ms: what each change's lag is measured at
	ctx     context.Context // carries the batch's correlation ID, then its trace
	corrID  string
	tables  map[string]*tableBatch
	dead    []*kgo.Record
	deadWhy []error
	res     BatchResult
}

// correlationOf returns the correlation ID the batch's first record carries in its headers, or a
// new one.
func correlationOf(recs []*kgo.Record) string {
	for _, r := range recs {
		for _, h := range r.Headers {
			if h.Key == correlation.HeaderKey && correlation.Valid(string(h.Value)) {
				return string(h.Value)
			}
		}
	}
	return correlation.NewID()
}

// errPrevFailed is why a batch commits nothing: the batch before it failed (Run returns that
// one's error).
var errPrevFailed = errors.New("cdc: the batch before failed; this one commits nothing")

// awaitPrev waits until the batch before this one is over; without c.stateMu (inside
// TableManager.Apply). It fails when that batch failed.
func (b *batch) awaitPrev() error {
	p := b.prev
	if p == nil {
		return nil
	}
	start := b.c.cfg.now()
	<-p.ctx.Done()
	b.waited += b.c.cfg.now().Sub(start)
	if p.err != nil || p.panicked != nil {
		return errPrevFailed
	}
	b.prev = nil
	return nil
}

// waitPrev is awaitPrev for the holder of c.stateMu, which the batch before needs to finish.
func (b *batch) waitPrev() error {
	if b.prev == nil {
		return nil
	}
	b.c.stateMu.Unlock()
	defer b.c.stateMu.Lock()
	return b.awaitPrev()
}

// release frees the tables' scratch builders.
func (b *batch) release() {
	for _, tb := range b.tables {
		tb.release()
	}
}

// table returns name's share of the batch, loading the table's state on first use.
func (b *batch) table(name string) (*tableBatch, error) {
	if tb, ok := b.tables[name]; ok {
		return tb, nil
	}
	st, err := b.c.state(b.ctx, name)
	if err != nil {
		return nil, err
	}
	tb := &tableBatch{b: b, state: st, rows: map[string]pending{}, offsets: Offsets{}, first: Offsets{}}
	b.tables[name] = tb
	if len(b.tables) == 1 {
		tb.changes = make([]change, 0, b.res.Records) // most batches feed one table
	}
	return tb, nil
}

// passed counts r, a record that changes no table, in the offsets of the table its topic feeds.
func (b *batch) passed(r *kgo.Record) error {
	name, ok := b.c.topicTable(r.Topic)
	if !ok {
		return nil // Kafka's group commit keeps its progress
	}
	tb, err := b.table(name)
	if err == nil {
		tb.saw(r)
	}
	return err
}

// setAside sends r to the dead-letter topic with why it failed (err, given a reason and the
// path of the part at fault unless it is a decoder's error already), and counts it as passed.
func (b *batch) setAside(r *kgo.Record, reason debezium.Reason, path string, err error) error {
	var de *debezium.DecodeError
	if !errors.As(err, &de) {
		err = &debezium.DecodeError{Reason: reason, Path: path, Offset: -1, Err: err}
	}
	b.dead, b.deadWhy = append(b.dead, r), append(b.deadWhy, err)
	return b.passed(r)
}

// collectAll collects every record; with tracing, each in its process span, and each table's
// commit span will be a child of its first record's span, linked to the others'.
func (b *batch) collectAll(recs []*kgo.Record, evs []decoded) error {
	c := b.c
	var batchSpan trace.SpanContext // the first record's process span: the batch's trace
	for i, r := range recs {
		var span trace.Span
		if c.kt != nil {
			var pctx context.Context
			pctx, span = c.kt.WithProcessSpan(r)
			if !batchSpan.IsValid() {
				batchSpan = trace.SpanContextFromContext(pctx)
			}
		}
		err := b.collect(r, evs[i])
		if span != nil {
			if tb := b.tables[c.topics[r.Topic]]; tb != nil {
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
		b.ctx = trace.ContextWithSpanContext(b.ctx, batchSpan)
	}
	return nil
}

// collect adds r's change, decoded as d, to its table's share of the batch. Whatever r holds, it
// ends applied, skipped, passed or set aside: only a catalog that cannot answer stops the batch.
func (b *batch) collect(r *kgo.Record, d decoded) error {
	c := b.c
	ev, err := d.ev, d.err
	if err != nil {
		return b.setAside(r, debezium.ReasonInvalidEnvelope, "value", err)
	}
	switch ev.Op {
	case debezium.OpTombstone: // the delete before it did the work
		return b.passed(r)
	case debezium.OpMessage:
		c.count(b.ctx, "cdc_messages", 1, monitoring.Dimensions{"topic": r.Topic})
		return b.passed(r)
	}
	if ev.Source.Table == "" {
		return b.setAside(r, ReasonMissingTable, "payload.source.table", errors.New("the event names no table"))
	}
	name, from, err := c.tableName(ev.Source.TableID())
	if err != nil {
		return b.setAside(r, ReasonInvalidTableName, "payload.source.table", err)
	}
	c.topics[r.Topic] = name
	tb, err := b.table(name)
	if err != nil {
		return err
	}
	tb.saw(r)
	if tb.state.source == "" {
		tb.state.source = from
	} else if from != tb.state.source {
		return b.setAside(r, ReasonTableCollision, "payload.source", fmt.Errorf("table %s holds the changes of %s; %s has the same name (name the tables with cdc.SchemaAndTable)", name, tb.state.source, truncateText(from, 2*maxQuoted)))
	}
	return b.add(r, tb, ev)
}

// add adds the change ev, which r carries, to tb, or sets r aside when it cannot be applied.
func (b *batch) add(r *kgo.Record, tb *tableBatch, ev *debezium.Event) error {
	pos := positionOf(ev)
	if ev.Op == debezium.OpTruncate {
		tb.changes = append(tb.changes, change{pos: pos, truncate: true})
		tb.processed++
		return nil
	}
	if !ev.HasKey() {
		return b.setAside(r, ReasonMissingKey, "key", fmt.Errorf("a %s event for table %s without a key", ev.Op, tb.state.name))
	}
	if tb.keyCols != ev.Key.Columns() {
		idx, err := keyIndex(ev.Key, ev.After, ev.Before)
		if err != nil {
			return b.setAside(r, ReasonKeyNotInRow, "key", err)
		}
		tb.keyIdx, tb.keyCols = idx, ev.Key.Columns()
	}
	if tb.state.skips(ev) {
		tb.skipped++
		return nil
	}
	p := pending{row: ev.After}
	switch {
	case ev.Op == debezium.OpDelete:
		if err := tb.checkKey(ev.Key); err != nil {
			return b.setAside(r, ReasonKeyDoesNotFit, "key", err)
		}
		p = pending{row: ev.Key, del: true}
	case !ev.After.Present():
		return b.setAside(r, ReasonMissingAfter, "payload.after", fmt.Errorf("a %s event without an after image", ev.Op))
	default:
		if err := tb.check(ev.After); err != nil {
			return b.setAside(r, ReasonValueDoesNotFit, "payload.after", err)
		}
		if err := tb.addShape(ev.After, ev.Key); err != nil {
			return b.setAside(r, ReasonInvalidColumns, "payload.after", err)
		}
	}
	var key string
	key, tb.keyBuf = keyString(tb.keyBuf, ev.Key)
	tb.changes = append(tb.changes, change{pos: pos, key: key, p: p})
	tb.processed++
	if lag := b.nowMs - ev.Source.TsMs; ev.Source.TsMs > 0 && lag > tb.maxLagMs {
		tb.maxLagMs = lag
	}
	return nil
}

// collapse collapses each table's share in source order, noting its truncate's position.
func (b *batch) collapse() {
	for _, tb := range b.tables {
		tb.truncPos = tb.collapse()
	}
}

// checkTruncates reports a truncate that arrived after changes the source made after it,
// applied in an earlier batch (it sat on a lagging partition): those changes are gone from the
// table. The remedy is a bulk load of the table. It compares once the batch before this one is
// over, so that its changes count.
func (b *batch) checkTruncates() error {
	c := b.c
	for _, name := range slices.Sorted(maps.Keys(b.tables)) {
		tb := b.tables[name]
		if !tb.truncPos.ok {
			continue
		}
		if err := b.waitPrev(); err != nil {
			return err
		}
		if tp := tb.truncPos; tp.compare(tb.state.maxPos) < 0 {
			c.count(b.ctx, "cdc_truncates_out_of_order", 1, monitoring.Dimensions{"namespace": c.namespace(), "table": name})
			c.log(b.ctx, slog.LevelError, name+": a TRUNCATE arrived after changes made after it were applied in an earlier batch; those changes were removed with it: reload the table with a bulk load")
		}
	}
	return nil
}

// commit sends the dead letters, commits each table's share to Iceberg with its offsets, then
// commits recs' offsets to Kafka.
func (b *batch) commit(recs []*kgo.Record) error {
	c, ctx := b.c, b.ctx
	// Dead letters first: once the batch's offsets are committed, they are the only copy.
	if err := c.deadLetter(ctx, b.dead, b.deadWhy); err != nil {
		return err
	}
	b.res.EventsFailed = int64(len(b.dead))
	if err := b.checkTruncates(); err != nil {
		return err
	}
	names := slices.Sorted(maps.Keys(b.tables))
	for i, name := range names {
		if i > 0 {
			c.failpoint(FailBetweenTables)
		}
		tb := b.tables[name]
		tb.last = i == len(names)-1
		isNew, err := c.apply(ctx, tb, b.corrID)
		if err != nil {
			return fmt.Errorf("cdc: table %s: %w", name, err)
		}
		b.counted(tb, isNew)
		c.touched[name] = true
	}
	// Kafka's commit and what follows (the batch's report, the maintenance) come after the
	// batch before's.
	if err := b.waitPrev(); err != nil {
		return err
	}
	c.failpoint(FailBeforeKafkaCommit)
	if err := c.client.CommitRecords(ctx, recs...); err != nil && ctx.Err() == nil {
		// Iceberg holds the offsets: a lost Kafka commit only means a restart re-reads them.
		c.log(ctx, slog.LevelWarn, "kafka offset commit failed; Iceberg holds the offsets", "error", err.Error())
	}
	return nil
}

// counted adds what tb's commit did to the metrics, the batch's result and the observers.
func (b *batch) counted(tb *tableBatch, isNew bool) {
	c, ctx := b.c, b.ctx
	dims := monitoring.Dimensions{"namespace": c.namespace(), "table": tb.state.name}
	c.count(ctx, "cdc_events_processed", float64(tb.processed), dims)
	c.count(ctx, "cdc_events_skipped", float64(tb.skipped), dims)
	if isNew {
		b.res.NewTables++
		c.count(ctx, "cdc_new_tables", 1, dims)
	}
	if c.cfg.metrics != nil && tb.maxLagMs > 0 {
		c.cfg.metrics.EmitGauge(ctx, "cdc_lag_seconds", float64(tb.maxLagMs)/1000, monitoring.UnitSeconds, dims)
	}
	b.res.EventsProcessed += tb.processed
	b.res.EventsSkipped += tb.skipped
	if tb.commit != nil {
		for _, o := range c.cfg.observers {
			o.Committed(ctx, *tb.commit)
		}
	}
	b.res.MaxLag = max(b.res.MaxLag, time.Duration(tb.maxLagMs)*time.Millisecond)
}

// committed returns the states of the tables the batch committed to, by name.
func (b *batch) committed() []*tableState {
	out := make([]*tableState, 0, len(b.tables))
	for _, name := range slices.Sorted(maps.Keys(b.tables)) {
		if tb := b.tables[name]; !tb.committedAt.IsZero() {
			out = append(out, tb.state)
		}
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
