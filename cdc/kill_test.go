//go:build unix

package cdc_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/apache/iceberg-go/table"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/iceberg"
)

// mirrorTopic carries the same changes as topic, for the table "items": batches span two tables.
const mirrorTopic = "pg.public.items"

// TestKilledConsumerChild is the consumer process of TestKilledConsumer and TestZombieConsumer:
// it runs only when they start it. With ETLWATCH_CDC_KILL_AT it sends itself ETLWATCH_CDC_SIGNAL
// (default SIGKILL) the ETLWATCH_CDC_KILL_AFTER-th time it reaches that point; ETLWATCH_CDC_DELETES
// is its cdc.deletes.
func TestKilledConsumerChild(t *testing.T) {
	if os.Getenv("ETLWATCH_CDC_CHILD") != "1" {
		t.Skip("run by TestKilledConsumer and TestZombieConsumer as their consumer process")
	}
	warehouse := os.Getenv("ETLWATCH_CDC_WAREHOUSE")
	cat, err := iceberg.OpenCatalog(context.Background(), configloader.Iceberg{Warehouse: warehouse})
	require.NoError(t, err)
	src := &configloader.Source{Name: "pg", DatabaseType: "postgres",
		CDC: configloader.CDC{Brokers: strings.Split(os.Getenv("ETLWATCH_CDC_BROKERS"), ","), Topics: []string{topic, mirrorTopic},
			GroupID: "etl", BatchSize: 60, CommitInterval: 100 * time.Millisecond, Deletes: os.Getenv("ETLWATCH_CDC_DELETES")}}
	after, _ := strconv.Atoi(os.Getenv("ETLWATCH_CDC_KILL_AFTER"))
	sig := syscall.SIGKILL
	if os.Getenv("ETLWATCH_CDC_SIGNAL") == "STOP" {
		sig = syscall.SIGSTOP
	}
	var hits atomic.Int32
	hit := func() {
		if int(hits.Add(1)) == max(after, 1) {
			fmt.Printf("failpoint %s reached (%d)\n", os.Getenv("ETLWATCH_CDC_KILL_AT"), after)
			_ = syscall.Kill(os.Getpid(), sig)
		}
	}
	if at := os.Getenv("ETLWATCH_CDC_KILL_AT"); at != "" {
		cdc.SetFailpointHook(func(name string) {
			if name == at {
				hit()
			}
		})
	}
	kopts := []kgo.Opt{kgo.InstanceID("cdc-consumer-1")} // static membership: a restart takes the partitions at once
	if id := os.Getenv("ETLWATCH_CDC_INSTANCE"); id != "" {
		kopts = []kgo.Opt{kgo.InstanceID(id), kgo.SessionTimeout(6 * time.Second), kgo.RebalanceTimeout(6 * time.Second)}
	}
	c, err := cdc.Open(src, iceberg.NewTableManager(cat, "raw"), cdc.WithKafkaOptions(kopts...))
	require.NoError(t, err)
	if err := c.Run(context.Background()); err != nil {
		fmt.Printf("consumer stopped: %v\n", err)
		os.Exit(3)
	}
}

// killRig is a kfake cluster with the two topics, a warehouse, and a producer that keeps
// producing while consumer processes are killed.
type killRig struct {
	t         *testing.T
	cluster   *kfake.Cluster
	prod      *kgo.Client
	warehouse string
	tm        *iceberg.TableManager
	st        *stream
	stop      chan struct{}
	stopOnce  sync.Once
	wg        sync.WaitGroup
}

func newKillRig(t *testing.T) *killRig {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, topic, mirrorTopic))
	require.NoError(t, err)
	t.Cleanup(cluster.Close)
	prod, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...))
	require.NoError(t, err)
	t.Cleanup(prod.Close)
	k := &killRig{t: t, cluster: cluster, prod: prod, warehouse: t.TempDir(), st: newStream(), stop: make(chan struct{})}
	k.st.mirror = mirrorTopic
	k.tm = iceberg.NewTableManager(openCatalog(t, k.warehouse), "raw")
	t.Cleanup(k.finish) // before the cluster and the producer close, even when the test fails
	return k
}

// produce keeps producing ~perSecond changes a second in the background until finish.
func (k *killRig) produce(perSecond int) {
	k.wg.Add(1)
	go func() {
		defer k.wg.Done()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-k.stop:
				return
			case <-tick.C:
				k.st.produce(k.t, k.prod, max(perSecond/20, 1))
			}
		}
	}()
}

// finish stops the producer.
func (k *killRig) finish() {
	k.stopOnce.Do(func() { close(k.stop) })
	k.wg.Wait()
}

