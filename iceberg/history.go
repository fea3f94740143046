package iceberg

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"

	"github.com/etlwatch/etlwatch/dataquality"
)

// PropNullRatePrefix starts the snapshot summary property that records a column's null rate
// after a write ("etlwatch.null_rate.EMAIL": "0.0123"), for the null-rate monitor to find in the
// table's history; [NullRateProperties] builds them for [TableManager.Write].
const PropNullRatePrefix = "etlwatch.null_rate."

// NullRateProperties returns the snapshot summary properties that record rates (column: null
// rate from 0 to 1), to pass to [TableManager.Write] with the others.
func NullRateProperties(rates map[string]float64) map[string]string {
	out := make(map[string]string, len(rates))
	for col, r := range rates {
		out[PropNullRatePrefix+col] = strconv.FormatFloat(r, 'g', -1, 64)
	}
	return out
}

// SnapshotHistory is a [dataquality.HistoryStore] that reads the monitors' history of Iceberg
// tables from their snapshots, so that a table loaded before its monitors were turned on has a
// history at once:
//
//   - volume: the added-records of every snapshot that wrote rows or wrote nothing (append,
//     overwrite; a delete-only snapshot, such as the first half of a [Replace], is skipped);
//   - freshness: the hours between two such snapshots;
//   - null_rate:<column>: the [PropNullRatePrefix] property of the snapshots that have it.
//
// Append keeps every record in the fallback store too: what a snapshot cannot hold (the schema,
// the anomalous marks, failed loads, null rates computed after the commit) and what outlives an
// expired snapshot. History merges both, oldest first; a record of the fallback store at the
// time of a snapshot (to the millisecond) stands for that snapshot.
//
// It suits tables written by loads (one commit each, as the bulk load does); a CDC consumer's
// per-hour volume is not its snapshots' and belongs in a plain store. Judge a load against it
// with [dataquality.Load] At set to the load's snapshot time (WriteResult's table,
// CurrentSnapshot().TimestampMs), so that the load's own snapshot is not part of its baseline.
// It is safe for concurrent use.
type SnapshotHistory struct {
	tm       *TableManager
	fallback dataquality.HistoryStore
}

// NewSnapshotHistory returns a SnapshotHistory over the tables of tm, with fallback (nil: in
// memory) for what snapshots cannot hold.
func NewSnapshotHistory(tm *TableManager, fallback dataquality.HistoryStore) *SnapshotHistory {
	if fallback == nil {
		fallback = dataquality.NewMemoryHistory()
	}
	return &SnapshotHistory{tm: tm, fallback: fallback}
}

var _ dataquality.HistoryStore = (*SnapshotHistory)(nil)

func snapshotSeries(series string) bool {
	return series == dataquality.MonitorVolume || series == dataquality.MonitorFreshness ||
		strings.HasPrefix(series, dataquality.MonitorNullRate+":")
}

// Append stores r in the fallback store.
func (h *SnapshotHistory) Append(ctx context.Context, r dataquality.HistoryRecord) error {
	return h.fallback.Append(ctx, r)
}

// History returns the newest limit records of table's series (all when limit <= 0), oldest
// first: its snapshots' and the fallback store's, merged. A table that does not exist has only
// the fallback store's.
func (h *SnapshotHistory) History(ctx context.Context, tableName, series string, limit int) ([]dataquality.HistoryRecord, error) {
	kept, err := h.fallback.History(ctx, tableName, series, limit)
	if err != nil || !snapshotSeries(series) {
		return kept, err
	}
	snaps, err := h.fromSnapshots(ctx, tableName, series)
	if err != nil {
		return nil, err
	}
	at := make(map[int64]bool, len(kept))
	for _, r := range kept {
		at[r.At.UnixMilli()] = true
	}
	out := kept
	for _, r := range snaps {
		if !at[r.At.UnixMilli()] {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	if limit > 0 && len(out) > limit {
		out = out[len(out)-limit:]
	}
	return out, nil
}

// fromSnapshots returns the records of table's series that its snapshots hold, oldest first.
func (h *SnapshotHistory) fromSnapshots(ctx context.Context, tableName, series string) ([]dataquality.HistoryRecord, error) {
	tbl, err := h.tm.cat.LoadTable(ctx, h.tm.Identifier(tableName))
	if errors.Is(err, catalog.ErrNoSuchTable) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("iceberg: load table %s: %w", dotted(h.tm.Identifier(tableName)), err)
	}
	snaps := writes(tbl)
	var out []dataquality.HistoryRecord
	nullKey := ""
	if col, ok := strings.CutPrefix(series, dataquality.MonitorNullRate+":"); ok {
		nullKey = PropNullRatePrefix + col
	}
	for i, s := range snaps {
		r := dataquality.HistoryRecord{Table: tableName, Series: series, At: time.UnixMilli(s.TimestampMs).UTC()}
		props := s.Summary.Properties
		switch {
		case series == dataquality.MonitorVolume:
			r.Value, _ = strconv.ParseFloat(props["added-records"], 64)
		case series == dataquality.MonitorFreshness:
			if i == 0 {
				r.Value, r.Failed, r.Note = math.NaN(), true, "first write"
			} else {
				r.Value = float64(s.TimestampMs-snaps[i-1].TimestampMs) / float64(time.Hour/time.Millisecond)
			}
		default:
			v, ok := props[nullKey]
			if !ok {
				continue
			}
			if r.Value, err = strconv.ParseFloat(v, 64); err != nil {
				continue
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// writes returns tbl's snapshots that wrote rows (or wrote none), oldest first: every snapshot
// but delete-only ones.
func writes(tbl *table.Table) []table.Snapshot {
	var out []table.Snapshot
	for _, s := range tbl.Metadata().Snapshots() {
		if s.Summary == nil || s.Summary.Operation == table.OpDelete {
			continue
		}
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].TimestampMs < out[j].TimestampMs })
	return out
}
