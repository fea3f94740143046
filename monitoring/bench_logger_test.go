package monitoring_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/etlwatch/etlwatch/correlation"
	"github.com/etlwatch/etlwatch/monitoring"
)

// The three LogEvent benchmarks write the same event (envelope plus four details fields, correlation
// ID from the context) to io.Discard: through StructuredLogger, through slog's own JSON handler, and
// through zerolog for reference.

const benchCorrelationID = "3f2a9c1e-7b4d-4e8a-9c2f-1a2b3c4d5e6f"

func benchContext() context.Context {
	return correlation.ContextWithID(context.Background(), benchCorrelationID)
}

func BenchmarkLogEvent_Etlwatch(b *testing.B) {
	logger := monitoring.NewStructuredLogger("bulk_load", "postgres",
		monitoring.WithOutput(io.Discard), monitoring.WithEnvironment("prod"))
	ctx := benchContext()
	details := monitoring.Details{"table": "customers", "rows": 1000, "ok": true, "ratio": 0.25}
	b.ReportAllocs()
	for b.Loop() {
		logger.LogEvent(ctx, "batch_written", details)
	}
}

func BenchmarkLogEvent_SlogJSON(b *testing.B) {
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	ctx := benchContext()
	details := slog.GroupAttrs("details",
		slog.String("table", "customers"), slog.Int("rows", 1000), slog.Bool("ok", true), slog.Float64("ratio", 0.25))
	b.ReportAllocs()
	for b.Loop() {
		logger.LogAttrs(ctx, slog.LevelInfo, "batch_written",
			slog.String("correlation_id", correlation.IDFromContext(ctx)),
			slog.String("job_name", "bulk_load"),
			slog.String("source_name", "postgres"),
			slog.String("event_type", "batch_written"),
			slog.String("environment", "prod"),
			details,
		)
	}
}

func BenchmarkLogEvent_Zerolog(b *testing.B) {
	logger := zerolog.New(io.Discard)
	ctx := benchContext()
	b.ReportAllocs()
	for b.Loop() {
		logger.Info().
			Time("timestamp", time.Now()).
			Str("correlation_id", correlation.IDFromContext(ctx)).
			Str("job_name", "bulk_load").
			Str("source_name", "postgres").
			Str("event_type", "batch_written").
			Str("environment", "prod").
			Str("severity", "INFO").
			Dict("details", zerolog.Dict().
				Bool("ok", true).
				Float64("ratio", 0.25).
				Int("rows", 1000).
				Str("table", "customers")).
			Send()
	}
}
