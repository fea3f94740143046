package dataquality_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/dataquality"
)

// MonitorsFrom carries every key of a loaded monitors: section, and Enabled and Excluded (the
// rules' only owner) read them: the exclude ranges are half-open, [from, to).
func TestMonitorsFrom(t *testing.T) {
	cfg, err := configloader.LoadFile("../configloader/testdata/monitors_full.yaml")
	require.NoError(t, err)
	m := dataquality.MonitorsFrom(cfg.Sources["good"].DataQuality.Monitors)
	assert.True(t, m.Enabled())
	assert.True(t, m.Volume)
	assert.True(t, m.Freshness)
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

	assert.False(t, dataquality.Monitors{}.Enabled())
	assert.False(t, dataquality.Monitors{SchemaDrift: "off"}.Enabled())
	assert.True(t, dataquality.Monitors{SchemaDrift: "warn"}.Enabled())
	assert.True(t, dataquality.Monitors{NullRate: map[string][]string{"T": {"C"}}}.Enabled())
}
