package dynatrace_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// classicDashboard is what the checks read of a Dynatrace (classic) dashboard.
type classicDashboard struct {
	DashboardMetadata struct {
		Name string `json:"name"`
	} `json:"dashboardMetadata"`
	Tiles []struct {
		Name     string `json:"name"`
		TileType string `json:"tileType"`
		Bounds   struct {
			Top, Left, Width, Height int
		} `json:"bounds"`
		Queries []struct {
			ID               string   `json:"id"`
			Metric           string   `json:"metric"`
			SpaceAggregation string   `json:"spaceAggregation"`
			SplitBy          []string `json:"splitBy"`
			Enabled          bool     `json:"enabled"`
		} `json:"queries"`
		MetricExpressions []string `json:"metricExpressions"`
	} `json:"tiles"`
}

// metricEvent is a Settings 2.0 object of the schema builtin:anomaly-detection.metric-events.
type metricEvent struct {
	SchemaID string `json:"schemaId"`
	Scope    string `json:"scope"`
	Value    struct {
		Enabled         bool   `json:"enabled"`
		Summary         string `json:"summary"`
		QueryDefinition struct {
			Type           string `json:"type"`
			MetricSelector string `json:"metricSelector"`
		} `json:"queryDefinition"`
		ModelProperties struct {
			Type              string  `json:"type"`
			Threshold         float64 `json:"threshold"`
			AlertOnNoData     bool    `json:"alertOnNoData"`
			AlertCondition    string  `json:"alertCondition"`
			ViolatingSamples  int     `json:"violatingSamples"`
			Samples           int     `json:"samples"`
			DealertingSamples int     `json:"dealertingSamples"`
		} `json:"modelProperties"`
		EventTemplate struct {
			Title       string `json:"title"`
			Description string `json:"description"`
			EventType   string `json:"eventType"`
			DavisMerge  bool   `json:"davisMerge"`
			Metadata    []any  `json:"metadata"`
		} `json:"eventTemplate"`
	} `json:"value"`
}

// checkSelector returns what is wrong with a metric selector against what the Dynatrace sink
// sends: a key it does not send (Prometheus names such as _total or _seconds suffixes do not
// exist in Dynatrace), a dimension its data points and resource do not carry, and a
// non-monotonic sum (an UpDownCounter, which the sink sends as delta: Dynatrace stores the
// changes, not the level, so no aggregation of it means what a tile or alert wants).
func checkSelector(sent map[string]metricKey, where, sel string) []string {
	var problems []string
	p := parseSelector(sel)
	if len(p.Keys) == 0 {
		problems = append(problems, fmt.Sprintf("%s: names no metric key: %s", where, sel))
	}
	for _, k := range p.Keys {
		m, ok := sent[k]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: metric key %s is not sent by etlwatch's Dynatrace sink", where, k))
			continue
		}
		if m.Type == "sum" && !m.Monotonic {
			problems = append(problems, fmt.Sprintf("%s: metric key %s is an UpDownCounter sent as delta: Dynatrace stores its changes, not its level", where, k))
		}
		for _, d := range p.Dims[k] {
			if !m.Points[d] && !m.Resource[d] {
				problems = append(problems, fmt.Sprintf("%s: metric key %s has no dimension %s", where, k, d))
			}
		}
	}
	return problems
}

func checkDashboard(sent map[string]metricKey, raw []byte) (classicDashboard, []string) {
	var d classicDashboard
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if err := json.Unmarshal(raw, &d); err != nil {
		return d, []string{"does not parse: " + err.Error()}
	}
	if d.DashboardMetadata.Name == "" {
		add("no dashboardMetadata.name")
	}
	for i, t := range d.Tiles {
		b := t.Bounds
		if b.Top < 0 || b.Left < 0 || b.Width <= 0 || b.Height <= 0 || b.Top%38 != 0 || b.Left%38 != 0 || b.Width%38 != 0 || b.Height%38 != 0 {
			add("tile %q: bounds %+v are not on Dynatrace's 38-pixel grid", t.Name, b)
		}
		for _, o := range d.Tiles[:i] {
			ob := o.Bounds
			if b.Left < ob.Left+ob.Width && ob.Left < b.Left+b.Width && b.Top < ob.Top+ob.Height && ob.Top < b.Top+b.Height {
				add("tile %q overlaps tile %q", t.Name, o.Name)
			}
		}
		if t.TileType != "DATA_EXPLORER" {
			continue
		}
		if len(t.Queries) == 0 || len(t.MetricExpressions) != 1 {
			add("tile %q: want queries and one metricExpressions entry", t.Name)
		}
		exprKeys := parseSelector(strings.Join(t.MetricExpressions, ",")).Keys
		for j, q := range t.Queries {
			where := fmt.Sprintf("tile %q query %s", t.Name, q.ID)
			problems = append(problems, checkSelector(sent, where, fmt.Sprintf(`%s:splitBy(%s)`, q.Metric, quoteAll(q.SplitBy)))...)
			if j >= len(exprKeys) || exprKeys[j] != q.Metric {
				add("%s: metric %s is not the key of its metric expression (%v)", where, q.Metric, exprKeys)
			}
		}
		for _, e := range t.MetricExpressions {
			problems = append(problems, checkSelector(sent, fmt.Sprintf("tile %q metricExpressions", t.Name), e)...)
		}
	}
	sort.Strings(problems)
	return d, problems
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = `"` + s + `"`
	}
	return strings.Join(q, ",")
}

