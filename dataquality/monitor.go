package dataquality

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/etlwatch/etlwatch/dataquality/anomaly"
	"github.com/etlwatch/etlwatch/monitoring"
)

// The monitors: [Result.Check] of their results, and the monitor dimension of their metrics
// (null_rate:<column> for a column's null rate).
const (
	MonitorVolume      = "volume"       // rows added per load, or per hour for CDC
	MonitorFreshness   = "freshness"    // hours between writes, and since the last one
	MonitorSchemaDrift = "schema_drift" // columns added, removed, retyped, nullability changed
	MonitorNullRate    = "null_rate"    // a column's fraction of NULLs
)

// seriesSchema is the history series that holds each load's columns.
const seriesSchema = "schema"

// The metrics of the monitors, gauges with the dimensions table and monitor (so that a dashboard
// draws the value inside its band), and the counter [AnomalyDetectedMetric].
const (
	AnomalyValueMetric    = "dq_anomaly_value"    // the value judged (rows, hours, a fraction)
	AnomalyScoreMetric    = "dq_anomaly_score"    // signed, in units of the baseline's spread
	AnomalyExpectedMetric = "dq_anomaly_expected" // the baseline's centre
	AnomalyLowerMetric    = "dq_anomaly_lower"    // the band's lower edge
	AnomalyUpperMetric    = "dq_anomaly_upper"    // the band's upper edge
	// AnomalyDetectedMetric counts anomalies (+1), and is emitted with 0 for a normal verdict so
	// that the series exists before the first anomaly.
	AnomalyDetectedMetric = "dq_anomaly_detected"
	// LastWriteMetric is the time of a table's last successful write, seconds since 1970
	// (exposed as dq_last_write_timestamp_seconds): an alert compares it with time() and the
	// freshness band, so that a table whose writer stopped turns stale without the writer's help.
	LastWriteMetric = "dq_last_write_timestamp"
	// MaxAgeMetric is the configured max_age of a table, in seconds (dq_freshness_max_age_seconds).
	MaxAgeMetric = "dq_freshness_max_age"
)

// historyLimit is how many records of a series a monitor reads: the detector's window and
// some room for excluded points.
const historyLimit = 4 * anomaly.DefaultWindow

// maxEmptyHours bounds the empty hours a CDC table's volume records between two commits.
const maxEmptyHours = 168

// Monitor runs the anomaly monitors of data_quality.monitors: on each load of a table (bulk load)
// or on each commit (CDC), against the table's history in a [HistoryStore], and reports each
// verdict through its [Checker] as a [Result], the event [EventCheckComplete], the
// dq_anomaly_* metrics and a log line.
//
// A Monitor is safe for concurrent use by multiple goroutines.
type Monitor struct {
	checker *Checker
	store   HistoryStore
	cfg     Monitors

	mu     sync.Mutex
	tables map[string]*tableState
}

// tableState is what a Monitor keeps in memory per table.
type tableState struct {
	lastWrite time.Time
	// The CDC hour being counted: its start, the rows added in it, and the longest gap
	// between two commits seen in it.
	hour    time.Time
	rows    int64
	longest time.Duration
	last    time.Time // the latest commit in the hour
	// schema is the last schema CheckSchema saw, as recorded.
	schema string
}

// NewMonitor returns a Monitor that keeps its history in store, reports through checker (nil:
// a Checker that reports nothing) and runs the monitors cfg turns on. A cfg that the loader
// would refuse (an unknown schema_drift, seasonality or on_anomaly, a negative sensitivity,
// min_history or max_age, an exclude range that ends before it starts) is an error wrapping
// [ErrInvalidInput]; empty strings take their defaults.
func NewMonitor(checker *Checker, store HistoryStore, cfg Monitors) (*Monitor, error) {
	if store == nil {
		return nil, ErrNoHistoryStore
	}
	if err := validateMonitors(cfg); err != nil {
		return nil, err
	}
	if checker == nil {
		checker = NewChecker()
	}
	return &Monitor{checker: checker, store: store, cfg: cfg, tables: map[string]*tableState{}}, nil
}

