package terminal_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/internal/terminal"
)

func TestIs(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	require.NoError(t, err)
	defer f.Close()
	assert.False(t, terminal.Is(f), "a regular file")
	assert.False(t, terminal.Is(&bytes.Buffer{}), "not a file")
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		assert.True(t, terminal.Is(tty))
	}
}

func TestOpenEvents(t *testing.T) {
	dir := t.TempDir()
	var stdout bytes.Buffer
	tests := []struct {
		name       string
		path       string
		onTerminal bool
		want       string // "" for stdout
	}{
		{"piped", "", false, ""},
		{"terminal", "", true, filepath.Join(dir, "default.jsonl")},
		{"stdout asked on a terminal", "-", true, ""},
		{"a file asked", filepath.Join(dir, "mine.jsonl"), false, filepath.Join(dir, "mine.jsonl")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, path, closeIt, err := terminal.OpenEvents(tt.path, tt.onTerminal, filepath.Join(dir, "default.jsonl"), "--events", &stdout)
			require.NoError(t, err)
			defer closeIt()
			assert.Equal(t, tt.want, path)
			if tt.want == "" {
				assert.Same(t, &stdout, w)
				return
			}
			_, err = w.Write([]byte("{}\n"))
			require.NoError(t, err)
			b, err := os.ReadFile(tt.want)
			require.NoError(t, err)
			assert.Equal(t, "{}\n", string(b))
		})
	}
	_, _, _, err := terminal.OpenEvents(filepath.Join(dir, "no", "such", "dir"), false, "", "--events", &stdout)
	assert.ErrorContains(t, err, "--events: ")
}

// wrapped is a writer around another that says so, as a lock around stdout does.
type wrapped struct{ w io.Writer }

func (w wrapped) Write(p []byte) (int, error) { return w.w.Write(p) }
func (w wrapped) Unwrap() io.Writer           { return w.w }

func TestHuman(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Same(t, &stderr, terminal.Human(&stdout, &stderr), "piped: the summary goes to stderr")
	// /dev/null is a character device, as a terminal is, on every machine the tests run on.
	dev, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	require.NoError(t, err)
	defer dev.Close()
	assert.Equal(t, dev, terminal.Human(dev, &stderr))
	w := wrapped{dev}
	assert.True(t, terminal.Is(w), "a wrapper tells by Unwrap")
	assert.Equal(t, w, terminal.Human(w, &stderr))
	assert.False(t, terminal.Is(wrapped{&stdout}))
}
