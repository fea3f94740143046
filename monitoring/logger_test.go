package monitoring_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/etlwatch/etlwatch/correlation"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/monitoringtest"
)

// ltFixedTime is the clock of the golden tests, pinned through the handlers' ReplaceAttr on slog.TimeKey.
var ltFixedTime = time.Date(2025, 1, 27, 10, 30, 45, 123456789, time.UTC)

func ltPinTime(groups []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey && len(groups) == 0 {
		a.Value = slog.TimeValue(ltFixedTime)
	}
	return a
}

// ltGoldenLogger returns a logger writing JSON lines with the fixed clock into the returned buffer.
func ltGoldenLogger(opts ...monitoring.LoggerOption) (*monitoring.StructuredLogger, *bytes.Buffer) {
	var buf bytes.Buffer
	h := monitoring.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: ltPinTime})
	opts = append([]monitoring.LoggerOption{monitoring.WithHandler(h), monitoring.WithEnvironment("prod")}, opts...)
	return monitoring.NewStructuredLogger("bulk_load", "postgres", opts...), &buf
}

func ltCorrCtx() context.Context {
	return correlation.ContextWithID(context.Background(), "corr-1")
}

func ltSpanCtx(t *testing.T) context.Context {
	t.Helper()
	tid, err := trace.TraceIDFromHex("0af7651916cd43dd8448eb211c80319c")
	require.NoError(t, err)
	sid, err := trace.SpanIDFromHex("b7ad6b7169203331")
	require.NoError(t, err)
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled})
	require.True(t, sc.IsValid())
	return trace.ContextWithSpanContext(ltCorrCtx(), sc)
}

const ltEnvelopePrefix = `{"timestamp":"2025-01-27T10:30:45.123456Z","correlation_id":"corr-1","job_name":"bulk_load","source_name":"postgres",`

