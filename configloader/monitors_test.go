package configloader_test

import (
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
	assert.Equal(t, configloader.TimeRange{From: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC),
		Reason: "source outage"}, m.Exclude[0])
}

func TestMonitorsDefaults(t *testing.T) {
	cfg, err := configloader.Parse("sources.yaml", []byte("sources:\n  s:\n    database_type: oracle\n    data_quality:\n      monitors:\n        volume: true\n"))
	require.NoError(t, err)
	m := cfg.Sources["s"].DataQuality.Monitors
	assert.Equal(t, configloader.Monitors{Volume: true, SchemaDrift: "off", Seasonality: "auto", OnAnomaly: "warn"}, m)
}
