package prom

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGaugeName(t *testing.T) {
	for name, want := range map[string]string{
		"go_goroutine_count": "go_goroutines",
		"go_processor_count": "go_processors",
		"files_count":        "files_count", // the application's own name is its own
		"go_count":           "go_count",
		"go_memory_used":     "go_memory_used",
	} {
		got, _ := gaugeName(name)
		assert.Equal(t, want, got, name)
	}
}

// TestRenamedKeepsLabelsAndHelp: the renamed gauge has the same labels, value and help; other
// metrics pass unchanged.
func TestRenamedKeepsLabelsAndHelp(t *testing.T) {
	m := prometheus.MustNewConstMetric(prometheus.NewDesc("go_goroutine_count", "Count of live goroutines.", []string{"a"}, prometheus.Labels{"b": "2"}),
		prometheus.GaugeValue, 7, "1")
	r := renamed(m)
	assert.Contains(t, r.Desc().String(), `Desc{fqName: "go_goroutines", help: "Count of live goroutines.", `)
	var d dto.Metric
	require.NoError(t, r.Write(&d))
	assert.Equal(t, 7.0, d.GetGauge().GetValue())
	require.Len(t, d.Label, 2)
	assert.Equal(t, "a", d.Label[0].GetName())
	assert.Equal(t, "1", d.Label[0].GetValue())
	assert.Equal(t, "b", d.Label[1].GetName())

	c := prometheus.MustNewConstMetric(prometheus.NewDesc("go_x_count", "h", nil, nil), prometheus.CounterValue, 1)
	assert.Same(t, c, renamed(c), "a counter is not renamed")
}
