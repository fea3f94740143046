package lineage

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFileTransportRotatesDaily(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 12, 1, 23, 59, 0, 0, time.UTC)
	ft, err := NewFileTransport(filepath.Join(dir, "lineage.jsonl"), WithRotation(RotateDaily),
		withFileClock(func() time.Time { return now }))
	require.NoError(t, err)
	require.NoError(t, ft.Send(context.Background(), Message{JSON: []byte(`{"a":1}`)}))
	now = now.Add(2 * time.Minute)
	require.NoError(t, ft.Send(context.Background(), Message{JSON: []byte(`{"a":2}`)}))
	require.NoError(t, ft.Send(context.Background(), Message{JSON: []byte(`{"a":3}`)}))
	require.NoError(t, ft.Close(context.Background()))
	day1, err := os.ReadFile(filepath.Join(dir, "lineage-2026-12-01.jsonl"))
	require.NoError(t, err)
	day2, err := os.ReadFile(filepath.Join(dir, "lineage-2026-12-02.jsonl"))
	require.NoError(t, err)
	assert.Equal(t, "{\"a\":1}\n", string(day1))
	assert.Equal(t, "{\"a\":2}\n{\"a\":3}\n", string(day2))
}

func TestFileTransportRotatesBySizeAndAppends(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "lineage.jsonl")
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte("{\"old\":0}\n"), 0o644)) // from an earlier run
	tick := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	ft, err := NewFileTransport(path, WithRotation(RotateSize), WithMaxFileSize(20),
		withFileClock(func() time.Time { tick = tick.Add(time.Second); return tick }))
	require.NoError(t, err)
	for _, s := range []string{`{"a":1}`, `{"a":2}`, `{"a":3}`} { // 8 bytes each with the newline
		require.NoError(t, ft.Send(context.Background(), Message{JSON: []byte(s)}))
	}
	require.NoError(t, ft.Close(context.Background()))
	files, err := filepath.Glob(filepath.Join(dir, "sub", "*"))
	require.NoError(t, err)
	var all []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		assert.LessOrEqual(t, len(b), 20, f)
		all = append(all, strings.Split(strings.TrimSpace(string(b)), "\n")...)
	}
	assert.Len(t, files, 2)
	assert.ElementsMatch(t, []string{`{"old":0}`, `{"a":1}`, `{"a":2}`, `{"a":3}`}, all)
}

func TestFileTransportRejectsNonsense(t *testing.T) {
	_, err := NewFileTransport("")
	assert.Error(t, err)
	_, err = NewFileTransport("x", WithRotation("hourly"))
	assert.ErrorContains(t, err, "allowed: none, daily or size")
	_, err = NewFileTransport("x", WithMaxFileSize(0))
	assert.Error(t, err)
}
