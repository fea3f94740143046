package cdc

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/iceberg-go/table"
	"github.com/etlwatch/etlwatch/cdc/debezium"
	"github.com/etlwatch/etlwatch/iceberg"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// apply commits tb to its table, creating or evolving the table first. It reports whether the
// table was created.
func (c *Consumer) apply(ctx context.Context, tb *tableBatch, corrID string) (created bool, err error) {
	st := tb.state
	began, waited := c.cfg.now(), tb.b.waited
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
	if created, err = c.ensureShapes(ctx, tb); err != nil || st.tbl == nil {
		// Without a table, only deletes or a truncate: nothing to change.
		return false, err
	}
	if c.index != nil && st.tbl.Metadata().Version() < 3 {
		if err := tb.b.waitPrev(); err != nil { // no upgrade under the batch before
			return false, err
		}
		tb.upkeepWait += c.awaitUpkeep() // nor while the table is maintained
		tbl, err := c.tm.EnableDeletionVectors(ctx, st.tbl)
		if err != nil {
			return false, err
		}
		st.tbl = tbl
	}
	ups, dels := tb.split()
	if len(ups) == 0 && len(dels) == 0 && !tb.truncate {
		// Nothing to write (tombstones, skipped or dead-lettered events): no commit. A commit
		// of offsets alone could only set table properties, which do not move the snapshot
		// that fences a stale writer. Their progress is kept by Kafka's group commit, which
		// is fenced by the group generation, and by the table's next commit (after the
		// batch before's, which sets the offsets).
		if err := tb.b.waitPrev(); err != nil {
			return false, err
		}
		st.offsets.mergeMax(tb.offsets)
		return created, nil
	}
	ch, upRec, release, err := buildChange(st, ups, dels, tb.truncate)
	if err != nil {
		return false, err
	}
	defer release()
	if err := c.commitTable(ctx, tb, corrID, ch, upRec); err != nil {
		return false, err
	}
	tb.committedAt = c.cfg.now()
	tb.commitTook = tb.committedAt.Sub(began) - tb.upkeepWait - (tb.b.waited - waited)
	st.lastCommit = tb.commitTook
	if len(c.cfg.observers) > 0 {
		tb.commit = &CommitInfo{Namespace: c.namespace(), Table: st.name, Location: st.tbl.Location(), SourceTable: st.source,
			Topics: slices.Sorted(maps.Keys(tb.offsets)), Upserted: int64(len(ups)), Deleted: int64(len(dels)), Events: tb.processed,
			Truncated: tb.truncate, DataFiles: int(summaryInt(st.tbl, "added-data-files")), DeleteFiles: int(summaryInt(st.tbl, "added-delete-files")),
			AddedBytes: summaryInt(st.tbl, "added-files-size"), TotalRecords: summaryInt(st.tbl, "total-records"), SnapshotID: currentSnapshotID(st.tbl),
			Created: created, CommittedAt: tb.committedAt, Duration: tb.commitTook, Columns: columnsOf(st.tbl), Offsets: st.offsets.clone()}
	}
	return created, nil
}

// ensureShapes creates tb's table, or adds the columns tb's rows have and the table has not
// (widening a type the source widened), and reports whether it created the table.
func (c *Consumer) ensureShapes(ctx context.Context, tb *tableBatch) (created bool, err error) {
	st := tb.state
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
		if err := tb.b.waitPrev(); err != nil { // no schema change under the batch before
			return false, err
		}
		tb.upkeepWait += c.awaitUpkeep() // nor while the table is maintained
		tbl, err := c.tm.EnsureTable(ctx, st.name, schemaOf(shape, key))
		if err != nil {
			return false, err
		}
		if err := st.load(tbl); err != nil {
			return false, err
		}
		c.resetHints()
	}
	return created, nil
}

// split returns the upserted rows and the deleted keys of tb's collapsed changes.
func (tb *tableBatch) split() (ups, dels []debezium.Row) {
	ups = make([]debezium.Row, 0, len(tb.order))
	for _, k := range tb.order {
		p := tb.rows[k]
		if p.del {
			dels = append(dels, p.row)
		} else {
			ups = append(ups, p.row)
		}
	}
	return ups, dels
}