func TestLogger_GoldenLines(t *testing.T) {
	opErr := &net.OpError{Op: "dial", Net: "tcp", Err: &ltCustomErr{code: 111}}
	tests := []struct {
		name string
		log  func(context.Context, *monitoring.StructuredLogger)
		want string
	}{
		{
			name: "job start",
			log: func(ctx context.Context, l *monitoring.StructuredLogger) {
				l.LogJobStart(ctx, monitoring.Details{"tables": []string{"customers", "orders"}, "mode": "full"})
			},
			want: ltEnvelopePrefix + `"event_type":"job_start","environment":"prod","severity":"INFO","details":{"mode":"full","tables":["customers","orders"]}}`,
		},
		{
			name: "table start",
			log: func(ctx context.Context, l *monitoring.StructuredLogger) {
				l.LogTableStart(ctx, "customers", monitoring.Details{"batch_size": 500})
			},
			want: ltEnvelopePrefix + `"event_type":"table_processing_start","environment":"prod","severity":"INFO","details":{"batch_size":500,"table":"customers"}}`,
		},
		{
			name: "table complete",
			log: func(ctx context.Context, l *monitoring.StructuredLogger) {
				l.LogTableComplete(ctx, "customers", 1000, 12500*time.Millisecond, monitoring.Details{"batch": 3})
			},
			want: ltEnvelopePrefix + `"event_type":"table_processing_complete","environment":"prod","severity":"INFO","details":{"batch":3,"duration_seconds":12.5,"records":1000,"table":"customers"}}`,
		},
		{
			name: "table failure",
			log: func(ctx context.Context, l *monitoring.StructuredLogger) {
				err := fmt.Errorf("load customers: %w", fmt.Errorf("connect: %w", opErr))
				l.LogTableFailure(ctx, "customers", err, monitoring.Details{"attempt": 2})
			},
			want: ltEnvelopePrefix + `"event_type":"table_processing_failed","environment":"prod","severity":"ERROR","details":{"attempt":2,"error":"load customers: connect: dial tcp: code 111","error_type":"*monitoring_test.ltCustomErr","table":"customers"}}`,
		},
		{
			name: "job complete",
			log: func(ctx context.Context, l *monitoring.StructuredLogger) {
				l.LogJobComplete(ctx, 2, 1500, 90*time.Second, nil)
			},
			want: ltEnvelopePrefix + `"event_type":"job_complete","environment":"prod","severity":"INFO","details":{"duration_seconds":90,"records":1500,"tables":2}}`,
		},
		{
			name: "job failure",
			log: func(ctx context.Context, l *monitoring.StructuredLogger) {
				err := fmt.Errorf("open extractor: %w", opErr)
				l.LogJobFailure(ctx, err, 1, 1000, 30*time.Second, monitoring.Details{"failed_table_names": []string{"orders"}})
			},
			want: ltEnvelopePrefix + `"event_type":"job_failed","environment":"prod","severity":"ERROR","details":{"duration_seconds":30,"error":"open extractor: dial tcp: code 111","error_type":"*monitoring_test.ltCustomErr","failed_table_names":["orders"],"records":1000,"tables":1}}`,
		},
		{
			name: "error event",
			log: func(ctx context.Context, l *monitoring.StructuredLogger) {
				l.LogError(ctx, "export_stalled", opErr, monitoring.Details{"sink": "otlp", "error": "spoof"})
			},
			want: ltEnvelopePrefix + `"event_type":"export_stalled","environment":"prod","severity":"ERROR","details":{"error":"dial tcp: code 111","error_type":"*monitoring_test.ltCustomErr","sink":"otlp"}}`,
		},
		{
			name: "custom event",
			log: func(ctx context.Context, l *monitoring.StructuredLogger) {
				l.LogEvent(ctx, "batch_written", monitoring.Details{"rows": 250, "ratio": 0.25, "ok": true, "table": "orders"})
			},
			want: ltEnvelopePrefix + `"event_type":"batch_written","environment":"prod","severity":"INFO","details":{"ok":true,"ratio":0.25,"rows":250,"table":"orders"}}`,
		},
		{
			name: "warning",
			log: func(ctx context.Context, l *monitoring.StructuredLogger) {
				l.LogWarning(ctx, "slow_query", monitoring.Details{"seconds": 31.5})
			},
			want: ltEnvelopePrefix + `"event_type":"slow_query","environment":"prod","severity":"WARNING","details":{"seconds":31.5}}`,
		},
		{
			name: "sdk fields win over caller details",
			log: func(ctx context.Context, l *monitoring.StructuredLogger) {
				l.LogTableComplete(ctx, "customers", 7, time.Second, monitoring.Details{"table": "spoof", "records": -1, "extra": "x"})
			},
			want: ltEnvelopePrefix + `"event_type":"table_processing_complete","environment":"prod","severity":"INFO","details":{"duration_seconds":1,"extra":"x","records":7,"table":"customers"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, buf := ltGoldenLogger()
			tt.log(ltCorrCtx(), l)
			assert.Equal(t, tt.want+"\n", buf.String())
		})
	}
}

func TestLogger_DefaultOutputEnvelope(t *testing.T) {
	var buf bytes.Buffer
	l := monitoring.NewStructuredLogger("bulk_load", "postgres", monitoring.WithOutput(&buf), monitoring.WithEnvironment("staging"))
	before := time.Now()
	l.LogEvent(ltCorrCtx(), "checkpoint", monitoring.Details{"n": 1})
	line := strings.TrimSuffix(buf.String(), "\n")
	require.NotContains(t, line, "\n", "exactly one line")

	assert.Regexp(t, regexp.MustCompile(
		`^\{"timestamp":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z","correlation_id":"corr-1","job_name":"bulk_load","source_name":"postgres","event_type":"checkpoint","environment":"staging","severity":"INFO","details":\{"n":1\}\}$`), line)

	capture := monitoringtest.NewLogCapture()
	_, err := capture.Write(buf.Bytes())
	require.NoError(t, err)
	capture.AssertWellFormed(t)
	events := capture.Events()
	require.Len(t, events, 1)
	assert.WithinDuration(t, before, events[0].Timestamp, time.Second)
	assert.Equal(t, time.UTC, events[0].Timestamp.Location())
}

func TestLogger_Severity(t *testing.T) {
	capture := monitoringtest.NewLogCapture()
	l := monitoring.NewStructuredLogger("j", "s", capture.Option())
	ctx := context.Background()
	l.LogJobStart(ctx, nil)
	l.LogTableStart(ctx, "t", nil)
	l.LogTableComplete(ctx, "t", 1, time.Millisecond, nil)
	l.LogTableFailure(ctx, "t", errors.New("boom"), nil)
	l.LogWarning(ctx, "disk_low", nil)
	l.LogEvent(ctx, "custom", nil)
	l.LogJobComplete(ctx, 1, 1, time.Millisecond, nil)
	l.LogJobFailure(ctx, errors.New("boom"), 0, 0, time.Millisecond, nil)
	l.LogError(ctx, "sink_broken", errors.New("boom"), nil)
	capture.AssertWellFormed(t)

	want := map[string]string{
		monitoring.EventJobFailed:     "ERROR",
		"sink_broken":                 "ERROR",
		monitoring.EventJobStart:      "INFO",
		monitoring.EventTableStart:    "INFO",
		monitoring.EventTableComplete: "INFO",
		monitoring.EventTableFailed:   "ERROR",
		"disk_low":                    "WARNING",
		"custom":                      "INFO",
		monitoring.EventJobComplete:   "INFO",
	}
	events := capture.Events()
	require.Len(t, events, len(want))
	for _, ev := range events {
		t.Run(ev.EventType, func(t *testing.T) {
			assert.Equal(t, want[ev.EventType], ev.Severity)
			assert.Equal(t, "j", ev.JobName)
			assert.Equal(t, "s", ev.SourceName)
			assert.NotNil(t, ev.Details)
		})
	}
}

func TestLogger_ContextValues(t *testing.T) {
	tests := []struct {
		name              string
		ctx               context.Context
		wantCorr          string
		wantTrace, wantSp string
	}{
		{name: "none", ctx: context.Background()},
		{name: "nil context", ctx: nil},
		{name: "correlation only", ctx: ltCorrCtx(), wantCorr: "corr-1"},
		{name: "span", ctx: ltSpanCtx(t), wantCorr: "corr-1", wantTrace: "0af7651916cd43dd8448eb211c80319c", wantSp: "b7ad6b7169203331"},
		{
			name: "invalid span context",
			ctx:  trace.ContextWithSpanContext(ltCorrCtx(), trace.SpanContext{}),
			// an invalid span context adds nothing
			wantCorr: "corr-1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := monitoring.NewStructuredLogger("j", "s", monitoring.WithOutput(&buf))
			l.LogEvent(tt.ctx, "e", nil)

			var m map[string]any
			require.NoError(t, json.Unmarshal(buf.Bytes(), &m))
			assert.Contains(t, m, "correlation_id", "the key is kept even when empty")
			assert.Equal(t, tt.wantCorr, m["correlation_id"])
			if tt.wantTrace == "" {
				assert.NotContains(t, m, "trace_id")
				assert.NotContains(t, m, "span_id")
				return
			}
			assert.Equal(t, tt.wantTrace, m["trace_id"])
			assert.Equal(t, tt.wantSp, m["span_id"])
			assert.True(t, strings.HasSuffix(strings.TrimSpace(buf.String()),
				`"details":{},"trace_id":"`+tt.wantTrace+`","span_id":"`+tt.wantSp+`"}`), "trace ids follow details")
		})
	}
}

type ltCustomErr struct{ code int }

func (e *ltCustomErr) Error() string { return fmt.Sprintf("code %d", e.code) }

func TestLogger_ErrorType(t *testing.T) {
	root := &ltCustomErr{code: 7}
	tests := []struct {
		name     string
		err      error
		wantType string
		wantText string
	}{
		{name: "nil", err: nil, wantType: "", wantText: ""},
		{name: "plain", err: errors.New("boom"), wantType: "*errors.errorString", wantText: "boom"},
		{name: "wrapped twice", err: fmt.Errorf("a: %w", fmt.Errorf("b: %w", root)), wantType: "*monitoring_test.ltCustomErr", wantText: "a: b: code 7"},
		{name: "fmt without wrap", err: fmt.Errorf("a: %v", root), wantType: "*errors.errorString", wantText: "a: code 7"},
		{name: "joined takes first", err: errors.Join(nil, fmt.Errorf("x: %w", fs.ErrNotExist), root), wantType: "*errors.errorString", wantText: "x: file does not exist\ncode 7"},
		{name: "wrapped join", err: fmt.Errorf("w: %w", errors.Join(root, errors.New("second"))), wantType: "*monitoring_test.ltCustomErr", wantText: "w: code 7\nsecond"},
		{name: "net", err: fmt.Errorf("dial: %w", &net.OpError{Op: "dial", Net: "tcp", Err: &ltCustomErr{1}}), wantType: "*monitoring_test.ltCustomErr", wantText: "dial: dial tcp: code 1"},
		{name: "nil pointer error", err: (*ltCustomErr)(nil), wantType: "*monitoring_test.ltCustomErr", wantText: "<nil>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			capture := monitoringtest.NewLogCapture()
			l := monitoring.NewStructuredLogger("j", "s", capture.Option())
			require.NotPanics(t, func() { l.LogTableFailure(context.Background(), "t", tt.err, nil) })
			capture.AssertWellFormed(t)
			events := capture.EventsOfType(monitoring.EventTableFailed)
			require.Len(t, events, 1)
			assert.Equal(t, tt.wantType, events[0].Details["error_type"])
			assert.Equal(t, tt.wantText, events[0].Details["error"])
			assert.Equal(t, "t", events[0].Details["table"])
		})
	}
}

func TestLogger_WithHandlerForeignHandler(t *testing.T) {
	var buf bytes.Buffer
	noTime := func(groups []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey && len(groups) == 0 {
			return slog.Attr{}
		}
		return a
	}
	l := monitoring.NewStructuredLogger("bulk_load", "postgres",
		monitoring.WithOutput(os.Stderr), // the handler wins
		monitoring.WithHandler(slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: noTime})),
		monitoring.WithEnvironment("prod"))

	l.LogTableComplete(ltSpanCtx(t), "customers", 10, 2*time.Second, monitoring.Details{"b": 1, "a": "x"})
	assert.Equal(t, `{"level":"INFO","msg":"table_processing_complete","correlation_id":"corr-1",`+
		`"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331",`+
		`"job_name":"bulk_load","source_name":"postgres","environment":"prod","event_type":"table_processing_complete",`+
		`"details":{"a":"x","b":1,"duration_seconds":2,"records":10,"table":"customers"}}`+"\n", buf.String())

	buf.Reset()
	l.LogEvent(context.Background(), "plain", monitoring.Details{"k": "v"})
	assert.Equal(t, `{"level":"INFO","msg":"plain","job_name":"bulk_load","source_name":"postgres","environment":"prod","event_type":"plain","details":{"k":"v"}}`+"\n",
		buf.String(), "no context values, no extra attrs")

	buf.Reset()
	l.Slog().InfoContext(ltCorrCtx(), "CUSTOMERS: Extracting 1000 records", "rows", 1000)
	assert.Equal(t, `{"level":"INFO","msg":"CUSTOMERS: Extracting 1000 records","job_name":"bulk_load","source_name":"postgres","environment":"prod","correlation_id":"corr-1","rows":1000}`+"\n",
		buf.String())
}

