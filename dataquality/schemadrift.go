package dataquality

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// SchemaColumn is a column as schema drift compares it.
type SchemaColumn struct {
	Name string `json:"name"`
	// Type is the column's type as the table reports it (a [Type]'s name, or the database's).
	Type string `json:"type"`
	// Required is true for a column that cannot hold NULL; false also when unknown.
	Required bool `json:"required,omitempty"`
}

// SchemaColumns converts a [SchemaReader]'s columns: the normalised [Type]'s name, and
// Required false (a Column does not know its nullability).
func SchemaColumns(cols []Column) []SchemaColumn {
	out := make([]SchemaColumn, len(cols))
	for i, c := range cols {
		out[i] = SchemaColumn{Name: c.Name, Type: c.Type.String()}
	}
	return out
}

// SchemaChanges lists how after differs from before, one phrase per change, in column order:
// "added EMAIL (string)", "removed PHONE", "retyped AMOUNT from integer to decimal",
// "EMAIL became required" or "EMAIL became nullable". Names are matched case-insensitively.
// It is deterministic and uses no statistics.
func SchemaChanges(before, after []SchemaColumn) []string {
	old := make(map[string]SchemaColumn, len(before))
	for _, c := range before {
		old[strings.ToLower(c.Name)] = c
	}
	var changes []string
	seen := map[string]bool{}
	for _, c := range after {
		k := strings.ToLower(c.Name)
		seen[k] = true
		o, ok := old[k]
		switch {
		case !ok:
			changes = append(changes, fmt.Sprintf("added %s (%s)", c.Name, c.Type))
		case !strings.EqualFold(o.Type, c.Type):
			changes = append(changes, fmt.Sprintf("retyped %s from %s to %s", c.Name, o.Type, c.Type))
		}
		if ok && o.Required != c.Required {
			if c.Required {
				changes = append(changes, c.Name+" became required")
			} else {
				changes = append(changes, c.Name+" became nullable")
			}
		}
	}
	var removed []string
	for _, c := range before {
		if !seen[strings.ToLower(c.Name)] {
			removed = append(removed, "removed "+c.Name)
		}
	}
	sort.Strings(removed)
	return append(changes, removed...)
}

// CheckSchema compares a table's columns at at with the last ones recorded, records them, and
// reports the drift (a Result with check schema_drift) — for writers without loads, such as a
// CDC consumer after each commit. A schema equal to the last one this Monitor saw for the table
// returns ok false without a query or a report, so that it can be called on every commit.
func (m *Monitor) CheckSchema(ctx context.Context, table string, at time.Time, cols []SchemaColumn) (res Result, ok bool) {
	note, _ := json.Marshal(cols)
	m.mu.Lock()
	st := m.state(table)
	same := st.schema == string(note)
	st.schema = string(note)
	m.mu.Unlock()
	if same {
		return Result{}, false
	}
	return m.schemaDrift(ctx, table, at, Load{Columns: cols})
}

// schemaDrift compares the load's columns with the previous load's, stores them, and reports
// the drift. ok is false when there is no schema to compare.
func (m *Monitor) schemaDrift(ctx context.Context, table string, at time.Time, load Load) (Result, bool) {
	const what = "Schema drift monitor"
	start := time.Now()
	cols := load.Columns
	if cols == nil {
		sr, ok := load.Dest.(SchemaReader)
		if !ok {
			return Result{}, false
		}
		read, err := sr.Schema(ctx)
		if err != nil {
			return m.checker.report(ctx, failed(MonitorSchemaDrift, table, what, fmt.Errorf("read schema: %w", err), start, map[string]any{"monitor": MonitorSchemaDrift})), true
		}
		cols = SchemaColumns(read)
	}
	recs, err := m.store.History(ctx, table, seriesSchema, 1)
	if err != nil {
		return m.checker.report(ctx, failed(MonitorSchemaDrift, table, what, fmt.Errorf("read history: %w", err), start, map[string]any{"monitor": MonitorSchemaDrift})), true
	}
	note, _ := json.Marshal(cols)
	observed := map[string]any{"monitor": MonitorSchemaDrift, "columns": int64(len(cols))}
	r := Result{Check: MonitorSchemaDrift, Table: table, Observed: observed, Passed: true}
	var changes []string
	if len(recs) == 0 {
		observed["reason"] = fmt.Sprintf("first schema recorded: %d columns", len(cols))
	} else {
		var before []SchemaColumn
		if err := json.Unmarshal([]byte(recs[0].Note), &before); err != nil {
			return m.checker.report(ctx, failed(MonitorSchemaDrift, table, what, fmt.Errorf("read the previous schema: %w", err), start, observed)), true
		}
		changes = SchemaChanges(before, cols)
		if len(changes) == 0 {
			observed["reason"] = fmt.Sprintf("no change since the last load (%d columns)", len(cols))
		} else {
			r.Passed = false
			observed["reason"] = "since the last load: " + strings.Join(changes, ", ")
			observed["changes"] = changes
		}
	}
	switch {
	case !r.Passed:
		r.Details = what + " ANOMALY - " + observed["reason"].(string)
	default:
		r.Details = what + " PASSED - " + observed["reason"].(string)
	}
	if mc := m.checker.metrics; mc != nil {
		detected := 0.0
		if !r.Passed {
			detected = 1
		}
		mc.EmitCounter(ctx, AnomalyDetectedMetric, detected, map[string]string{"table": table, "monitor": MonitorSchemaDrift})
	}
	if len(recs) == 0 || len(changes) > 0 {
		if err := m.store.Append(ctx, HistoryRecord{Table: table, Series: seriesSchema, At: at, Value: float64(len(cols)), Anomalous: len(changes) > 0, Note: string(note)}); err != nil {
			r.Err = fmt.Errorf("record history: %w", err)
		}
	}
	r.Duration = time.Since(start)
	return m.checker.report(ctx, r), true
}
