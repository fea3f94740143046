package cdc

import (
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/etlwatch/etlwatch/cdc/debezium"
)

// position is where the source database made a change, in the order its log has it: for
// PostgreSQL the change LSN (conflicting changes, such as two updates of one row or a row change
// and a TRUNCATE, which takes the table's exclusive lock, are in commit order by LSN); for MySQL
// the binlog file's number, the position and the row in the event; for Oracle the commit SCN, then
// the change SCN. ok is false when the event does not say.
type position struct {
	v  [3]uint64
	ok bool
}

// positionOf returns ev's source position.
func positionOf(ev *debezium.Event) position {
	s := &ev.Source
	switch {
	case s.LSN > 0:
		return position{v: [3]uint64{uint64(s.LSN)}, ok: true}
	case s.File != "":
		i := strings.LastIndexByte(s.File, '.')
		n, err := strconv.ParseUint(s.File[i+1:], 10, 64)
		if err != nil || s.Pos < 0 {
			return position{}
		}
		return position{v: [3]uint64{n, uint64(s.Pos), uint64(max(s.Row, 0))}, ok: true}
	case s.CommitSCN != "" || s.SCN != "":
		c, err1 := strconv.ParseUint(cmp.Or(s.CommitSCN, s.SCN), 10, 64)
		n, err2 := strconv.ParseUint(cmp.Or(s.SCN, s.CommitSCN), 10, 64)
		if err1 != nil || err2 != nil {
			return position{}
		}
		return position{v: [3]uint64{c, n}, ok: true}
	case s.Sequence != "":
		// ["last committed LSN","current LSN"] without an lsn field.
		var seq []string
		if json.Unmarshal([]byte(s.Sequence), &seq) != nil || len(seq) != 2 {
			return position{}
		}
		n, err := strconv.ParseUint(seq[1], 10, 64)
		if err != nil {
			return position{}
		}
		return position{v: [3]uint64{n}, ok: true}
	}
	return position{}
}

// compare orders two positions of the same source.
func (p position) compare(o position) int { return slices.Compare(p.v[:], o.v[:]) }

// change is one collected event of a table's share of a batch, kept until the batch is collapsed.
type change struct {
	pos      position
	truncate bool
	key      string // collapse key; "" for a truncate
	p        pending
}

// collapse reduces the batch's changes to the last state of each key, in source order: when
// every change says where the source made it, the changes are ordered by that position (a
// TRUNCATE carries no key, so Debezium may put it on any partition, and a poll returns
// partitions in no particular order); otherwise in the order they were read. A truncate discards
// what came before it. It returns the truncate's position when the batch had one.
func (tb *tableBatch) collapse() (truncPos position) {
	sorted := true
	for i := range tb.changes {
		sorted = sorted && tb.changes[i].pos.ok
	}
	if sorted {
		slices.SortStableFunc(tb.changes, func(a, b change) int { return a.pos.compare(b.pos) })
	}
	tb.rows, tb.order = make(map[string]pending, len(tb.changes)), make([]string, 0, len(tb.changes))
	for _, ch := range tb.changes {
		if ch.truncate {
			tb.truncate, tb.rows, tb.order = true, map[string]pending{}, nil
			truncPos = ch.pos
			continue
		}
		if _, seen := tb.rows[ch.key]; !seen {
			tb.order = append(tb.order, ch.key)
		}
		tb.rows[ch.key] = ch.p
		if ch.pos.ok && ch.pos.compare(tb.maxPos) > 0 {
			tb.maxPos = ch.pos
		}
	}
	tb.changes = nil
	return truncPos
}