// start starts a consumer process with env.
func (k *killRig) start(out *bytes.Buffer, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledConsumerChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), append([]string{"ETLWATCH_CDC_CHILD=1", "ETLWATCH_CDC_WAREHOUSE=" + k.warehouse,
		"ETLWATCH_CDC_BROKERS=" + strings.Join(k.cluster.ListenAddrs(), ",")}, env...)...)
	cmd.Stdout, cmd.Stderr = out, os.Stderr
	require.NoError(k.t, cmd.Start())
	return cmd
}

// caughtUp reports whether both tables record every offset produced so far.
func (k *killRig) caughtUp() bool {
	for _, tt := range []struct {
		table, topic string
		end          map[int32]int64
	}{{"orders", topic, k.st.end}, {"items", mirrorTopic, k.st.mirrorEnd}} {
		tbl, err := k.tm.Catalog().LoadTable(context.Background(), k.tm.Identifier(tt.table))
		if err != nil {
			return false
		}
		offs, err := cdc.TableOffsets(tbl)
		if err != nil {
			return false
		}
		k.st.mu.Lock()
		for p, e := range tt.end {
			if n, _ := offs.Get(tt.topic, p); n < e {
				k.st.mu.Unlock()
				return false
			}
		}
		k.st.mu.Unlock()
	}
	return true
}

// verify compares both tables with the expected state, row by row.
func (k *killRig) verify() {
	r := &rig{t: k.t, tm: k.tm}
	k.st.mu.Lock()
	defer k.st.mu.Unlock()
	for _, table := range []string{"orders", "items"} {
		got := r.rowsOf(table, "qty") // fails on a duplicated id
		assert.Equal(k.t, len(k.st.want), len(got), "%s: rows", table)
		for id, q := range k.st.want {
			assert.Equal(k.t, q, got[id], "%s: qty of %d", table, id)
		}
	}
}

// The consumer process is killed with SIGKILL at named points, each at least three times, while
// the producer goes on (the consumer lags), and restarted each time: after the Iceberg commit and
// before the Kafka commit, between the two tables of a batch, after a table's Parquet data and
// delete files are written and before the commit that would reference them, before a table's
// batch is written and committed, and in a table's maintenance (which runs beside the next
// batch) after its compaction is committed, the next batch's files perhaps written. The first
// round writes equality deletes, the next two deletion vectors (cdc.deletes: vectors; the
// tables are upgraded on the way and hold both kinds), where a kill after the files are written
// leaves a Puffin file of deletion vectors behind too. At the end both tables hold exactly the
// expected rows, row by row: none lost, none duplicated.
func TestKilledConsumer(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts consumer processes for a while")
	}
	if raceEnabled {
		// The child processes are race-instrumented too: 5-10x slower consumers on a loaded
		// machine. .ci/run runs this test in its own step without -race.
		t.Skip("run without -race (.ci/run does)")
	}
	k := newKillRig(t)
	k.st.produce(t, k.prod, 300) // a backlog, so the consumer lags from the start
	k.produce(400)
	points := []string{cdc.FailBeforeKafkaCommit, cdc.FailBetweenTables, cdc.FailAfterFilesWritten, cdc.FailBeforeIcebergCommit,
		cdc.FailAfterMaintenanceCommit}
	for round := range 3 {
		for i, point := range points {
			var out bytes.Buffer
			deletes := configloader.DeletesEquality
			if round > 0 {
				deletes = configloader.DeletesVectors
			}
			cmd := k.start(&out, "ETLWATCH_CDC_KILL_AT="+point, "ETLWATCH_CDC_KILL_AFTER="+strconv.Itoa(1+(round+i)%3), "ETLWATCH_CDC_DELETES="+deletes)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(180 * time.Second):
				_ = cmd.Process.Kill()
				<-done
				t.Fatalf("%s (round %d): the consumer never reached the point; output:\n%s", point, round+1, out.String())
			}
			ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
			require.True(t, ws.Signaled() && ws.Signal() == syscall.SIGKILL, "%s (round %d): the consumer was not killed there: %v\n%s", point, round+1, cmd.ProcessState, out.String())
			require.Contains(t, out.String(), "failpoint "+point+" reached")
		}
	}
	k.finish()
	var out bytes.Buffer
	cmd := k.start(&out, "ETLWATCH_CDC_DELETES="+configloader.DeletesVectors)
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
	}()
	require.Eventually(t, k.caughtUp, 120*time.Second, 50*time.Millisecond, "the restarted consumer did not reach the end of the stream")
	k.verify()
	orphans := 0
	for _, name := range []string{"orders", "items"} {
		tbl, err := k.tm.Catalog().LoadTable(t.Context(), k.tm.Identifier(name))
		require.NoError(t, err)
		assert.Equal(t, 3, tbl.Metadata().Version(), "%s: upgraded for deletion vectors", name)
		byPosition := false
		for _, s := range tbl.Metadata().Snapshots() {
			byPosition = byPosition || (s.Summary != nil && s.Summary.Properties["added-position-deletes"] != "")
		}
		assert.True(t, byPosition, "%s: a retained snapshot deleted rows by position", name)
		orphans += len(orphanVectors(t, tbl))
	}
	// A kill after the files were written, in a round with deletion vectors, left the Puffin file
	// of its vectors behind, referenced by no snapshot: the kill landed after the vectors were
	// written, and the rows above are exact all the same.
	assert.Positive(t, orphans, "Puffin files of deletion vectors left by a kill before their commit")
	t.Logf("%d kills at %d points, %d events, %d rows, %d uncommitted Puffin files", 3*len(points), len(points), k.st.i, len(k.st.want), orphans)
}

