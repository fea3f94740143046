package lineage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Rotation modes of [FileTransport].
const (
	RotateNone  = "none"  // one file that grows
	RotateDaily = "daily" // one file per UTC day: name-2006-01-02.ext
	RotateSize  = "size"  // the file is renamed name-<time>.ext when it would grow beyond the limit
)

// DefaultMaxFileSize is the size limit of [RotateSize] when [WithMaxFileSize] is not given.
const DefaultMaxFileSize = 100 << 20

// FileOption configures [NewFileTransport].
type FileOption func(*FileTransport)

// WithRotation sets how the file rotates: [RotateNone] (the default), [RotateDaily] or
// [RotateSize].
func WithRotation(mode string) FileOption { return func(t *FileTransport) { t.rotate = mode } }

// WithMaxFileSize sets the size in bytes beyond which [RotateSize] starts a new file. Default
// [DefaultMaxFileSize].
func WithMaxFileSize(n int64) FileOption { return func(t *FileTransport) { t.maxSize = n } }

// withFileClock sets the clock of daily rotation, for tests.
func withFileClock(now func() time.Time) FileOption { return func(t *FileTransport) { t.now = now } }

// FileTransport appends each event as one JSON line to a file, creating it and its directory
// when missing. It is safe for concurrent use.
type FileTransport struct {
	path    string
	rotate  string
	maxSize int64
	now     func() time.Time

	mu   sync.Mutex
	f    *os.File
	name string // the file f is
	size int64
}

// NewFileTransport returns a transport appending to path (with [RotateDaily], the date goes
// before the extension).
func NewFileTransport(path string, opts ...FileOption) (*FileTransport, error) {
	t := &FileTransport{path: path, rotate: RotateNone, maxSize: DefaultMaxFileSize, now: time.Now}
	for _, o := range opts {
		o(t)
	}
	switch {
	case path == "":
		return nil, errors.New("lineage: file transport: empty path: allowed: a file path")
	case t.rotate != RotateNone && t.rotate != RotateDaily && t.rotate != RotateSize:
		return nil, fmt.Errorf("lineage: file transport: rotation %q: allowed: none, daily or size", t.rotate)
	case t.maxSize < 1:
		return nil, fmt.Errorf("lineage: file transport: max size %d: allowed: 1 or more bytes", t.maxSize)
	}
	return t, nil
}

// Name returns "file".
func (t *FileTransport) Name() string { return "file" }

// Path returns the file the next event goes to.
func (t *FileTransport) Path() string {
	if t.rotate == RotateDaily {
		return dated(t.path, t.now().UTC().Format("2006-01-02"))
	}
	return t.path
}

// dated inserts "-suffix" before path's extension.
func dated(path, suffix string) string {
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "-" + suffix + ext
}

// Send appends m's JSON and a newline.
func (t *FileTransport) Send(_ context.Context, m Message) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	name := t.Path()
	line := make([]byte, 0, len(m.JSON)+1)
	line = append(append(line, m.JSON...), '\n')
	if t.f != nil && t.rotate == RotateSize && t.size > 0 && t.size+int64(len(line)) > t.maxSize {
		if err := t.f.Close(); err != nil {
			return fmt.Errorf("lineage: file transport: close %s: %w", t.name, err)
		}
		t.f = nil
		rotated := dated(t.path, t.now().UTC().Format("20060102T150405.000000000"))
		if err := os.Rename(t.path, rotated); err != nil {
			return fmt.Errorf("lineage: file transport: rotate %s: %w", t.path, err)
		}
	}
	if t.f != nil && t.name != name {
		_ = t.f.Close()
		t.f = nil
	}
	if t.f == nil {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return fmt.Errorf("lineage: file transport: %w", err)
		}
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("lineage: file transport: %w", err)
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return fmt.Errorf("lineage: file transport: %w", err)
		}
		t.f, t.name, t.size = f, name, st.Size()
	}
	n, err := t.f.Write(line)
	t.size += int64(n)
	if err != nil {
		return fmt.Errorf("lineage: file transport: write %s: %w", t.name, err)
	}
	return nil
}

// Close closes the file.
func (t *FileTransport) Close(context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.f == nil {
		return nil
	}
	err := t.f.Close()
	t.f = nil
	return err
}
