package monitoring_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/monitoring"
)

func TestLogSinkFormat(t *testing.T) {
	ctx := context.Background()
	var buf bytes.Buffer
	c, err := monitoring.NewMetricsCollector("bulk_load", "dev_mydb",
		monitoring.WithSinks(monitoring.NewLogSink(&buf)), monitoring.WithEnvironment("prod"),
		monitoring.WithExportInterval(time.Hour))
	require.NoError(t, err)
	c.EmitCounter(ctx, "table_processed", 1, monitoring.Dimensions{"table": "CUSTOMERS"})
	c.EmitGauge(ctx, "cdc_throughput_records_per_second", 85.3, monitoring.UnitCountPerSecond, nil)
	c.EmitDuration(ctx, "table_load_duration", 2*time.Second, monitoring.Dimensions{"table": "CUSTOMERS"})
	c.EmitDuration(ctx, "table_load_duration", time.Second, monitoring.Dimensions{"table": "CUSTOMERS"})
	require.NoError(t, c.Shutdown(ctx))

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	byName := map[string]map[string]any{}
	for _, l := range lines {
		require.True(t, strings.HasPrefix(l, "METRIC: {"), l)
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(l, "METRIC: ")), &m), l)
		byName[m["metric_name"].(string)] = m
		ts, err := time.Parse(time.RFC3339Nano, m["timestamp"].(string))
		require.NoError(t, err)
		assert.WithinDuration(t, time.Now(), ts, time.Minute)
	}
	// The zero-valued self-metric (no sink failures) is not written: a delta of 0 is no news.
	assert.Len(t, lines, 3, buf.String())
	tp := byName["table_processed"]
	assert.Equal(t, 1.0, tp["value"])
	assert.Equal(t, "Count", tp["unit"])
	assert.Equal(t, map[string]any{"table": "CUSTOMERS", "job_name": "bulk_load", "source_name": "dev_mydb", "environment": "prod"}, tp["dimensions"])
	assert.Equal(t, "Count/Second", byName["cdc_throughput_records_per_second"]["unit"])
	assert.Equal(t, 85.3, byName["cdc_throughput_records_per_second"]["value"])
	d := byName["table_load_duration"]
	assert.Equal(t, "Seconds", d["unit"])
	assert.Equal(t, 3.0, d["value"])
	assert.Equal(t, 2.0, d["count"])
	assert.Equal(t, 1.0, d["min"])
	assert.Equal(t, 2.0, d["max"])
	// Keys in the reference order.
	assert.Contains(t, buf.String(), `METRIC: {"metric_name":"table_processed","value":1,"unit":"Count","dimensions":{"environment":"prod","job_name":"bulk_load","source_name":"dev_mydb","table":"CUSTOMERS"},"timestamp":"`)
}

func TestLogSinkIsDelta(t *testing.T) {
	ctx := context.Background()
	var buf bytes.Buffer
	c, err := monitoring.NewMetricsCollector("j", "s", monitoring.WithSinks(monitoring.NewLogSink(&buf)), monitoring.WithExportInterval(time.Hour))
	require.NoError(t, err)
	c.EmitCounter(ctx, "rows", 5, nil)
	require.NoError(t, c.ForceFlush(ctx))
	c.EmitCounter(ctx, "rows", 2, nil)
	require.NoError(t, c.Shutdown(ctx))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 2)
	assert.Contains(t, lines[0], `"value":5,`)
	assert.Contains(t, lines[1], `"value":2,`)
}
