package firstrow

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors/extract"
)

// Limit is a read's first-row timeout and what the error says of it.
type Limit struct {
	Timeout time.Duration // 0: no limit
	Address string        // host:port or the file
	Server  string        // "PostgreSQL server"
	Setting string        // how to raise it
}

// Choose returns the limit of package pkg: option when set (its WithFirstRowTimeout, 0 or less
// for no limit), else source (connection.first_row_timeout: 0 for the default, negative for no
// limit), else [configloader.DefaultFirstRowTimeout].
func Choose(pkg string, option time.Duration, optionSet bool, source time.Duration) Limit {
	yaml := "connection.first_row_timeout in sources.yaml"
	opt := pkg + ".WithFirstRowTimeout"
	switch {
	case optionSet:
		return Limit{Timeout: max(option, 0), Setting: opt + " (or " + yaml + ")"}
	case source != 0:
		return Limit{Timeout: max(source, 0), Setting: yaml + " (or " + opt + ")"}
	}
	return Limit{Timeout: configloader.DefaultFirstRowTimeout, Setting: yaml + " (or " + opt + ")"}
}

// Watch cancels a read's context when its first row has not come within the limit. A nil
// Watch (no limit) does nothing.
type Watch struct {
	limit  Limit
	timer  *time.Timer
	cancel context.CancelFunc
	fired  atomic.Bool
	done   bool // the first row came (read by the reading goroutine only)
}

// Start returns the context for the read and its Watch; with no limit, ctx itself and nil.
func Start(ctx context.Context, l Limit) (context.Context, *Watch) {
	if l.Timeout <= 0 {
		return ctx, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	w := &Watch{limit: l, cancel: cancel}
	w.timer = time.AfterFunc(l.Timeout, func() {
		w.fired.Store(true)
		cancel()
	})
	return ctx, w
}

// Arrived marks the first row (or the read's end): the limit no longer applies. Cheap enough
// to call for every row.
func (w *Watch) Arrived() {
	if w == nil || w.done {
		return
	}
	w.done = true
	w.timer.Stop()
}

// Stop releases the read's context; call it when the read is over.
func (w *Watch) Stop() {
	if w == nil {
		return
	}
	w.timer.Stop()
	w.cancel()
}

// Err returns err as an [*extract.FirstRowTimeoutError] when the limit ran out, else err.
func (w *Watch) Err(err error) error {
	if w == nil || err == nil || !w.fired.Load() {
		return err
	}
	var fre *extract.FirstRowTimeoutError
	if errors.As(err, &fre) {
		return err
	}
	return &extract.FirstRowTimeoutError{Address: w.limit.Address, Server: w.limit.Server,
		Timeout: w.limit.Timeout, Setting: w.limit.Setting, Err: err}
}
