package monitoring_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/monitoring"
)

func TestConsoleHandler_Lines(t *testing.T) {
	newLogger := func(buf *bytes.Buffer) *monitoring.StructuredLogger {
		h := monitoring.NewConsoleHandler(buf, &slog.HandlerOptions{ReplaceAttr: ltPinTime})
		return monitoring.NewStructuredLogger("bulk_load", "postgres", monitoring.WithHandler(h), monitoring.WithEnvironment("prod"))
	}
	tests := []struct {
		name string
		log  func(*monitoring.StructuredLogger)
		want string
	}{
		{
			name: "event with worker",
			log: func(l *monitoring.StructuredLogger) {
				l.LogTableStart(monitoring.ContextWithWorker(ltCorrCtx(), "worker-3"), "customers", nil)
			},
			want: `2025-01-27 10:30:45 - [worker-3] - etlwatch.bulk_load - INFO - EVENT: ` + ltEnvelopePrefix +
				`"event_type":"table_processing_start","environment":"prod","severity":"INFO","details":{"table":"customers"}}`,
		},
		{
			name: "failure",
			log: func(l *monitoring.StructuredLogger) {
				l.LogTableFailure(ltCorrCtx(), "orders", errors.New("boom"), nil)
			},
			want: `2025-01-27 10:30:45 - [main] - etlwatch.bulk_load - ERROR - EVENT: ` + ltEnvelopePrefix +
				`"event_type":"table_processing_failed","environment":"prod","severity":"ERROR","details":{"error":"boom","error_type":"*errors.errorString","table":"orders"}}`,
		},
		{
			name: "plain line",
			log: func(l *monitoring.StructuredLogger) {
				l.Slog().InfoContext(context.Background(), "CUSTOMERS: Extracting 1000 records")
			},
			want: `2025-01-27 10:30:45 - [main] - etlwatch - INFO - CUSTOMERS: Extracting 1000 records`,
		},
		{
			name: "plain line with attrs and logger name",
			log: func(l *monitoring.StructuredLogger) {
				ctx := monitoring.ContextWithWorker(ltCorrCtx(), "worker-1")
				l.Slog().With("logger", "etlwatch.extractors.postgres").WithGroup("q").WarnContext(ctx, "slow",
					"table", "orders", "rows", 1000, "took", 1500*time.Millisecond, "sql", "select 1", "ids", []int{1, 2})
			},
			want: `2025-01-27 10:30:45 - [worker-1] - etlwatch.extractors.postgres - WARNING - slow q.table=orders q.rows=1000 q.took=1.5s q.sql="select 1" q.ids=[1,2]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			tt.log(newLogger(&buf))
			assert.Equal(t, tt.want+"\n", buf.String())
		})
	}
}

func TestConsoleHandler_LocalTime(t *testing.T) {
	var buf bytes.Buffer
	h := monitoring.NewConsoleHandler(&buf, nil)
	now := time.Now()
	r := slog.NewRecord(now, slog.LevelInfo, "hi", 0)
	require.NoError(t, h.Handle(context.Background(), r))
	assert.Equal(t, now.Format(time.DateTime)+" - [main] - etlwatch - INFO - hi\n", buf.String())

	buf.Reset()
	require.NoError(t, h.Handle(context.Background(), slog.NewRecord(time.Time{}, slog.LevelDebug-4, "zero", 0)))
	assert.Equal(t, "[main] - etlwatch - DEBUG - zero\n", buf.String(), "zero time is left out")
}
