package grafana_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/deploy/internal/exposed"
)

var update = flag.Bool("update", false, "rewrite dashboards/*.json from the Go definitions")

// generated are the shipped dashboards and the Go code they are generated from.
var generated = map[string]func() dashboard{
	"etl-monitoring.json": etlMonitoring,
	"cdc.json":            cdc,
	"bulk-load.json":      bulkLoad,
	"monitors.json":       monitors,
}

func render(t *testing.T, d dashboard) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	require.NoError(t, enc.Encode(d.json()))
	return b.Bytes()
}

// The JSON files are what the Go definitions generate (golden files): edit the Go code, then
// run go test ./deploy/grafana -run TestGenerated -update.
func TestGenerated(t *testing.T) {
	for file, def := range generated {
		path := filepath.Join("dashboards", file)
		got := render(t, def())
		if *update {
			require.NoError(t, os.WriteFile(path, got, 0o644))
			continue
		}
		want, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got), "%s is not what the Go code generates: run go test ./deploy/grafana -run TestGenerated -update", path)
	}
	files, err := filepath.Glob("dashboards/*.json")
	require.NoError(t, err)
	assert.Len(t, files, len(generated), "a dashboard file that is not generated: %v", files)
}

// Every dashboard file is valid for Grafana's import and provisioning, and every PromQL
// expression of its panels and variables names only series that etlwatch, the simulator or the
// log exporter really expose, with labels those series have.
func TestDashboards(t *testing.T) {
	series := exposedSeries(t)
	files, err := filepath.Glob("dashboards/*.json")
	require.NoError(t, err)
	require.Len(t, files, 4)
	uids := map[string]string{}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			require.NoError(t, err)
			d, problems := checkDashboard(series, raw)
			for _, p := range problems {
				t.Error(p)
			}
			if other, ok := uids[d.UID]; ok {
				t.Errorf("uid %q is also the uid of %s", d.UID, other)
			}
			uids[d.UID] = f
			assert.GreaterOrEqual(t, d.Exprs, 10, "expressions checked")
		})
	}
}

// The reference dashboard keeps the reference system's address, /d/etl-monitoring.
func TestReferenceDashboardUID(t *testing.T) {
	assert.Equal(t, "etl-monitoring", etlMonitoring().UID)
}

// The checks fail for the mistakes they exist to catch: each mutation of a shipped dashboard
// must be reported, with the expected message.
func TestCheckDashboardFindsMistakes(t *testing.T) {
	series := exposedSeries(t)
	cdcJSON, err := os.ReadFile("dashboards/cdc.json")
	require.NoError(t, err)
	bulkJSON, err := os.ReadFile("dashboards/bulk-load.json")
	require.NoError(t, err)
	_, problems := checkDashboard(series, cdcJSON)
	require.Empty(t, problems)

	for _, tc := range []struct {
		name, old, new string
		src            []byte
		want           string
	}{
		{"a metric the consumer does not expose", `max by (namespace, table) (cdc_lag_seconds{`, `max by (namespace, table) (cdc_lag{`, cdcJSON,
			"names cdc_lag, which nothing exposes"},
		{"the unit suffix the Prometheus sink does not add", `cdc_throughput_records_per_second{`, `cdc_throughput_records_per_second_per_second{`, cdcJSON,
			"names cdc_throughput_records_per_second_per_second, which nothing exposes"},
		{"a histogram without its _bucket suffix", `rate(cdc_batch_processing_time_seconds_bucket{`, `rate(cdc_batch_processing_time_seconds{`, cdcJSON,
			"names cdc_batch_processing_time_seconds, which nothing exposes"},
		{"a job label on the runtime metrics, which have none", `go_goroutines{instance=~\"$instance\"}`, `go_goroutines{job_name=~\"$job_name\"}`, cdcJSON,
			"uses the label job_name, which its metrics do not have"},
		{"grouping by a label the metric lacks", `sum by (table) (rate(records_processed_total{`, `sum by (schema) (rate(records_processed_total{`, bulkJSON,
			"uses the label schema, which its metrics do not have"},
		{"a variable from a label that does not exist", `table_processed_total{job_name=~\"$job_name\", source_name=~\"$source_name\", environment=~\"$environment\"}, table)`, `table_processed_total{job_name=~\"$job_name\", source_name=~\"$source_name\", environment=~\"$environment\"}, tablename)`, bulkJSON,
			"variable table: label_values(... tablename): tablename is not a label of"},
		{"an undefined variable", `table=~\"$table\"}[$__range]))`, `table=~\"$tabel\"}[$__range]))`, bulkJSON,
			"uses the variable $tabel, which the dashboard does not define"},
		{"a datasource other than the variable", `"uid": "${DS_PROMETHEUS}"`, `"uid": "prometheus-prod"`, cdcJSON,
			"datasource"},
		{"a duplicate panel id", `"id": 3,`, `"id": 2,`, cdcJSON,
			"panel id 2 is used twice"},
		{"overlapping panels", `"x": 5,`, `"x": 3,`, cdcJSON,
			"overlaps"},
		{"a panel wider than the grid", `"w": 24`, `"w": 25`, cdcJSON,
			"outside the 24-column grid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Contains(t, string(tc.src), tc.old)
			mutated := strings.ReplaceAll(string(tc.src), tc.old, tc.new)
			_, problems := checkDashboard(series, []byte(mutated))
			assert.True(t, containsProblem(problems, tc.want), "want a problem containing %q, got %q", tc.want, problems)
		})
	}
}

