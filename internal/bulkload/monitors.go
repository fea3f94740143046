package bulkload

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	_ "modernc.org/sqlite" // the default monitor history is a SQLite file

	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/dataquality/sqldataset"
	"github.com/etlwatch/etlwatch/dataquality/sqlhistory"
	"github.com/etlwatch/etlwatch/iceberg"
)

// HistoryFile is the SQLite file, next to sources.yaml, that keeps what the Iceberg tables'
// snapshots cannot (schemas, anomaly marks, failed loads, null rates) when
// data_quality.monitors: turns a monitor on and [Config.History] is nil.
const HistoryFile = "etlwatch-history.db"

// openMonitor sets up the anomaly monitors when data_quality.monitors: turns one on: with
// history, or by default the tables' own snapshots (iceberg.SnapshotHistory, so that a table
// loaded before the monitors were turned on has a history at once) with the SQLite file
// [HistoryFile] in configDir for the rest.
func (j *job) openMonitor(ctx context.Context, history dataquality.HistoryStore, configDir string) error {
	mc := dataquality.MonitorsFrom(j.src.DataQuality.Monitors)
	if !mc.Enabled() {
		return nil
	}
	if history == nil {
		path := filepath.Join(configDir, HistoryFile)
		// Tables load in parallel: one connection, and a busy timeout for other processes.
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
		if err != nil {
			return fmt.Errorf("monitor history %s: %w", path, err)
		}
		db.SetMaxOpenConns(1)
		s, err := sqlhistory.New(ctx, db, sqldataset.SQLite)
		if err != nil {
			db.Close()
			return fmt.Errorf("monitor history %s: %w", path, err)
		}
		j.historyDB = db
		history = iceberg.NewSnapshotHistory(j.tm, s)
	}
	m, err := dataquality.NewMonitor(j.p.Checker, history, mc)
	if err != nil {
		return err
	}
	j.monitor = m
	return nil
}

// nullCounts counts the NULLs of the monitored columns of one table in the batches a load
// reads (from several readers at once), for the load's snapshot summary.
type nullCounts struct {
	mu    sync.Mutex
	cols  []string
	rows  int64
	nulls map[string]int64
}

// nullCounter returns a counter of the columns data_quality.monitors.null_rate names for table,
// nil when there are none.
func (j *job) nullCounter(table string) *nullCounts {
	var cols []string
	for t, c := range j.src.DataQuality.Monitors.NullRate {
		if strings.EqualFold(t, table) {
			cols = append(cols, c...)
		}
	}
	if len(cols) == 0 {
		return nil
	}
	return &nullCounts{cols: cols, nulls: map[string]int64{}}
}

func (n *nullCounts) add(rec arrow.RecordBatch) {
	fields := rec.Schema().Fields()
	n.mu.Lock()
	defer n.mu.Unlock()
	n.rows += rec.NumRows()
	for _, col := range n.cols {
		for i, f := range fields {
			if strings.EqualFold(f.Name, col) {
				n.nulls[col] += int64(rec.Column(i).NullN())
				break
			}
		}
	}
}

// properties returns the null rates as snapshot summary properties (iceberg.PropNullRatePrefix).
func (n *nullCounts) properties() map[string]string {
	n.mu.Lock()
	defer n.mu.Unlock()
	rates := make(map[string]float64, len(n.cols))
	for _, col := range n.cols {
		if n.rows > 0 {
			rates[col] = float64(n.nulls[col]) / float64(n.rows)
		} else {
			rates[col] = 0
		}
	}
	return iceberg.NullRateProperties(rates)
}

// monitorTable runs the monitors on one table's load and reports whether they fail it
// (on_anomaly: fail, or schema_drift: fail).
func (j *job) monitorTable(ctx context.Context, name string, res tableResult) bool {
	if j.monitor == nil {
		return false
	}
	load := dataquality.Load{Rows: res.records, Failed: !res.ok, At: time.Now()}
	if res.ok {
		load.Dest = j.tm.Dataset(name)
		// The load's own snapshot time, so that a history read from the snapshots does not
		// count the load in its own baseline.
		if tbl, err := j.tm.Catalog().LoadTable(ctx, j.tm.Identifier(name)); err == nil && tbl.CurrentSnapshot() != nil {
			load.At = time.UnixMilli(tbl.CurrentSnapshot().TimestampMs)
			// The columns as Iceberg types them, as the CDC consumer's commits report them
			// (dataquality/cdcmonitor), so that a table loaded and then kept by CDC shows no
			// drift that is only two spellings of one type.
			for _, f := range tbl.Schema().Fields() {
				load.Columns = append(load.Columns, dataquality.SchemaColumn{Name: f.Name, Type: f.Type.String(), Required: f.Required})
			}
			// The null rates the load recorded in its snapshot summary.
			for k, v := range iceberg.SnapshotProperties(tbl) {
				if col, ok := strings.CutPrefix(k, iceberg.PropNullRatePrefix); ok {
					if r, err := strconv.ParseFloat(v, 64); err == nil {
						if load.NullRates == nil {
							load.NullRates = map[string]float64{}
						}
						load.NullRates[col] = r
					}
				}
			}
		}
	}
	rep := j.monitor.AfterLoad(ctx, name, load)
	j.monMu.Lock()
	if j.monReports == nil {
		j.monReports = map[string]dataquality.MonitorReport{}
	}
	j.monReports[name] = rep
	j.monMu.Unlock()
	if err := rep.Err(); err != nil {
		j.log.ErrorContext(ctx, fmt.Sprintf("%s: MONITOR ANOMALY (on_anomaly: fail): %v", name, err))
		return true
	}
	if rep.Anomalous() {
		j.log.WarnContext(ctx, fmt.Sprintf("%s: MONITOR ANOMALY (on_anomaly: warn)", name))
	}
	return false
}

// monitorReports returns the monitors' reports by table, nil without monitors.
func (j *job) monitorReports() map[string]dataquality.MonitorReport {
	j.monMu.Lock()
	defer j.monMu.Unlock()
	if j.monReports == nil {
		return nil
	}
	out := make(map[string]dataquality.MonitorReport, len(j.monReports))
	for k, v := range j.monReports {
		out[k] = v
	}
	return out
}

// MonitorLines returns every verdict of l's monitors, one line each, tables in name order.
func (l *Loaded) MonitorLines() []string {
	names := make([]string, 0, len(l.Monitors))
	for t := range l.Monitors {
		names = append(names, t)
	}
	sort.Strings(names)
	var lines []string
	for _, t := range names {
		lines = append(lines, l.Monitors[t].Summary()...)
	}
	return lines
}
