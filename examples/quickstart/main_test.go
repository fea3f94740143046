package main

import (
	"bufio"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/monitoring"
)

// TestRun runs the program as the README's first command does and checks what it prints: the job
// and table events with one correlation ID, the METRIC: lines, and a summary that adds up.
func TestRun(t *testing.T) {
	var out strings.Builder
	require.NoError(t, run(context.Background(), &out, options{workers: 2, env: "ci"}))

	var events []map[string]any
	var metricLines int
	var summaryJSON strings.Builder
	inSummary := false
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case inSummary:
			summaryJSON.WriteString(line)
		case strings.HasPrefix(line, "Metrics Summary: "):
			inSummary = true
			summaryJSON.WriteString(strings.TrimPrefix(line, "Metrics Summary: "))
		case strings.HasPrefix(line, "METRIC: "):
			metricLines++
			var m map[string]any
			require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(line, "METRIC: ")), &m), line)
		default:
			var e map[string]any
			require.NoError(t, json.Unmarshal([]byte(line), &e), line)
			events = append(events, e)
		}
	}

	byType := map[string]int{}
	ids := map[any]bool{}
	for _, e := range events {
		byType[e["event_type"].(string)]++
		ids[e["correlation_id"]] = true
		assert.Equal(t, "ci", e["environment"])
	}
	assert.Len(t, ids, 1, "one correlation ID for the whole job")
	assert.NotEqual(t, "", events[0]["correlation_id"])
	assert.Equal(t, map[string]int{"job_start": 1, "table_processing_start": 4, "table_processing_failed": 1,
		"table_processing_complete": 3, "job_complete": 1}, byType)
	assert.Positive(t, metricLines)

	var sum monitoring.Summary
	require.NoError(t, json.Unmarshal([]byte(summaryJSON.String()), &struct {
		Series *[]monitoring.SeriesSummary `json:"series"`
	}{&sum.Series}))
	find := func(name string, dims monitoring.Dimensions) float64 {
		for _, s := range sum.Series {
			match := s.Name == name
			for k, v := range dims {
				match = match && s.Dimensions[k] == v
			}
			if match {
				return s.Sum
			}
		}
		t.Fatalf("no series %s %v", name, dims)
		return 0
	}
	assert.Equal(t, 18000.0, find("job_records_processed", nil))
	assert.Equal(t, 3.0, find("job_tables_processed", nil))
	assert.Equal(t, 5000.0, find("records_processed", monitoring.Dimensions{"table": "ORDERS"}))
	assert.Equal(t, 1.0, find("table_load_failure", monitoring.Dimensions{"table": "ORDERS", "error_type": "connection_timeout"}))
}

func TestRunConsoleFormat(t *testing.T) {
	var out strings.Builder
	require.NoError(t, run(context.Background(), &out, options{workers: 1, console: true}))
	assert.Regexp(t, `(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d - \[worker-1\] - etlwatch\.bulk_load - INFO - EVENT: \{"timestamp":`, out.String())
	assert.Regexp(t, `(?m) - \[worker-1\] - etlwatch\.bulk_load - ERROR - EVENT: .*"event_type":"table_processing_failed"`, out.String())
}

func TestRunRejectsBadFlags(t *testing.T) {
	err := run(context.Background(), &strings.Builder{}, options{workers: 0})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "-workers 0")
}
