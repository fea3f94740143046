package bulkload

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/extractors/sqlite"
	"github.com/etlwatch/etlwatch/monitoring"
)

// TestHelp: -h says what the program does, shows one command and the exit codes, then the flags.
func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := Run(t.Context(), []string{"-h"}, &stdout, &stderr)
	assert.Equal(t, 0, code)
	help := stderr.String()
	assert.True(t, strings.HasPrefix(help, "bulkload loads every table of one sources.yaml source into Apache Iceberg"), help)
	assert.Contains(t, help, "\nExample:\n  bulkload --source dev_mydb")
	assert.Contains(t, help, "\nExit codes: 0 every table loaded")
	assert.Contains(t, help, "-table-filter")
	for _, line := range strings.Split(help, "\n") {
		assert.LessOrEqual(t, len(line), 200, line)
	}
}

// TestBadFlagValues: a flag given a value it cannot take is an error (exit 2) naming the flag,
// not a value silently ignored.
func TestBadFlagValues(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--source", "src", "--workers", "0"}, "--workers: found 0; allowed: 1 or more"},
		{[]string{"--source", "src", "--partitions", "-2"}, "--partitions: found -2; allowed: 1 or more"},
		{[]string{"--source", ""}, "--source: found an empty name"},
		{[]string{"--source", "src", "--progress", "fancy"}, `--progress: found "fancy"; allowed: auto, bars, log or off`},
		{[]string{"--source", "src", "extra"}, "unexpected arguments: extra"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Run(t.Context(), tc.args, &stdout, &stderr)
			assert.Equal(t, 2, code)
			assert.Contains(t, stderr.String(), tc.want)
			assert.Empty(t, stdout.String(), "nothing ran")
		})
	}
}

// TestFilterMatchesNothing: a table filter that matches no table is an error (exit 2) that
// lists the tables the source has, not "bulk load of 0 tables" and exit 0.
func TestFilterMatchesNothing(t *testing.T) {
	tmp := t.TempDir()
	db := filepath.Join(tmp, "sample.db")
	require.NoError(t, sqlite.CreateSample(t.Context(), db, 30))
	dir := writeConfig(t, fmt.Sprintf(`sources:
  src:
    database_type: sqlite
    connection: {database: %s}
    iceberg: {warehouse: %s}
`, db, filepath.Join(tmp, "warehouse")))
	var stdout, stderr bytes.Buffer
	code := Run(t.Context(), []string{"--source", "src", "--config-dir", dir, "--table-filter", "^custmers$"}, &stdout, &stderr)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr.String(), `table filter "^custmers$" (--table-filter or bulk_load.table_filter) matches no table; `+
		`source "src" has 3: customers, order_items, orders`)
	evs := events(t, stdout.String())
	require.Len(t, evs["job_failed"], 1)
	assert.Empty(t, evs["job_start"], "nothing was loaded")
}

func TestListUpTo(t *testing.T) {
	assert.Equal(t, "a, b", listUpTo([]string{"a", "b"}, 2))
	assert.Equal(t, "a, b and 2 more", listUpTo([]string{"a", "b", "c", "d"}, 2))
}

// TestSummaryJSON: --summary-json prints the metrics summary as one JSON line, as before the
// table became the default: a JSON object like the events, so that stdout stays JSON lines.
func TestSummaryJSON(t *testing.T) {
	tmp := t.TempDir()
	db := filepath.Join(tmp, "sample.db")
	require.NoError(t, sqlite.CreateSample(t.Context(), db, 30))
	dir := writeConfig(t, fmt.Sprintf(`sources:
  src:
    database_type: sqlite
    connection: {database: %s}
    iceberg: {warehouse: %s}
`, db, filepath.Join(tmp, "warehouse")))
	var stdout, stderr bytes.Buffer
	code := Run(t.Context(), []string{"--source", "src", "--config-dir", dir, "--table-filter", "^customers$",
		"--summary-json", "--progress", "off"}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	var summary struct {
		Summary monitoring.Summary `json:"metrics_summary"`
	}
	var found []string
	for _, line := range strings.Split(stdout.String(), "\n") {
		if strings.HasPrefix(line, `{"metrics_summary":`) {
			found = append(found, line)
		}
	}
	require.Len(t, found, 1, "one summary line on stdout")
	require.NoError(t, json.Unmarshal([]byte(found[0]), &summary))
	assert.Equal(t, "bulk_load", summary.Summary.JobName)
	assert.Contains(t, found[0], `"table_load_success"`)
	assert.NotContains(t, stdout.String(), "metrics of job")
	assert.Contains(t, stdout.String(), "bulk load of 1 tables (the source records no change-history position", "SQLite has none")
	assert.NotContains(t, stdout.String(), "at none:")
	events(t, stdout.String()) // JSON lines only, the summary too
	// The few lines a person reads at the end: piped, on stderr.
	assert.Regexp(t, `(?m)^loaded: +1 of 1 tables of source src, 3 rows in \S+ \(\d+ rows per second\)$`, stderr.String())
	assert.Regexp(t, `(?m)^checks: +0 passed, 0 failed$`, stderr.String())
	assert.Contains(t, stderr.String(), "iceberg:    namespace src of the sql catalog, warehouse "+filepath.Join(tmp, "warehouse")+"\n")
}

// TestEventsFile: --events sends the JSON events to a file; the summary a person reads (on
// stderr, piped) says where the events went and why a table failed.
func TestEventsFile(t *testing.T) {
	tmp := t.TempDir()
	db := filepath.Join(tmp, "sample.db")
	require.NoError(t, sqlite.CreateSample(t.Context(), db, 30))
	dir := writeConfig(t, fmt.Sprintf(`sources:
  src:
    database_type: sqlite
    connection: {database: %s}
    bulk_load: {tables: [customers, missing_table], max_retries: 0}
    iceberg: {warehouse: %s}
`, db, filepath.Join(tmp, "warehouse")))
	eventsPath := filepath.Join(tmp, "events.jsonl")
	var stdout, stderr bytes.Buffer
	code := Run(t.Context(), []string{"--source", "src", "--config-dir", dir, "--events", eventsPath, "--progress", "off"}, &stdout, &stderr)
	assert.Equal(t, 1, code, "a table failed")
	assert.Empty(t, stdout.String(), "the events went to the file, the summary to stderr")
	out := stderr.String()
	assert.NotContains(t, out, `"event_type"`, "no JSON in the summary")
	assert.Contains(t, out, "events:     "+eventsPath+" (JSON lines)\n")
	assert.Regexp(t, `(?m)^failed: +missing_table: .+$`, out)
	for _, line := range strings.Split(out, "\n") {
		assert.LessOrEqual(t, utf8.RuneCountInString(line), 200, line)
	}
	b, err := os.ReadFile(eventsPath)
	require.NoError(t, err)
	evs := events(t, string(b))
	assert.Len(t, evs["job_complete"], 1)
	assert.Len(t, evs["job_failed"], 1)

	assert.Equal(t, 2, Run(t.Context(), []string{"--source", "src", "--config-dir", dir, "--events", filepath.Join(tmp, "no", "such", "dir", "e.jsonl")},
		&stdout, &stderr), "an events file that cannot be opened is a bad flag")
}
