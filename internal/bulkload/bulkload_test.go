package bulkload

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	_ "modernc.org/sqlite"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/extractors"
	"github.com/etlwatch/etlwatch/extractors/sqlite"
	"github.com/etlwatch/etlwatch/iceberg"
	"github.com/etlwatch/etlwatch/internal/testenv"
)

func TestMain(m *testing.M) {
	retryBackoff = 10 * time.Millisecond
	goleak.VerifyTestMain(m)
}

const pgURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// writeConfig writes a sources.yaml with one source, "src", into a new directory and returns it.
func writeConfig(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, configloader.FileName), []byte(body), 0o600))
	return dir
}

// sampleSource creates a SQLite sample database of rows rows and a sources.yaml whose source
// "src" loads it into a warehouse beside it; rest is the YAML of the source's other sections,
// indented by four spaces. It returns the configuration directory and the database's path.
func sampleSource(t *testing.T, rows int, rest string) (dir, db string) {
	t.Helper()
	tmp := t.TempDir()
	db = filepath.Join(tmp, "sample.db")
	require.NoError(t, sqlite.CreateSample(t.Context(), db, rows))
	return writeConfig(t, fmt.Sprintf("sources:\n  src:\n    database_type: sqlite\n    connection:\n      database: %s\n    iceberg:\n      warehouse: %s\n%s",
		db, filepath.Join(tmp, "warehouse"), rest)), db
}

type event struct {
	EventType     string         `json:"event_type"`
	CorrelationID string         `json:"correlation_id"`
	Severity      string         `json:"severity"`
	Details       map[string]any `json:"details"`
}

// events decodes the JSON events of out, by event type.
func events(t *testing.T, out string) map[string][]event {
	t.Helper()
	m := map[string][]event{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		// Piped, stdout carries JSON lines only; the summary a person reads is on stderr.
		if !json.Valid(line) {
			t.Errorf("stdout holds a line that is not JSON: %.200s", line)
			continue
		}
		var e event
		if json.Unmarshal(line, &e) == nil && e.EventType != "" {
			m[e.EventType] = append(m[e.EventType], e)
		}
	}
	return m
}

// tableNames returns the "table" detail or field of each event.
func tableNames(evs []event) []string {
	var names []string
	for _, e := range evs {
		if n, ok := e.Details["table"].(string); ok {
			names = append(names, n)
		}
	}
	return names
}

// checkLoaded asserts that every table of the source src (in config dir) was loaded into
// namespace with the source's row count and a snapshot summary naming the position and the
// correlation ID.
func checkLoaded(t *testing.T, dir, namespace string, tables []string) {
	t.Helper()
	ctx := t.Context()
	cfg, err := configloader.Load(dir)
	require.NoError(t, err)
	src, err := cfg.Source("src")
	require.NoError(t, err)
	ext, err := extractors.Open(ctx, src)
	require.NoError(t, err)
	defer ext.Close()
	snap, err := ext.Snapshot(ctx)
	require.NoError(t, err)
	defer snap.Close()

	cat, err := iceberg.OpenCatalog(ctx, src.Iceberg)
	require.NoError(t, err)
	if c, ok := cat.(interface{ Close() error }); ok {
		defer c.Close()
	}
	tm := iceberg.NewTableManager(cat, namespace)
	for _, name := range tables {
		want, err := snap.RowCount(ctx, name)
		require.NoError(t, err, name)
		require.Positive(t, want, name)
		got, err := tm.Dataset(name).RowCount(ctx)
		require.NoError(t, err, name)
		assert.Equal(t, want, got, "rows of %s", name)

		tbl, err := cat.LoadTable(ctx, tm.Identifier(name))
		require.NoError(t, err, name)
		props := iceberg.SnapshotProperties(tbl)
		assert.Equal(t, "src", props[propSource], name)
		assert.NotEmpty(t, props[propPosition], name)
		assert.NotEmpty(t, props[propCorrelationID], name)
	}
}

