package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/goleak"

	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/iceberg"
	"github.com/etlwatch/etlwatch/internal/bulkload"
	"github.com/etlwatch/etlwatch/internal/testenv"
	"github.com/etlwatch/etlwatch/lineage"
	"github.com/etlwatch/etlwatch/lineage/lineagetest"
	"github.com/etlwatch/etlwatch/monitoring/monitoringtest"
)

func TestMain(m *testing.M) {
	// TestSignalEndsConsumer runs this binary as the program.
	if args, ok := os.LookupEnv(mainArgsVariable); ok {
		os.Args = append([]string{"cdc"}, strings.Split(args, "\n")...)
		main()
	}
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/twmb/franz-go/pkg/kfake.(*Cluster).run"))
}

// mainArgsVariable makes the test binary run main with these arguments, newline-separated.
const mainArgsVariable = "ETLWATCH_CDC_TEST_MAIN_ARGS"

// syncBuffer is a buffer safe for concurrent use that sends the first match of re, if set, to
// found (buffered, capacity 1).
type syncBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	re    *regexp.Regexp
	found chan string
	sent  bool
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if w.re != nil && !w.sent {
		if m := w.re.FindStringSubmatch(w.buf.String()); m != nil {
			w.found <- m[1]
			w.sent = true
		}
	}
	return n, err
}

