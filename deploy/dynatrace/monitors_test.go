package dynatrace_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The monitors dashboard has a tile per monitor drawing the value against its band, on metric
// keys and dimensions that etlwatch's Dynatrace sink really sends.
func TestMonitorsDashboard(t *testing.T) {
	raw, err := os.ReadFile("monitors-dashboard.json")
	require.NoError(t, err)
	d, problems := checkDashboard(sentMetrics(t), raw)
	assert.Empty(t, problems)
	bands := 0
	for _, tile := range d.Tiles {
		if tile.TileType != "DATA_EXPLORER" {
			continue
		}
		var metrics []string
		for _, q := range tile.Queries {
			metrics = append(metrics, q.Metric)
		}
		if len(metrics) == 4 {
			assert.Equal(t, []string{"dq_anomaly_value", "dq_anomaly_expected", "dq_anomaly_lower", "dq_anomaly_upper"}, metrics, tile.Name)
			bands++
		}
	}
	assert.Equal(t, 3, bands, "volume, freshness and null rate, each against its band")
}

// A mistake in the monitors dashboard is reported: a Prometheus name, a dimension the monitors'
// metrics do not carry.
func TestMonitorsDashboardChecksFindMistakes(t *testing.T) {
	raw, err := os.ReadFile("monitors-dashboard.json")
	require.NoError(t, err)
	for _, tc := range []struct{ old, new, want string }{
		{`"metric": "dq_anomaly_detected"`, `"metric": "dq_anomaly_detected_total"`, "dq_anomaly_detected_total"},
		{`\"monitor\"):sum`, `\"column\"):sum`, "column"},
	} {
		mutated := []byte(replaceOnce(t, string(raw), tc.old, tc.new))
		_, problems := checkDashboard(sentMetrics(t), mutated)
		found := false
		for _, p := range problems {
			found = found || containsAll(p, tc.want)
		}
		assert.True(t, found, "want a problem about %q, got %q", tc.want, problems)
	}
}

func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	require.True(t, strings.Contains(s, old), "the dashboard holds %s", old)
	return strings.Replace(s, old, new, 1)
}

func containsAll(s, sub string) bool { return strings.Contains(s, sub) }