func TestSQLiteEndToEnd(t *testing.T) {
	ctx := t.Context()
	dir, _ := sampleSource(t, 2000, `    bulk_load:
      parallel_workers: 2
      max_retries: 1
      namespace: raw
    data_quality:
      check_row_count: true
      on_failure: fail
`)

	var stdout, stderr bytes.Buffer
	code := Run(ctx, []string{"--source", "src", "--config-dir", dir, "--partitions", "2"}, &stdout, &stderr)
	require.Equal(t, 0, code, "stderr: %s\nstdout: %s", stderr.String(), stdout.String())

	tables := []string{"customers", "order_items", "orders"}
	checkLoaded(t, dir, "raw", tables)

	evs := events(t, stdout.String())
	assert.ElementsMatch(t, tables, tableNames(evs["table_processing_complete"]))
	require.Len(t, evs["job_complete"], 1)
	assert.Empty(t, evs["job_failed"])
	job := evs["job_complete"][0]
	assert.EqualValues(t, 0, job.Details["failed_tables"])
	assert.EqualValues(t, 3, job.Details["tables"])
	assert.NotEmpty(t, job.CorrelationID)
	// Piped, the summary a person reads goes to stderr.
	assert.Contains(t, stderr.String(), "metrics of job bulk_load, source src, environment ")
	assert.Regexp(t, `(?m)^table_load_success +table=customers +1$`, stderr.String(), "the summary is a table")
	assert.NotContains(t, stdout.String()+stderr.String(), `"metrics_summary"`, "JSON only with --summary-json")
}

func TestConfigError(t *testing.T) {
	dir := writeConfig(t, `sources:
  src:
    database_type: sqlite
    bulk_load:
      parallel_workers: 0
`)
	var stdout, stderr bytes.Buffer
	code := Run(t.Context(), []string{"--source", "src", "--config-dir", dir}, &stdout, &stderr)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr.String(), "sources.yaml:5:")
	assert.Contains(t, stderr.String(), "parallel_workers")

	code = Run(t.Context(), []string{"--config-dir", dir}, &stdout, &stderr)
	assert.Equal(t, 2, code, "--source is required")
}

func TestFailingTable(t *testing.T) {
	ctx := t.Context()
	tmp := t.TempDir()
	db := filepath.Join(tmp, "sample.db")
	require.NoError(t, sqlite.CreateSample(ctx, db, 300))
	// broken declares an integer column but holds text in it: extraction fails after the
	// Iceberg table was created, so the write must commit nothing.
	sdb, err := sql.Open("sqlite", db)
	require.NoError(t, err)
	_, err = sdb.ExecContext(ctx, `CREATE TABLE broken (id INTEGER PRIMARY KEY, qty INTEGER)`)
	require.NoError(t, err)
	for i := 1; i <= 100; i++ {
		_, err = sdb.ExecContext(ctx, `INSERT INTO broken VALUES (?, ?)`, i, i)
		require.NoError(t, err)
	}
	_, err = sdb.ExecContext(ctx, `INSERT INTO broken VALUES (101, 'not a number')`)
	require.NoError(t, err)
	require.NoError(t, sdb.Close())

	dir := writeConfig(t, fmt.Sprintf(`sources:
  src:
    database_type: sqlite
    connection:
      database: %s
    bulk_load:
      max_retries: 1
      namespace: raw
    iceberg:
      warehouse: %s
    data_quality:
      check_row_count: true
`, db, filepath.Join(tmp, "warehouse")))

	var stdout, stderr bytes.Buffer
	code := Run(ctx, []string{"--source", "src", "--config-dir", dir, "--table-filter", "^(broken|customers|orders)$"}, &stdout, &stderr)
	require.NotEqual(t, 0, code, "stdout: %s", stdout.String())
	assert.Contains(t, stdout.String(), "failed tables: [broken]")

	checkLoaded(t, dir, "raw", []string{"customers", "orders"})
	evs := events(t, stdout.String())
	failures := evs["table_processing_failed"]
	require.Len(t, failures, 2, "one failure per attempt")
	assert.EqualValues(t, 1, failures[0].Details["retries_remaining"])
	assert.EqualValues(t, 0, failures[1].Details["retries_remaining"])
	assert.Equal(t, []string{"broken", "broken"}, tableNames(failures))
	require.Len(t, evs["job_complete"], 1)
	assert.EqualValues(t, 1, evs["job_complete"][0].Details["failed_tables"])
	require.Len(t, evs["job_failed"], 1, "the job as a whole failed: one event, after job_complete")
	jf := evs["job_failed"][0]
	assert.Equal(t, "ERROR", jf.Severity)
	assert.Contains(t, jf.Details["error"], "2 of 3 tables loaded; failed tables: [broken]")
	assert.EqualValues(t, 2, jf.Details["tables"], "what had completed")
	assert.Equal(t, []any{"broken"}, jf.Details["failed_table_names"])
	assert.Equal(t, evs["job_complete"][0].CorrelationID, jf.CorrelationID)

	cat, err := iceberg.OpenCatalog(ctx, configloader.Iceberg{Warehouse: filepath.Join(tmp, "warehouse")})
	require.NoError(t, err)
	if c, ok := cat.(interface{ Close() error }); ok {
		defer c.Close()
	}
	tm := iceberg.NewTableManager(cat, "raw")
	if tbl, err := cat.LoadTable(ctx, tm.Identifier("broken")); err == nil {
		assert.Nil(t, tbl.CurrentSnapshot(), "the failed table has a commit")
	}
}

