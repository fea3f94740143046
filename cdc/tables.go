package cdc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"
	"github.com/etlwatch/etlwatch/cdc/debezium"
	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/iceberg"
)

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
	// hintSchema is schema for the decoding goroutines (hint), which may run while a batch
	// commits and changes schema.
	hintSchema atomic.Pointer[arrow.Schema]
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
	c.resetHints()
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
	st.hintSchema.Store(sc)
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
	if !ok {
		return debezium.Hint{}, false
	}
	sc := st.hintSchema.Load()
	if sc == nil {
		return debezium.Hint{}, false
	}
	fs, ok := sc.FieldsByName(column)
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

// carry adds to props what every commit to the table repeats: the source table that writes it,
// and the bulk load's position and transaction snapshot, so that expiring the load's snapshot
// does not lose what the skip rule needs.
func (st *tableState) carry(props map[string]string) {
	if st.source != "" {
		props[PropSourceTable] = st.source
	}
	if st.position != "" {
		props[PropPosition] = st.position
	}
	if st.pgraw != "" {
		props[PropPGSnapshot] = st.pgraw
	}
}
