package configloader

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// The keys and values of data_quality.monitors:.
var (
	monitorsKeys      = []string{"volume", "freshness", "max_age", "schema_drift", "null_rate", "sensitivity", "seasonality", "min_history", "exclude", "on_anomaly"}
	excludeKeys       = []string{"from", "to", "reason"}
	schemaDriftLevels = []string{"off", "warn", "fail"}
	seasonalities     = []string{"auto", "none", "day_of_week"}
)

// Defaults of data_quality.monitors:.
const (
	// DefaultSchemaDrift is monitors.schema_drift when not set.
	DefaultSchemaDrift = "off"
	// DefaultSeasonality is monitors.seasonality when not set.
	DefaultSeasonality = "auto"
	// DefaultOnAnomaly is monitors.on_anomaly when not set.
	DefaultOnAnomaly = "warn"
)

// Monitors configures the anomaly monitors (data_quality.monitors:), which judge every load of a
// table against the table's own history: see the dataquality package's [Monitor].
//
// [Monitor]: https://pkg.go.dev/github.com/etlwatch/etlwatch/dataquality#Monitor
type Monitors struct {
	// Volume (volume: true) judges the rows each load adds (per table; per table and hour for CDC).
	Volume bool
	// Freshness (freshness: true) judges the time since a table's last successful write against
	// the cadence learned from its history.
	Freshness bool
	// MaxAge (max_age: 26h) makes a table stale when its last write is older, whatever its
	// history says; 0 means no fixed limit. Setting it turns Freshness on.
	MaxAge time.Duration
	// SchemaDrift (schema_drift:) reports columns added, removed, retyped or whose nullability
	// changed since the last load: "off" (the default), "warn" or "fail". The loader sets the
	// defaults of SchemaDrift, Seasonality and OnAnomaly when monitors: is present; without it
	// they are empty, which means the same.
	SchemaDrift string
	// NullRate (null_rate: {CUSTOMERS: [EMAIL]}) lists, per table, the columns whose null rate is
	// judged against its history.
	NullRate map[string][]string
	// Sensitivity (sensitivity:) is the band's half-width in robust standard deviations, greater
	// than 0; 0 means the detector's default (4).
	Sensitivity float64
	// Seasonality (seasonality:) is "auto" (the default: day of week where the history shows it),
	// "none" or "day_of_week".
	Seasonality string
	// MinHistory (min_history:) is the number of past loads needed before a verdict; 0 means the
	// detector's default (7).
	MinHistory int
	// Exclude (exclude:) lists time ranges whose loads never shape a baseline: known incidents
	// and maintenance windows.
	Exclude []TimeRange
	// OnAnomaly (on_anomaly:) is "warn" (the default: report and go on) or "fail" (a load whose
	// monitors found an anomaly fails, as data_quality.on_failure: fail does for the checks).
	OnAnomaly string
}

// TimeRange is a range of time [From, To) with an optional reason (exclude: entries). Which
// monitors are on and whether a time is excluded are dataquality.Monitors' Enabled and Excluded,
// of [dataquality.MonitorsFrom](m): the rules have one owner.
//
// [dataquality.MonitorsFrom]: https://pkg.go.dev/github.com/etlwatch/etlwatch/dataquality#MonitorsFrom
type TimeRange struct {
	From, To time.Time
	Reason   string
}

const (
	allowedTime    = `a time in RFC 3339 form, such as "2026-03-01T00:00:00Z", or a date, such as "2026-03-01"`
	allowedExclude = `a list of time ranges, such as [{from: "2026-03-01", to: "2026-03-03", reason: "source outage"}]`
)

