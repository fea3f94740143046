package prometheus_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/etlwatch/etlwatch/internal/testenv"
)

func promtool(t *testing.T, args ...string) {
	t.Helper()
	bin := testenv.Tool(t, "promtool", "apt-get install -y prometheus")
	out, err := exec.CommandContext(t.Context(), bin, args...).CombinedOutput()
	require.NoError(t, err, "promtool %v:\n%s", args, out)
}

func TestPromtoolCheckRules(t *testing.T) {
	files, err := filepath.Glob("rules/*.rules.yml")
	require.NoError(t, err)
	require.Len(t, files, 4)
	promtool(t, append([]string{"check", "rules"}, files...)...)
}

func TestPromtoolCheckConfig(t *testing.T) {
	promtool(t, "check", "config", "prometheus.yml")
}

func TestPromtoolTestRules(t *testing.T) {
	files, err := filepath.Glob("tests/*.test.yml")
	require.NoError(t, err)
	require.Len(t, files, 4)
	promtool(t, append([]string{"test", "rules"}, files...)...)
}

type unitTests struct {
	RuleFiles []string `yaml:"rule_files"`
	Tests     []struct {
		Name        string `yaml:"name"`
		InputSeries []struct {
			Series string `yaml:"series"`
		} `yaml:"input_series"`
		AlertRuleTest []struct {
			Alertname string `yaml:"alertname"`
			ExpAlerts []struct {
				ExpLabels map[string]string `yaml:"exp_labels"`
			} `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
	} `yaml:"tests"`
}

// Every alert has a promtool unit test in which it fires for one series and in which another
// series, or an earlier time, must not fire it.
func TestEveryAlertIsTestedBothWays(t *testing.T) {
	files, err := filepath.Glob("tests/*.test.yml")
	require.NoError(t, err)
	fires, silent := map[string]bool{}, map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		var ut unitTests
		require.NoError(t, yaml.Unmarshal(b, &ut), f)
		for _, tc := range ut.Tests {
			for _, a := range tc.AlertRuleTest {
				switch n := len(a.ExpAlerts); {
				case n == 0:
					silent[a.Alertname] = true
				default:
					fires[a.Alertname] = true
					if len(tc.InputSeries) > n {
						silent[a.Alertname] = true // some series of the test did not fire it
					}
				}
			}
		}
	}
	for _, rules := range loadRules(t) {
		for _, r := range rules {
			assert.True(t, fires[r.Alert], "no promtool test fires %s", r.Alert)
			assert.True(t, silent[r.Alert], "no promtool test checks that %s stays silent", r.Alert)
		}
	}
}
