package correlation_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/plugin/kotel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/etlwatch/etlwatch/correlation"
)

// kafkaCase is one record of TestKafkaEndToEnd: what the producer's context carries, and what
// the consumer must extract.
type kafkaCase struct {
	name    string
	ctx     context.Context
	rawHead string // if set, sent as the correlation_id header as is
	wantID  string // "" means: no valid ID arrives
	wantSC  bool
}

// kafkaCases are the records TestKafkaEndToEnd sends, each named by its value.
func kafkaCases(ctx context.Context) []kafkaCase {
	return []kafkaCase{
		{
			name:   "correlation ID and trace context",
			ctx:    withSpan(correlation.ContextWithID(ctx, "job-2024-06-01")),
			wantID: "job-2024-06-01",
			wantSC: true,
		},
		{
			name:   "generated ID",
			ctx:    correlation.ContextWithID(ctx, "0b7e1c52-6f4a-4d3e-9a51-2c8f0e4b7d19"),
			wantID: "0b7e1c52-6f4a-4d3e-9a51-2c8f0e4b7d19",
		},
		{
			name: "no ID",
			ctx:  ctx,
		},
		{
			name:    "malformed ID from a foreign producer",
			ctx:     ctx,
			rawHead: "job-1\nlevel=ERROR msg=forged",
		},
	}
}

// TestKafkaEndToEnd produces a record through an in-process Kafka cluster
// (kfake speaks the real protocol on 127.0.0.1) and checks that a second
// client extracts the same correlation ID and trace context from its headers.
func TestKafkaEndToEnd(t *testing.T) {
	const topic = "t"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic))
	require.NoError(t, err)
	defer cluster.Close()

	corr := correlation.NewPropagator()
	prop := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, corr)
	tests := kafkaCases(ctx)

	produceCases(ctx, t, cluster.ListenAddrs(), topic, prop, tests)
	byValue := consumeByValue(ctx, t, cluster.ListenAddrs(), topic, len(tests))

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			record := byValue[tt.name]
			require.NotNil(t, record)
			checkExtracted(t, corr, prop, tt, record)
		})
	}
}

// produceCases sends one record per case to topic, its headers injected from the case's
// context (and its raw correlation_id header when set).
func produceCases(ctx context.Context, t *testing.T, brokers []string, topic string, prop propagation.TextMapPropagator, tests []kafkaCase) {
	t.Helper()
	producer, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(topic))
	require.NoError(t, err)
	defer producer.Close()

	for _, tt := range tests {
		record := &kgo.Record{Value: []byte(tt.name)}
		prop.Inject(tt.ctx, kotel.NewRecordCarrier(record))
		if tt.rawHead != "" {
			record.Headers = append(record.Headers, kgo.RecordHeader{Key: correlation.HeaderKey, Value: []byte(tt.rawHead)})
		}
		require.NoError(t, producer.ProduceSync(ctx, record).FirstErr(), tt.name)
	}
}

// consumeByValue reads n records of topic with a second client, by value.
func consumeByValue(ctx context.Context, t *testing.T, brokers []string, topic string, n int) map[string]*kgo.Record {
	t.Helper()
	consumer, err := kgo.NewClient(
		kgo.SeedBrokers(brokers...),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
	)
	require.NoError(t, err)
	defer consumer.Close()

	byValue := make(map[string]*kgo.Record)
	for len(byValue) < n {
		fetches := consumer.PollFetches(ctx)
		require.NoError(t, ctx.Err(), "timed out after %d of %d records", len(byValue), n)
		fetches.EachError(func(_ string, _ int32, err error) { require.NoError(t, err) })
		fetches.EachRecord(func(r *kgo.Record) { byValue[string(r.Value)] = r })
	}
	return byValue
}

// checkExtracted checks what prop extracts from the received record of tt: its correlation ID
// (a malformed one replaced and counted as rejected) and its trace context.
func checkExtracted(t *testing.T, corr *correlation.Propagator, prop propagation.TextMapPropagator, tt kafkaCase, record *kgo.Record) {
	t.Helper()
	rejectedBefore := corr.Rejected()
	got := prop.Extract(context.Background(), kotel.NewRecordCarrier(record))
	id := correlation.IDFromContext(got)

	switch {
	case tt.rawHead != "":
		assert.Contains(t, record.Headers, kgo.RecordHeader{Key: correlation.HeaderKey, Value: []byte(tt.rawHead)})
		assert.True(t, correlation.Valid(id), "replaced by a valid ID, got %q", id)
		assert.Equal(t, rejectedBefore+1, corr.Rejected())
	case tt.wantID != "":
		assert.Contains(t, record.Headers, kgo.RecordHeader{Key: correlation.HeaderKey, Value: []byte(tt.wantID)})
		assert.Equal(t, tt.wantID, id)
	default:
		for _, h := range record.Headers {
			assert.NotEqual(t, correlation.HeaderKey, h.Key)
		}
		assert.Empty(t, id)
	}

	sc := trace.SpanContextFromContext(got)
	if tt.wantSC {
		assert.Equal(t, trace.SpanContextFromContext(tt.ctx).TraceID(), sc.TraceID())
		assert.Equal(t, trace.SpanContextFromContext(tt.ctx).SpanID(), sc.SpanID())
		assert.True(t, sc.IsRemote())
	} else {
		assert.False(t, sc.IsValid())
	}
}

func withSpan(ctx context.Context) context.Context {
	return trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
		SpanID:     trace.SpanID{1, 2, 3, 4, 5, 6, 7, 8},
		TraceFlags: trace.FlagsSampled,
	}))
}
