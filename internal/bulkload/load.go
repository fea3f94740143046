package bulkload

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/etlwatch/etlwatch/extractors"
	"github.com/etlwatch/etlwatch/iceberg"
)

// loadTable reads name from the snapshot and replaces the Iceberg table's rows with it in one
// commit (a second run does not double the table), calling onBatch
// with the rows of each batch read.
func (j *job) loadTable(ctx context.Context, name string, onBatch func(rows int64)) (int64, error) {
	props := map[string]string{
		propSource:        j.src.Name,
		propPosition:      j.snap.Position().String(),
		propCorrelationID: j.p.CorrelationID(),
	}
	if txs := j.snap.Position().Transactions; txs != "" {
		props[propTransactions] = txs
	}
	var opts []iceberg.WriteOption
	if j.takeOver {
		opts = append(opts, iceberg.TakeOverFromCDC())
	}
	// The null rates the monitors judge, counted as the rows stream, go in the snapshot summary.
	nulls := j.nullCounter(name)
	if nulls != nil {
		opts = append(opts, iceberg.WithCommitProperties(nulls.properties))
	}
	onRecord := func(rec arrow.RecordBatch) {
		if onBatch != nil {
			onBatch(rec.NumRows())
		}
		if nulls != nil {
			nulls.add(rec)
		}
	}
	return load(ctx, j.ext, j.snap, j.tm, name, j.bl.ParallelPartitions, props, onRecord, opts...)
}

// load reads name from snap with partitions readers and writes it to Iceberg through tm in one
// commit carrying props. onBatch, when set, is called with each batch read, from the readers'
// goroutines.
func load(ctx context.Context, ext extractors.Extractor, snap extractors.Snapshot, tm *iceberg.TableManager,
	name string, partitions int, props map[string]string, onBatch func(rec arrow.RecordBatch), opts ...iceberg.WriteOption,
) (int64, error) {
	desc, err := ext.Describe(ctx, name)
	if err != nil {
		return 0, fmt.Errorf("describe: %w", err)
	}
	tbl, err := tm.EnsureTable(ctx, name, desc.Schema)
	if err != nil {
		return 0, fmt.Errorf("ensure iceberg table: %w", err)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	batches, wait := stream(ctx, func(ctx context.Context, fn func(context.Context, arrow.RecordBatch) error) (int64, error) {
		if onBatch != nil {
			next := fn
			fn = func(ctx context.Context, rec arrow.RecordBatch) error {
				onBatch(rec)
				return next(ctx, rec)
			}
		}
		return snap.Extract(ctx, desc, extractors.ReadOptions{Partitions: partitions}, fn)
	})
	res, err := tm.Write(ctx, tbl, desc.Schema, batches, props, append(opts, iceberg.Replace())...)
	cancel(errWriteDone)
	extracted, extractErr := wait()
	if err != nil {
		return 0, fmt.Errorf("write: %w", err)
	}
	if extractErr != nil { // cannot happen: Write sees the extraction error
		return 0, fmt.Errorf("extract: %w", extractErr)
	}
	if extracted != res.Rows {
		return 0, fmt.Errorf("extracted %d rows but wrote %d", extracted, res.Rows)
	}
	return res.Rows, nil
}

var errWriteDone = errors.New("write finished")

// stream bridges a push-style extraction (which calls fn with each batch) to the pull-style
// sequence TableManager.Write reads. The extraction runs in its own goroutine and hands over one
// batch at a time through an unbuffered channel, so at most one batch waits between them. Each
// batch is retained before it is handed over, and released by Write or, when the handover is
// abandoned, here. An extraction error is yielded as the sequence's last element. The sequence may
// be ranged over once; wait, called after ctx is done or the sequence is exhausted, waits for the
// extraction and returns its row count and error.
func stream(ctx context.Context, extract func(context.Context, func(context.Context, arrow.RecordBatch) error) (int64, error),
) (seq func(yield func(arrow.RecordBatch, error) bool), wait func() (int64, error)) {
	ch := make(chan arrow.RecordBatch)
	done := make(chan struct{})
	var (
		rows int64
		err  error
	)
	var once sync.Once
	start := func() {
		go func() {
			defer close(done)
			defer close(ch)
			rows, err = extract(ctx, func(ctx context.Context, rec arrow.RecordBatch) error {
				rec.Retain()
				select {
				case ch <- rec:
					return nil
				case <-ctx.Done():
					rec.Release()
					return context.Cause(ctx)
				}
			})
		}()
	}
	seq = func(yield func(arrow.RecordBatch, error) bool) {
		started := false
		once.Do(func() { start(); started = true })
		if !started {
			yield(nil, errors.New("bulkload: batch stream ranged over twice"))
			return
		}
		for rec := range ch {
			if !yield(rec, nil) {
				return // the goroutine sees ctx cancelled by the caller and stops
			}
		}
		<-done
		if err != nil {
			yield(nil, err)
		}
	}
	wait = func() (int64, error) {
		started := true
		once.Do(func() { started = false })
		if !started {
			return 0, nil
		}
		<-done
		return rows, err
	}
	return seq, wait
}

func backoff(attempt int) time.Duration {
	d := retryBackoff << attempt
	if d <= 0 || d > maxRetryBackoff {
		d = maxRetryBackoff
	}
	return d
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
