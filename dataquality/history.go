package dataquality

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/etlwatch/etlwatch/dataquality/anomaly"
)

// HistoryRecord is one stored measurement of a table by one monitor: the rows a load added, the
// hours between two writes, a column's null rate, the schema.
type HistoryRecord struct {
	// Table is the table measured, as the caller names it.
	Table string
	// Series names what was measured: [MonitorVolume], [MonitorFreshness],
	// "null_rate:<column>" or "schema".
	Series string
	// At is when the measurement was taken (the load's commit time).
	At time.Time
	// Value is the measurement.
	Value float64
	// Failed marks a load that failed: kept, but never part of a baseline.
	Failed bool
	// Anomalous marks a measurement the monitors judged anomalous. It is kept in the baselines:
	// the detector leaves far outliers out by itself, and a level that moved and stayed must be
	// able to become the new normal.
	Anomalous bool
	// Note is text kept with the value: the columns, for the schema series.
	Note string
}

// HistoryStore keeps the measurements the monitors judge against. [MemoryHistory] keeps them in
// memory (tests, short-lived programs); the sqlhistory package keeps them in a table of the
// user's PostgreSQL, MySQL/MariaDB or SQLite database; Iceberg tables carry theirs in their
// snapshots (the iceberg package reads them).
//
// Implementations must be safe for concurrent use.
type HistoryStore interface {
	// Append stores one record.
	Append(ctx context.Context, r HistoryRecord) error
	// History returns the newest limit records of table's series, oldest first.
	History(ctx context.Context, table, series string, limit int) ([]HistoryRecord, error)
}

// ErrNoHistoryStore is returned by [NewMonitor] without a [HistoryStore].
var ErrNoHistoryStore = errors.New("dataquality: no history store")

// MemoryHistory is a [HistoryStore] in memory. It is safe for concurrent use.
type MemoryHistory struct {
	mu      sync.Mutex
	records map[[2]string][]HistoryRecord
}

// NewMemoryHistory returns an empty MemoryHistory.
func NewMemoryHistory() *MemoryHistory {
	return &MemoryHistory{records: map[[2]string][]HistoryRecord{}}
}

// Append stores r, keeping each series in time order.
func (h *MemoryHistory) Append(_ context.Context, r HistoryRecord) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	k := [2]string{r.Table, r.Series}
	s := h.records[k]
	i := len(s)
	for i > 0 && s[i-1].At.After(r.At) {
		i--
	}
	h.records[k] = slices.Insert(s, i, r)
	return nil
}

// History returns the newest limit records of table's series, oldest first (all of them when
// limit <= 0).
func (h *MemoryHistory) History(_ context.Context, table, series string, limit int) ([]HistoryRecord, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.records[[2]string{table, series}]
	if limit > 0 && len(s) > limit {
		s = s[len(s)-limit:]
	}
	return slices.Clone(s), nil
}

// Observations turns records into the detector's observations: failed loads, and loads in one
// of cfg's exclude windows, are marked Exclude.
func Observations(records []HistoryRecord, cfg Monitors) []anomaly.Observation {
	obs := make([]anomaly.Observation, len(records))
	for i, r := range records {
		obs[i] = anomaly.Observation{At: r.At, Value: r.Value, Exclude: r.Failed || cfg.Excluded(r.At)}
	}
	return obs
}