func TestContextHandler(t *testing.T) {
	var buf bytes.Buffer
	h := monitoring.NewContextHandler(slog.NewTextHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	logger := slog.New(h).With("app", "x")
	logger.InfoContext(ltCorrCtx(), "hello", "n", 1)
	logger.WarnContext(context.Background(), "bye")
	assert.Equal(t, "level=INFO msg=hello app=x correlation_id=corr-1 n=1\nlevel=WARN msg=bye app=x\n", buf.String())

	assert.True(t, h.Enabled(context.Background(), slog.LevelInfo))
	assert.False(t, h.Enabled(context.Background(), slog.LevelDebug))
	require.NotPanics(t, func() {
		nilH := monitoring.NewContextHandler(nil)
		//nolint:staticcheck // a nil context must not panic
		_ = nilH.Handle(nil, slog.NewRecord(time.Now(), slog.LevelInfo, "m", 0))
	})
}

func TestLogger_Environment(t *testing.T) {
	tests := []struct {
		name   string
		envVar string
		opt    string
		want   string
	}{
		{name: "default", want: "dev"},
		{name: "env var", envVar: "staging", want: "staging"},
		{name: "option wins", envVar: "staging", opt: "prod", want: "prod"},
		{name: "option alone", opt: "prod", want: "prod"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(monitoring.EnvironmentVariable, tt.envVar)
			capture := monitoringtest.NewLogCapture()
			opts := []monitoring.LoggerOption{capture.Option()}
			if tt.opt != "" {
				opts = append(opts, monitoring.WithEnvironment(tt.opt))
			}
			monitoring.NewStructuredLogger("j", "s", opts...).LogEvent(context.Background(), "e", nil)
			events := capture.Events()
			require.Len(t, events, 1)
			assert.Equal(t, tt.want, events[0].Environment)
		})
	}
}