func (w *syncBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// demoRun is a demo started by startDemo.
type demoRun struct {
	url            string // its /metrics
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	done           chan int
}

// startDemo runs the program with args and --keep-serving, and returns once it serves /metrics;
// the test fails if it exits before, or does not serve within 3 minutes.
func startDemo(t *testing.T, args ...string) *demoRun {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	// Piped, the lines a person reads (this one too) go to stderr.
	r := &demoRun{stderr: &syncBuffer{re: regexp.MustCompile(`serving (http://\S+/metrics) and \S+ until`), found: make(chan string, 1)},
		stdout: new(syncBuffer), cancel: cancel, done: make(chan int, 1)}
	go func() { r.done <- run(ctx, append(args, "--keep-serving"), r.stdout, r.stderr) }()
	select {
	case r.url = <-r.stderr.found:
	case code := <-r.done:
		t.Fatalf("exit %d before serving\nstderr: %s\nstdout: %s", code, r.stderr.String(), r.stdout.String())
	case <-time.After(3 * time.Minute):
		t.Fatal("the demo did not serve /metrics within 3 minutes")
	}
	return r
}

// stop ends the demo, as a signal does, and returns its exit code.
func (r *demoRun) stop() int {
	r.cancel()
	return <-r.done
}

// The demo end to end, small: it exits 0 after --keep-serving is ended by the signal (context),
// serves /metrics and /health, every table reconciles (checksums and row counts) in the
// pipeline's dq_check_complete events, the schema change reached Iceberg, the truncated table
// holds exactly its re-inserted rows, and the batches account for every produced event.
func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	const changes = 400
	r := startDemo(t, "--demo", "--dir", dir, "--listen", "127.0.0.1:0", "--rows", "600", "--changes", fmt.Sprint(changes), "--batch-size", "60")
	code, body := get(t, r.url)
	assert.Equal(t, http.StatusOK, code)
	for _, m := range []string{"cdc_events_processed", "cdc_batch_processed", "cdc_lag_seconds", "dq_checksum_passed_total", "schema_changes",
		"cdc_table_delete_files", "cdc_table_metadata_bytes", "dq_last_write_timestamp_seconds", "# HELP cdc_lag_seconds Now minus"} {
		assert.Contains(t, body, m)
	}
	code, body = get(t, strings.TrimSuffix(r.url, "/metrics")+"/health")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, `"status":"healthy"`)
	code = r.stop()
	out, summary := r.stdout.String(), r.stderr.String()
	require.Equal(t, 0, code, "stderr: %s\nstdout: %s", summary, out)
	testenv.JSONLines(t, out)
	assert.Contains(t, summary, "result:     OK")

	// The events of the CDC job.
	logs := monitoringtest.NewLogCapture()
	_, _ = logs.Write([]byte(out))
	var cdcChecks []monitoringtest.Event
	for _, ev := range logs.EventsOfType("dq_check_complete") {
		if ev.JobName == jobName {
			cdcChecks = append(cdcChecks, ev)
		}
	}
	passed := map[string]bool{}
	var drift []string
	for _, ev := range cdcChecks {
		if ev.Details["check"] == "schema_drift" {
			// The demo's one schema change, and no drift that is only two spellings of a type
			// (the bulk load's columns against the consumer's commits).
			if ev.Details["passed"] != true {
				drift = append(drift, fmt.Sprint(ev.Details["table"], ": ", ev.Details["reason"]))
			}
			continue
		}
		assert.Equal(t, true, ev.Details["passed"], "%v", ev.Details)
		passed[fmt.Sprint(ev.Details["table"], "/", ev.Details["check"])] = ev.Details["passed"] == true
	}
	assert.Equal(t, []string{"customers: since the last load: added loyalty_points (long)"}, drift)
	for _, table := range demoTables {
		for _, check := range []string{dataquality.CheckChecksum, dataquality.CheckRowCount} {
			assert.True(t, passed[table+"/"+check], "%s of %s passed", check, table)
		}
		assert.Regexp(t, `reconcile:  `+table+`: Checksum reconciliation PASSED - source: \d+ rows, dest: \d+ rows, all match`, summary)
	}
	var processed float64
	for _, ev := range logs.EventsOfType(cdc.EventBatchComplete) {
		processed += ev.Details["events_processed"].(float64)
		assert.Zero(t, ev.Details["events_failed"])
	}
	assert.EqualValues(t, changes, processed, "every produced event applied once")
	changesEv := logs.EventsOfType(bulkload.EventSchemaChange)
	require.NotEmpty(t, changesEv)
	assert.Contains(t, changesEv[0].Details["added_columns"], addedColumn)
	assert.Equal(t, evolvedTable, changesEv[0].Details["table"])

	// The Iceberg tables.
	tm := openTables(t, configloader.Iceberg{Catalog: "sql", Warehouse: filepath.Join(dir, "warehouse")}, "shop")
	tbl, err := tm.Catalog().LoadTable(t.Context(), tm.Identifier(evolvedTable))
	require.NoError(t, err)
	_, ok := tbl.Schema().FindFieldByName(addedColumn)
	assert.True(t, ok, "Iceberg's %s has the added column %s", evolvedTable, addedColumn)
	rows := readRows(t, tm, truncatedTable, "id")
	reinserted := max(5, changes/10)
	require.Len(t, rows, reinserted, "the truncated table holds exactly the re-inserted rows")
	for id := 1; id <= reinserted; id++ {
		assert.Contains(t, rows, fmt.Sprint(id))
	}
	assert.Contains(t, summary, fmt.Sprintf("truncated:  orders, then %d rows re-inserted", reinserted))
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--demo", "--source", "x"},
		{"--demo", "--brokers", "localhost:9092"},
		{"--source", "x", "--dir", "d"},
		{"--source", "x", "--keep-serving"},
		{"--source", "x", "--brokers", " , "},
		{"--demo", "--rows", "2"},
		{"--demo", "--changes", "1"},
		{"--demo", "--dir", ""},
		{"--demo", "--batch-size", "0"},
		{"--demo", "extra"},
		{"--source", "x", "--events", "e.jsonl"},
		{"--source", "x", "--commit-interval", "2s"},
		{"--source", "x", "--deletes", "vectors"},
		{"--demo", "--deletes", "vector"},
		{"--nonsense"},
	} {
		var stdout, stderr bytes.Buffer
		assert.Equal(t, 2, run(t.Context(), args, &stdout, &stderr), "%v", args)
		assert.NotEmpty(t, stderr.String(), "%v", args)
	}
	// A source that sources.yaml lacks is a configuration error: 2 as well.
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, configloader.FileName), []byte("sources:\n  a:\n    database_type: sqlite\n"), 0o644))
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 2, run(t.Context(), []string{"--source", "b", "--config-dir", dir}, &stdout, &stderr))
}

// itemsSpec is the table the non-demo tests produce changes of.
func itemsSpec() *tableSpec {
	return newTableSpec("pg", "public", "items", []column{
		{name: "id", kind: kindInt, required: true},
		{name: "name", kind: kindText},
		{name: "price", kind: kindDecimal, precision: 10, scale: 2},
		{name: "updated_at", kind: kindTimestamp},
	}, []int{0})
}

// sourceRig is a kfake cluster with the items topic and a sources.yaml whose source "pg"
// consumes it into a warehouse in a temporary directory.
type sourceRig struct {
	dir     string
	cluster *kfake.Cluster
	brokers string
	ice     configloader.Iceberg
	spec    *tableSpec
}

