package lineage_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/lineage"
	"github.com/etlwatch/etlwatch/lineage/lineagetest"
)

// TestStreamingRunAddsUp commits to two tables with an interval no test reaches, flushes once in
// the middle, and stops: START, one RUNNING, COMPLETE; the output statistics of the events add up
// to what was committed, and each event passes the schemas.
func TestStreamingRunAddsUp(t *testing.T) {
	rcv := lineagetest.NewReceiver(t)
	c := newHTTPClient(t, rcv.URL())
	s := c.NewStreamingRun("shop.cdc", time.Hour, lineage.WithCorrelationID("c-1"))
	topic := lineage.Kafka("127.0.0.1:9092", "shop.public.orders")
	s.Start([]lineage.InputDataset{{Namespace: topic.Namespace, Name: topic.Name}})
	orders := lineage.Location("file:///wh/shop/orders")
	customers := lineage.Location("file:///wh/shop/customers")
	commit := func(out lineage.DatasetID, rows, deleted int64) {
		s.Committed(lineage.Commit{Inputs: []lineage.DatasetID{topic}, Output: out, RowsUpserted: rows, RowsDeleted: deleted, DataFiles: 1,
			Bytes: 100, SnapshotID: rows, OutputFacets: lineage.IcebergTable("file:///wh", "shop."+out.Name)})
	}
	commit(orders, 10, 1)
	commit(customers, 5, 0)
	assert.False(t, s.Run().Ended() != "")
	require.True(t, s.Flush())
	assert.False(t, s.Flush(), "nothing new to send")
	commit(orders, 7, 2)
	s.Stop(nil)
	s.Stop(errors.New("ignored"))
	require.NoError(t, c.Shutdown(context.Background()))

	require.Empty(t, rcv.Rejected())
	evs := rcv.Events()
	require.Len(t, evs, 3)
	assert.Equal(t, []lineage.EventType{lineage.EventStart, lineage.EventRunning, lineage.EventComplete},
		[]lineage.EventType{evs[0].EventType, evs[1].EventType, evs[2].EventType})
	totals := map[string]int64{}
	files := map[string]int64{}
	for _, ev := range evs {
		assert.Equal(t, "STREAMING", ev.Job.Facets.JobType.ProcessingType)
		for _, o := range ev.Outputs {
			totals[o.Name] += *o.OutputFacets.OutputStatistics.RowCount
			files[o.Name] += *o.OutputFacets.OutputStatistics.FileCount
		}
	}
	assert.Equal(t, map[string]int64{orders.Name: 17, customers.Name: 5}, totals)
	assert.Equal(t, map[string]int64{orders.Name: 2, customers.Name: 1}, files)
	assert.Equal(t, int64(7), *evs[2].Outputs[0].OutputFacets.IcebergCommitReport.SnapshotID)
	assert.JSONEq(t, "2", string(evs[2].Outputs[0].OutputFacets.IcebergCommitReport.Metadata["etlwatch.rows_deleted"]))
	require.Len(t, evs[1].Inputs, 1)
	assert.Equal(t, topic.Name, evs[1].Inputs[0].Name)
}

func TestStreamingRunFails(t *testing.T) {
	rcv := lineagetest.NewReceiver(t)
	c := newHTTPClient(t, rcv.URL())
	s := c.NewStreamingRun("shop.cdc", 0)
	s.Start(nil)
	s.Stop(errors.New("broker gone"))
	require.NoError(t, c.Shutdown(context.Background()))
	evs := rcv.Events()
	require.Len(t, evs, 2)
	assert.Equal(t, lineage.EventFail, evs[1].EventType)
	assert.Equal(t, "broker gone", evs[1].Run.Facets.ErrorMessage.Message)
	assert.Equal(t, int64(60), evs[0].Job.Facets.JobType.EmissionPattern.WindowDuration)
}

// TestStreamingRunConcurrentCommits commits from four goroutines with a short interval, so
// that RUNNING events go out from commits and from the timer while others commit: however they
// interleave, the events add up to every commit.
func TestStreamingRunConcurrentCommits(t *testing.T) {
	var buf syncBuffer
	w, err := lineage.NewWriterTransport(&buf)
	require.NoError(t, err)
	c, err := lineage.NewClient(lineage.WithTransports(w), lineage.WithBufferSize(1<<14))
	require.NoError(t, err)
	s := c.NewStreamingRun("shop.cdc", time.Millisecond)
	s.Start(nil)
	out := lineage.Location("file:///wh/shop/orders")
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				s.Committed(lineage.Commit{Output: out, RowsUpserted: int64(g + 1), DataFiles: 1})
				if i%50 == 0 {
					s.Flush()
				}
			}
		}()
	}
	wg.Wait()
	s.Stop(nil)
	require.NoError(t, c.Shutdown(context.Background()))
	var rows, files int64
	evs := decodeLines(t, buf.String())
	for _, ev := range evs {
		for _, o := range ev.Outputs {
			rows += *o.OutputFacets.OutputStatistics.RowCount
			files += *o.OutputFacets.OutputStatistics.FileCount
		}
	}
	assert.Equal(t, int64(200*(1+2+3+4)), rows)
	assert.Equal(t, int64(800), files)
	assert.Equal(t, lineage.EventComplete, evs[len(evs)-1].EventType)
	assert.Equal(t, uint64(0), c.Dropped())
}
