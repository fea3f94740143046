package monitoringtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/etlwatch/etlwatch/monitoring"
)

// Event is one parsed line of a [monitoring.StructuredLogger]'s JSON output (see
// [monitoring.NewJSONHandler] for the format). Numbers in Details are float64, as encoding/json decodes
// them; nested objects are map[string]any.
type Event struct {
	Timestamp     time.Time // zero when the line has no timestamp
	CorrelationID string
	JobName       string
	SourceName    string
	EventType     string
	Environment   string
	Severity      string
	TraceID       string // "" when the event was logged without a span context
	SpanID        string
	Details       map[string]any // never nil
}

// LogCapture records the JSON lines written by a [monitoring.StructuredLogger] and parses them into
// [Event]s, for unit tests of code that logs. Plug it in with [LogCapture.Option], or use it as the
// io.Writer of [monitoring.WithOutput] or [monitoring.NewJSONHandler].
//
// A line that is not a well-formed event (not a JSON object, no event_type, a timestamp that is not
// RFC 3339) is never dropped silently: it is kept in [LogCapture.Malformed], and
// [LogCapture.AssertWellFormed] fails the test for it.
//
// A LogCapture is safe for concurrent use.
type LogCapture struct {
	mu        sync.Mutex
	partial   []byte // an unfinished line
	events    []Event
	malformed []string
}

// NewLogCapture returns an empty capture.
func NewLogCapture() *LogCapture { return new(LogCapture) }

// Option returns the logger option that sends a logger's JSON lines to c:
// monitoring.WithOutput(c). Do not combine it with [monitoring.WithHandler], which takes precedence.
func (c *LogCapture) Option() monitoring.LoggerOption { return monitoring.WithOutput(c) }

// Write parses the complete lines in p and keeps any unfinished line for the next call. It never
// fails.
func (c *LogCapture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	data := p
	if len(c.partial) > 0 {
		c.partial = append(c.partial, p...)
		data = c.partial
	}
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		c.add(data[:i])
		data = data[i+1:]
	}
	c.partial = append(c.partial[:0], data...)
	return len(p), nil
}

// add parses one line; the caller holds c.mu.
func (c *LogCapture) add(line []byte) {
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(bytes.TrimSpace(line)) == 0 {
		return
	}
	ev, err := parseEvent(line)
	if err != nil {
		c.malformed = append(c.malformed, string(line))
		return
	}
	c.events = append(c.events, ev)
}

// wireEvent is the JSON form of an Event.
type wireEvent struct {
	Timestamp     *string        `json:"timestamp"`
	CorrelationID string         `json:"correlation_id"`
	JobName       string         `json:"job_name"`
	SourceName    string         `json:"source_name"`
	EventType     *string        `json:"event_type"`
	Environment   string         `json:"environment"`
	Severity      string         `json:"severity"`
	Details       map[string]any `json:"details"`
	TraceID       string         `json:"trace_id"`
	SpanID        string         `json:"span_id"`
}

func parseEvent(line []byte) (Event, error) {
	var w wireEvent
	dec := json.NewDecoder(bytes.NewReader(line))
	if err := dec.Decode(&w); err != nil {
		return Event{}, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Event{}, errors.New("trailing data after the JSON object")
	}
	if w.EventType == nil {
		return Event{}, errors.New("no event_type")
	}
	ev := Event{
		CorrelationID: w.CorrelationID,
		JobName:       w.JobName,
		SourceName:    w.SourceName,
		EventType:     *w.EventType,
		Environment:   w.Environment,
		Severity:      w.Severity,
		TraceID:       w.TraceID,
		SpanID:        w.SpanID,
		Details:       w.Details,
	}
	if w.Timestamp != nil {
		t, err := time.Parse(time.RFC3339Nano, *w.Timestamp)
		if err != nil {
			return Event{}, fmt.Errorf("timestamp: %w", err)
		}
		ev.Timestamp = t
	}
	if ev.Details == nil {
		ev.Details = map[string]any{}
	}
	return ev, nil
}

// Events returns the events parsed so far, in the order they were written. Lines that did not parse
// are not included; see [LogCapture.Malformed].
func (c *LogCapture) Events() []Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.events)
}

// EventsOfType returns the events whose event_type is eventType, in order.
func (c *LogCapture) EventsOfType(eventType string) []Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Event
	for _, ev := range c.events {
		if ev.EventType == eventType {
			out = append(out, ev)
		}
	}
	return out
}

// Malformed returns the lines that were not well-formed events, followed by the unfinished last line
// if the output does not end with a newline.
func (c *LogCapture) Malformed() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := slices.Clone(c.malformed)
	if len(c.partial) > 0 {
		out = append(out, string(c.partial))
	}
	return out
}

// AssertWellFormed reports each malformed line of [LogCapture.Malformed] with t.Errorf, and returns
// whether there was none.
func (c *LogCapture) AssertWellFormed(t testing.TB) bool {
	t.Helper()
	bad := c.Malformed()
	for _, line := range bad {
		t.Errorf("monitoringtest: malformed log line: %q", line)
	}
	return len(bad) == 0
}

// Reset discards everything captured so far.
func (c *LogCapture) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.partial = c.partial[:0]
	c.events = nil
	c.malformed = nil
}