func TestPostgresEndToEnd(t *testing.T) {
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		testenv.Unavailable(t, "PostgreSQL at 127.0.0.1:5432: "+err.Error())
		return
	}
	defer conn.Close(context.Background())
	// extractors.Open reads the public schema: the tables get unique names there.
	p := fmt.Sprintf("bulkload_%d", time.Now().UnixNano())
	accounts, evts := p+"_accounts", p+"_events"
	_, err = conn.Exec(ctx, fmt.Sprintf(`CREATE TABLE %[1]s (id bigint PRIMARY KEY, name text NOT NULL, balance numeric(12,2), created timestamptz);
INSERT INTO %[1]s SELECT g, 'account ' || g, g * 1.5, now() - g * interval '1 minute' FROM generate_series(1, 5000) g;
CREATE TABLE %[2]s (account_id bigint, kind text, at timestamptz);
INSERT INTO %[2]s SELECT g %% 100, CASE WHEN g %% 3 = 0 THEN NULL ELSE 'kind' END, now() FROM generate_series(1, 4000) g;`, accounts, evts))
	t.Cleanup(func() {
		_, _ = conn.Exec(context.Background(), "DROP TABLE IF EXISTS "+accounts+", "+evts)
	})
	require.NoError(t, err)

	tmp := t.TempDir()
	dir := writeConfig(t, fmt.Sprintf(`sources:
  src:
    database_type: postgres
    connection:
      dsn: %s
    bulk_load:
      parallel_workers: 2
      parallel_partitions: 2
      max_retries: 0
      tables: [%s, %s]
      namespace: raw
    iceberg:
      warehouse: %s
    data_quality:
      check_row_count: true
      checksum_tables: [%s]
      on_failure: fail
`, pgURL, accounts, evts, filepath.Join(tmp, "warehouse"), accounts))

	var stdout, stderr bytes.Buffer
	code := Run(ctx, []string{"--source", "src", "--config-dir", dir}, &stdout, &stderr)
	require.Equal(t, 0, code, "stderr: %s\nstdout: %s", stderr.String(), stdout.String())
	checkLoaded(t, dir, "raw", []string{accounts, evts})
	assert.Contains(t, stdout.String(), "postgres_lsn:")

	// Every line, the extractor's "{TABLE}: ..." lines included, carries the job's correlation ID.
	all := events(t, stdout.String())
	for typ, evs := range all {
		for _, e := range evs {
			assert.NotEmpty(t, e.CorrelationID, "%s event without a correlation ID: %v", typ, e.Details)
		}
	}

	// The configured reconciliation compared every row of the source with the Iceberg table.
	var reconciled []event
	for _, e := range all[dataquality.EventCheckComplete] {
		if e.Details["check"] == dataquality.CheckChecksum {
			reconciled = append(reconciled, e)
		}
	}
	require.Len(t, reconciled, 1, stdout.String())
	assert.Equal(t, accounts, reconciled[0].Details["table"])
	assert.Equal(t, true, reconciled[0].Details["passed"])
	assert.EqualValues(t, 5000, reconciled[0].Details["source_rows"])
	assert.EqualValues(t, 5000, reconciled[0].Details["dest_rows"])
}

func TestEmptyTable(t *testing.T) {
	tmp := t.TempDir()
	db := filepath.Join(tmp, "empty.db")
	sdb, err := sql.Open("sqlite", db)
	require.NoError(t, err)
	_, err = sdb.ExecContext(t.Context(), `CREATE TABLE empty (id INTEGER PRIMARY KEY, v TEXT)`)
	require.NoError(t, err)
	require.NoError(t, sdb.Close())
	dir := writeConfig(t, fmt.Sprintf(`sources:
  src:
    database_type: sqlite
    connection:
      database: %s
    iceberg:
      warehouse: %s
    data_quality:
      check_row_count: true
      on_failure: fail
`, db, filepath.Join(tmp, "warehouse")))
	var stdout, stderr bytes.Buffer
	code := Run(t.Context(), []string{"--source", "src", "--config-dir", dir}, &stdout, &stderr)
	require.Equal(t, 0, code, "stderr: %s\nstdout: %s", stderr.String(), stdout.String())
	assert.Contains(t, stdout.String(), "source: 0, dest: 0")

	// The empty table still records where the load read it, for the CDC consumer.
	cat, err := iceberg.OpenCatalog(t.Context(), configloader.Iceberg{Warehouse: filepath.Join(tmp, "warehouse")})
	require.NoError(t, err)
	if c, ok := cat.(interface{ Close() error }); ok {
		defer c.Close()
	}
	pos, ok, err := iceberg.NewTableManager(cat, "src").LastProperty(t.Context(), "empty", propPosition)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "none:", pos)
}

