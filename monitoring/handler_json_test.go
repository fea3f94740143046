package monitoring_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"testing"
	"testing/slogtest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/correlation"
	"github.com/etlwatch/etlwatch/monitoring"
)

func TestJSONHandler_PlainRecords(t *testing.T) {
	var buf bytes.Buffer
	h := monitoring.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: ltPinTime, Level: slog.LevelDebug})
	logger := slog.New(h)

	logger.DebugContext(ltCorrCtx(), "CUSTOMERS: Extracting 1000 records", "rows", 1000)
	logger.With("job_name", "j", "app", "x").WithGroup("g").Info("grouped", "a", 1, slog.Group("h", "b", true), "message", "shadowed")
	logger.Info("details attr", "details", monitoring.Details{"k": "v"}, "z", nil)

	assert.Equal(t,
		`{"timestamp":"2025-01-27T10:30:45.123456Z","correlation_id":"corr-1","job_name":"","source_name":"","event_type":"log","environment":"","severity":"DEBUG","details":{"message":"CUSTOMERS: Extracting 1000 records","rows":1000}}`+"\n"+
			`{"timestamp":"2025-01-27T10:30:45.123456Z","correlation_id":"","job_name":"j","source_name":"","event_type":"log","environment":"","severity":"INFO","details":{"app":"x","g.a":1,"g.h.b":true,"g.message":"shadowed","message":"grouped"}}`+"\n"+
			`{"timestamp":"2025-01-27T10:30:45.123456Z","correlation_id":"","job_name":"","source_name":"","event_type":"log","environment":"","severity":"INFO","details":{"k":"v","message":"details attr","z":null}}`+"\n",
		buf.String())
}

// TestJSONHandler_Slogtest checks the slog.Handler contract with testing/slogtest, reading the
// envelope back into the shape slogtest expects: timestamp as time, severity as level, the message
// from details, and dotted details keys as nested groups.
func TestJSONHandler_Slogtest(t *testing.T) {
	var buf bytes.Buffer
	slogtest.Run(t,
		func(*testing.T) slog.Handler {
			buf.Reset()
			return monitoring.NewJSONHandler(&buf, nil)
		},
		func(t *testing.T) map[string]any {
			var env map[string]any
			require.NoError(t, json.Unmarshal(buf.Bytes(), &env))
			out := map[string]any{slog.LevelKey: env["severity"]}
			if ts, ok := env["timestamp"]; ok {
				out[slog.TimeKey] = ts
			}
			details, _ := env["details"].(map[string]any)
			for k, v := range details {
				if k == "message" {
					out[slog.MessageKey] = v
					continue
				}
				m := out
				parts := strings.Split(k, ".")
				for _, g := range parts[:len(parts)-1] {
					sub, ok := m[g].(map[string]any)
					if !ok {
						sub = map[string]any{}
						m[g] = sub
					}
					m = sub
				}
				m[parts[len(parts)-1]] = v
			}
			return out
		})
}

type ltStringer struct{}

func (ltStringer) String() string { return "ltStringer" }

type ltMarshaler struct{}

func (ltMarshaler) MarshalJSON() ([]byte, error) { return []byte(`{ "m" : [1, 2] }`), nil }

type ltBadMarshaler struct{}

func (ltBadMarshaler) MarshalJSON() ([]byte, error) { return []byte(`{not json`), nil }

type ltPanicker struct{}

func (ltPanicker) String() string { panic("kaboom") }

type ltLogValuer struct{}

func (ltLogValuer) LogValue() slog.Value { return slog.StringValue("resolved") }

