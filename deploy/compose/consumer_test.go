package compose_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etlwatch/etlwatch/internal/testenv"
)

// field is a field of a Kafka Connect JSON schema.
type field struct {
	Type       string            `json:"type"`
	Optional   bool              `json:"optional"`
	Name       string            `json:"name,omitempty"`
	Version    int               `json:"version,omitempty"`
	Parameters map[string]string `json:"parameters,omitempty"`
	Field      string            `json:"field"`
	Fields     []field           `json:"fields,omitempty"`
}

// The columns of the seeded tables (cdc/postgres/init.sql) as Debezium's PostgreSQL connector
// describes them with connector.json's settings (decimal.handling.mode precise, time.precision.mode
// adaptive: numeric(10,2) is a Decimal of scale 2, timestamptz a ZonedTimestamp string).
var (
	zoned = func(f string) field {
		return field{Type: "string", Name: "io.debezium.time.ZonedTimestamp", Version: 1, Field: f}
	}
	customerFields = []field{{Type: "int32", Field: "id"}, {Type: "string", Field: "name"},
		{Type: "string", Optional: true, Field: "email"}, zoned("created_at")}
	orderFields = []field{{Type: "int32", Field: "id"}, {Type: "int32", Field: "customer_id"},
		{Type: "bytes", Name: "org.apache.kafka.connect.data.Decimal", Version: 1,
			Parameters: map[string]string{"scale": "2", "connect.decimal.precision": "10"}, Field: "amount"},
		{Type: "string", Field: "status"}, zoned("created_at"), zoned("updated_at")}
)

// decimal encodes cents as a Kafka Connect Decimal of scale 2: big-endian two's complement, base64.
func decimal(cents int64) string { return base64.StdEncoding.EncodeToString(big.NewInt(cents).Bytes()) }

// change returns the key and value Debezium's PostgreSQL connector writes, with the JSON
// converter and schemas.enable=true as connector.json sets them, for op on table of the shop
// database; before or after is nil where the op has none.
func change(t *testing.T, table string, fields []field, op string, id int, before, after map[string]any, lsn int64) *kgo.Record {
	t.Helper()
	prefix := "shop.public." + table
	row := func(f string) field {
		return field{Type: "struct", Optional: true, Name: prefix + ".Value", Field: f, Fields: fields}
	}
	source := field{Type: "struct", Name: "io.debezium.connector.postgresql.Source", Field: "source", Fields: []field{
		{Type: "string", Field: "version"}, {Type: "string", Field: "connector"}, {Type: "string", Field: "name"},
		{Type: "int64", Field: "ts_ms"}, {Type: "string", Optional: true, Field: "snapshot"}, {Type: "string", Field: "db"},
		{Type: "string", Field: "schema"}, {Type: "string", Field: "table"}, {Type: "int64", Optional: true, Field: "txId"},
		{Type: "int64", Optional: true, Field: "lsn"}}}
	now := time.Now().UnixMilli()
	value := map[string]any{
		"schema": field{Type: "struct", Name: prefix + ".Envelope", Fields: []field{row("before"), row("after"), source,
			{Type: "string", Field: "op"}, {Type: "int64", Optional: true, Field: "ts_ms"}}},
		"payload": map[string]any{"before": before, "after": after, "op": op, "ts_ms": now,
			"source": map[string]any{"version": "2.7.3.Final", "connector": "postgresql", "name": "shop", "ts_ms": now,
				"snapshot": "false", "db": "shop", "schema": "public", "table": table, "txId": lsn / 100, "lsn": lsn}},
	}
	key := map[string]any{"schema": field{Type: "struct", Name: prefix + ".Key", Fields: []field{{Type: "int32", Field: "id"}}},
		"payload": map[string]any{"id": id}}
	k, err := json.Marshal(key)
	require.NoError(t, err)
	v, err := json.Marshal(value)
	require.NoError(t, err)
	return &kgo.Record{Topic: prefix, Key: k, Value: v}
}

// TestConsumerWithComposeSources runs the static CDC consumer, built as the Dockerfile builds it,
// on the compose stack's sources.yaml (only the warehouse and the listen address moved to this
// test's directory and a free port; the brokers given by --brokers, an in-process Kafka) against
// the changes Debezium would write for the seeded tables: it creates the tables, applies an
// insert, an update and a delete with its tombstone, reports them on /metrics, and its
// -healthcheck says healthy.
func TestConsumerWithComposeSources(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(),
		kfake.SeedTopics(1, "shop.public.customers", "shop.public.orders", "etlwatch.shop.dlq"))
	require.NoError(t, err)
	defer cluster.Close()

	dir := t.TempDir()
	addr := writeComposeSources(t, dir)

	bin := buildProgram(t, "cdc")
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	stderr, stop := startConsumer(ctx, t, bin, dir, cluster.ListenAddrs(), addr)
	defer stop()

	prod, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...))
	require.NoError(t, err)
	defer prod.Close()
	require.NoError(t, prod.ProduceSync(ctx, shopChanges(t)...).FirstErr())

	// Every change applied: 1 to customers and 4 to orders (the tombstone only ends the key).
	waitProcessed(t, addr, map[string]int{"customers": 1, "orders": 4}, stderr)

	out, err := exec.CommandContext(ctx, bin, "-healthcheck", "-listen", addr).CombinedOutput()
	assert.NoError(t, err, "-healthcheck: %s", out)
	for _, table := range []string{"customers", "orders"} {
		meta, err := filepath.Glob(filepath.Join(dir, "warehouse", "shop*", table, "metadata", "*.metadata.json"))
		require.NoError(t, err)
		assert.NotEmpty(t, meta, "Iceberg table shop.%s in the warehouse", table)
	}
}

