package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/lineage"
	"github.com/etlwatch/etlwatch/lineage/lineagetest"
)

func clearLineageEnv(t *testing.T) {
	for _, k := range []string{"OPENLINEAGE_URL", "OPENLINEAGE_ENDPOINT", "OPENLINEAGE_API_KEY", "OPENLINEAGE_NAMESPACE", "OPENLINEAGE_DISABLED"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

// loadedRows reads the "loaded:" lines of the quickstart's summary.
func loadedRows(t *testing.T, out string) map[string]int64 {
	t.Helper()
	rows := map[string]int64{}
	for _, m := range regexp.MustCompile(`(?m)^loaded:\s+(\S+)\s+(\d+) rows$`).FindAllStringSubmatch(out, -1) {
		n, err := strconv.ParseInt(m[2], 10, 64)
		require.NoError(t, err)
		rows[m[1]] = n
	}
	require.Len(t, rows, 3)
	return rows
}

// TestQuickstartSendsLineage is the "done when": with OPENLINEAGE_URL pointing at an
// HTTP receiver that validates like Marquez, the quickstart sends a schema-valid START and
// COMPLETE for the job and for each table, with schemas, row counts equal to what was loaded,
// column lineage and the checks' results.
func TestQuickstartSendsLineage(t *testing.T) {
	clearLineageEnv(t)
	rcv := lineagetest.NewReceiver(t)
	t.Setenv("OPENLINEAGE_URL", rcv.URL())
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"-rows", "3000", "-dir", filepath.Join(t.TempDir(), "data"), "-listen", "127.0.0.1:0"},
		&stdout, &stderr)
	out := piped(t, &stdout, &stderr)
	require.Equal(t, 0, code, out)
	rows := loadedRows(t, out)

	require.Empty(t, rcv.Rejected(), "every event passes the OpenLineage schemas")
	evs := rcv.Events()
	assert.Contains(t, out, "lineage:    "+strconv.Itoa(len(evs))+" OpenLineage events delivered (http)")
	byJob := map[string][]lineage.RunEvent{}
	for _, ev := range evs {
		byJob[ev.Job.Name] = append(byJob[ev.Job.Name], ev)
	}
	require.Len(t, byJob, 4, "the job and its three tables")
	job := byJob["quickstart.bulk_load"]
	require.Len(t, job, 2)
	assert.Equal(t, []lineage.EventType{lineage.EventStart, lineage.EventComplete}, []lineage.EventType{job[0].EventType, job[1].EventType})
	assert.Equal(t, job[0].Run.RunID, evs[0].Run.RunID, "the job starts first")
	assert.Equal(t, job[1].Run.RunID, evs[len(evs)-1].Run.RunID, "and completes last")
	// The reconciliation ran after the tables' runs: it is the job's test.
	require.NotNil(t, job[1].Run.Facets.Test)
	require.Len(t, job[1].Run.Facets.Test.Tests, 1)
	assert.Equal(t, "checksum:orders", job[1].Run.Facets.Test.Tests[0].Name)
	assert.Equal(t, "pass", job[1].Run.Facets.Test.Tests[0].Status)
	for table, n := range rows {
		tevs := byJob["quickstart.bulk_load."+table]
		require.Len(t, tevs, 2, table)
		assert.Equal(t, lineage.EventStart, tevs[0].EventType)
		done := tevs[1]
		assert.Equal(t, lineage.EventComplete, done.EventType)
		assert.Equal(t, job[0].Run.RunID, done.Run.Facets.Parent.Run.RunID)
		require.Len(t, done.Outputs, 1)
		o := done.Outputs[0]
		assert.Equal(t, n, *o.OutputFacets.OutputStatistics.RowCount, "%s: rows equal what was loaded", table)
		assert.NotEmpty(t, o.Facets.Schema.Fields)
		assert.NotEmpty(t, o.Facets.ColumnLineage.Fields)
		assert.NotEmpty(t, done.Inputs[0].Facets.Schema.Fields)
		require.NotNil(t, done.Run.Facets.Test)
		assert.Equal(t, "row_count:"+table, done.Run.Facets.Test.Tests[0].Name)
		assert.Equal(t, "pass", done.Run.Facets.Test.Tests[0].Status)
	}
}

// TestQuickstartWithLineageDown: with nothing listening at OPENLINEAGE_URL the quickstart still
// ends OK and says lineage could not be delivered.
func TestQuickstartWithLineageDown(t *testing.T) {
	clearLineageEnv(t)
	t.Setenv("OPENLINEAGE_URL", lineagetest.Down(t))
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"-rows", "300", "-dir", filepath.Join(t.TempDir(), "data"), "-listen", "127.0.0.1:0"},
		&stdout, &stderr)
	out := piped(t, &stdout, &stderr)
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "lineage events could not be delivered", "the warning, once")
	assert.Regexp(t, `lineage:    could not be delivered \(http\): \d+ of \d+ events failed, counted in etlwatch_lineage_events_failed; the load is not affected`, out)
	assert.Contains(t, out, "result:     OK")
}
