package configloader_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/configloader"
)

func TestMonitors(t *testing.T) {
	cfg, err := configloader.LoadFile("testdata/monitors_full.yaml")
	require.NoError(t, err)
	m := cfg.Sources["good"].DataQuality.Monitors
	assert.True(t, m.Enabled())
	assert.True(t, m.Volume)
	assert.True(t, m.Freshness, "max_age turns freshness on")
	assert.Equal(t, 26*time.Hour, m.MaxAge)
	assert.Equal(t, "fail", m.SchemaDrift)
	assert.Equal(t, map[string][]string{"CUSTOMERS": {"EMAIL", "PHONE"}}, m.NullRate)
	assert.Equal(t, 4.5, m.Sensitivity)
	assert.Equal(t, "day_of_week", m.Seasonality)
	assert.Equal(t, 14, m.MinHistory)
	assert.Equal(t, "fail", m.OnAnomaly)
	require.Len(t, m.Exclude, 2)
	assert.Equal(t, "source outage", m.Exclude[0].Reason)
	assert.True(t, m.Excluded(time.Date(2026, 3, 2, 23, 59, 0, 0, time.UTC)))
	assert.False(t, m.Excluded(time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)), "to is not included")
	assert.True(t, m.Excluded(time.Date(2026, 4, 1, 3, 0, 0, 0, time.UTC)))
	assert.False(t, m.Excluded(time.Date(2026, 4, 1, 6, 0, 0, 0, time.UTC)))

	assert.False(t, configloader.Monitors{}.Enabled())
	assert.False(t, configloader.Monitors{SchemaDrift: "off"}.Enabled())
	assert.True(t, configloader.Monitors{SchemaDrift: "warn"}.Enabled())
}

func TestMonitorsDefaults(t *testing.T) {
	cfg, err := configloader.Parse("sources.yaml", []byte("sources:\n  s:\n    database_type: oracle\n    data_quality:\n      monitors:\n        volume: true\n"))
	require.NoError(t, err)
	m := cfg.Sources["s"].DataQuality.Monitors
	assert.Equal(t, configloader.Monitors{Volume: true, SchemaDrift: "off", Seasonality: "auto", OnAnomaly: "warn"}, m)
}

func ExampleMonitors_Excluded() {
	cfg, err := configloader.Parse("sources.yaml", []byte(`
sources:
  dev_mydb:
    database_type: postgres
    data_quality:
      monitors:
        volume: true
        exclude:
          - {from: "2026-03-01", to: "2026-03-03", reason: source outage}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	m := cfg.Sources["dev_mydb"].DataQuality.Monitors
	fmt.Println(m.Enabled(), m.Excluded(time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)), m.Excluded(time.Date(2026, 3, 3, 2, 0, 0, 0, time.UTC)))
	// Output:
	// true true false
}
