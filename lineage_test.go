package etlwatch_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etlwatch/etlwatch"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/lineage"
	"github.com/etlwatch/etlwatch/lineage/lineagetest"
	"github.com/etlwatch/etlwatch/monitoring/monitoringtest"
)

func lineageSource(t *testing.T, section string) *configloader.Source {
	t.Helper()
	cfg, err := configloader.Parse("sources.yaml", []byte("sources:\n  shop:\n    database_type: sqlite\n"+section))
	require.NoError(t, err)
	src, err := cfg.Source("shop")
	require.NoError(t, err)
	return src
}

// clearLineageEnv unsets the OPENLINEAGE_* variables for the test.
func clearLineageEnv(t *testing.T) {
	for _, k := range []string{etlwatch.EnvOpenLineageURL, etlwatch.EnvOpenLineageEndpoint, etlwatch.EnvOpenLineageAPIKey,
		etlwatch.EnvOpenLineageNamespace, etlwatch.EnvOpenLineageDisabled} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

// TestNewSendsTheJobsRun: with OPENLINEAGE_URL set and nothing else, New sends the job's START
// and Shutdown its COMPLETE, with the correlation ID and the API key of the environment.
func TestNewSendsTheJobsRun(t *testing.T) {
	clearLineageEnv(t)
	rcv := lineagetest.NewReceiver(t)
	t.Setenv(etlwatch.EnvOpenLineageURL, rcv.URL())
	t.Setenv(etlwatch.EnvOpenLineageAPIKey, "env-key")
	t.Setenv(etlwatch.EnvOpenLineageNamespace, "etl-test")
	p, err := etlwatch.New(context.Background(), "bulk_load", lineageSource(t, ""), etlwatch.WithLogOutput(io.Discard))
	require.NoError(t, err)
	assert.True(t, p.Lineage.Enabled())
	assert.Equal(t, []string{"http"}, p.Lineage.Transports())
	require.NoError(t, p.Shutdown(context.Background()))

	require.Empty(t, rcv.Rejected())
	evs := rcv.Events()
	require.Len(t, evs, 2)
	for i, want := range []lineage.EventType{lineage.EventStart, lineage.EventComplete} {
		assert.Equal(t, want, evs[i].EventType)
		assert.Equal(t, "etl-test", evs[i].Job.Namespace)
		assert.Equal(t, "shop.bulk_load", evs[i].Job.Name)
		assert.Equal(t, p.CorrelationID(), evs[i].Run.Facets.Correlation.CorrelationID)
		assert.Equal(t, p.LineageRun().ID(), evs[i].Run.RunID)
	}
	assert.Equal(t, []string{"Bearer env-key", "Bearer env-key"}, rcv.Authorization())
}

// TestJobEndsItsOwnRun: a job that reports its failure gets FAIL, and a cancelled pipeline
// context that the job did not report gets ABORT.
func TestJobEndsItsOwnRun(t *testing.T) {
	clearLineageEnv(t)
	rcv := lineagetest.NewReceiver(t)
	src := lineageSource(t, "    lineage: {url: '"+rcv.URL()+"', namespace: ns}\n")

	p, err := etlwatch.New(context.Background(), "a", src, etlwatch.WithLogOutput(io.Discard))
	require.NoError(t, err)
	p.LineageRun().End(errors.New("source gone"), lineage.Update{})
	require.NoError(t, p.Shutdown(context.Background()))

	ctx, cancel := context.WithCancel(context.Background())
	p, err = etlwatch.New(ctx, "b", src, etlwatch.WithLogOutput(io.Discard))
	require.NoError(t, err)
	cancel() // as a signal would
	require.NoError(t, p.Shutdown(context.Background()))

	evs := rcv.Events()
	require.Len(t, evs, 4)
	assert.Equal(t, lineage.EventFail, evs[1].EventType)
	assert.Equal(t, "source gone", evs[1].Run.Facets.ErrorMessage.Message)
	assert.Equal(t, "shop.b", evs[3].Job.Name)
	assert.Equal(t, lineage.EventAbort, evs[3].EventType)
}

func TestLineageDisabledByEnvironment(t *testing.T) {
	clearLineageEnv(t)
	rcv := lineagetest.NewReceiver(t)
	t.Setenv(etlwatch.EnvOpenLineageURL, rcv.URL())
	t.Setenv(etlwatch.EnvOpenLineageDisabled, "true")
	p, err := etlwatch.New(context.Background(), "job", lineageSource(t, "    lineage: {transport: console}\n"),
		etlwatch.WithLogOutput(io.Discard))
	require.NoError(t, err)
	assert.False(t, p.Lineage.Enabled())
	require.NoError(t, p.Shutdown(context.Background()))
	assert.Empty(t, rcv.Events())
}

// TestLineageThatCannotStartIsSkipped: a bad OPENLINEAGE_URL is reported as lineage_unavailable
// and the pipeline starts without it.
func TestLineageThatCannotStartIsSkipped(t *testing.T) {
	clearLineageEnv(t)
	t.Setenv(etlwatch.EnvOpenLineageURL, "ftp://lineage")
	logs := monitoringtest.NewLogCapture()
	errs := monitoringtest.NewErrorRecorder()
	p, err := etlwatch.New(context.Background(), "job", lineageSource(t, ""), etlwatch.WithLogOutput(logs),
		etlwatch.WithErrorHandler(errs.Handle))
	require.NoError(t, err)
	defer p.Shutdown(context.Background())
	assert.False(t, p.Lineage.Enabled())
	require.Len(t, logs.EventsOfType(etlwatch.EventLineageUnavailable), 1)
	require.Len(t, p.Skipped(), 1)
	assert.Contains(t, p.Skipped()[0].Error(), "lineage transport http")
}

// TestLineageReceiverDown: with nothing listening, New and Shutdown succeed, the error handler
// hears once that lineage could not be delivered, and the failures are counted.
func TestLineageReceiverDown(t *testing.T) {
	clearLineageEnv(t)
	t.Setenv(etlwatch.EnvOpenLineageURL, lineagetest.Down(t))
	errs := monitoringtest.NewErrorRecorder()
	p, err := etlwatch.New(context.Background(), "job", lineageSource(t, ""), etlwatch.WithLogOutput(io.Discard),
		etlwatch.WithErrorHandler(errs.Handle))
	require.NoError(t, err)
	require.NoError(t, p.Shutdown(context.Background()))
	require.Len(t, errs.Errors(), 1)
	assert.Contains(t, errs.Errors()[0].Error(), "lineage events could not be delivered")
	assert.Equal(t, uint64(2), p.Lineage.Failed())
	s, ok := p.Metrics.Summary().Find(lineage.EventsFailedMetric, nil)
	require.True(t, ok)
	assert.Equal(t, 2.0, s.Sum)
}

// TestLineageFileAndConsole: the file and console transports of the lineage: section, at once.
func TestLineageFileAndConsole(t *testing.T) {
	clearLineageEnv(t)
	path := filepath.Join(t.TempDir(), "lineage.jsonl")
	var out bytes.Buffer
	p, err := etlwatch.New(context.Background(), "job",
		lineageSource(t, "    lineage: {transport: [file, console], file: {path: '"+path+"'}}\n"), etlwatch.WithLogOutput(&out))
	require.NoError(t, err)
	require.NoError(t, p.Shutdown(context.Background()))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	require.Len(t, lines, 2)
	for _, l := range lines {
		require.NoError(t, lineagetest.Validate([]byte(l)))
		assert.Contains(t, out.String(), l, "the console got the same line")
	}
}

// TestStreamingLineage: under WithStreamingLineage the job starts its run itself; a run nobody
// stopped is COMPLETE at Shutdown, with the STREAMING job type.
func TestStreamingLineage(t *testing.T) {
	clearLineageEnv(t)
	rcv := lineagetest.NewReceiver(t)
	src := lineageSource(t, "    lineage: {url: '"+rcv.URL()+"', running_interval: 1h}\n")
	p, err := etlwatch.New(context.Background(), "cdc", src, etlwatch.WithLogOutput(io.Discard), etlwatch.WithStreamingLineage())
	require.NoError(t, err)
	require.NotNil(t, p.StreamingLineage())
	assert.Equal(t, p.StreamingLineage().Run(), p.LineageRun())
	p.StreamingLineage().Start(nil)
	require.NoError(t, p.Shutdown(context.Background()))
	evs := rcv.Events()
	require.Len(t, evs, 2)
	assert.Equal(t, lineage.EventComplete, evs[1].EventType)
	assert.Equal(t, "STREAMING", evs[0].Job.Facets.JobType.ProcessingType)
	assert.Equal(t, int64(3600), evs[0].Job.Facets.JobType.EmissionPattern.WindowDuration)
}

// TestLineageToKafka: transport kafka in the lineage: section, brokers from cdc.brokers, on
// kfake: the job's events are on the topic.
func TestLineageToKafka(t *testing.T) {
	clearLineageEnv(t)
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "openlineage"))
	require.NoError(t, err)
	defer cluster.Close()
	src := lineageSource(t, "    cdc: {brokers: ['"+cluster.ListenAddrs()[0]+"'], topics: [t]}\n    lineage: {transport: kafka, kafka: {topic: openlineage}}\n")
	p, err := etlwatch.New(context.Background(), "job", src, etlwatch.WithLogOutput(io.Discard))
	require.NoError(t, err)
	require.NoError(t, p.Shutdown(context.Background()))
	assert.Equal(t, []lineage.TransportStats{{Transport: "kafka", Delivered: 2}}, p.Lineage.Stats())

	cons, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...), kgo.ConsumeTopics("openlineage"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	require.NoError(t, err)
	defer cons.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var recs []*kgo.Record
	for len(recs) < 2 && ctx.Err() == nil {
		cons.PollFetches(ctx).EachRecord(func(r *kgo.Record) { recs = append(recs, r) })
	}
	require.Len(t, recs, 2)
	for _, r := range recs {
		require.NoError(t, lineagetest.Validate(r.Value))
		assert.Equal(t, "run:default/shop.job", string(r.Key))
	}
}