func TestLogger_Level(t *testing.T) {
	tests := []struct {
		name      string
		opts      func(*bytes.Buffer) []monitoring.LoggerOption
		wantTypes []string
	}{
		{
			name: "default info",
			opts: func(b *bytes.Buffer) []monitoring.LoggerOption {
				return []monitoring.LoggerOption{monitoring.WithOutput(b)}
			},
			wantTypes: []string{"log", "info", "warn", monitoring.EventTableFailed},
		},
		{
			name: "warn",
			opts: func(b *bytes.Buffer) []monitoring.LoggerOption {
				return []monitoring.LoggerOption{monitoring.WithOutput(b), monitoring.WithLevel(slog.LevelWarn)}
			},
			wantTypes: []string{"warn", monitoring.EventTableFailed},
		},
		{
			name: "debug with own handler",
			opts: func(b *bytes.Buffer) []monitoring.LoggerOption {
				h := monitoring.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})
				return []monitoring.LoggerOption{monitoring.WithHandler(h), monitoring.WithLevel(slog.LevelDebug)}
			},
			wantTypes: []string{"log", "log", "info", "warn", monitoring.EventTableFailed},
		},
		{
			name: "error on foreign handler",
			opts: func(b *bytes.Buffer) []monitoring.LoggerOption {
				h := monitoring.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})
				return []monitoring.LoggerOption{monitoring.WithHandler(h), monitoring.WithLevel(slog.LevelError)}
			},
			wantTypes: []string{monitoring.EventTableFailed},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := monitoring.NewStructuredLogger("j", "s", tt.opts(&buf)...)
			ctx := context.Background()
			l.Slog().Debug("debug line")
			l.Slog().Info("info line")
			l.LogEvent(ctx, "info", nil)
			l.LogWarning(ctx, "warn", nil)
			l.LogTableFailure(ctx, "t", nil, nil)

			capture := monitoringtest.NewLogCapture()
			_, _ = capture.Write(buf.Bytes())
			capture.AssertWellFormed(t)
			var got []string
			for _, ev := range capture.Events() {
				got = append(got, ev.EventType)
			}
			assert.Equal(t, tt.wantTypes, got)
		})
	}
}