// writeComposeSources writes the compose stack's sources.yaml into dir with the warehouse moved
// under dir and /metrics on a free loopback port, which it returns.
func writeComposeSources(t *testing.T, dir string) (addr string) {
	t.Helper()
	yaml := readFile(t, "cdc/config/sources.yaml")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr = ln.Addr().String()
	require.NoError(t, ln.Close())
	for old, repl := range map[string]string{
		"warehouse: /var/lib/etlwatch/warehouse": "warehouse: " + filepath.Join(dir, "warehouse"),
		`listen: ":8083"`:                        `listen: "` + addr + `"`,
	} {
		require.Contains(t, yaml, old)
		yaml = strings.Replace(yaml, old, repl, 1)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "sources.yaml"), []byte(yaml), 0o644))
	return addr
}

// startConsumer starts the consumer bin on dir's sources.yaml and brokers, and waits until it
// serves /metrics on addr (the line a person reads, on stderr: stdout is piped). stop sends
// SIGTERM and checks that it exits 0 and that every line of its stdout was JSON; stderr is its
// stderr.
func startConsumer(ctx context.Context, t *testing.T, bin, dir string, brokers []string, addr string) (stderr *syncText, stop func()) {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, "--source", "compose_shop", "--config-dir", dir,
		"--brokers", strings.Join(brokers, ","))
	cmd.Env = append(os.Environ(), "POSTGRES_PASSWORD=etl")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	errPipe, err := cmd.StderrPipe()
	require.NoError(t, err)
	stderr = &syncText{}
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	serving := make(chan struct{})
	stderrRead := make(chan struct{})
	go func() {
		defer close(stderrRead)
		sc := bufio.NewScanner(errPipe)
		once := false
		for sc.Scan() {
			stderr.add(sc.Text())
			if !once && strings.Contains(sc.Text(), "serving http://"+addr+"/metrics") {
				once = true
				close(serving)
			}
		}
		_, _ = io.Copy(io.Discard, errPipe)
	}()
	events := &syncText{}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			events.add(sc.Text())
		}
		_, _ = io.Copy(io.Discard, stdout)
		<-stderrRead
		exited <- cmd.Wait()
	}()
	select {
	case <-serving:
	case err := <-exited:
		t.Fatalf("the consumer exited before serving: %v\n%s", err, stderr)
	case <-ctx.Done():
		t.Fatalf("the consumer did not start serving\n%s", stderr)
	}
	return stderr, func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		assert.NoError(t, <-exited, "stopped by SIGTERM: exit 0\n%s", stderr)
		testenv.JSONLines(t, events.String())
	}
}

// syncText collects lines that one goroutine writes while another reads them.
type syncText struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncText) add(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.WriteString(line)
	s.b.WriteByte('\n')
}

func (s *syncText) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// shopChanges are the changes Debezium would write for the seeded tables: a customer and two
// orders created, the first order updated, the second deleted and its tombstone.
func shopChanges(t *testing.T) []*kgo.Record {
	t.Helper()
	ts := time.Now().UTC().Format(time.RFC3339Nano)
	customer := map[string]any{"id": 1, "name": "customer 1", "email": "customer1@example.com", "created_at": ts}
	order := map[string]any{"id": 1, "customer_id": 1, "amount": decimal(1234), "status": "new", "created_at": ts, "updated_at": ts}
	shipped := map[string]any{"id": 1, "customer_id": 1, "amount": decimal(1234), "status": "shipped", "created_at": ts, "updated_at": ts}
	other := map[string]any{"id": 2, "customer_id": 1, "amount": decimal(500), "status": "new", "created_at": ts, "updated_at": ts}
	recs := []*kgo.Record{
		change(t, "customers", customerFields, "c", 1, nil, customer, 1000),
		change(t, "orders", orderFields, "c", 1, nil, order, 1100),
		change(t, "orders", orderFields, "c", 2, nil, other, 1200),
		change(t, "orders", orderFields, "u", 1, order, shipped, 1300),
		change(t, "orders", orderFields, "d", 2, other, nil, 1400),
	}
	tomb := change(t, "orders", orderFields, "d", 2, nil, nil, 0)
	tomb.Value = nil // the tombstone after a delete
	return append(recs, tomb)
}

// waitProcessed waits until the consumer's /metrics on addr counts want changes per table in
// cdc_events_processed_total.
func waitProcessed(t *testing.T, addr string, want map[string]int, stderr *syncText) {
	t.Helper()
	processed := regexp.MustCompile(`(?m)^cdc_events_processed_total\{[^}]*table="(\w+)"[^}]*\} (\d+)`)
	var got map[string]int
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got = map[string]int{}
		for _, m := range processed.FindAllStringSubmatch(string(b), -1) {
			n, _ := strconv.Atoi(m[2])
			got[m[1]] += n
		}
		for table, n := range want {
			if got[table] != n {
				return false
			}
		}
		return true
	}, 2*time.Minute, 200*time.Millisecond, "cdc_events_processed_total by table: %v\n%s", got, stderr)
}

// buildProgram builds examples/name as the Dockerfile does (CGO_ENABLED=0, tag timetzdata).
func buildProgram(t *testing.T, name string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), name)
	cmd := exec.CommandContext(t.Context(), "go", "build", "-tags", "timetzdata", "-o", bin, "./examples/"+name)
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}