// TestLineageEndpointFromEnvironment: OPENLINEAGE_ENDPOINT changes the path the events are
// posted to (here one the receiver does not serve: 404, not retried, counted).
func TestLineageEndpointFromEnvironment(t *testing.T) {
	clearLineageEnv(t)
	rcv := lineagetest.NewReceiver(t)
	t.Setenv(etlwatch.EnvOpenLineageURL, rcv.URL())
	t.Setenv(etlwatch.EnvOpenLineageEndpoint, "/api/v2/other")
	errs := monitoringtest.NewErrorRecorder()
	p, err := etlwatch.New(context.Background(), "job", lineageSource(t, ""), etlwatch.WithLogOutput(io.Discard),
		etlwatch.WithErrorHandler(errs.Handle))
	require.NoError(t, err)
	require.NoError(t, p.Shutdown(context.Background()))
	assert.Empty(t, rcv.Events())
	assert.Equal(t, uint64(2), p.Lineage.Failed())
	var he *lineage.HTTPError
	require.Len(t, errs.Errors(), 1)
	require.ErrorAs(t, errs.Errors()[0], &he)
	assert.Equal(t, 404, he.StatusCode)
}

// TestChecksReachTheJobsRun: the results of the pipeline's Checker are in the test facet of the
// run Shutdown ends, with the severity of on_failure.
func TestChecksReachTheJobsRun(t *testing.T) {
	clearLineageEnv(t)
	rcv := lineagetest.NewReceiver(t)
	src := lineageSource(t, "    lineage: {url: '"+rcv.URL()+"'}\n    data_quality: {on_failure: fail}\n")
	p, err := etlwatch.New(context.Background(), "job", src, etlwatch.WithLogOutput(io.Discard))
	require.NoError(t, err)
	p.Checker.ValidateRowCount(p.Context(), "orders", 100, 100, 0)
	p.Checker.ValidateRowCount(p.Context(), "customers", 100, 90, 0)
	require.Len(t, p.CheckResults(), 2)
	require.NoError(t, p.Shutdown(context.Background()))
	require.Empty(t, rcv.Rejected())
	evs := rcv.Events()
	require.Len(t, evs, 2)
	tests := evs[1].Run.Facets.Test.Tests
	require.Len(t, tests, 2)
	assert.Equal(t, lineage.TestExecution{Name: "row_count:orders", Status: "pass", Severity: "error", Type: "row_count",
		Description: "Row count validation PASSED - source: 100, dest: 100", Expected: "100", Actual: "100"}, tests[0])
	assert.Equal(t, "fail", tests[1].Status)
}

// TestLineageReceiverHangs: with a receiver that never answers, Shutdown gives up on the events
// after lineage.flush_timeout and still returns no error: they are reported and counted.
func TestLineageReceiverHangs(t *testing.T) {
	clearLineageEnv(t)
	src := lineageSource(t, "    lineage: {url: '"+lineagetest.Hanging(t)+"', flush_timeout: 100ms}\n")
	errs := monitoringtest.NewErrorRecorder()
	p, err := etlwatch.New(context.Background(), "job", src, etlwatch.WithLogOutput(io.Discard), etlwatch.WithErrorHandler(errs.Handle))
	require.NoError(t, err)
	require.NoError(t, p.Shutdown(context.Background()))
	assert.Equal(t, uint64(2), p.Lineage.Failed())
	var msgs []string
	for _, e := range errs.Errors() {
		msgs = append(msgs, e.Error())
	}
	assert.Contains(t, strings.Join(msgs, "\n"), "lineage: shutdown: gave up on")
}
