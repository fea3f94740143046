//go:build unix

package cdc_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/iceberg"
)

// TestKilledConsumerChild is the consumer process of TestKilledConsumer: it runs only when that
// test starts it, and consumes until it is killed.
func TestKilledConsumerChild(t *testing.T) {
	if os.Getenv("ETLWATCH_CDC_CHILD") != "1" {
		t.Skip("run by TestKilledConsumer as its consumer process")
	}
	cat, err := iceberg.OpenCatalog(context.Background(), configloader.Iceberg{Warehouse: os.Getenv("ETLWATCH_CDC_WAREHOUSE")})
	require.NoError(t, err)
	src := &configloader.Source{Name: "pg", DatabaseType: "postgres",
		CDC: configloader.CDC{Brokers: strings.Split(os.Getenv("ETLWATCH_CDC_BROKERS"), ","), Topics: []string{topic},
			GroupID: "etl", BatchSize: 200}}
	c, err := cdc.New(src, iceberg.NewTableManager(cat, "raw"),
		cdc.WithKafkaOptions(kgo.InstanceID("cdc-consumer-1"))) // static membership: a restart takes the partitions at once
	require.NoError(t, err)
	require.NoError(t, c.Run(context.Background()))
}

// The consumer process is killed with SIGKILL at random points (at least 5 times) while events
// flow, and restarted each time; at the end the Iceberg table holds exactly the expected rows:
// none lost, none duplicated.
func TestKilledConsumer(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a consumer process for several seconds")
	}
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, topic))
	require.NoError(t, err)
	defer cluster.Close()
	prod, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...))
	require.NoError(t, err)
	defer prod.Close()
	warehouse := t.TempDir()

	st := newStream()

	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKilledConsumerChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "ETLWATCH_CDC_CHILD=1", "ETLWATCH_CDC_WAREHOUSE="+warehouse,
			"ETLWATCH_CDC_BROKERS="+strings.Join(cluster.ListenAddrs(), ","))
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		require.NoError(t, cmd.Start())
		return cmd
	}
	r := &rig{t: t, tm: iceberg.NewTableManager(openCatalog(t, warehouse), "raw")}
	applied := func() int64 { // offsets recorded in Iceberg, all partitions
		tbl, err := r.tm.Catalog().LoadTable(context.Background(), r.tm.Identifier("orders"))
		if err != nil {
			return 0
		}
		offs, err := cdc.TableOffsets(tbl)
		require.NoError(t, err)
		var n int64
		for _, ps := range offs {
			for _, o := range ps {
				n += o
			}
		}
		return n
	}
	// Each round: more events, a new consumer process, killed at a random moment once it has
	// committed something, so that the kills land while it works (between its Iceberg and Kafka
	// commits, in a batch, mid-write), not while it starts.
	rng := rand.New(rand.NewPCG(3, 4))
	const rounds, perRound = 6, 400
	kills := 0
	for ; kills < rounds; kills++ {
		st.produce(t, prod, perRound)
		before := applied()
		cmd := start()
		require.Eventually(t, func() bool { return applied() > before }, 60*time.Second, 5*time.Millisecond,
			"consumer process %d committed nothing", kills+1)
		time.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond)
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		_ = cmd.Wait()
		t.Logf("kill %d: the consumer had applied offsets %d -> %d", kills+1, before, applied())
	}
	st.produce(t, prod, perRound)
	want, end, mu := st.want, st.end, &st.mu
	events := (rounds + 1) * perRound

	// The last run consumes to the end.
	cmd := start()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
	}()
	require.Eventually(t, func() bool {
		tbl, err := r.tm.Catalog().LoadTable(context.Background(), r.tm.Identifier("orders"))
		if err != nil {
			return false
		}
		offs, err := cdc.TableOffsets(tbl)
		if err != nil {
			return false
		}
		mu.Lock()
		defer mu.Unlock()
		for p, e := range end {
			if n, _ := offs.Get(topic, p); n < e {
				return false
			}
		}
		return true
	}, 120*time.Second, 50*time.Millisecond, "the restarted consumer did not reach the end of the stream")

	got := r.rows() // fails on a duplicated id
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, len(want), len(got), "rows")
	for id, q := range want {
		assert.Equal(t, q, got[id], fmt.Sprintf("qty of %d", id))
	}
	t.Logf("%d kills, %d events, %d rows", kills, events, len(got))
}
