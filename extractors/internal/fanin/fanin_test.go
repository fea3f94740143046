package fanin_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/etlwatch/etlwatch/extractors/internal/fanin"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var schema = arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)

// reader sends n batches of 10 rows per share, allocated from mem.
func reader(mem memory.Allocator, n int, fail error) func(ctx context.Context, share int, out chan<- arrow.RecordBatch) error {
	return func(ctx context.Context, share int, out chan<- arrow.RecordBatch) error {
		for i := range n {
			if fail != nil && share == 1 && i == 1 {
				return fail
			}
			b := array.NewRecordBuilder(mem, schema)
			for j := range 10 {
				b.Field(0).(*array.Int64Builder).Append(int64(share*1000 + i*10 + j))
			}
			rec := b.NewRecordBatch()
			b.Release()
			select {
			case out <- rec:
			case <-ctx.Done():
				rec.Release()
				return ctx.Err()
			}
		}
		return nil
	}
}

func TestRun(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	var inFn, overlap atomic.Int32
	rows, fnErr, readErr := fanin.Run(t.Context(), []int{0, 1, 2, 3}, 2, reader(mem, 5, nil),
		func(_ context.Context, rec arrow.RecordBatch) error {
			if inFn.Add(1) > 1 {
				overlap.Add(1)
			}
			defer inFn.Add(-1)
			return nil
		})
	require.NoError(t, fnErr)
	require.NoError(t, readErr)
	assert.EqualValues(t, 4*5*10, rows)
	assert.Zero(t, overlap.Load(), "fn is never called concurrently")
}

func TestRunStopsOnErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	stop := errors.New("enough")
	calls := 0
	rows, fnErr, readErr := fanin.Run(t.Context(), []int{0, 1, 2, 3}, 4, reader(mem, 100, nil),
		func(context.Context, arrow.RecordBatch) error {
			calls++
			if calls == 3 {
				return stop
			}
			return nil
		})
	assert.ErrorIs(t, fnErr, stop)
	assert.NoError(t, readErr)
	assert.EqualValues(t, 20, rows, "the rows of the batches fn accepted")

	boom := errors.New("reader broke")
	_, fnErr, readErr = fanin.Run(t.Context(), []int{0, 1, 2}, 3, reader(mem, 100, boom),
		func(context.Context, arrow.RecordBatch) error { return nil })
	assert.NoError(t, fnErr)
	assert.ErrorIs(t, readErr, boom)
}