var dimsPlaceholder = regexp.MustCompile(`\{dims:([^}]+)\}`)

var eventTypes = map[string]bool{
	"AVAILABILITY": true, "CUSTOM_ALERT": true, "CUSTOM_ANNOTATION": true, "CUSTOM_CONFIGURATION": true,
	"CUSTOM_DEPLOYMENT": true, "ERROR": true, "INFO": true, "MARKED_FOR_TERMINATION": true, "RESOURCE": true, "SLOWDOWN": true,
}

func checkEvents(sent map[string]metricKey, raw []byte) ([]metricEvent, []string) {
	var events []metricEvent
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&events); err != nil {
		return nil, []string{"does not parse: " + err.Error()}
	}
	for _, e := range events {
		v := e.Value
		where := fmt.Sprintf("metric event %q", v.Summary)
		if e.SchemaID != "builtin:anomaly-detection.metric-events" || e.Scope != "environment" {
			add("%s: schemaId %q scope %q", where, e.SchemaID, e.Scope)
		}
		if !v.Enabled || v.Summary == "" || v.EventTemplate.Title == "" || v.EventTemplate.Description == "" {
			add("%s: want enabled, a summary, a title and a description", where)
		}
		if !eventTypes[v.EventTemplate.EventType] {
			add("%s: event type %q", where, v.EventTemplate.EventType)
		}
		if v.QueryDefinition.Type != "METRIC_SELECTOR" {
			add("%s: query type %q, want METRIC_SELECTOR", where, v.QueryDefinition.Type)
		}
		problems = append(problems, checkSelector(sent, where, v.QueryDefinition.MetricSelector)...)
		m := v.ModelProperties
		if m.Type != "STATIC_THRESHOLD" || (m.AlertCondition != "ABOVE" && m.AlertCondition != "BELOW") {
			add("%s: model %s %s", where, m.Type, m.AlertCondition)
		}
		if m.ViolatingSamples < 1 || m.ViolatingSamples > m.Samples || m.Samples > 60 || m.DealertingSamples < 1 || m.DealertingSamples > m.Samples {
			add("%s: want 1 <= violatingSamples, dealertingSamples <= samples <= 60: %+v", where, m)
		}
		sel := parseSelector(v.QueryDefinition.MetricSelector)
		split := map[string]bool{}
		for _, k := range sel.Keys {
			for _, d := range sel.Dims[k] {
				split[d] = true
			}
		}
		for _, text := range []string{v.EventTemplate.Title, v.EventTemplate.Description} {
			for _, p := range dimsPlaceholder.FindAllStringSubmatch(text, -1) {
				if !split[p[1]] {
					add("%s: {dims:%s} is not a dimension its selector splits by", where, p[1])
				}
			}
		}
	}
	return events, problems
}

// The dashboard has the reference guide's six CDC tiles and the consumer's table-health tiles,
// on metric keys and dimensions that etlwatch's Dynatrace sink really sends.
func TestDashboard(t *testing.T) {
	raw, err := os.ReadFile("cdc-dashboard.json")
	require.NoError(t, err)
	d, problems := checkDashboard(sentMetrics(t), raw)
	assert.Empty(t, problems)
	var titles []string
	for _, tile := range d.Tiles {
		if tile.TileType == "DATA_EXPLORER" {
			titles = append(titles, tile.Name)
		}
	}
	assert.Equal(t, []string{
		"CDC lag by table (s)", "Throughput (records/s)", "Batch processing time (s)",
		"Events processed vs skipped", "Memory in use / limit", "GC pressure: allocations per second",
		"Delete files per table", "Metadata.json per table (bytes)", "Last commit per table (s)", "Snapshots per table",
	}, titles, "the reference guide's six tiles, in its order, then the table-health tiles")
}