func validateMonitors(cfg Monitors) error {
	bad := func(what string, v any, allowed string) error {
		return fmt.Errorf("%w: monitors %s %v; allowed: %s", ErrInvalidInput, what, v, allowed)
	}
	switch {
	case !oneOf(cfg.SchemaDrift, "", "off", "warn", "fail"):
		return bad("schema_drift", strconvQuote(cfg.SchemaDrift), "off, warn or fail")
	case !oneOf(cfg.Seasonality, "", "auto", "none", "day_of_week"):
		return bad("seasonality", strconvQuote(cfg.Seasonality), "auto, none or day_of_week")
	case !oneOf(strings.ToLower(cfg.OnAnomaly), "", "warn", "fail"):
		return bad("on_anomaly", strconvQuote(cfg.OnAnomaly), "warn or fail")
	case cfg.Sensitivity < 0 || math.IsNaN(cfg.Sensitivity):
		return bad("sensitivity", cfg.Sensitivity, "0 (the default) or more")
	case cfg.MinHistory < 0:
		return bad("min_history", cfg.MinHistory, "0 (the default) or more")
	case cfg.MaxAge < 0:
		return bad("max_age", cfg.MaxAge, "0 (none) or more")
	}
	for _, r := range cfg.Exclude {
		if !r.To.After(r.From) {
			return bad("exclude range", r.From.Format(time.RFC3339)+" to "+r.To.Format(time.RFC3339), "a range whose to is after its from")
		}
	}
	return nil
}