func newSourceRig(t *testing.T) *sourceRig {
	t.Helper()
	r := &sourceRig{dir: t.TempDir(), spec: itemsSpec()}
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, r.spec.Topic()), kfake.SeedTopics(1, "pg.dlq"))
	require.NoError(t, err)
	t.Cleanup(cluster.Close)
	r.cluster, r.brokers = cluster, strings.Join(cluster.ListenAddrs(), ",")
	r.ice = configloader.Iceberg{Catalog: "sql", Warehouse: filepath.Join(r.dir, "warehouse")}
	// cdc.brokers points nowhere: --brokers overrides it.
	config := fmt.Sprintf(`sources:
  pg:
    database_type: postgres
    connection:
      host: localhost
      database: app
    bulk_load:
      namespace: raw
    cdc:
      brokers: ["127.0.0.1:1"]
      topics: [%s]
      group_id: etl
      batch_size: 7
      dead_letter_topic: pg.dlq
    iceberg:
      catalog: sql
      warehouse: %q
    monitoring:
      prometheus:
        listen: "127.0.0.1:0"
`, r.spec.Topic(), r.ice.Warehouse)
	require.NoError(t, os.WriteFile(filepath.Join(r.dir, configloader.FileName), []byte(config), 0o644))
	return r
}

// item is a row of the items table: id, name, price, updated_at.
func item(id int64, name string, price float64) []any {
	return []any{id, name, price, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Format(time.DateTime)}
}

// messages returns key and value of each change: ten inserts, two updates, one delete and its
// tombstone.
func (r *sourceRig) messages(t *testing.T) (keys, values [][]byte) {
	t.Helper()
	add := func(op string, before, after []any) {
		row := after
		if row == nil {
			row = before
		}
		k, err := r.spec.keyMessage(row)
		require.NoError(t, err)
		v, err := r.spec.value(op, before, after, time.Now())
		require.NoError(t, err)
		keys, values = append(keys, k), append(values, v)
		if op == opDelete {
			keys, values = append(keys, k), append(values, nil)
		}
	}
	for id := int64(1); id <= 10; id++ {
		add(opCreate, nil, item(id, fmt.Sprintf("item %d", id), float64(id)+0.5))
	}
	add(opUpdate, item(2, "item 2", 2.5), item(2, "renamed", 99.99))
	add(opUpdate, item(4, "item 4", 4.5), item(4, "item 4", 1234.25))
	add(opDelete, item(7, "item 7", 7.5), nil)
	return keys, values
}

// wantItems is the table after messages: name and price by id.
func wantItems() map[string][2]string {
	want := map[string][2]string{}
	for id := 1; id <= 10; id++ {
		want[fmt.Sprint(id)] = [2]string{fmt.Sprintf("item %d", id), fmt.Sprintf("%d.5", id)}
	}
	want["2"] = [2]string{"renamed", "99.99"}
	want["4"] = [2]string{"item 4", "1234.25"}
	delete(want, "7")
	return want
}

