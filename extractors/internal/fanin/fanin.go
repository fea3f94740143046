// Package fanin runs an extraction's partition readers concurrently and hands their record
// batches to the caller's function from one goroutine: the part every parallel extractor shares.
package fanin

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"golang.org/x/sync/errgroup"
)

// Run runs read once per share, at most limit at once; each read sends record batches to out,
// giving up when its ctx is done. Run calls fn with each batch from the calling goroutine (never
// concurrently) and releases the batch afterwards. fn's first error stops every reader. It
// returns the rows of the batches fn accepted, fn's error as fn returned it, and otherwise the
// first reader error.
func Run[S any](ctx context.Context, shares []S, limit int,
	read func(ctx context.Context, share S, out chan<- arrow.RecordBatch) error,
	fn func(ctx context.Context, rec arrow.RecordBatch) error,
) (rows int64, fnErr, readErr error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(limit, 1))
	out := make(chan arrow.RecordBatch, max(limit, 1))
	go func() {
		for _, sh := range shares {
			g.Go(func() error { return read(gctx, sh, out) })
		}
		_ = g.Wait()
		close(out)
	}()
	for rec := range out {
		if fnErr == nil {
			if fnErr = fn(ctx, rec); fnErr != nil {
				cancel()
			} else {
				rows += rec.NumRows()
			}
		}
		rec.Release()
	}
	if fnErr != nil {
		return rows, fnErr, nil
	}
	return rows, nil, g.Wait()
}