func TestDataQualityFailure(t *testing.T) {
	ctx := t.Context()
	// About one customer in five has no email: the required-columns check fails.
	dir, _ := sampleSource(t, 300, `    data_quality:
      check_row_count: true
      required_columns:
        customers: [email]
      on_failure: fail
`)
	var stdout, stderr bytes.Buffer
	code := Run(ctx, []string{"--source", "src", "--config-dir", dir}, &stdout, &stderr)
	assert.Equal(t, 1, code, "stdout: %s", stdout.String())
	assert.Contains(t, stdout.String(), "failed tables: []; failed data-quality checks: [customers]")
	evs := events(t, stdout.String())
	assert.ElementsMatch(t, []string{"customers", "order_items", "orders"}, tableNames(evs["table_processing_complete"]))
}

func TestAfterLoad(t *testing.T) {
	ctx := t.Context()
	dir, _ := sampleSource(t, 300, `    bulk_load:
      namespace: raw
`)

	var got *Loaded
	var stdout, stderr bytes.Buffer
	code := RunConfig(ctx, Config{Source: "src", ConfigDir: dir, AfterLoad: func(ctx context.Context, l *Loaded) error {
		got = l
		n, err := l.Tables.Dataset("orders").RowCount(ctx)
		require.NoError(t, err)
		assert.Equal(t, l.Rows["orders"], n)
		return nil
	}}, &stdout, &stderr)
	require.Equal(t, 0, code, "stderr: %s\nstdout: %s", stderr.String(), stdout.String())
	require.NotNil(t, got)
	assert.Equal(t, "raw", got.Namespace)
	assert.NotEmpty(t, got.Position)
	assert.Equal(t, map[string]int64{"customers": 30, "orders": 90, "order_items": 180}, got.Rows)

	stdout.Reset()
	code = RunConfig(ctx, Config{Source: "src", ConfigDir: dir, AfterLoad: func(context.Context, *Loaded) error {
		return errors.New("after-load boom")
	}}, &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stdout.String(), "after-load boom")

	assert.Equal(t, 2, RunConfig(ctx, Config{ConfigDir: dir}, &stdout, &stderr))
}

// A source table that gained a column since the last load: the Iceberg table evolves, and the
// load reports it with a schema_change event (the reference pipeline's SchemaTracker). The second
// load replaces the rows of the first: the row-count check passes, the table is not doubled.
func TestSchemaChangeEvent(t *testing.T) {
	ctx := t.Context()
	dir, db := sampleSource(t, 500, `    bulk_load:
      tables: [customers]
      namespace: raw
    data_quality:
      check_row_count: true
      on_failure: fail
`)
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, Run(ctx, []string{"--source", "src", "--config-dir", dir}, &stdout, &stderr), stderr.String())
	assert.Empty(t, events(t, stdout.String())[EventSchemaChange])

	sdb, err := sql.Open("sqlite", db)
	require.NoError(t, err)
	_, err = sdb.ExecContext(ctx, "ALTER TABLE customers ADD COLUMN loyalty_tier TEXT")
	require.NoError(t, sdb.Close())
	require.NoError(t, err)

	stdout.Reset()
	require.Equal(t, 0, Run(ctx, []string{"--source", "src", "--config-dir", dir}, &stdout, &stderr), stderr.String())
	changes := events(t, stdout.String())[EventSchemaChange]
	require.Len(t, changes, 1, stdout.String())
	assert.Equal(t, "customers", changes[0].Details["table"])
	assert.Equal(t, []any{"loyalty_tier"}, changes[0].Details["added_columns"])
	assert.Contains(t, changes[0].Details["change"], "added loyalty_tier (string)")
	assert.NotEmpty(t, changes[0].CorrelationID)
}