func containsProblem(problems []string, want string) bool {
	for _, p := range problems {
		if strings.Contains(p, want) {
			return true
		}
	}
	return false
}

// grafanaDashboard is what the checks read of a dashboard's JSON.
type grafanaDashboard struct {
	UID           string   `json:"uid"`
	Title         string   `json:"title"`
	SchemaVersion int      `json:"schemaVersion"`
	Panels        []gPanel `json:"panels"`
	Templating    struct {
		List []gVariable `json:"list"`
	} `json:"templating"`
	Exprs int `json:"-"` // PromQL expressions checked
}

type gPanel struct {
	ID         *int                      `json:"id"`
	Type       string                    `json:"type"`
	Title      string                    `json:"title"`
	Datasource json.RawMessage           `json:"datasource"`
	GridPos    *struct{ X, Y, W, H int } `json:"gridPos"`
	Targets    []struct {
		RefID        string          `json:"refId"`
		Expr         string          `json:"expr"`
		LegendFormat string          `json:"legendFormat"`
		Datasource   json.RawMessage `json:"datasource"`
	} `json:"targets"`
	Panels []gPanel `json:"panels"` // of a collapsed row
}

type gVariable struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Query      json.RawMessage `json:"query"`
	Datasource json.RawMessage `json:"datasource"`
}

var (
	// variableRef is a Grafana variable: $name or ${name} or ${name:format}; $1 in a
	// label_replace replacement is not one.
	variableRef  = regexp.MustCompile(`\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))`)
	labelValues  = regexp.MustCompile(`^label_values\((.*),\s*([A-Za-z_][A-Za-z0-9_]*)\)$`)
	legendLabel  = regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)
	grafanaVars  = map[string]bool{"__rate_interval": true, "__interval": true, "__range": true, "__range_s": true, "__interval_ms": true, "__range_ms": true}
	wantDatasrc  = `{"type":"prometheus","uid":"${DS_PROMETHEUS}"}`
	dsVariable   = "DS_PROMETHEUS"
	gridColumns  = 24
	minSchemaVer = 39
)

// checkDashboard parses raw and returns it with what is wrong: JSON that does not parse, a
// missing uid or title, an old schemaVersion, panel ids that are not unique, grid positions
// outside the grid or overlapping, datasources other than the DS_PROMETHEUS variable, variables
// used but not defined, and PromQL that names a series or a label nothing exposes.
func checkDashboard(series map[string]exposed.Family, raw []byte) (grafanaDashboard, []string) {
	c := &dashChecker{series: series, defined: map[string]bool{}, ids: map[int]string{}}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&c.d); err != nil {
		c.add("does not parse: %v", err)
		return c.d, c.problems
	}
	if c.d.UID == "" || c.d.Title == "" {
		c.add("no uid or no title")
	}
	if c.d.SchemaVersion < minSchemaVer {
		c.add("schemaVersion %d: want at least %d (Grafana 11)", c.d.SchemaVersion, minSchemaVer)
	}
	c.variables()
	c.panels(c.d.Panels)
	sort.Strings(c.problems)
	return c.d, c.problems
}

// dashChecker is one checkDashboard: the dashboard, what it found wrong, and what it has seen.
type dashChecker struct {
	series   map[string]exposed.Family
	d        grafanaDashboard
	problems []string
	defined  map[string]bool // the dashboard's variables
	ids      map[int]string  // panel id -> title
	rects    []gridRect      // the grid positions seen
}

// gridRect is a panel's place on the grid.
type gridRect struct {
	title      string
	x, y, w, h int
}