func TestLogger_NeverPanics(t *testing.T) {
	require.NotPanics(t, func() {
		var nilLogger *monitoring.StructuredLogger
		nilLogger.LogEvent(context.Background(), "e", nil)
		nilLogger.LogTableComplete(context.Background(), "t", 1, time.Second, nil)
		_ = nilLogger.Slog()
		_ = nilLogger.Handler()

		var buf bytes.Buffer
		l := monitoring.NewStructuredLogger("", "", monitoring.WithOutput(&buf), monitoring.WithHandler(nil), nil)
		//nolint:staticcheck // nil contexts must not panic
		l.LogJobStart(nil, nil)
		//nolint:staticcheck
		l.LogTableFailure(nil, "", nil, monitoring.Details{"": nil})
		l.LogEvent(context.Background(), "", monitoring.Details{"p": ltPanicker{}, "n": (*ltCustomErr)(nil)})
		assert.Equal(t, 3, strings.Count(buf.String(), "\n"))
	})
}

func TestLogger_Concurrent(t *testing.T) {
	capture := monitoringtest.NewLogCapture()
	l := monitoring.NewStructuredLogger("j", "s", capture.Option())
	const goroutines, perG = 16, 200
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			ctx := correlation.ContextWithID(context.Background(), fmt.Sprintf("c-%d", g))
			for i := range perG {
				switch i % 3 {
				case 0:
					l.LogEvent(ctx, "tick", monitoring.Details{"g": g, "i": i, "text": strings.Repeat("x", i)})
				case 1:
					l.LogTableComplete(ctx, "t", int64(i), time.Millisecond, monitoring.Details{"g": g})
				default:
					l.Slog().InfoContext(ctx, "plain", "g", g, "i", i)
				}
			}
		})
	}
	wg.Wait()
	capture.AssertWellFormed(t)
	events := capture.Events()
	require.Len(t, events, goroutines*perG)
	perCorr := map[string]int{}
	for _, ev := range events {
		perCorr[ev.CorrelationID]++
		assert.Equal(t, fmt.Sprintf("c-%v", ev.Details["g"]), ev.CorrelationID)
	}
	assert.Len(t, perCorr, goroutines)
}

