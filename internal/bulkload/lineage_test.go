package bulkload

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

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

// TestBulkLoadLineage loads the SQLite sample with OPENLINEAGE_URL pointing at a Marquez-like
// receiver: every event is schema-valid; the job and each table have exactly one START and
// one COMPLETE, the job's START first and its COMPLETE last; each table's COMPLETE carries the
// source and Iceberg datasets with schemas, the rows loaded, identity column lineage and the
// check results.
func TestBulkLoadLineage(t *testing.T) {
	clearLineageEnv(t)
	rcv := lineagetest.NewReceiver(t)
	t.Setenv("OPENLINEAGE_URL", rcv.URL())
	dir, db := sampleSource(t, 300, "    data_quality:\n      check_row_count: true\n      required_columns:\n        customers: [id, name]\n      on_failure: fail\n")

	var loaded *Loaded
	var out, errOut bytes.Buffer
	code := RunConfig(t.Context(), Config{Source: "src", ConfigDir: dir, Progress: ProgressOff,
		AfterLoad: func(_ context.Context, l *Loaded) error { loaded = l; return nil }}, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	require.NotNil(t, loaded)

	require.Empty(t, rcv.Rejected())
	evs := rcv.Events()
	tables := len(loaded.Rows)
	require.Len(t, evs, 2*(tables+1))
	job := evs[0]
	assert.Equal(t, "src.bulk_load", job.Job.Name)
	assert.Equal(t, lineage.EventStart, job.EventType)
	last := evs[len(evs)-1]
	assert.Equal(t, job.Run.RunID, last.Run.RunID)
	assert.Equal(t, lineage.EventComplete, last.EventType)
	assert.Nil(t, last.Run.Facets.Test, "every check ran in a table's run")

	perRun := map[string][]lineage.EventType{}
	completes := map[string]lineage.RunEvent{}
	for _, ev := range evs {
		perRun[ev.Run.RunID] = append(perRun[ev.Run.RunID], ev.EventType)
		assert.Equal(t, loaded.Pipeline.CorrelationID(), ev.Run.Facets.Correlation.CorrelationID)
		if ev.Run.RunID == job.Run.RunID {
			continue
		}
		require.NotNil(t, ev.Run.Facets.Parent, ev.Job.Name)
		assert.Equal(t, job.Run.RunID, ev.Run.Facets.Parent.Run.RunID)
		assert.Equal(t, job.Run.RunID, ev.Run.Facets.Parent.Root.Run.RunID)
		if ev.EventType == lineage.EventComplete {
			completes[ev.Job.Name] = ev
		}
	}
	for id, types := range perRun {
		assert.Equal(t, []lineage.EventType{lineage.EventStart, lineage.EventComplete}, types, id)
	}
	require.Len(t, completes, tables)

	for table, rows := range loaded.Rows {
		ev, ok := completes["src.bulk_load."+table]
		require.True(t, ok, table)
		require.Len(t, ev.Inputs, 1)
		in := ev.Inputs[0]
		assert.Equal(t, lineage.SQLite(db, table), in.ID())
		require.NotNil(t, in.Facets.Schema)
		require.NotNil(t, in.InputFacets.InputStatistics)
		assert.Equal(t, rows, *in.InputFacets.InputStatistics.RowCount)

		require.Len(t, ev.Outputs, 1)
		o := ev.Outputs[0]
		assert.Equal(t, "file", o.Namespace)
		assert.Contains(t, o.Name, "/warehouse/")
		assert.Equal(t, "src."+table, o.Facets.Symlinks.Identifiers[0].Name)
		assert.Equal(t, rows, *o.OutputFacets.OutputStatistics.RowCount, "rows equal what was loaded")
		assert.Positive(t, *o.OutputFacets.OutputStatistics.FileCount)
		assert.Positive(t, *o.OutputFacets.OutputStatistics.Size)
		require.NotNil(t, o.OutputFacets.IcebergCommitReport)
		assert.Equal(t, rows, *o.OutputFacets.IcebergCommitReport.CommitMetrics.AddedRecords)
		require.NotNil(t, o.Facets.Schema)
		require.NotNil(t, o.Facets.ColumnLineage)
		assert.Len(t, o.Facets.ColumnLineage.Fields, len(in.Facets.Schema.Fields), "every column, identity")
		for col, f := range o.Facets.ColumnLineage.Fields {
			assert.Equal(t, col, f.InputFields[0].Field)
			assert.Equal(t, in.Name, f.InputFields[0].Name)
		}

		require.NotNil(t, ev.Run.Facets.Test, table)
		var names []string
		for _, tst := range ev.Run.Facets.Test.Tests {
			names = append(names, tst.Name)
			assert.Equal(t, "pass", tst.Status)
			assert.Equal(t, "error", tst.Severity)
		}
		assert.Contains(t, names, "row_count:"+table)
		require.NotNil(t, in.InputFacets.DataQualityAssertions)
		assert.True(t, in.InputFacets.DataQualityAssertions.Assertions[0].Success)
		assert.Equal(t, rows, *in.InputFacets.DataQualityMetrics.RowCount)
		assert.Equal(t, rows, *o.Facets.DataQualityMetrics.RowCount)
		if table == "customers" {
			assert.Contains(t, names, "required_columns:customers")
			assert.Equal(t, int64(0), *o.Facets.DataQualityMetrics.ColumnMetrics["name"].NullCount)
		}
	}
}

// TestBulkLoadFailedChecksFailTheirRun: a check that fails with on_failure: fail makes the
// table's run FAIL with the check's test failed, and the job's run FAIL naming the table.
func TestBulkLoadFailedChecksFailTheirRun(t *testing.T) {
	clearLineageEnv(t)
	rcv := lineagetest.NewReceiver(t)
	t.Setenv("OPENLINEAGE_URL", rcv.URL())
	dir, _ := sampleSource(t, 60, "    bulk_load:\n      tables: [customers]\n    data_quality:\n      required_columns:\n        customers: [id, no_such_column]\n      on_failure: fail\n")
	var out, errOut bytes.Buffer
	code := RunConfig(t.Context(), Config{Source: "src", ConfigDir: dir, Progress: ProgressOff}, &out, &errOut)
	require.Equal(t, 1, code)
	require.Empty(t, rcv.Rejected())
	evs := rcv.Events()
	require.Len(t, evs, 4)
	table := evs[2]
	assert.Equal(t, "src.bulk_load.customers", table.Job.Name)
	assert.Equal(t, lineage.EventFail, table.EventType)
	assert.Contains(t, table.Run.Facets.ErrorMessage.Message, "required_columns")
	assert.Equal(t, "fail", table.Run.Facets.Test.Tests[0].Status)
	assert.Equal(t, lineage.EventFail, evs[3].EventType)
	assert.Contains(t, evs[3].Run.Facets.ErrorMessage.Message, "failed data-quality checks: customers")
}

// TestBulkLoadWithLineageDown: with nothing listening at OPENLINEAGE_URL the load succeeds, and
// the log says lineage could not be delivered.
func TestBulkLoadWithLineageDown(t *testing.T) {
	clearLineageEnv(t)
	t.Setenv("OPENLINEAGE_URL", lineagetest.Down(t))
	dir, _ := sampleSource(t, 60, "")
	var out, errOut bytes.Buffer
	start := time.Now()
	code := RunConfig(t.Context(), Config{Source: "src", ConfigDir: dir, Progress: ProgressOff}, &out, &errOut)
	t.Logf("load with lineage down took %s", time.Since(start))
	require.Equal(t, 0, code, errOut.String())
	assert.Contains(t, out.String(), "lineage events could not be delivered")
}

// TestBulkLoadLineageCarriesMonitors: the anomaly monitors' verdicts are tests of the table's
// run, named after the monitor, with the severity on_anomaly and schema_drift give them.
func TestBulkLoadLineageCarriesMonitors(t *testing.T) {
	clearLineageEnv(t)
	rcv := lineagetest.NewReceiver(t)
	t.Setenv("OPENLINEAGE_URL", rcv.URL())
	dir, _ := sampleSource(t, 60, "    bulk_load:\n      tables: [customers]\n    data_quality:\n      monitors:\n        volume: true\n        schema_drift: fail\n")
	var out, errOut bytes.Buffer
	code := RunConfig(t.Context(), Config{Source: "src", ConfigDir: dir, Progress: ProgressOff}, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	require.Empty(t, rcv.Rejected())
	var done *lineage.RunEvent
	for _, ev := range rcv.Events() {
		if ev.Job.Name == "src.bulk_load.customers" && ev.EventType == lineage.EventComplete {
			done = &ev
		}
	}
	require.NotNil(t, done)
	sev := map[string]string{}
	for _, tst := range done.Run.Facets.Test.Tests {
		sev[tst.Name] = tst.Severity
	}
	assert.Equal(t, "warn", sev["volume:customers"])
	assert.Equal(t, "error", sev["schema_drift:customers"])
}

// TestBulkLoadWithLineageHanging: a receiver that accepts connections and never answers changes
// nothing in the load's result; its events are counted as failed.
func TestBulkLoadWithLineageHanging(t *testing.T) {
	clearLineageEnv(t)
	t.Setenv("OPENLINEAGE_URL", lineagetest.Hanging(t))
	dir, _ := sampleSource(t, 60, "    bulk_load:\n      tables: [customers]\n")
	var loaded *Loaded
	var out, errOut bytes.Buffer
	code := RunConfig(t.Context(), Config{Source: "src", ConfigDir: dir, Progress: ProgressOff,
		AfterLoad: func(_ context.Context, l *Loaded) error { loaded = l; return nil }}, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	require.NotNil(t, loaded)
	assert.Equal(t, uint64(4), loaded.Pipeline.Lineage.Failed(), "START and COMPLETE of the job and its table")
	assert.Contains(t, out.String(), "lineage: shutdown: gave up on")
}

// TestBulkLoadAbortedBySignal: a load whose context is cancelled (as SIGINT cancels the
// quickstart's) ends its job's run with ABORT, not FAIL.
func TestBulkLoadAbortedBySignal(t *testing.T) {
	clearLineageEnv(t)
	rcv := lineagetest.NewReceiver(t)
	t.Setenv("OPENLINEAGE_URL", rcv.URL())
	dir, _ := sampleSource(t, 60, "    bulk_load:\n      tables: [customers]\n")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out, errOut bytes.Buffer
	code := RunConfig(ctx, Config{Source: "src", ConfigDir: dir, Progress: ProgressOff,
		AfterLoad: func(ctx context.Context, _ *Loaded) error { cancel(); return ctx.Err() }}, &out, &errOut)
	require.Equal(t, 1, code)
	require.Empty(t, rcv.Rejected())
	evs := rcv.Events()
	require.Len(t, evs, 4)
	last := evs[3]
	assert.Equal(t, "src.bulk_load", last.Job.Name)
	assert.Equal(t, lineage.EventAbort, last.EventType)
	assert.Nil(t, last.Run.Facets.ErrorMessage)
}
