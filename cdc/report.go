package cdc

import (
	"context"
	"strconv"
	"time"

	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/twmb/franz-go/pkg/kgo"
)

// EventBatchComplete is the event the consumer writes after each batch.
const EventBatchComplete = "cdc_batch_complete"

// BatchResult is what one batch did, as the cdc_batch_complete event reports it.
type BatchResult struct {
	BatchID         int64
	Records         int
	EventsProcessed int64
	EventsSkipped   int64
	EventsFailed    int64
	NewTables       int
	Duration        time.Duration
	MaxLag          time.Duration
}

// report emits the batch metrics, the Kafka offset lag and the cdc_batch_complete event.
func (c *Consumer) report(ctx context.Context, fetches kgo.Fetches, res BatchResult) {
	throughput := 0.0
	if s := res.Duration.Seconds(); s > 0 {
		throughput = float64(res.EventsProcessed) / s
	}
	if m := c.cfg.metrics; m != nil {
		m.EmitCounter(ctx, "cdc_batch_processed", 1, nil)
		m.EmitDuration(ctx, "cdc_batch_processing_time", res.Duration, nil)
		m.EmitGauge(ctx, "cdc_throughput_records_per_second", throughput, monitoring.UnitNone, nil)
		fetches.EachPartition(func(p kgo.FetchTopicPartition) {
			if len(p.Records) == 0 {
				return
			}
			next := p.Records[len(p.Records)-1].Offset + 1
			m.EmitGauge(ctx, "cdc_kafka_offset_lag", float64(max(0, p.HighWatermark-next)), monitoring.UnitNone,
				monitoring.Dimensions{"topic": p.Topic, "partition": strconv.Itoa(int(p.Partition))})
		})
	}
	if c.cfg.logger != nil {
		c.cfg.logger.LogEvent(ctx, EventBatchComplete, monitoring.Details{
			"batch_id":                   res.BatchID,
			"records":                    res.Records,
			"events_processed":           res.EventsProcessed,
			"events_skipped":             res.EventsSkipped,
			"events_failed":              res.EventsFailed,
			"new_tables":                 res.NewTables,
			"batch_duration_seconds":     res.Duration.Seconds(),
			"throughput_records_per_sec": throughput,
			"max_lag_seconds":            res.MaxLag.Seconds(),
		})
	}
}