func (c *dashChecker) add(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// sameDS checks that ds is the DS_PROMETHEUS variable.
func (c *dashChecker) sameDS(where string, ds json.RawMessage) {
	var b bytes.Buffer
	if len(ds) == 0 || json.Compact(&b, ds) != nil || b.String() != wantDatasrc {
		c.add("%s: datasource %s, want %s", where, ds, wantDatasrc)
	}
}

// checkExpr checks the variables and the series expr uses, and returns the labels of its result.
func (c *dashChecker) checkExpr(where, expr string) map[string]bool {
	c.d.Exprs++
	for _, m := range variableRef.FindAllStringSubmatch(expr, -1) {
		name := m[1] + m[2]
		if !grafanaVars[name] && !c.defined[name] {
			c.add("%s uses the variable $%s, which the dashboard does not define", where, name)
		}
	}
	labels, ps := exposed.Check(c.series, exposed.ParseQuery(expr))
	for _, p := range ps {
		c.add("%s %s: %s", where, p, expr)
	}
	return labels
}

// variables checks the dashboard's variables: what they are, and their label_values queries.
func (c *dashChecker) variables() {
	for _, v := range c.d.Templating.List {
		c.defined[v.Name] = true
	}
	if !c.defined[dsVariable] {
		c.add("no %s datasource variable", dsVariable)
	}
	for _, v := range c.d.Templating.List {
		switch v.Type {
		case "datasource":
			var query string
			if json.Unmarshal(v.Query, &query) != nil || query != "prometheus" {
				c.add("variable %s: datasource variable of type %s, want prometheus", v.Name, v.Query)
			}
		case "query":
			c.sameDS("variable "+v.Name, v.Datasource)
			var query struct {
				Query string `json:"query"`
			}
			if err := json.Unmarshal(v.Query, &query); err != nil {
				c.add("variable %s: query %s: %v", v.Name, v.Query, err)
				continue
			}
			m := labelValues.FindStringSubmatch(query.Query)
			if m == nil {
				c.add("variable %s: %q is not label_values(selector, label)", v.Name, query.Query)
				continue
			}
			labels := c.checkExpr("variable "+v.Name+":", m[1])
			if !labels[m[2]] {
				c.add("variable %s: label_values(... %s): %s is not a label of %s", v.Name, m[2], m[2], m[1])
			}
		default:
			c.add("variable %s: type %s, want query or datasource", v.Name, v.Type)
		}
	}
}

// panels checks ps and the panels of its rows: ids, grid, datasources and expressions.
func (c *dashChecker) panels(ps []gPanel) {
	for _, p := range ps {
		where := fmt.Sprintf("panel %q", p.Title)
		switch {
		case p.ID == nil || *p.ID <= 0:
			c.add("%s: no positive id", where)
		case c.ids[*p.ID] != "":
			c.add("panel id %d is used twice: %q and %q", *p.ID, c.ids[*p.ID], p.Title)
		default:
			c.ids[*p.ID] = p.Title
		}
		c.grid(where, p)
		if p.Type == "row" {
			c.panels(p.Panels)
			continue
		}
		if p.Title == "" {
			c.add("panel %v: no title", p.ID)
		}
		c.sameDS(where, p.Datasource)
		c.targets(where, p)
	}
}

// grid checks p's grid position: inside the 24 columns and over no other panel.
func (c *dashChecker) grid(where string, p gPanel) {
	g := p.GridPos
	if g == nil {
		c.add("%s: no gridPos", where)
		return
	}
	if g.X < 0 || g.Y < 0 || g.W < 1 || g.H < 1 || g.X+g.W > gridColumns {
		c.add("%s: gridPos %+v is outside the 24-column grid", where, *g)
	}
	for _, r := range c.rects {
		if g.X < r.x+r.w && r.x < g.X+g.W && g.Y < r.y+r.h && r.y < g.Y+g.H {
			c.add("%s: gridPos %+v overlaps panel %q", where, *g, r.title)
		}
	}
	c.rects = append(c.rects, gridRect{p.Title, g.X, g.Y, g.W, g.H})
}

// targets checks p's queries: refIds, datasources, expressions and legends.
func (c *dashChecker) targets(where string, p gPanel) {
	if len(p.Targets) == 0 {
		c.add("%s: no query", where)
	}
	refs := map[string]bool{}
	for _, tg := range p.Targets {
		tw := fmt.Sprintf("%s %s", where, tg.RefID)
		if tg.RefID == "" || refs[tg.RefID] {
			c.add("%s: refId empty or used twice", tw)
		}
		refs[tg.RefID] = true
		c.sameDS(tw, tg.Datasource)
		if strings.TrimSpace(tg.Expr) == "" {
			c.add("%s: no expression", tw)
			continue
		}
		labels := c.checkExpr(tw+":", tg.Expr)
		for _, m := range legendLabel.FindAllStringSubmatch(tg.LegendFormat, -1) {
			if !labels[m[1]] {
				c.add("%s: legend shows {{%s}}, which its series do not have", tw, m[1])
			}
		}
	}
}
