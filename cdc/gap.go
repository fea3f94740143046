package cdc

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/etlwatch/etlwatch/monitoring"
)

// retentionGap handles a fetch of topic's partition p that Kafka answered OFFSET_OUT_OF_RANGE:
// the position Iceberg recorded is no longer in the log. It returns the error that stops the
// consumer, or, with WithSkipRetentionGaps, moves the partition to the log start and remembers
// the gap for the next commit.
func (c *Consumer) retentionGap(ctx context.Context, topic string, p int32) error {
	next, ok := c.recordedNext(ctx, topic, p)
	start, end, err := c.logBounds(ctx, topic, p)
	if err != nil {
		return fmt.Errorf("cdc: %s/%d: the offset to resume at is out of range, and the log's bounds could not be read: %w", topic, p, err)
	}
	if !ok || next >= start {
		// Past the end (the topic was deleted and created again?) or nothing recorded: nothing
		// here says which records are lost, so never guess.
		return fmt.Errorf("cdc: %s/%d: the offset to resume at (%d, recorded: %t) is outside the log [%d, %d): was the topic deleted and created again? The tables it feeds no longer match it", topic, p, next, ok, start, end)
	}
	c.count(ctx, "cdc_offset_gaps", 1, monitoring.Dimensions{"topic": topic, "partition": strconv.Itoa(int(p))})
	gap := &GapError{Topic: topic, Partition: p, Next: next, LogStart: start}
	if !c.cfg.skipGaps {
		c.log(ctx, slog.LevelError, gap.Error())
		return gap
	}
	c.log(ctx, slog.LevelError, "skipping a retention gap (WithSkipRetentionGaps): "+gap.Error(),
		"topic", topic, "partition", p, "lost_from", next, "lost_to", start-1)
	c.gaps[topic] = append(c.gaps[topic], fmt.Sprintf("%s:%d=%d-%d", topic, p, next, start-1))
	c.client.SetOffsets(map[string]map[int32]kgo.EpochOffset{topic: {p: {Epoch: -1, Offset: start}}})
	return nil
}

// recordedNext is the next offset of topic's partition p that Iceberg records: the smallest over
// the tables fed by it, as on assignment.
func (c *Consumer) recordedNext(ctx context.Context, topic string, p int32) (int64, bool) {
	offs, err := c.recorded(ctx)
	if err != nil {
		return 0, false
	}
	return offs.Get(topic, p)
}

// logBounds asks Kafka for the first offset it holds of topic's partition p and the high
// watermark.
func (c *Consumer) logBounds(ctx context.Context, topic string, p int32) (start, end int64, err error) {
	ask := func(ts int64) (int64, error) {
		req := kmsg.NewPtrListOffsetsRequest()
		rt := kmsg.NewListOffsetsRequestTopic()
		rt.Topic = topic
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Partition, rp.Timestamp, rp.CurrentLeaderEpoch = p, ts, -1
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		resp, err := req.RequestWith(ctx, c.client)
		if err != nil {
			return 0, err
		}
		for _, t := range resp.Topics {
			for _, rp := range t.Partitions {
				if err := kerr.ErrorForCode(rp.ErrorCode); err != nil {
					return 0, err
				}
				return rp.Offset, nil
			}
		}
		return 0, fmt.Errorf("no answer for %s/%d", topic, p)
	}
	if start, err = ask(-2); err != nil {
		return 0, 0, err
	}
	end, err = ask(-1)
	return start, end, err
}

// gapsFor returns the skipped gaps of the topics tb covers, to record with its commit.
func (c *Consumer) gapsFor(offs Offsets) string {
	var out []string
	for topic := range offs {
		out = append(out, c.gaps[topic]...)
	}
	return strings.Join(out, ";")
}