// buildChange builds the Iceberg change of ups and dels in st's table; release frees its batches.
// upRec is the upsert batch, empty when there is none.
func buildChange(st *tableState, ups, dels []debezium.Row, truncate bool) (ch iceberg.Change, upRec arrow.RecordBatch, release func(), err error) {
	upRec, err = buildRecord(st.schema, ups)
	if err != nil {
		return ch, nil, nil, err
	}
	ch.Truncate = truncate
	if upRec.NumRows() > 0 {
		ch.Upserts = []arrow.RecordBatch{upRec}
	}
	if len(dels) == 0 {
		return ch, upRec, upRec.Release, nil
	}
	delRec, err := buildRecord(keyOnly(st.schema, st.key), dels)
	if err != nil {
		upRec.Release()
		return ch, nil, nil, err
	}
	ch.Deletes = []arrow.RecordBatch{delRec}
	return ch, upRec, func() { upRec.Release(); delRec.Release() }, nil
}

// commitProps returns the snapshot summary properties of tb's commit and the offsets they record:
// the table's, advanced by the batch's.
func (c *Consumer) commitProps(tb *tableBatch, corrID string) (map[string]string, Offsets) {
	st := tb.state
	offs := Offsets{}
	offs.mergeMax(st.offsets)
	offs.mergeMax(tb.offsets)
	props := map[string]string{
		PropOffsets:       offs.String(),
		PropCorrelationID: corrID,
		PropBatchID:       strconv.FormatInt(tb.b.res.BatchID, 10),
	}
	st.carry(props)
	if g := c.gapsFor(tb.offsets); g != "" {
		props[PropOffsetGaps] = g
	}
	return props, offs
}

// commitTable commits ch, tb's change, with its offsets. Consumers of other partitions of the
// same table commit to it too: when the table moved on, Apply reloads it and commits again with
// the offsets merged, unless a commit already covers part of this batch (then this consumer lost
// the partition and must not write) or a bulk load replaced the table.
func (c *Consumer) commitTable(ctx context.Context, tb *tableBatch, corrID string, ch iceberg.Change, upRec arrow.RecordBatch) error {
	st := tb.state
	props, offs := c.commitProps(tb, corrID)
	judgedBy := [...]string{st.position, st.pgraw} // the load's snapshot collect judged the batch by
	decide := func(fresh *table.Table) (map[string]string, error) {
		c.stateMu.Lock() // called inside Apply
		defer c.stateMu.Unlock()
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
		p, offs = c.commitProps(tb, corrID)
		return p, nil
	}
	opts := []iceberg.ApplyOption{iceberg.RetryOnConflict(50, decide), c.beforeCommit(tb)}
	if c.index != nil {
		opts = append(opts, iceberg.DeleteByPosition(c.index))
	}
	if st.tbl.CurrentSnapshot() == nil {
		// Apply deletes nothing in a table without rows: wait for the batch before's first
		// rows, if it is writing them.
		if err := tb.b.waitPrev(); err != nil {
			return err
		}
		props, offs = c.commitProps(tb, corrID)
	}
	if tb.last {
		tb.b.self.markPrepared() // only commits from here on: the next batch may start
	}
	// Apply writes the files, then commits after the batch before (beforeCommit): the next
	// batch may meanwhile collect and write its own, holding c.stateMu.
	tbl, sc := st.tbl, st.schema
	c.stateMu.Unlock()
	locked := false
	defer func() {
		if !locked { // Apply panicked: the batch's deferred unlock needs the lock held
			c.stateMu.Lock()
		}
	}()
	res, err := c.tm.Apply(ctx, tbl, sc, ch, props, opts...)
	c.stateMu.Lock()
	locked = true
	if err != nil {
		return err
	}
	st.tbl, st.offsets = res.Table, offs
	if tb.maxPos.compare(st.maxPos) > 0 {
		st.maxPos = tb.maxPos
	}
	for topic := range tb.offsets {
		delete(c.gaps, topic)
	}
	return nil
}

// currentSnapshotID is the ID of tbl's current snapshot, 0 without one.
func currentSnapshotID(tbl *table.Table) int64 {
	if s := tbl.CurrentSnapshot(); s != nil {
		return s.SnapshotID
	}
	return 0
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
	fields := sc.Fields() // once: Fields copies the slice
	idx := make([]int, len(fields))
	var last *debezium.Columns
	for _, row := range rows {
		if row.Columns() != last {
			last = row.Columns()
			for i, f := range fields {
				j, ok := last.Index(f.Name)
				if !ok {
					j = -1
				}
				idx[i] = j
			}
		}
		for i, f := range fields {
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