func TestLogger_LogEventAllocs(t *testing.T) {
	l := monitoring.NewStructuredLogger("bulk_load", "postgres", monitoring.WithOutput(ltDiscard{}), monitoring.WithEnvironment("prod"))
	ctx := ltCorrCtx()
	details := monitoring.Details{"table": "customers", "rows": 1000, "ok": true, "ratio": 0.25}
	allocs := testing.AllocsPerRun(1000, func() { l.LogEvent(ctx, "batch_written", details) })
	assert.LessOrEqual(t, allocs, 2.0)
}

type ltDiscard struct{}

func (ltDiscard) Write(p []byte) (int, error) { return len(p), nil }

func TestWorkerContext(t *testing.T) {
	tests := []struct {
		name string
		ctx  context.Context
		want string
	}{
		{"background", context.Background(), monitoring.DefaultWorker},
		{"nil", nil, "main"},
		{"named", monitoring.ContextWithWorker(context.Background(), "worker-3"), "worker-3"},
		{"empty name keeps parent", monitoring.ContextWithWorker(monitoring.ContextWithWorker(context.Background(), "w1"), ""), "w1"},
		//nolint:staticcheck // a nil parent is accepted
		{"nil parent", monitoring.ContextWithWorker(nil, "w2"), "w2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, monitoring.WorkerFromContext(tt.ctx))
		})
	}
}

func TestLogger_DetailsLogValue(t *testing.T) {
	v := monitoring.Details{"b": 1, "a": "x"}.LogValue()
	require.Equal(t, slog.KindGroup, v.Kind())
	assert.Equal(t, "[a=x b=1]", v.String())
}