// consumeUntilApplied runs the program on the rig's source until Iceberg holds every record of
// the items topic, then cancels it and returns its exit code, stdout and stderr.
func (r *sourceRig) consumeUntilApplied(t *testing.T, tm *iceberg.TableManager) (int, string, string) {
	t.Helper()
	end := r.endOffsets(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--source", "pg", "--config-dir", r.dir, "--brokers", r.brokers}, &stdout, &stderr)
	}()
	deadline := time.After(time.Minute)
	for {
		tbl, err := tm.Catalog().LoadTable(t.Context(), tm.Identifier("items"))
		if err == nil {
			offs, err := cdc.TableOffsets(tbl)
			require.NoError(t, err)
			all := true
			for p, n := range end {
				got, _ := offs.Get(r.spec.Topic(), p)
				all = all && got >= n
			}
			if all {
				break
			}
		}
		select {
		case code := <-done:
			t.Fatalf("exit %d before applying every record\nstderr: %s\nstdout: %s", code, stderr.String(), stdout.String())
		case <-deadline:
			t.Fatalf("not applied within a minute\nstderr: %s\nstdout: %s", stderr.String(), stdout.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	cancel()
	code := <-done
	// Piped: JSON lines on stdout; on stderr the one line a person reads, and no error.
	testenv.JSONLines(t, stdout.String())
	assert.Regexp(t, `^(cdc: consuming \S+ from \S+; serving \S+ and \S+\n)?$`, stderr.String())
	return code, stdout.String(), stderr.String()
}

// endOffsets reads the items topic from the start until its 14 records arrived and returns
// the next offset after the last one, by partition.
func (r *sourceRig) endOffsets(t *testing.T) map[int32]int64 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(r.cluster.ListenAddrs()...), kgo.ConsumeTopics(r.spec.Topic()),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	require.NoError(t, err)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	end := map[int32]int64{}
	for n := 0; n < 14; {
		fs := cl.PollFetches(ctx)
		require.NoError(t, ctx.Err(), "14 records in the topic")
		fs.EachRecord(func(rec *kgo.Record) {
			n++
			end[rec.Partition] = max(end[rec.Partition], rec.Offset+1)
		})
	}
	return end
}

// checkItems asserts the rows of the items table.
func checkItems(t *testing.T, tm *iceberg.TableManager) {
	t.Helper()
	rows := readRows(t, tm, "items", "id")
	want := wantItems()
	require.Len(t, rows, len(want))
	for id, w := range want {
		require.Contains(t, rows, id)
		assert.Equal(t, w[0], rows[id]["name"], "name of %s", id)
		assert.Equal(t, w[1], rows[id]["price"], "price of %s", id)
		assert.Equal(t, "2026-01-02T03:04:05Z", rows[id]["updated_at"], "updated_at of %s", id)
	}
}

// Without --demo: the consumer of a sources.yaml source, its brokers overridden by --brokers,
// applies what was produced (a new table, created from the events' schema), and a cancelled
// context ends it with exit 0.
func TestConsumeSource(t *testing.T) {
	r := newSourceRig(t)
	keys, values := r.messages(t)
	prod, err := kgo.NewClient(kgo.SeedBrokers(r.cluster.ListenAddrs()...))
	require.NoError(t, err)
	defer prod.Close()
	for i := range keys {
		require.NoError(t, prod.ProduceSync(t.Context(), &kgo.Record{Topic: r.spec.Topic(), Key: keys[i], Value: values[i]}).FirstErr())
	}
	tm := openTables(t, r.ice, "raw")
	code, out, human := r.consumeUntilApplied(t, tm)
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, `"event_type":"cdc_batch_complete"`)
	assert.Regexp(t, `cdc: consuming pg.public.items from 127\.0\.0\.1:\d+; serving http://127\.0\.0\.1:\d+/metrics`, human)
	checkItems(t, tm)
}

// Debian's kcat, a librdkafka client, produces the Debezium messages (key and value separated
// by a tab, -K; the tombstone as an empty value sent as NULL, -Z) into the kfake listener, and
// the consumer applies them.
func TestKcatProducedMessages(t *testing.T) {
	kcat := testenv.Tool(t, "kcat", "apt-get install -y kcat")
	r := newSourceRig(t)
	keys, values := r.messages(t)
	var in bytes.Buffer
	for i := range keys {
		in.Write(keys[i])
		in.WriteByte('\t')
		in.Write(values[i])
		in.WriteByte('\n')
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, kcat, "-P", "-b", r.brokers, "-t", r.spec.Topic(), "-K", `\t`, "-Z")
	cmd.Stdin = &in
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "kcat: %s", out)

	tm := openTables(t, r.ice, "raw")
	code, stdout, _ := r.consumeUntilApplied(t, tm)
	assert.Equal(t, 0, code, stdout)
	checkItems(t, tm)
}

// The program as a process: SIGTERM (as SIGINT) stops the consumer cleanly, with exit 0.
func TestSignalEndsConsumer(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM on Windows")
	}
	r := newSourceRig(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), mainArgsVariable+"="+strings.Join([]string{"--source", "pg", "--config-dir", r.dir, "--brokers", r.brokers}, "\n"))
	// Piped, the line a person reads is on stderr.
	stderr := &syncBuffer{re: regexp.MustCompile(`(cdc: consuming)`), found: make(chan string, 1)}
	var stdout syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-stderr.found:
	case err := <-exited:
		t.Fatalf("exited before consuming: %v\nstderr: %s", err, stderr.String())
	case <-time.After(time.Minute):
		_ = cmd.Process.Kill()
		t.Fatalf("not consuming after a minute\nstderr: %s", stderr.String())
	}
	time.Sleep(200 * time.Millisecond) // into the poll loop
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-exited:
		require.NoError(t, err, "exit 0 after SIGTERM\nstderr: %s", stderr.String())
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("still running 30 s after SIGTERM")
	}
	assert.Equal(t, 0, cmd.ProcessState.ExitCode())
}