// orphanVectors lists the Puffin files of deletion vectors under tbl's location that no
// snapshot of its metadata references.
func orphanVectors(t *testing.T, tbl *table.Table) []string {
	return unreferenced(t, tbl, "*.puffin")
}

// A zombie: a consumer process is frozen (SIGSTOP) mid-batch, its files written but not
// committed to Iceberg (the batch before it is over), past its session timeout; another
// consumer takes the partitions and applies everything; the zombie is thawed and tries to
// commit its stale batch: it is fenced (ErrPartitionTaken) and stops, and the tables hold exactly the expected rows. The new owner
// writes deletion vectors (cdc.deletes: vectors) where the zombie wrote equality deletes: the
// tables it takes over are upgraded to format version 3 under the zombie's feet.
func TestZombieConsumer(t *testing.T) {
	if testing.Short() {
		t.Skip("freezes a consumer process past its session timeout")
	}
	k := newKillRig(t)
	k.st.produce(t, k.prod, 600)
	var out bytes.Buffer
	zombie := k.start(&out, "ETLWATCH_CDC_KILL_AT="+cdc.FailBeforeIcebergCommit, "ETLWATCH_CDC_KILL_AFTER=3",
		"ETLWATCH_CDC_SIGNAL=STOP", "ETLWATCH_CDC_INSTANCE=zombie")
	defer func() {
		_ = zombie.Process.Signal(syscall.SIGKILL)
		_, _ = zombie.Process.Wait()
	}()
	require.Eventually(t, func() bool { return processStopped(zombie.Process.Pid) }, 60*time.Second, 10*time.Millisecond, "the consumer never froze")

	// Production goes on; a second consumer joins the group and, once the zombie's session has
	// expired, takes every partition and applies everything.
	k.st.produce(t, k.prod, 300)
	src := &configloader.Source{Name: "pg", DatabaseType: "postgres",
		CDC: configloader.CDC{Brokers: k.cluster.ListenAddrs(), Topics: []string{topic, mirrorTopic}, GroupID: "etl", BatchSize: 60, CommitInterval: 100 * time.Millisecond,
			Deletes: configloader.DeletesVectors}}
	c, err := cdc.Open(src, k.tm, cdc.WithKafkaOptions(kgo.SessionTimeout(6*time.Second), kgo.RebalanceTimeout(6*time.Second)))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	require.Eventually(t, k.caughtUp, 90*time.Second, 50*time.Millisecond, "the new owner did not apply the stream")

	// The zombie wakes up and tries to commit its batch.
	require.NoError(t, zombie.Process.Signal(syscall.SIGCONT))
	zdone := make(chan error, 1)
	go func() { zdone <- zombie.Wait() }()
	select {
	case <-zdone:
	case <-time.After(60 * time.Second):
		t.Fatalf("the zombie neither committed nor stopped; output:\n%s", out.String())
	}
	assert.Contains(t, out.String(), "another consumer has applied this partition further", "the zombie's commit was fenced")
	assert.Equal(t, 3, zombie.ProcessState.ExitCode())

	// More changes; the new owner still applies them.
	k.st.produce(t, k.prod, 200)
	require.Eventually(t, k.caughtUp, 60*time.Second, 50*time.Millisecond)
	cancel()
	require.NoError(t, <-done)
	c.Close()
	k.verify()
	for _, name := range []string{"orders", "items"} {
		tbl, err := k.tm.Catalog().LoadTable(t.Context(), k.tm.Identifier(name))
		require.NoError(t, err)
		assert.Equal(t, 3, tbl.Metadata().Version(), "%s: upgraded by the new owner", name)
	}
}

// processStopped reports whether process pid is stopped (state T in /proc/pid/stat).
func processStopped(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && i+2 < len(s) && (s[i+2] == 'T' || s[i+2] == 't')
}
