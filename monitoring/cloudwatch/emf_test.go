package cloudwatch_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/cloudwatch"
)

type emfDoc struct {
	AWS struct {
		Timestamp         int64 `json:"Timestamp"`
		CloudWatchMetrics []struct {
			Namespace  string              `json:"Namespace"`
			Dimensions [][]string          `json:"Dimensions"`
			Metrics    []map[string]string `json:"Metrics"`
		} `json:"CloudWatchMetrics"`
	} `json:"_aws"`
	Fields map[string]any `json:"-"`
}

func parseEMF(t *testing.T, out []byte) []emfDoc {
	t.Helper()
	var docs []emfDoc
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var d emfDoc
		require.NoError(t, json.Unmarshal(sc.Bytes(), &d), sc.Text())
		require.NoError(t, json.Unmarshal(sc.Bytes(), &d.Fields))
		docs = append(docs, d)
	}
	return docs
}

func TestEMF(t *testing.T) {
	ctx := context.Background()
	var out bytes.Buffer
	sink := cloudwatch.NewEMFSink(&out, "")
	c, _ := newCollector(t, sink)
	c.EmitCounter(ctx, "records_processed", 1234, monitoring.Dimensions{"table": "CUSTOMERS"})
	c.EmitGauge(ctx, "cdc_lag_seconds", 2.5, monitoring.UnitSeconds, monitoring.Dimensions{"table": "CUSTOMERS"})
	c.EmitDuration(ctx, "table_load_duration", 1500*time.Millisecond, monitoring.Dimensions{"table": "CUSTOMERS"})
	c.EmitDuration(ctx, "table_load_duration", 500*time.Millisecond, monitoring.Dimensions{"table": "CUSTOMERS"})
	before := time.Now()
	require.NoError(t, c.ForceFlush(ctx))

	docs := parseEMF(t, out.Bytes())
	var doc *emfDoc
	for i := range docs {
		if docs[i].Fields["table"] == "CUSTOMERS" {
			doc = &docs[i]
		}
	}
	require.NotNil(t, doc, out.String())
	require.Len(t, doc.AWS.CloudWatchMetrics, 1)
	dir := doc.AWS.CloudWatchMetrics[0]
	assert.Equal(t, "ETL/Pipeline", dir.Namespace)
	assert.Equal(t, [][]string{{"environment", "job_name", "source_name", "table"}}, dir.Dimensions)
	assert.InDelta(t, before.UnixMilli(), doc.AWS.Timestamp, 60_000)
	units := map[string]string{}
	for _, m := range dir.Metrics {
		units[m["Name"]] = m["Unit"]
	}
	assert.Equal(t, map[string]string{
		"records_processed": "Count", "cdc_lag_seconds": "Seconds",
		"table_load_duration_sum": "Seconds", "table_load_duration_count": "Count",
		"table_load_duration_min": "Seconds", "table_load_duration_max": "Seconds",
	}, units)
	assert.Equal(t, 1234.0, doc.Fields["records_processed"])
	assert.Equal(t, 2.5, doc.Fields["cdc_lag_seconds"])
	assert.Equal(t, 2.0, doc.Fields["table_load_duration_sum"])
	assert.Equal(t, 2.0, doc.Fields["table_load_duration_count"])
	assert.Equal(t, 0.5, doc.Fields["table_load_duration_min"])
	assert.Equal(t, 1.5, doc.Fields["table_load_duration_max"])
	assert.Equal(t, "bulk_load", doc.Fields["job_name"])
}

func TestEMFAtMost100MetricsPerDocument(t *testing.T) {
	ctx := context.Background()
	var out bytes.Buffer
	c, _ := newCollector(t, cloudwatch.NewEMFSink(&out, "NS"))
	for i := range 250 {
		c.EmitGauge(ctx, "m"+strconv.Itoa(i), float64(i), monitoring.UnitNone, nil)
	}
	require.NoError(t, c.ForceFlush(ctx))
	docs := parseEMF(t, out.Bytes())
	seen := map[string]bool{}
	for _, d := range docs {
		metrics := d.AWS.CloudWatchMetrics[0].Metrics
		assert.LessOrEqual(t, len(metrics), 100)
		for _, m := range metrics {
			seen[m["Name"]] = true
			_, ok := d.Fields[m["Name"]]
			assert.True(t, ok, "each declared metric has its value")
		}
	}
	assert.GreaterOrEqual(t, len(docs), 3)
	assert.Len(t, seen, 251) // 250 gauges and the sink-failure self-metric
}
