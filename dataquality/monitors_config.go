package dataquality

import "time"

// Monitors says which anomaly monitors a [Monitor] runs and how they judge, for a program
// without a sources.yaml: [NewMonitor] takes it. [MonitorsFrom] translates sources.yaml's
// data_quality.monitors: section (whose keys the fields mirror) into it.
type Monitors struct {
	// Volume judges the rows each load adds (per table; per table and hour for CDC).
	Volume bool
	// Freshness judges the time since a table's last successful write against the cadence
	// learned from its history.
	Freshness bool
	// MaxAge makes a table stale when its last write is older, whatever its history says; 0
	// means no fixed limit. Setting it turns Freshness on.
	MaxAge time.Duration
	// SchemaDrift reports columns added, removed, retyped or whose nullability changed since
	// the last load: "off" (the default, also ""), "warn" or "fail".
	SchemaDrift string
	// NullRate lists, per table, the columns whose null rate is judged against its history.
	NullRate map[string][]string
	// Sensitivity is the band's half-width in robust standard deviations; 0 means the
	// detector's default (4).
	Sensitivity float64
	// Seasonality is "auto" (the default, also ""), "none" or "day_of_week".
	Seasonality string
	// MinHistory is the number of past loads needed before a verdict; 0 means the detector's
	// default (7).
	MinHistory int
	// Exclude lists time ranges whose loads never shape a baseline: known incidents and
	// maintenance windows.
	Exclude []TimeRange
	// OnAnomaly is "warn" (the default, also "": report and go on) or "fail" (a load whose
	// monitors found an anomaly fails).
	OnAnomaly string
}

// TimeRange is a time range [From, To) of [Monitors.Exclude], with why it is excluded.
type TimeRange struct {
	From, To time.Time
	Reason   string
}

// Contains reports whether t is in the range: From <= t < To.
func (r TimeRange) Contains(t time.Time) bool { return !t.Before(r.From) && t.Before(r.To) }

// Enabled reports whether any monitor is on.
func (m Monitors) Enabled() bool {
	return m.Volume || m.Freshness || m.SchemaDrift == "warn" || m.SchemaDrift == "fail" || len(m.NullRate) > 0
}

// Excluded reports whether t falls in one of the Exclude ranges.
func (m Monitors) Excluded(t time.Time) bool {
	for _, r := range m.Exclude {
		if r.Contains(t) {
			return true
		}
	}
	return false
}