func (c *checker) monitors(n *yaml.Node, path string, m *Monitors) {
	m.SchemaDrift, m.Seasonality, m.OnAnomaly = DefaultSchemaDrift, DefaultSeasonality, DefaultOnAnomaly
	c.fields(n, path, monitorsKeys, func(key string, v *yaml.Node, path string) {
		switch key {
		case "volume":
			setIf(&m.Volume)(c.boolean(v, path))
		case "freshness":
			setIf(&m.Freshness)(c.boolean(v, path))
		case "max_age":
			if d, ok := c.duration(v, path); ok {
				m.MaxAge, m.Freshness = d, true
			}
		case "schema_drift":
			setIf(&m.SchemaDrift)(c.enum(v, path, schemaDriftLevels))
		case "null_rate":
			c.entries(v, path, "a mapping of table names to lists of columns, such as CUSTOMERS: [EMAIL]",
				func(p pair, path string) {
					if isNull(p.value) {
						c.fail(p.value, path, "nothing", "", "a list of column names, such as [EMAIL, PHONE]")
						return
					}
					cols, ok := c.strList(p.value, path, "column name", "column names")
					if !ok {
						return
					}
					if m.NullRate == nil {
						m.NullRate = map[string][]string{}
					}
					m.NullRate[p.name] = cols
				})
		case "sensitivity":
			if s, ok := c.number(v, path, 0.5, 100, "a number from 0.5 to 100 (standard deviations; the default is 4)"); ok {
				m.Sensitivity = s
			}
		case "seasonality":
			setIf(&m.Seasonality)(c.enum(v, path, seasonalities))
		case "min_history":
			setIf(&m.MinHistory)(c.integer(v, path, 3, 10000, "a whole number from 3 to 10000"))
		case "exclude":
			c.list(v, path, allowedExclude, func(i int, e *yaml.Node, ipath string) {
				if isNull(e) {
					c.fail(e, ipath, "nothing", "", "a time range, such as {from: \"2026-03-01\", to: \"2026-03-03\"}")
					return
				}
				var r TimeRange
				var fromNode, toNode *yaml.Node
				c.fields(e, ipath, excludeKeys, func(key string, v *yaml.Node, path string) {
					switch key {
					case "from":
						fromNode = v
						setIf(&r.From)(c.timestamp(v, path))
					case "to":
						toNode = v
						setIf(&r.To)(c.timestamp(v, path))
					case "reason":
						setIf(&r.Reason)(c.str(v, path))
					}
				})
				switch {
				case fromNode == nil || toNode == nil:
					c.fail(e, ipath, "a time range without from or to", "", "both from and to")
				case !r.From.IsZero() && !r.To.IsZero() && !r.To.After(r.From):
					c.fail(toNode, joinPath(ipath, "to"), fmt.Sprintf("%s, not after from (%s)", r.To.Format(time.RFC3339), r.From.Format(time.RFC3339)), "", "a time after from")
				case !r.From.IsZero() && !r.To.IsZero():
					m.Exclude = append(m.Exclude, r)
				}
			})
		case "on_anomaly":
			setIf(&m.OnAnomaly)(c.enum(v, path, onFailures))
		}
	})
}

// timestamp reads an RFC 3339 time or a date (midnight UTC).
func (c *checker) timestamp(n *yaml.Node, path string) (time.Time, bool) {
	s, ok := c.scalar(n, path, allowedTime, false)
	if !ok {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, s.text); err == nil {
			return t, true
		}
	}
	c.fail(n, path, s.found(false), "", allowedTime)
	return time.Time{}, false
}

// node is the monitors' settings as a YAML mapping, for [Config.String]; nil when none is set.
func (m Monitors) node() *yaml.Node {
	n := newMapping()
	n.bool("volume", m.Volume)
	n.bool("freshness", m.Freshness)
	if m.MaxAge != 0 {
		n.str("max_age", formatDuration(m.MaxAge))
	}
	n.str("schema_drift", m.SchemaDrift)
	cols := newMapping()
	for _, t := range slices.Sorted(maps.Keys(m.NullRate)) {
		cols.add(t, strList(m.NullRate[t]))
	}
	n.add("null_rate", cols.n)
	if m.Sensitivity != 0 {
		n.add("sensitivity", &yaml.Node{Kind: yaml.ScalarNode, Value: strconv.FormatFloat(m.Sensitivity, 'g', -1, 64)})
	}
	n.str("seasonality", m.Seasonality)
	n.int("min_history", m.MinHistory, false)
	if len(m.Exclude) > 0 {
		list := &yaml.Node{Kind: yaml.SequenceNode}
		for _, r := range m.Exclude {
			e := newMapping()
			e.str("from", r.From.Format(time.RFC3339Nano))
			e.str("to", r.To.Format(time.RFC3339Nano))
			e.str("reason", r.Reason)
			e.n.Style = yaml.FlowStyle
			list.Content = append(list.Content, e.n)
		}
		n.add("exclude", list)
	}
	n.str("on_anomaly", m.OnAnomaly)
	return n.n
}
