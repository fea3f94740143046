package grafana_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	promclient "github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/deploy/internal/exposed"
	"github.com/etlwatch/etlwatch/extractors/sqlite"
	"github.com/etlwatch/etlwatch/internal/bulkload"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/prom"
)

// bulkLoadFamilies runs the real bulk load (internal/bulkload, as examples/bulkload and
// examples/quickstart run it) twice on the SQLite sample, with /metrics on a free port and the
// row-count check on, and returns what /metrics served at the end of both runs: the second run
// follows a source column added in between, so that it also reports a schema change.
func bulkLoadFamilies(t *testing.T) map[string]exposed.Family {
	t.Helper()
	ctx := context.Background()
	tmp := t.TempDir()
	db := filepath.Join(tmp, "sample.db")
	require.NoError(t, sqlite.CreateSample(ctx, db, 300))
	require.NoError(t, os.WriteFile(filepath.Join(tmp, configloader.FileName), fmt.Appendf(nil, `sources:
  src:
    database_type: sqlite
    connection:
      database: %s
    bulk_load:
      namespace: raw
    iceberg:
      warehouse: %s
    data_quality:
      check_row_count: true
    monitoring:
      prometheus:
        listen: 127.0.0.1:0
`, db, filepath.Join(tmp, "warehouse")), 0o600))
	var stdout, stderr strings.Builder
	// run loads the source and returns what its /metrics serves at the end of the run, while
	// the job's server is up.
	run := func() map[string]exposed.Family {
		var body []byte
		code := bulkload.RunConfig(ctx, bulkload.Config{Source: "src", ConfigDir: tmp, Progress: bulkload.ProgressOff,
			AfterLoad: func(ctx context.Context, l *bulkload.Loaded) error {
				addr := l.Pipeline.MetricsAddr()
				require.NotNil(t, addr, "no /metrics server: %s", stderr.String())
				resp, err := http.Get("http://" + addr.String() + "/metrics")
				require.NoError(t, err)
				defer resp.Body.Close()
				require.Equal(t, http.StatusOK, resp.StatusCode)
				body, err = io.ReadAll(resp.Body)
				return err
			}}, &stdout, &stderr)
		require.Equal(t, 0, code, "stderr: %s\nstdout: %s", stderr.String(), stdout.String())
		return exposed.ParseText(t, body, "internal/bulkload")
	}
	first := run()

	sdb, err := sql.Open("sqlite", db)
	require.NoError(t, err)
	_, err = sdb.ExecContext(ctx, "ALTER TABLE customers ADD COLUMN loyalty_tier TEXT")
	require.NoError(t, sdb.Close())
	require.NoError(t, err)
	return exposed.Merge(first, run())
}

// tableLoadFailureFamilies returns what a bulk load exposes when a table fails to load: what
// internal/bulkload records then (EmitFailure("table_load", monitoring.ErrorType(err),
// {table})), recorded the same way, since a failed run ends before its metrics can be scraped.
func tableLoadFailureFamilies(t *testing.T) map[string]exposed.Family {
	t.Helper()
	reg := promclient.NewRegistry()
	sink, err := prom.NewSink(reg)
	require.NoError(t, err)
	m, err := monitoring.NewMetricsCollector("bulk_load", "src", monitoring.WithSinks(sink))
	require.NoError(t, err)
	defer m.Shutdown(context.Background())
	m.EmitFailure(context.Background(), "table_load", monitoring.ErrorType(os.ErrDeadlineExceeded),
		monitoring.Dimensions{"table": "orders"})
	return exposed.Gather(t, reg, "internal/bulkload (failure)")
}

var (
	seriesOnce sync.Once
	seriesAll  map[string]exposed.Family
)

// exposedSeries is every series that etlwatch jobs (CDC, bulk load, data quality, self and
// runtime metrics), the simulator and the log exporter expose, collected once per test binary.
func exposedSeries(t *testing.T) map[string]exposed.Family {
	t.Helper()
	seriesOnce.Do(func() {
		seriesAll = exposed.Series(exposed.Merge(exposed.All(t), bulkLoadFamilies(t), tableLoadFailureFamilies(t)))
	})
	require.NotNil(t, seriesAll, "collecting the exposed families failed in an earlier test")
	return seriesAll
}

// The real bulk load exposes, under these names and with these labels, what the bulk-load
// dashboard reads; only table_load_failure_total comes from tableLoadFailureFamilies.
func TestBulkLoadExposes(t *testing.T) {
	fams := bulkLoadFamilies(t)
	for name, labels := range map[string][]string{
		"table_processed_total":       {"table"},
		"records_processed_total":     {"table"},
		"table_load_duration_seconds": {"table"},
		"table_load_success_total":    {"table"},
		"schema_changes_total":        {"table"},
		"dq_row_count_passed_total":   {"table"},
		"dq_check_duration_seconds":   {"table", "check"},
		"job_tables_processed_total":  nil,
		"job_records_processed_total": nil,
		"job_duration_seconds":        nil,
	} {
		f, ok := fams[name]
		if !assert.True(t, ok, "the bulk load does not expose %s; it exposes %v", name, exposed.SortedKeys(fams)) {
			continue
		}
		for _, l := range append(labels, "job_name", "source_name", "environment") {
			assert.True(t, f.Labels[l], "%s has no label %s: %v", name, l, exposed.SortedKeys(f.Labels))
		}
	}
	assert.Contains(t, tableLoadFailureFamilies(t)["table_load_failure_total"].Labels, "error_type")
}