// A batch that cannot be committed to Iceberg (here: the table exists without a primary key, so
// rows cannot be matched) makes Run fail and the program exit 1.
func TestConsumeFailureExits1(t *testing.T) {
	r := newSourceRig(t)
	tm := openTables(t, r.ice, "raw")
	_, err := tm.EnsureTable(t.Context(), "items", arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil))
	require.NoError(t, err)
	keys, values := r.messages(t)
	prod, err := kgo.NewClient(kgo.SeedBrokers(r.cluster.ListenAddrs()...))
	require.NoError(t, err)
	defer prod.Close()
	require.NoError(t, prod.ProduceSync(t.Context(), &kgo.Record{Topic: r.spec.Topic(), Key: keys[0], Value: values[0]}).FirstErr())

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"--source", "pg", "--config-dir", r.dir, "--brokers", r.brokers}, &stdout, &stderr)
	require.NoError(t, ctx.Err(), "the program ended by itself")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), "cdc: table items: ")
	assert.Contains(t, stderr.String(), "no identifier fields")
}

// openTables opens the catalog and returns the table manager of namespace ns.
func openTables(t *testing.T, ice configloader.Iceberg, ns string) *iceberg.TableManager {
	t.Helper()
	cat, err := iceberg.OpenCatalog(t.Context(), ice)
	require.NoError(t, err)
	if c, ok := cat.(interface{ Close() error }); ok {
		t.Cleanup(func() { _ = c.Close() })
	}
	return iceberg.NewTableManager(cat, ns)
}

// readRows scans table and returns its rows by the text of key: each column's value as text.
func readRows(t *testing.T, tm *iceberg.TableManager, table, key string) map[string]map[string]string {
	t.Helper()
	tbl, err := tm.Catalog().LoadTable(t.Context(), tm.Identifier(table))
	require.NoError(t, err)
	at, err := tbl.Scan().ToArrowTable(t.Context())
	require.NoError(t, err)
	defer at.Release()
	tr := array.NewTableReader(at, 0)
	defer tr.Release()
	out := map[string]map[string]string{}
	for tr.Next() {
		rec := tr.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			row := map[string]string{}
			for c, f := range rec.Schema().Fields() {
				col := rec.Column(c)
				if col.IsNull(i) {
					continue
				}
				row[f.Name] = col.ValueStr(i)
			}
			_, dup := out[row[key]]
			require.False(t, dup, "%s %s twice", key, row[key])
			out[row[key]] = row
		}
	}
	return out
}

// The demo's verdict: one failed reconciliation (or no schema change reaching Iceberg) makes
// exit 1, every check passing exit 0.
func TestSummaryVerdict(t *testing.T) {
	pass := dataquality.Result{Check: dataquality.CheckChecksum, Table: "orders", Passed: true, Details: "Checksum reconciliation PASSED"}
	fail := dataquality.Result{Check: dataquality.CheckChecksum, Table: "customers", Details: "Checksum reconciliation FAILED - source: 3 rows, dest: 2 rows; missing in dest: 1 (3)"}
	count := dataquality.Result{Check: dataquality.CheckRowCount, Table: "orders", Passed: true, Details: "Row count validation PASSED"}
	for _, tc := range []struct {
		name      string
		reconcile []dataquality.Result
		changes   []string
		want      int
	}{
		{"all passed", []dataquality.Result{pass}, []string{"shop.customers: added loyalty_points (long)"}, 0},
		{"a reconciliation failed", []dataquality.Result{pass, fail}, []string{"shop.customers: added loyalty_points (long)"}, 1},
		{"no schema change", []dataquality.Result{pass}, nil, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &demoResult{produced: &produced{Ops: map[string]int{}}, reconcile: tc.reconcile, rowCounts: []dataquality.Result{count}, changes: tc.changes}
			var out bytes.Buffer
			assert.Equal(t, tc.want, r.print(&out))
			if tc.want == 0 {
				assert.Contains(t, out.String(), "result:     OK")
			} else {
				assert.Contains(t, out.String(), "result:     FAILED (exit 1)")
			}
		})
	}
}