func oneOf(v string, allowed ...string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

func strconvQuote(s string) string { return fmt.Sprintf("%q", s) }

// Config returns the monitors' configuration.
func (m *Monitor) Config() Monitors { return m.cfg }

// Load is one load of a table, as [Monitor.AfterLoad] judges it.
type Load struct {
	// At is when the load committed; zero means now (the Checker's clock).
	At time.Time
	// Rows is the number of rows the load added.
	Rows int64
	// Failed marks a load that failed: it is recorded, never judged, and never part of a
	// baseline.
	Failed bool
	// Dest is the table after the load. The null-rate monitor counts its rows and nulls when it
	// is a [NullCounter]; schema drift reads its columns when it is a [SchemaReader] and Columns
	// is nil. Nil skips those monitors unless NullRates or Columns are given.
	Dest Dataset
	// NullRates are the null rates (0 to 1) of columns, when the caller has them already (from
	// an Iceberg commit's summary); they win over counting in Dest.
	NullRates map[string]float64
	// Columns is the table's schema after the load, for schema drift; nil reads it from Dest.
	Columns []SchemaColumn
}

// MonitorVerdict is one monitor's verdict in a [MonitorReport].
type MonitorVerdict struct {
	Monitor string // volume, freshness, null_rate:<column>
	Value   float64
	anomaly.Verdict
}

// MonitorReport is what the monitors found about one load of one table.
type MonitorReport struct {
	// Table is the table judged.
	Table string
	// Results are the monitors' results, in order: volume, freshness, null rates, schema drift.
	Results []Result
	// Verdicts are the detector's verdicts behind the volume, freshness and null-rate results.
	Verdicts []MonitorVerdict
	// OnAnomaly is the configured on_anomaly: "warn" (or empty) or "fail".
	OnAnomaly string
	// SchemaDrift is the configured schema_drift.
	SchemaDrift string
}

// Anomalous reports whether a monitor found an anomaly (schema drift included).
func (r MonitorReport) Anomalous() bool {
	for _, res := range r.Results {
		if !res.Passed {
			return true
		}
	}
	return false
}

// Err returns a [*CheckFailedError] (errors.Is [ErrCheckFailed]) when the load must fail: an
// anomaly with on_anomaly "fail", or schema drift with schema_drift "fail". Otherwise nil: the
// anomalies are reported, and the load goes on.
func (r MonitorReport) Err() error {
	var failed []Result
	for _, res := range r.Results {
		if res.Passed {
			continue
		}
		if strings.EqualFold(r.OnAnomaly, "fail") || (res.Check == MonitorSchemaDrift && r.SchemaDrift == "fail") {
			failed = append(failed, res)
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return &CheckFailedError{Table: r.Table, Failed: failed}
}

// Summary returns one line per verdict: "<table> <monitor>: <reason>", prefixed with
// "ANOMALY" when it is one.
func (r MonitorReport) Summary() []string {
	lines := make([]string, 0, len(r.Results))
	for _, res := range r.Results {
		mon, _ := res.Observed["monitor"].(string)
		if mon == "" {
			mon = res.Check
		}
		reason, _ := res.Observed["reason"].(string)
		prefix := ""
		if !res.Passed {
			prefix = "ANOMALY "
		}
		lines = append(lines, prefix+r.Table+" "+mon+": "+reason)
	}
	return lines
}

func (m *Monitor) state(table string) *tableState {
	s := m.tables[table]
	if s == nil {
		s = &tableState{}
		m.tables[table] = s
	}
	return s
}

func (m *Monitor) now() time.Time { return m.checker.now() }

// detectorConfig is the detector's configuration for a monitor.
func (m *Monitor) detectorConfig(monitor string) anomaly.Config {
	c := anomaly.Config{Sensitivity: m.cfg.Sensitivity, MinHistory: m.cfg.MinHistory}
	switch m.cfg.Seasonality {
	case "none":
		c.Seasonality = anomaly.SeasonalityNone
	case "day_of_week":
		c.Seasonality = anomaly.SeasonalityDayOfWeek
	}
	switch {
	case monitor == MonitorVolume:
		c.MinAbsoluteChange, c.Unit = 10, "rows"
	case monitor == MonitorFreshness:
		c.Direction, c.MinAbsoluteChange, c.MinRelativeChange, c.Unit = anomaly.Spike, 0.5, 0.05, "h"
	case strings.HasPrefix(monitor, MonitorNullRate):
		c.Direction, c.MinAbsoluteChange = anomaly.Spike, 0.01
	}
	return c
}

// AfterLoad runs the monitors on one load of table, records the load in the history, and
// returns what they found. A monitor whose history cannot be read reports a failed Result with
// the error; the others still run. A failed load is only recorded.
//
// Volume judges load.Rows; freshness judges the hours since the previous successful load
// (a late load is anomalous); null rate judges each configured column's null rate; schema drift
// compares the columns with the previous load's.
func (m *Monitor) AfterLoad(ctx context.Context, table string, load Load) MonitorReport {
	rep := MonitorReport{Table: table, OnAnomaly: m.cfg.OnAnomaly, SchemaDrift: m.cfg.SchemaDrift}
	at := load.At
	if at.IsZero() {
		at = m.now()
	}
	if load.Failed {
		if m.cfg.Volume {
			_ = m.store.Append(ctx, HistoryRecord{Table: table, Series: MonitorVolume, At: at, Value: float64(load.Rows), Failed: true})
		}
		return rep
	}
	if m.cfg.Volume {
		m.judge(ctx, &rep, table, MonitorVolume, MonitorVolume, at, float64(load.Rows), true)
	}
	if m.cfg.Freshness {
		m.write(ctx, &rep, table, at, true)
	}
	if cols := nullRateColumns(m.cfg.NullRate, table); len(cols) > 0 {
		rates, err := nullRates(ctx, load, cols)
		for _, col := range cols {
			mon := MonitorNullRate + ":" + col
			if err != nil {
				rep.Results = append(rep.Results, m.checker.report(ctx, failed(MonitorNullRate, table, "Null rate monitor of "+col, err, time.Now(), map[string]any{"monitor": mon, "column": col})))
				continue
			}
			if r, ok := rates[col]; ok {
				m.judge(ctx, &rep, table, mon, mon, at, r, true)
			}
		}
	}
	if m.cfg.SchemaDrift == "warn" || m.cfg.SchemaDrift == "fail" {
		if res, ok := m.schemaDrift(ctx, table, at, load); ok {
			rep.Results = append(rep.Results, res)
		}
	}
	return rep
}

// write records a successful write of table at at: the hours since the previous write are
// judged (when judge is true) and stored, and the last-write gauge is set.
func (m *Monitor) write(ctx context.Context, rep *MonitorReport, table string, at time.Time, judge bool) {
	m.mu.Lock()
	st := m.state(table)
	prev := st.lastWrite
	if at.After(st.lastWrite) {
		st.lastWrite = at
	}
	m.mu.Unlock()
	if prev.IsZero() {
		// The newest write before this one (a history read from snapshots holds this one too).
		if recs, err := m.store.History(ctx, table, MonitorFreshness, 3); err == nil {
			for i := len(recs) - 1; i >= 0; i-- {
				if recs[i].At.Before(at) {
					prev = recs[i].At
					break
				}
			}
		}
	}
	m.emitLastWrite(ctx, table, at)
	if prev.IsZero() || !at.After(prev) {
		// The first write has no interval; it is stored so that the next one has one.
		_ = m.store.Append(ctx, HistoryRecord{Table: table, Series: MonitorFreshness, At: at, Value: math.NaN(), Failed: true, Note: "first write"})
		return
	}
	hours := at.Sub(prev).Hours()
	if judge {
		m.judge(ctx, rep, table, MonitorFreshness, MonitorFreshness, at, hours, true)
		return
	}
	_ = m.store.Append(ctx, HistoryRecord{Table: table, Series: MonitorFreshness, At: at, Value: hours})
}

func (m *Monitor) emitLastWrite(ctx context.Context, table string, at time.Time) {
	if mc := m.checker.metrics; mc != nil {
		mc.EmitGauge(ctx, LastWriteMetric, float64(at.UnixNano())/1e9, monitoring.UnitSeconds, monitoring.Dimensions{"table": table})
		if m.cfg.MaxAge > 0 {
			mc.EmitGauge(ctx, MaxAgeMetric, m.cfg.MaxAge.Seconds(), monitoring.UnitSeconds, monitoring.Dimensions{"table": table})
		}
	}
}

// CheckFreshness judges the time since table's last successful write, now, against the
// cadence learned from its history and the configured max_age, and reports it, with the
// [LastWriteMetric] gauge. It does not record anything: call it as often as wanted (after a
// load, on a timer). The freshness band is
// also exported as the dq_anomaly_upper gauge, so that an alert fires when
// time() - dq_last_write_timestamp_seconds passes it even if nothing calls CheckFreshness.
func (m *Monitor) CheckFreshness(ctx context.Context, table string) Result {
	start := time.Now()
	now := m.now()
	m.mu.Lock()
	last := m.state(table).lastWrite
	m.mu.Unlock()
	recs, err := m.store.History(ctx, table, MonitorFreshness, historyLimit)
	if err != nil {
		return m.checker.report(ctx, failed(MonitorFreshness, table, "Freshness monitor", fmt.Errorf("read history: %w", err), start, map[string]any{"monitor": MonitorFreshness}))
	}
	if last.IsZero() && len(recs) > 0 {
		last = recs[len(recs)-1].At
	}
	if last.IsZero() {
		v := anomaly.Verdict{Skipped: true, Reason: "no successful write recorded yet"}
		return m.reportVerdict(ctx, table, MonitorFreshness, math.NaN(), v, start)
	}
	// The last write from the history too, so that a process that restarted and has not
	// written yet still exposes it (and the stale alert can fire).
	m.emitLastWrite(ctx, table, last)
	age := now.Sub(last).Hours()
	v := anomaly.Detect(Observations(recs, m.cfg), anomaly.Observation{At: now, Value: age}, m.detectorConfig(MonitorFreshness))
	if m.cfg.MaxAge > 0 && now.Sub(last) > m.cfg.MaxAge {
		v.Anomalous, v.Skipped = true, false
		v.Reason = fmt.Sprintf("the last write was %s ago, older than max_age %s; %s", now.Sub(last).Round(time.Minute), m.cfg.MaxAge, v.Reason)
	}
	return m.reportVerdict(ctx, table, MonitorFreshness, age, v, start)
}

// Committed records a commit of a CDC consumer to table: rows added (inserted or updated rows
// written) at at. It keeps the table's last write (the freshness gauge) at every call, and when
// a commit falls in a later hour than the one being counted, it judges and stores the finished
// hour's volume (empty hours in between count as 0 rows) and the longest gap between commits in
// it (recorded at the hour's last commit). Call [Monitor.CheckFreshness] on a timer to judge the
// time since the last commit. The history learns of commits an hour at a time: a process that
// restarts knows the last commit of the last finished hour.
func (m *Monitor) Committed(ctx context.Context, table string, at time.Time, rows int64) []Result {
	hour := at.Truncate(time.Hour)
	m.mu.Lock()
	st := m.state(table)
	prev := st.lastWrite
	if at.After(st.lastWrite) {
		st.lastWrite = at
	}
	var closed, closedLast time.Time
	var closedRows int64
	var closedGap time.Duration
	switch {
	case st.hour.IsZero():
		st.hour = hour
	case hour.After(st.hour):
		closed, closedRows, closedGap, closedLast = st.hour, st.rows, st.longest, st.last
		st.hour, st.rows, st.longest, st.last = hour, 0, 0, time.Time{}
	}
	if hour.Equal(st.hour) && at.After(st.last) {
		st.last = at
	}
	if !prev.IsZero() && at.After(prev) {
		gap := at.Sub(prev)
		if hour.Equal(st.hour) && gap > st.longest {
			st.longest = gap
		}
	}
	st.rows += rows
	m.mu.Unlock()

	m.emitLastWrite(ctx, table, at)
	if closed.IsZero() {
		return nil
	}
	var rep MonitorReport
	if m.cfg.Volume {
		m.judge(ctx, &rep, table, MonitorVolume, MonitorVolume, closed, float64(closedRows), true)
		empty := 0
		for h := closed.Add(time.Hour); h.Before(hour) && empty < maxEmptyHours; h = h.Add(time.Hour) {
			m.judge(ctx, &rep, table, MonitorVolume, MonitorVolume, h, 0, true)
			empty++
		}
	}
	if m.cfg.Freshness && closedGap > 0 {
		// At the hour's last commit: after a restart, the last write known to the history.
		_ = m.store.Append(ctx, HistoryRecord{Table: table, Series: MonitorFreshness, At: closedLast, Value: closedGap.Hours()})
	}
	return rep.Results
}

// judge runs the detector on value against the series' history, reports the verdict, and
// stores the value with its mark when store is true.
func (m *Monitor) judge(ctx context.Context, rep *MonitorReport, table, monitor, series string, at time.Time, value float64, store bool) {
	start := time.Now()
	recs, err := m.store.History(ctx, table, series, historyLimit)
	if err != nil {
		rep.Results = append(rep.Results, m.checker.report(ctx, failed(checkOf(monitor), table, monitorWhat(monitor), fmt.Errorf("read history: %w", err), start, map[string]any{"monitor": monitor})))
		return
	}
	cur := anomaly.Observation{At: at, Value: value, Exclude: m.cfg.Excluded(at)}
	v := anomaly.Detect(Observations(recs, m.cfg), cur, m.detectorConfig(monitor))
	if cur.Exclude {
		v.Anomalous = false
		v.Reason = "in an exclude window, not judged; " + v.Reason
	}
	res := m.reportVerdict(ctx, table, monitor, value, v, start)
	rep.Results = append(rep.Results, res)
	rep.Verdicts = append(rep.Verdicts, MonitorVerdict{Monitor: monitor, Value: value, Verdict: v})
	if store {
		if err := m.store.Append(ctx, HistoryRecord{Table: table, Series: series, At: at, Value: value, Anomalous: v.Anomalous}); err != nil {
			rep.Results = append(rep.Results, m.checker.report(ctx, failed(checkOf(monitor), table, monitorWhat(monitor), fmt.Errorf("record history: %w", err), start, map[string]any{"monitor": monitor})))
		}
	}
}

func checkOf(monitor string) string {
	if strings.HasPrefix(monitor, MonitorNullRate) {
		return MonitorNullRate
	}
	return monitor
}

func monitorWhat(monitor string) string {
	switch {
	case monitor == MonitorVolume:
		return "Volume monitor"
	case monitor == MonitorFreshness:
		return "Freshness monitor"
	case strings.HasPrefix(monitor, MonitorNullRate+":"):
		return "Null rate monitor of " + strings.TrimPrefix(monitor, MonitorNullRate+":")
	default:
		return "Monitor " + monitor
	}
}

// reportVerdict turns a verdict into a Result and reports it with the dq_anomaly_* metrics.
//
// Observed keys: monitor (string), value, expected, lower, upper, score (float64), anomalous,
// skipped (bool), training_points (int64), reason (string); column for a null rate.
func (m *Monitor) reportVerdict(ctx context.Context, table, monitor string, value float64, v anomaly.Verdict, start time.Time) Result {
	observed := map[string]any{
		"monitor": monitor, "anomalous": v.Anomalous, "skipped": v.Skipped,
		"training_points": int64(v.TrainingPoints), "reason": v.Reason,
	}
	if !math.IsNaN(value) {
		observed["value"] = value
	}
	if !v.Skipped {
		observed["expected"], observed["lower"], observed["upper"], observed["score"] = v.Expected, v.Lower, v.Upper, v.Score
	}
	if col, ok := strings.CutPrefix(monitor, MonitorNullRate+":"); ok {
		observed["column"] = col
	}
	what := monitorWhat(monitor)
	r := Result{Check: checkOf(monitor), Table: table, Observed: observed, Passed: !v.Anomalous}
	switch {
	case v.Anomalous:
		r.Details = what + " ANOMALY - " + v.Reason
	case v.Skipped:
		r.Details = what + " SKIPPED - " + v.Reason
	default:
		r.Details = what + " PASSED - " + v.Reason
	}
	r.Duration = time.Since(start)
	if mc := m.checker.metrics; mc != nil {
		dims := monitoring.Dimensions{"table": table, "monitor": monitor}
		if !math.IsNaN(value) {
			mc.EmitGauge(ctx, AnomalyValueMetric, value, monitoring.UnitNone, dims)
		}
		if !v.Skipped {
			mc.EmitGauge(ctx, AnomalyScoreMetric, clampScore(v.Score), monitoring.UnitNone, dims)
			mc.EmitGauge(ctx, AnomalyExpectedMetric, v.Expected, monitoring.UnitNone, dims)
			mc.EmitGauge(ctx, AnomalyLowerMetric, v.Lower, monitoring.UnitNone, dims)
			mc.EmitGauge(ctx, AnomalyUpperMetric, v.Upper, monitoring.UnitNone, dims)
		}
		detected := 0.0
		if v.Anomalous {
			detected = 1
		}
		mc.EmitCounter(ctx, AnomalyDetectedMetric, detected, dims)
	}
	return m.checker.report(ctx, r)
}

// clampScore keeps a score a metrics backend can hold and a dashboard can draw.
func clampScore(s float64) float64 { return math.Max(-1e6, math.Min(1e6, s)) }

func nullRateColumns(m map[string][]string, table string) []string {
	return requiredColumnsFor(m, table)
}

// nullRates returns the null rate of each column: from load.NullRates, or counted in load.Dest.
func nullRates(ctx context.Context, load Load, cols []string) (map[string]float64, error) {
	rates := map[string]float64{}
	var missing []string
	for _, c := range cols {
		if r, ok := load.NullRates[c]; ok {
			rates[c] = r
		} else {
			missing = append(missing, c)
		}
	}
	if len(missing) == 0 {
		return rates, nil
	}
	nc, ok := load.Dest.(NullCounter)
	if !ok {
		if load.Dest == nil {
			return rates, fmt.Errorf("%w: no destination dataset and no null rates given", ErrInvalidInput)
		}
		return rates, unsupported(load.Dest, "NullCounter", "count nulls")
	}
	total, err := load.Dest.RowCount(ctx)
	if err != nil {
		return rates, fmt.Errorf("count rows: %w", err)
	}
	counts, err := nc.NullCounts(ctx, missing)
	if err != nil {
		return rates, fmt.Errorf("count nulls: %w", err)
	}
	for _, c := range missing {
		if total > 0 {
			rates[c] = float64(counts[c]) / float64(total)
		} else {
			rates[c] = 0
		}
	}
	return rates, nil
}
