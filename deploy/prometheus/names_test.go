package prometheus_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/etlwatch/etlwatch/deploy/internal/exposed"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/prom"
)

// The simulator (an etlwatch job) and the log exporter expose the same etl_* families, of the
// same types, with the same labels: one set of rules and dashboards serves both.
func TestSimulatorAndLogexporterExposeTheSameFamilies(t *testing.T) {
	simF, log := exposed.Simulator(t)
	logF := exposed.Logexporter(t, log)
	etl := func(fs map[string]exposed.Family) map[string]exposed.Family {
		out := map[string]exposed.Family{}
		for n, f := range fs {
			if strings.HasPrefix(n, "etl_") {
				out[n] = f
			}
		}
		return out
	}
	s, l := etl(simF), etl(logF)
	require.Equal(t, exposed.SortedKeys(s), exposed.SortedKeys(l))
	assert.Len(t, s, 10, "the reference exporter's ten metrics")
	for name, sf := range s {
		lf := l[name]
		assert.Equal(t, sf.Type, lf.Type, name)
		assert.Equal(t, exposed.SortedKeys(sf.Labels), exposed.SortedKeys(lf.Labels), name)
	}
}

// The reference names survive the Prometheus sink's suffix rules when the metrics are recorded
// as documented; a rate gauge named with its unit must be recorded without one.
func TestReferenceNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind monitoring.Kind
		unit monitoring.Unit
		want string
	}{
		{"cdc_lag_seconds", monitoring.KindGauge, monitoring.UnitSeconds, "cdc_lag_seconds"},
		{"cdc_throughput_records_per_second", monitoring.KindGauge, monitoring.UnitNone, "cdc_throughput_records_per_second"},
		// The wart: with its unit, the exporter appends it again.
		{"cdc_throughput_records_per_second", monitoring.KindGauge, monitoring.UnitCountPerSecond, "cdc_throughput_records_per_second_per_second"},
		{"cdc_batch_processing_time", monitoring.KindDuration, monitoring.UnitSeconds, "cdc_batch_processing_time_seconds"},
		{"cdc_events_failed", monitoring.KindCounter, monitoring.UnitCount, "cdc_events_failed_total"},
		{"etl_current_rate_records_per_second", monitoring.KindGauge, monitoring.UnitNone, "etl_current_rate_records_per_second"},
		{"etl_current_rate_records_per_second", monitoring.KindGauge, monitoring.UnitCountPerSecond, "etl_current_rate_records_per_second_per_second"},
		{"etl_seconds_since_last_success", monitoring.KindGauge, monitoring.UnitSeconds, "etl_seconds_since_last_success"},
		{monitoring.SinkExportFailuresMetric, monitoring.KindCounter, monitoring.UnitCount, "etlwatch_sink_export_failures_total"},
	} {
		got, err := prom.MetricName(tc.name, tc.kind, tc.unit)
		require.NoError(t, err)
		assert.Equal(t, tc.want, got, "%s (%s, %s)", tc.name, tc.kind, tc.unit)
	}
}

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []rule `yaml:"rules"`
	} `yaml:"groups"`
}

type rule struct {
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

func loadRules(t *testing.T) map[string][]rule {
	t.Helper()
	files, err := filepath.Glob("rules/*.rules.yml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	out := map[string][]rule{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		var rf ruleFile
		require.NoError(t, yaml.Unmarshal(b, &rf), f)
		for _, g := range rf.Groups {
			out[f] = append(out[f], g.Rules...)
		}
	}
	return out
}

// Every metric a rule names is exposed by etlwatch, the simulator or the log exporter under that
// name, and every label the rule selects on, groups by or shows in its annotations exists on it.
func TestRulesNameExposedMetrics(t *testing.T) {
	series := exposed.Series(exposed.All(t))
	for file, rules := range loadRules(t) {
		for _, r := range rules {
			t.Run(r.Alert, func(t *testing.T) {
				labels, problems := exposed.Check(series, exposed.ParseQuery(r.Expr))
				for _, p := range problems {
					t.Errorf("%s: %s %s: %s", file, r.Alert, p, r.Expr)
				}
				for key, text := range r.Annotations {
					for _, m := range annotationLabel.FindAllStringSubmatch(text, -1) {
						assert.True(t, labels[m[1]], "%s: %s: annotation %s shows $labels.%s, which its metrics do not have", file, r.Alert, key, m[1])
					}
				}
			})
		}
	}
}

var annotationLabel = regexp.MustCompile(`\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)`)

// Every alert has a severity, a summary, a description and a runbook link to a section of
// docs/runbooks.md.
func TestRulesAnnotationsAndRunbooks(t *testing.T) {
	doc, err := os.ReadFile("../../docs/runbooks.md")
	require.NoError(t, err)
	anchors := markdownAnchors(string(doc))
	const base = "https://github.com/etlwatch/etlwatch/blob/main/docs/runbooks.md#"
	seen := map[string]bool{}
	for file, rules := range loadRules(t) {
		for _, r := range rules {
			require.NotEmpty(t, r.Alert, "%s: only alerting rules are expected", file)
			assert.False(t, seen[r.Alert], "alert %s defined twice", r.Alert)
			seen[r.Alert] = true
			assert.Contains(t, []string{"warning", "critical"}, r.Labels["severity"], r.Alert)
			assert.NotEmpty(t, r.Annotations["summary"], r.Alert)
			assert.NotEmpty(t, r.Annotations["description"], r.Alert)
			url := r.Annotations["runbook_url"]
			if assert.True(t, strings.HasPrefix(url, base), "%s: runbook_url %q", r.Alert, url) {
				anchor := strings.TrimPrefix(url, base)
				assert.True(t, anchors[anchor], "%s: docs/runbooks.md has no section #%s", r.Alert, anchor)
			}
		}
	}
}

// markdownAnchors returns the anchors GitHub gives the headings of a Markdown document.
func markdownAnchors(doc string) map[string]bool {
	out := map[string]bool{}
	inCode := false
	for line := range strings.Lines(doc) {
		line = strings.TrimRight(line, "\n")
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
		}
		if inCode || !strings.HasPrefix(line, "#") {
			continue
		}
		title := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(title) {
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
				b.WriteRune(r)
			case r == ' ':
				b.WriteRune('-')
			}
		}
		out[b.String()] = true
	}
	return out
}
