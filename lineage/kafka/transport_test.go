package kafka_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etlwatch/etlwatch/lineage"
	"github.com/etlwatch/etlwatch/lineage/kafka"
	"github.com/etlwatch/etlwatch/lineage/lineagetest"
)

// TestEventsReachTopic sends a parent run and a child run through kfake and reads the topic back:
// every record is a valid event, keyed by the root job, in the order sent.
func TestEventsReachTopic(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "openlineage"))
	require.NoError(t, err)
	defer cluster.Close()
	tr, err := kafka.NewTransport(cluster.ListenAddrs(), "openlineage")
	require.NoError(t, err)
	c, err := lineage.NewClient(lineage.WithTransports(tr), lineage.WithNamespace("etl"))
	require.NoError(t, err)
	parent := c.NewRun("shop.bulk_load")
	parent.Start(lineage.Update{})
	child := c.NewRun("shop.bulk_load.orders", lineage.WithParent(parent))
	child.Start(lineage.Update{})
	child.Complete(lineage.Update{})
	parent.Complete(lineage.Update{})
	require.NoError(t, c.Shutdown(context.Background()))
	assert.Equal(t, uint64(4), c.Stats()[0].Delivered)

	cons, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...), kgo.ConsumeTopics("openlineage"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	require.NoError(t, err)
	defer cons.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var recs []*kgo.Record
	for len(recs) < 4 && ctx.Err() == nil {
		fs := cons.PollFetches(ctx)
		fs.EachRecord(func(r *kgo.Record) { recs = append(recs, r) })
	}
	require.Len(t, recs, 4)
	var types []lineage.EventType
	for _, r := range recs {
		assert.Equal(t, "run:etl/shop.bulk_load", string(r.Key))
		assert.Equal(t, recs[0].Partition, r.Partition, "one partition for the tree")
		require.NoError(t, lineagetest.Validate(r.Value))
		var ev lineage.RunEvent
		require.NoError(t, ev.UnmarshalJSON(r.Value))
		types = append(types, ev.EventType)
	}
	assert.Equal(t, []lineage.EventType{lineage.EventStart, lineage.EventStart, lineage.EventComplete, lineage.EventComplete}, types)
}

// TestBrokerDownIsCounted: with the cluster gone, events fail within the delivery timeout and
// are counted; the job's calls do not wait.
func TestBrokerDownIsCounted(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "openlineage"))
	require.NoError(t, err)
	addrs := cluster.ListenAddrs()
	cluster.Close()
	tr, err := kafka.NewTransport(addrs, "openlineage", kafka.WithClientOptions(kgo.RecordDeliveryTimeout(time.Second)))
	require.NoError(t, err)
	c, err := lineage.NewClient(lineage.WithTransports(tr), lineage.WithFlushTimeout(5*time.Second))
	require.NoError(t, err)
	r := c.NewRun("job")
	r.Start(lineage.Update{})
	r.Complete(lineage.Update{})
	_ = c.Shutdown(context.Background())
	assert.Equal(t, uint64(2), c.Failed())
}

func TestNewTransportRejectsNonsense(t *testing.T) {
	_, err := kafka.NewTransport([]string{"b:9092"}, "")
	assert.Error(t, err)
	_, err = kafka.NewTransport(nil, "t")
	assert.Error(t, err)
}
