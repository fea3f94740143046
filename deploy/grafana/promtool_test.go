package grafana_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/etlwatch/etlwatch/internal/testenv"
)

// grafanaValues are what Grafana's built-in variables stand for when an expression is parsed on
// its own; the dashboard's own variables become .* (they only appear in regex matchers).
var grafanaValues = map[string]string{
	"__rate_interval": "5m", "__interval": "1m", "__range": "1h",
	"__range_s": "3600", "__interval_ms": "60000", "__range_ms": "3600000",
}

// dashboardExprs returns every PromQL expression of the dashboard file at path: its targets'
// and its label_values variables' selectors, with the variables replaced.
func dashboardExprs(t *testing.T, path string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var d grafanaDashboard
	require.NoError(t, json.Unmarshal(raw, &d))
	var exprs []string
	var walk func([]gPanel)
	walk = func(ps []gPanel) {
		for _, p := range ps {
			walk(p.Panels)
			for _, tg := range p.Targets {
				exprs = append(exprs, tg.Expr)
			}
		}
	}
	walk(d.Panels)
	for _, v := range d.Templating.List {
		var q struct {
			Query string `json:"query"`
		}
		if v.Type == "query" && json.Unmarshal(v.Query, &q) == nil {
			if m := labelValues.FindStringSubmatch(q.Query); m != nil {
				exprs = append(exprs, m[1])
			}
		}
	}
	for i, e := range exprs {
		exprs[i] = variableRef.ReplaceAllStringFunc(e, func(ref string) string {
			m := variableRef.FindStringSubmatch(ref)
			if v, ok := grafanaValues[m[1]+m[2]]; ok {
				return v
			}
			return ".*"
		})
	}
	return exprs
}

// The Prometheus PromQL parser accepts every expression of the dashboards: they are written
// into a rule file as recording rules and checked with promtool check rules (Debian's
// prometheus package), since the parser itself is not a dependency of etlwatch.
func TestPromtoolParsesExpressions(t *testing.T) {
	bin := testenv.Tool(t, "promtool", "apt-get install -y prometheus")
	files, err := filepath.Glob("dashboards/*.json")
	require.NoError(t, err)
	type recording struct {
		Record string `yaml:"record"`
		Expr   string `yaml:"expr"`
	}
	type group struct {
		Name  string      `yaml:"name"`
		Rules []recording `yaml:"rules"`
	}
	var groups []group
	n := 0
	for _, f := range files {
		g := group{Name: filepath.Base(f)}
		for _, e := range dashboardExprs(t, f) {
			n++
			g.Rules = append(g.Rules, recording{Record: fmt.Sprintf("dashboard:expr_%d", n), Expr: e})
		}
		groups = append(groups, g)
	}
	require.Greater(t, n, 50)
	out, err := yaml.Marshal(map[string]any{"groups": groups})
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "dashboards.rules.yml")
	require.NoError(t, os.WriteFile(path, out, 0o644))
	res, err := exec.CommandContext(t.Context(), bin, "check", "rules", path).CombinedOutput()
	require.NoError(t, err, "promtool check rules:\n%s\n%s", res, out)
	require.Contains(t, string(res), "SUCCESS")
}

// promtool rejects an expression that does not parse: the check above can fail.
func TestPromtoolRejectsBadExpression(t *testing.T) {
	bin := testenv.Tool(t, "promtool", "apt-get install -y prometheus")
	path := filepath.Join(t.TempDir(), "bad.rules.yml")
	bad := `groups: [{name: bad, rules: [{record: "dashboard:bad", expr: "sum by (table) (rate(records_processed_total[5m])"}]}]`
	require.NoError(t, os.WriteFile(path, []byte(bad), 0o644))
	res, err := exec.CommandContext(t.Context(), bin, "check", "rules", path).CombinedOutput()
	require.Error(t, err)
	require.True(t, strings.Contains(string(res), "parse error") || strings.Contains(string(res), "unclosed"), "%s", res)
}
