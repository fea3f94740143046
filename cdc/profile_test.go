package cdc_test

import (
	"bytes"
	"context"
	"log/slog"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/monitoring"
)

// goroutineLabels returns the pprof labels line ("# labels: {...}") of the goroutines whose stack
// holds marker in a goroutine profile taken now, or "" when none does.
func goroutineLabels(t *testing.T, marker string) string {
	var buf bytes.Buffer
	require.NoError(t, pprof.Lookup("goroutine").WriteTo(&buf, 1))
	for _, rec := range strings.Split(buf.String(), "\n\n") {
		if !strings.Contains(rec, marker) {
			continue
		}
		for _, line := range strings.Split(rec, "\n") {
			if strings.HasPrefix(line, "# labels: ") {
				return line
			}
		}
		return ""
	}
	return ""
}

// labelSpy records the labels of the goroutines that call it: the batch's (Committed, an
// observer) and the maintenance's (Handle, the logger's handler of its cdc_maintenance event).
type labelSpy struct {
	t           *testing.T
	mu          sync.Mutex
	batch       string
	maintenance string
}

func (s *labelSpy) Started(context.Context, cdc.StartInfo) {}
func (s *labelSpy) Stopped(context.Context, error)         {}
func (s *labelSpy) Committed(context.Context, cdc.CommitInfo) {
	l := goroutineLabels(s.t, "(*labelSpy).Committed")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batch = l
}

func (s *labelSpy) Enabled(context.Context, slog.Level) bool { return true }
func (s *labelSpy) WithAttrs([]slog.Attr) slog.Handler       { return s }
func (s *labelSpy) WithGroup(string) slog.Handler            { return s }
func (s *labelSpy) Handle(_ context.Context, r slog.Record) error {
	if r.Message != cdc.EventMaintenance {
		return nil
	}
	l := goroutineLabels(s.t, "(*labelSpy).Handle")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maintenance = l
	return nil
}

func (s *labelSpy) seen() (batch, maintenance string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.batch, s.maintenance
}

// The consumer's goroutines carry cdc.ProfileLabel in profiles, beside the labels of the context
// Run was given: the decoders "decode", the goroutine that commits a batch "batch", a table's
// maintenance "maintenance".
func TestProfileLabels(t *testing.T) {
	r := newRig(t)
	var recs []*kgo.Record
	for i := range 200 {
		id := int64(i%40 + 1)
		q := int32(i)
		recs = append(recs, change(topic, keyOf("orders", id), envelope(t, "orders", "u", nil, &order{ID: id, Qty: &q}, 1)))
	}
	r.produce(recs...)
	spy := &labelSpy{t: t}
	c, err := cdc.Open(r.src, r.tm, cdc.WithObserver(spy), cdc.WithMaintenance(cdc.Maintenance{MaxDeleteFiles: 2}),
		cdc.WithLogger(monitoring.NewStructuredLogger("cdc", "pg", monitoring.WithHandler(spy))))
	require.NoError(t, err)
	defer c.Close()
	ctx, cancel := context.WithCancel(pprof.WithLabels(t.Context(), pprof.Labels("job", "nightly")))
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	require.Eventually(t, func() bool {
		b, m := spy.seen()
		return b != "" && m != ""
	}, 30*time.Second, 10*time.Millisecond, "a batch committed and a table maintained")
	decode := goroutineLabels(t, "cdc.(*Consumer).newDecoder.func1")
	cancel()
	require.NoError(t, <-done)

	batch, maintenance := spy.seen()
	for part, labels := range map[string]string{"decode": decode, "batch": batch, "maintenance": maintenance} {
		assert.Contains(t, labels, `"`+cdc.ProfileLabel+`":"`+part+`"`, part)
		assert.Contains(t, labels, `"job":"nightly"`, "%s: the labels of Run's context are kept", part)
	}
}
