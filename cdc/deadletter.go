package cdc

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/etlwatch/etlwatch/cdc/debezium"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// maxErrorText bounds the error text a dead letter's header and its cdc_event_failed event carry:
// the record itself is the evidence; the text only says why.
const maxErrorText = 1024

// deadLetter sends each failed record to the dead-letter topic with headers saying why, or,
// without one, logs it as an event; either way it is counted. A dead letter the broker refuses
// as too large (the original record plus the headers over the topic's max.message.bytes) is sent
// again without its value, with etlwatch.error.value_omitted giving the value's size: the headers
// still say where the original is.
func (c *Consumer) deadLetter(ctx context.Context, recs []*kgo.Record, why []error) error {
	if len(recs) == 0 {
		return nil
	}
	var out []*kgo.Record
	for i, r := range recs {
		reason := string(debezium.ReasonOf(why[i]))
		if reason == "" {
			reason = string(debezium.ReasonInvalidEnvelope) // a Format's own error ([Format])
		}
		msg := truncateText(why[i].Error(), maxErrorText)
		c.count(ctx, "cdc_events_failed", 1, monitoring.Dimensions{"namespace": c.namespace(), "topic": r.Topic, "reason": reason})
		details := monitoring.Details{
			"topic": r.Topic, "partition": r.Partition, "offset": r.Offset,
			"reason": reason, "error": msg, "dead_letter_topic": c.dlq,
		}
		if c.cfg.logger != nil {
			c.cfg.logger.LogWarning(ctx, "cdc_event_failed", details)
		}
		if c.dlq == "" {
			continue
		}
		headers := append(slices.Clone(r.Headers),
			kgo.RecordHeader{Key: "etlwatch.error.reason", Value: []byte(reason)},
			kgo.RecordHeader{Key: "etlwatch.error.message", Value: []byte(msg)},
			kgo.RecordHeader{Key: "etlwatch.source.topic", Value: []byte(r.Topic)},
			kgo.RecordHeader{Key: "etlwatch.source.partition", Value: []byte(strconv.Itoa(int(r.Partition)))},
			kgo.RecordHeader{Key: "etlwatch.source.offset", Value: []byte(strconv.FormatInt(r.Offset, 10))},
		)
		out = append(out, &kgo.Record{Topic: c.dlq, Key: r.Key, Value: r.Value, Headers: headers})
	}
	if len(out) == 0 {
		return nil
	}
	res := c.client.ProduceSync(ctx, out...)
	var retry []*kgo.Record
	for _, pr := range res {
		switch {
		case pr.Err == nil:
		case errors.Is(pr.Err, kerr.MessageTooLarge) || errors.Is(pr.Err, kerr.RecordListTooLarge):
			r := pr.Record
			h := []kgo.RecordHeader{{Key: "etlwatch.error.value_omitted", Value: []byte(strconv.Itoa(len(r.Value) + len(r.Key)))}}
			for _, x := range r.Headers {
				if strings.HasPrefix(x.Key, "etlwatch.") {
					h = append(h, x)
				}
			}
			retry = append(retry, &kgo.Record{Topic: r.Topic, Headers: h})
		default:
			return fmt.Errorf("cdc: dead-letter topic %s: %w", c.dlq, pr.Err)
		}
	}
	if len(retry) > 0 {
		if err := c.client.ProduceSync(ctx, retry...).FirstErr(); err != nil {
			return fmt.Errorf("cdc: dead-letter topic %s (without the values that were too large): %w", c.dlq, err)
		}
	}
	return nil
}