// The metric events are the reference guide's alerts with its thresholds, on what the sink sends.
func TestMetricEvents(t *testing.T) {
	raw, err := os.ReadFile("metric-events.json")
	require.NoError(t, err)
	events, problems := checkEvents(sentMetrics(t), raw)
	assert.Empty(t, problems)
	require.Len(t, events, 5)
	type want struct {
		key       string
		condition string
		threshold float64
		samples   int // one sample a minute: the duration of the condition
	}
	var got []want
	for _, e := range events {
		m := e.Value.ModelProperties
		got = append(got, want{parseSelector(e.Value.QueryDefinition.MetricSelector).Keys[0], m.AlertCondition, m.Threshold, m.ViolatingSamples})
	}
	assert.Equal(t, []want{
		{"cdc_lag_seconds", "ABOVE", 60, 5},                    // > 60 s for 5 minutes: warning
		{"cdc_lag_seconds", "ABOVE", 300, 2},                   // > 300 s for 2 minutes: critical
		{"cdc_throughput_records_per_second", "BELOW", 10, 10}, // < 10 records/s for 10 minutes
		{"cdc_batch_processing_time", "ABOVE", 30, 3},          // > 30 s, 3 consecutive
		{"etlwatch_memory_usage_ratio", "ABOVE", 0.9, 5},       // > 90 %
	}, got)
	assert.Equal(t, "ERROR", events[1].Value.EventTemplate.EventType, "the critical lag alert")
	doc, err := os.ReadFile("../../docs/runbooks.md")
	require.NoError(t, err)
	for _, e := range events {
		for _, m := range regexp.MustCompile(`runbooks\.md#([a-z0-9-]+)`).FindAllStringSubmatch(e.Value.EventTemplate.Description, -1) {
			assert.Contains(t, headingAnchors(string(doc)), m[1], e.Value.Summary)
		}
	}
}

// headingAnchors returns the anchors GitHub gives the headings of a Markdown document.
func headingAnchors(doc string) []string {
	var out []string
	for line := range strings.Lines(doc) {
		if !strings.HasPrefix(line, "#") {
			continue
		}
		var b strings.Builder
		for _, r := range strings.ToLower(strings.TrimSpace(strings.TrimLeft(line, "#"))) {
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
				b.WriteRune(r)
			case r == ' ':
				b.WriteRune('-')
			}
		}
		out = append(out, b.String())
	}
	return out
}

// The checks fail for the mistakes they exist to catch.
func TestChecksFindMistakes(t *testing.T) {
	sent := sentMetrics(t)
	dash, err := os.ReadFile("cdc-dashboard.json")
	require.NoError(t, err)
	events, err := os.ReadFile("metric-events.json")
	require.NoError(t, err)
	// old and new are as they are written in the JSON files (quotes escaped).
	for _, tc := range []struct {
		name, old, new string
		events         bool
		want           string
	}{
		{"the Prometheus name of a counter", `cdc_events_processed:splitBy`, `cdc_events_processed_total:splitBy`, false,
			"metric key cdc_events_processed_total is not sent"},
		{"the Prometheus name of a histogram", `"metric": "cdc_batch_processing_time"`, `"metric": "cdc_batch_processing_time_seconds"`, false,
			"metric key cdc_batch_processing_time_seconds is not sent"},
		{"a dimension the metric lacks", `cdc_throughput_records_per_second:splitBy(\"job_name\",\"source_name\")`, `cdc_throughput_records_per_second:splitBy(\"job_name\",\"table\")`, false,
			"metric key cdc_throughput_records_per_second has no dimension table"},
		{"an UpDownCounter sent as delta", `go.memory.allocations:splitBy`, `go.memory.used:splitBy`, false,
			"go.memory.used is an UpDownCounter sent as delta"},
		{"overlapping tiles", `"left": 608`, `"left": 570`, false, "overlaps"},
		{"a misspelled key in an alert", `etlwatch_memory_usage_ratio:splitBy`, `etlwatch_memory_usage:splitBy`, true,
			"metric key etlwatch_memory_usage is not sent"},
		{"a placeholder of a dimension not split by", `cdc_throughput_records_per_second:splitBy(\"job_name\",\"source_name\")`, `cdc_throughput_records_per_second:splitBy(\"source_name\")`, true,
			"{dims:job_name} is not a dimension its selector splits by"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := dash
			if tc.events {
				src = events
			}
			require.Contains(t, string(src), tc.old)
			mutated := []byte(strings.ReplaceAll(string(src), tc.old, tc.new))
			var problems []string
			if tc.events {
				_, problems = checkEvents(sent, mutated)
			} else {
				_, problems = checkDashboard(sent, mutated)
			}
			found := false
			for _, p := range problems {
				found = found || strings.Contains(p, tc.want)
			}
			assert.True(t, found, "want a problem containing %q, got %q", tc.want, problems)
		})
	}
}

// docs/dynatrace.md says how to import both files, with the token scopes they need.
func TestSetupDoc(t *testing.T) {
	doc, err := os.ReadFile("../../docs/dynatrace.md")
	require.NoError(t, err)
	for _, s := range []string{
		"deploy/dynatrace/cdc-dashboard.json", "deploy/dynatrace/metric-events.json",
		"metrics.ingest", "settings.write", "WriteConfig", "/api/v2/otlp/v1/metrics", "/e/{env-id}/api/v2/otlp/v1/metrics",
		"15,000 data points", "4 MB", "Delta temporality only", "api_token: ${DT_API_TOKEN}", "OneAgent",
	} {
		assert.Contains(t, string(doc), s)
	}
	assert.Contains(t, headingAnchors(string(doc)), "names-in-dynatrace")
}