func TestJSONHandler_Values(t *testing.T) {
	when := time.Date(2025, 1, 2, 3, 4, 5, 6, time.FixedZone("X", 3600))
	self := []any{1}
	self = append(self, self)
	tests := []struct {
		name  string
		value any
		want  string
	}{
		{"string", "s", `"s"`},
		{"int8", int8(-8), `-8`},
		{"uint64", uint64(math.MaxUint64), `18446744073709551615`},
		{"uintptr", uintptr(9), `9`},
		{"float32", float32(0.1), `0.1`},
		{"float exp", 1e-7, `1e-7`},
		{"float big", 1e21, `1e+21`},
		{"NaN", math.NaN(), `"NaN"`},
		{"+Inf", math.Inf(1), `"+Inf"`},
		{"-Inf", math.Inf(-1), `"-Inf"`},
		{"bool", false, `false`},
		{"nil", nil, `null`},
		{"time", when, `"2025-01-02T02:04:05.000000006Z"`},
		{"duration", 1500 * time.Millisecond, `1.5`},
		{"error", errors.New("e"), `"e"`},
		{"ltStringer", ltStringer{}, `"ltStringer"`},
		{"strings", []string{"a", "b"}, `["a","b"]`},
		{"anys", []any{1, "x", nil, 2.5}, `[1,"x",null,2.5]`},
		{"map sorted nested", map[string]any{"b": map[string]any{"d": 1, "c": 2}, "a": monitoring.Details{"y": 1, "x": 2}}, `{"a":{"x":2,"y":1},"b":{"c":2,"d":1}}`},
		{"big map", ltBigMap(20), ltBigMapJSON(20)},
		{"ltMarshaler compacted", ltMarshaler{}, `{"m":[1,2]}`},
		{"bad ltMarshaler", ltBadMarshaler{}, `"!ERROR: json: error calling MarshalJSON for type monitoring_test.ltBadMarshaler: invalid character 'n' looking for beginning of object key string"`},
		{"struct fallback", struct{ A int }{A: 1}, `{"A":1}`},
		{"panicking ltStringer", ltPanicker{}, `"!PANIC: kaboom"`},
		{"nil pointer error", (*ltCustomErr)(nil), `"<nil>"`},
		{"log valuer", ltLogValuer{}, `"resolved"`},
		{"slog value", slog.IntValue(3), `3`},
		{"cycle", self, ``},
		{"channel", make(chan int), `"!ERROR: json: unsupported type: chan int"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := monitoring.NewStructuredLogger("j", "s", monitoring.WithOutput(&buf))
			require.NotPanics(t, func() { l.LogEvent(context.Background(), "v", monitoring.Details{"v": tt.value}) })
			line := buf.String()
			require.True(t, json.Valid([]byte(line)), line)
			if tt.want != "" {
				assert.Contains(t, line, `"details":{"v":`+tt.want+`}}`)
			}
		})
	}
}

func ltBigMap(n int) map[string]any {
	m := map[string]any{}
	for i := range n {
		m[fmt.Sprintf("k%02d", i)] = i
	}
	return m
}

func ltBigMapJSON(n int) string {
	parts := make([]string, n)
	for i := range n {
		parts[i] = fmt.Sprintf(`"k%02d":%d`, i, i)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func TestJSONHandler_Escaping(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // what encoding/json decodes
	}{
		{"quotes and backslash", `say "hi" \o/`, `say "hi" \o/`},
		{"newlines and tabs", "a\nb\r\tc", "a\nb\r\tc"},
		{"control chars", "\x00\x01\x1f\b\f\x7f", "\x00\x01\x1f\b\f\x7f"},
		{"invalid utf-8", "ok\xffbad\xc3", "ok\ufffdbad\ufffd"},
		{"line separators", "a\u2028b\u2029c", "a\u2028b\u2029c"},
		{"unicode", "héllo 世界 🎉", "héllo 世界 🎉"},
		{"html", "<a href='x'>&</a>", "<a href='x'>&</a>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := monitoring.NewStructuredLogger(tt.in, tt.in, monitoring.WithOutput(&buf), monitoring.WithEnvironment(tt.in))
			l.LogEvent(correlation.ContextWithID(context.Background(), tt.in), tt.in, monitoring.Details{tt.in: tt.in, "k": []string{tt.in}})
			require.Equal(t, 1, strings.Count(buf.String(), "\n"), "one line: %q", buf.String())

			var m map[string]any
			require.NoError(t, json.Unmarshal(buf.Bytes(), &m), buf.String())
			for _, k := range []string{"correlation_id", "job_name", "source_name", "event_type", "environment"} {
				assert.Equal(t, tt.want, m[k], k)
			}
			details := m["details"].(map[string]any)
			assert.Equal(t, tt.want, details[tt.want])
			assert.Equal(t, []any{tt.want}, details["k"])
		})
	}
}

// FuzzJSONHandler_String checks that any string, as an event type and a details key and value,
// decodes back to what encoding/json makes of it.
func FuzzJSONHandler_String(f *testing.F) {
	f.Add("")
	specials := []string{`"`, `\`, "\n", "\x00", "\x1f", "\x7f", "\xff", "é", "\u2028", "🎉", "\xe2\x82"}
	for _, sp := range specials {
		for off := range 17 {
			f.Add(strings.Repeat("a", off) + sp + strings.Repeat("b", 24-off))
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		l := monitoring.NewStructuredLogger("j", "s", monitoring.WithOutput(&buf))
		l.LogEvent(context.Background(), s, monitoring.Details{s: s})
		require.Equal(t, 1, strings.Count(buf.String(), "\n"))

		ref, err := json.Marshal(s)
		require.NoError(t, err)
		var want string
		require.NoError(t, json.Unmarshal(ref, &want))

		var got struct {
			EventType string         `json:"event_type"`
			Details   map[string]any `json:"details"`
		}
		require.NoError(t, json.Unmarshal(buf.Bytes(), &got), buf.String())
		assert.Equal(t, want, got.EventType)
		assert.Equal(t, map[string]any{want: want}, got.Details)
	})
}
