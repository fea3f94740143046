package monitoringtest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/correlation"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/monitoringtest"
)

const captureLine = `{"timestamp":"2025-01-27T10:30:45.123456Z","correlation_id":"c","job_name":"j","source_name":"s","event_type":"e","environment":"dev","severity":"INFO","details":{"n":1},"trace_id":"t","span_id":"p"}`

func TestLogCapture_Parse(t *testing.T) {
	c := monitoringtest.NewLogCapture()
	_, err := c.Write([]byte(captureLine + "\n"))
	require.NoError(t, err)
	require.Empty(t, c.Malformed())
	assert.Equal(t, []monitoringtest.Event{{
		Timestamp:     time.Date(2025, 1, 27, 10, 30, 45, 123456000, time.UTC),
		CorrelationID: "c",
		JobName:       "j",
		SourceName:    "s",
		EventType:     "e",
		Environment:   "dev",
		Severity:      "INFO",
		TraceID:       "t",
		SpanID:        "p",
		Details:       map[string]any{"n": 1.0},
	}}, c.Events())
}

func TestLogCapture_Malformed(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"not json", "hello world\n"},
		{"not an object", "[1,2]\n"},
		{"no event type", `{"job_name":"j"}` + "\n"},
		{"bad timestamp", `{"event_type":"e","timestamp":"yesterday"}` + "\n"},
		{"wrong field type", `{"event_type":"e","details":[1]}` + "\n"},
		{"trailing data", `{"event_type":"e"} {"event_type":"f"}` + "\n"},
		{"unfinished line", `{"event_type":"e"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := monitoringtest.NewLogCapture()
			_, err := c.Write([]byte(captureLine + "\n" + tt.in))
			require.NoError(t, err)
			assert.Len(t, c.Events(), 1, "the good line still parses")
			assert.Equal(t, []string{strings.TrimSuffix(tt.in, "\n")}, c.Malformed())

			tb := &captureRecordingTB{TB: t}
			assert.False(t, c.AssertWellFormed(tb))
			require.Len(t, tb.errors, 1)
			assert.Contains(t, tb.errors[0], "malformed log line")
		})
	}
}

// captureRecordingTB records Errorf calls instead of failing the test.
type captureRecordingTB struct {
	testing.TB
	errors []string
}

func (r *captureRecordingTB) Helper() {}

func (r *captureRecordingTB) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestLogCapture_SplitWritesAndReset(t *testing.T) {
	c := monitoringtest.NewLogCapture()
	data := captureLine + "\n\n" + strings.Replace(captureLine, `"event_type":"e"`, `"event_type":"f"`, 1) + "\r\n"
	for i := range len(data) { // one byte at a time
		_, err := c.Write([]byte{data[i]})
		require.NoError(t, err)
	}
	assert.Empty(t, c.Malformed())
	require.Len(t, c.Events(), 2)
	assert.Len(t, c.EventsOfType("f"), 1)
	assert.Empty(t, c.EventsOfType("nope"))
	assert.True(t, c.AssertWellFormed(t))

	c.Reset()
	assert.Empty(t, c.Events())
	assert.Empty(t, c.Malformed())
}

func TestLogCapture_WithLogger(t *testing.T) {
	c := monitoringtest.NewLogCapture()
	logger := monitoring.NewStructuredLogger("bulk_load", "postgres", c.Option(), monitoring.WithEnvironment("test"))
	ctx := correlation.ContextWithID(context.Background(), "run-1")

	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 50 {
				logger.LogTableComplete(ctx, fmt.Sprintf("t%d", w), int64(i), time.Second, nil)
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			_ = c.Events() // reading while writing
		}
	})
	wg.Wait()

	c.AssertWellFormed(t)
	events := c.EventsOfType(monitoring.EventTableComplete)
	require.Len(t, events, 400)
	for _, ev := range events {
		assert.Equal(t, "run-1", ev.CorrelationID)
		assert.Equal(t, "test", ev.Environment)
		assert.Equal(t, 1.0, ev.Details["duration_seconds"])
	}
}

func ExampleNewLogCapture() {
	capture := monitoringtest.NewLogCapture()
	logger := monitoring.NewStructuredLogger("bulk_load", "postgres", capture.Option(), monitoring.WithEnvironment("test"))

	ctx := correlation.ContextWithID(context.Background(), "run-42")
	logger.LogTableComplete(ctx, "customers", 1000, 2*time.Second, nil)

	for _, ev := range capture.EventsOfType(monitoring.EventTableComplete) {
		fmt.Println(ev.CorrelationID, ev.JobName, ev.Severity, ev.Details["table"], ev.Details["records"])
	}
	fmt.Println("malformed lines:", len(capture.Malformed()))
	// Output:
	// run-42 bulk_load INFO customers 1000
	// malformed lines: 0
}

func ExampleLogCapture_Malformed() {
	capture := monitoringtest.NewLogCapture()
	// Anything that is not an event line is kept, not dropped.
	fmt.Fprintln(capture, `{"event_type":"job_start","details":{}}`)
	fmt.Fprintln(capture, "panic: something printed to the log")

	fmt.Println(len(capture.Events()), "event")
	fmt.Printf("%q\n", capture.Malformed())
	// Output:
	// 1 event
	// ["panic: something printed to the log"]
}

func ExampleLogCapture_Events() {
	capture := monitoringtest.NewLogCapture()
	logger := monitoring.NewStructuredLogger("bulk_load", "postgres", capture.Option(), monitoring.WithEnvironment("test"))
	ctx := context.Background()
	logger.LogJobStart(ctx, nil)
	logger.LogTableFailure(ctx, "orders", errors.New("timeout"), nil)
	logger.Slog().Info("ORDERS: giving up")

	for _, ev := range capture.Events() {
		fmt.Println(ev.EventType, ev.Severity, ev.Details["error"], ev.Details["message"])
	}
	// Output:
	// job_start INFO <nil> <nil>
	// table_processing_failed ERROR timeout <nil>
	// log INFO <nil> ORDERS: giving up
}
