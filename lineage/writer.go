package lineage

import (
	"context"
	"fmt"
	"io"
	"sync"
)

// WriterTransport writes each event as one JSON line to a writer, such as os.Stdout (the
// OpenLineage clients' console transport). It is safe for concurrent use.
type WriterTransport struct {
	mu sync.Mutex
	w  io.Writer
}

// NewWriterTransport returns a transport writing JSON lines to w.
func NewWriterTransport(w io.Writer) (*WriterTransport, error) {
	if w == nil {
		return nil, fmt.Errorf("lineage: writer transport: nil writer")
	}
	return &WriterTransport{w: w}, nil
}

// Name returns "console".
func (t *WriterTransport) Name() string { return "console" }

// Send writes m's JSON and a newline in one write.
func (t *WriterTransport) Send(_ context.Context, m Message) error {
	line := make([]byte, 0, len(m.JSON)+1)
	line = append(append(line, m.JSON...), '\n')
	t.mu.Lock()
	defer t.mu.Unlock()
	_, err := t.w.Write(line)
	return err
}