// With OPENLINEAGE_URL set, the demo's consumer reports a STREAMING run: one START, RUNNING
// events, one COMPLETE, all valid against the OpenLineage schemas, and the rows their output
// statistics report add up to the rows the consumer's commits added to the Iceberg tables. This
// run writes deletion vectors (--deletes vectors): its exit code 0 also says that every table,
// upgraded to format version 3, reconciled with the sample database row by row.
func TestDemoLineage(t *testing.T) {
	rcv := lineagetest.NewReceiver(t)
	t.Setenv("OPENLINEAGE_URL", rcv.URL())
	dir := filepath.Join(t.TempDir(), "data")
	var stdout, stderr syncBuffer
	code := run(t.Context(), []string{"--demo", "--dir", dir, "--listen", "127.0.0.1:0", "--rows", "600", "--changes", "400", "--batch-size", "60",
		"--deletes", "vectors"}, &stdout, &stderr)
	require.Equal(t, 0, code, "stderr: %s\nstdout: %s", stderr.String(), stdout.String())
	assert.Contains(t, stderr.String(), "result:     OK")
	assert.Empty(t, rcv.Rejected())

	types := map[lineage.EventType]int{}
	var reported int64
	for _, ev := range rcv.Events() {
		if jt := ev.Job.Facets.JobType; jt == nil || jt.ProcessingType != "STREAMING" {
			continue // the bulk load's runs
		}
		types[ev.EventType]++
		for _, o := range ev.Outputs {
			if s := o.OutputFacets.OutputStatistics; s != nil && s.RowCount != nil {
				reported += *s.RowCount
			}
		}
	}
	assert.Equal(t, 1, types[lineage.EventStart], "START")
	assert.Equal(t, 1, types[lineage.EventComplete], "COMPLETE")
	assert.Positive(t, types[lineage.EventRunning], "RUNNING")

	// What the consumer's commits added: the snapshots that record a CDC batch.
	cat, err := iceberg.OpenCatalog(t.Context(), configloader.Iceberg{Warehouse: filepath.Join(dir, "warehouse")})
	require.NoError(t, err)
	defer cat.(interface{ Close() error }).Close()
	tm := iceberg.NewTableManager(cat, "shop")
	var added int64
	for _, name := range demoTables {
		tbl, err := tm.Catalog().LoadTable(t.Context(), tm.Identifier(name))
		require.NoError(t, err)
		for _, s := range tbl.Metadata().Snapshots() {
			if s.Summary == nil {
				continue
			}
			if _, ok := s.Summary.Properties[cdc.PropBatchID]; ok {
				n, _ := strconv.ParseInt(s.Summary.Properties["added-records"], 10, 64)
				added += n
			}
		}
	}
	assert.Positive(t, added)
	assert.Equal(t, added, reported, "rows in the RUNNING and COMPLETE output statistics against the commits' added-records")
}

// TestDemoOutputForAPerson: with its events in a file, as on a terminal, what the demo prints is
// a short summary a person reads (piped here, so on stderr, and nothing on stdout): no JSON, no
// line over 200 characters, and it says where the events went; the file holds the events of the
// bulk load and of the consumer.
func TestDemoOutputForAPerson(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	events := filepath.Join(t.TempDir(), "events.jsonl")
	var stdout, stderr syncBuffer
	code := run(t.Context(), []string{"--demo", "--dir", dir, "--listen", "127.0.0.1:0", "--rows", "100", "--changes", "40",
		"--batch-size", "20", "--events", events}, &stdout, &stderr)
	out := stderr.String()
	require.Equal(t, 0, code, "stderr: %s\nstdout: %s", out, stdout.String())
	assert.Empty(t, stdout.String())
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		assert.LessOrEqual(t, len([]rune(line)), 200, line)
		assert.False(t, strings.HasPrefix(line, "{"), "no JSON on the screen: %s", line)
	}
	assert.Contains(t, out, "events:     "+events+" (JSON lines")
	assert.Contains(t, out, "result:     OK")

	b, err := os.ReadFile(events)
	require.NoError(t, err)
	logs := monitoringtest.NewLogCapture()
	_, _ = logs.Write(b)
	assert.NotEmpty(t, logs.EventsOfType(cdc.EventBatchComplete), "the consumer's events")
	assert.NotEmpty(t, logs.EventsOfType("table_processing_complete"), "the bulk load's events")
}

// TestHelp: -h says what the program does, gives an example and the exit codes, then the flags.
func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 0, run(t.Context(), []string{"-h"}, &stdout, &stderr))
	help := stderr.String()
	assert.True(t, strings.HasPrefix(help, "cdc applies Debezium change events"), help)
	assert.Contains(t, help, "Example:\n  cdc --demo")
	assert.Contains(t, help, "Exit codes: 0 ")
	assert.Contains(t, help, "\nFlags:\n")
	assert.Contains(t, help, "-events string")
}
