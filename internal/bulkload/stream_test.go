package bulkload

import (
	"context"
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeExtract pushes n batches of 10 rows, each released after fn returns as a real extractor
// does, and then returns fail.
func fakeExtract(mem memory.Allocator, n int, fail error) func(context.Context, func(context.Context, arrow.RecordBatch) error) (int64, error) {
	sc := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)
	return func(ctx context.Context, fn func(context.Context, arrow.RecordBatch) error) (int64, error) {
		var rows int64
		for i := range n {
			b := array.NewRecordBuilder(mem, sc)
			for j := range 10 {
				b.Field(0).(*array.Int64Builder).Append(int64(i*10 + j))
			}
			rec := b.NewRecordBatch()
			b.Release()
			err := fn(ctx, rec)
			rec.Release()
			if err != nil {
				return rows, err
			}
			rows += rec.NumRows()
		}
		return rows, fail
	}
}

func TestStream(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name     string
		fail     error
		take     int // batches consumed before stopping; -1 for all
		wantRows int64
		wantErr  error
	}{
		{name: "all", take: -1, wantRows: 50},
		{name: "extract error", fail: boom, take: -1, wantRows: 50, wantErr: boom},
		{name: "consumer stops", take: 2, wantRows: 20, wantErr: errWriteDone},
		{name: "never ranged", take: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			ctx, cancel := context.WithCancelCause(t.Context())
			seq, wait := stream(ctx, fakeExtract(mem, 5, tt.fail))
			var got int64
			var seqErr error
			if tt.take != 0 {
				n := 0
				for rec, err := range seq {
					if err != nil {
						seqErr = err
						break
					}
					got += rec.NumRows()
					rec.Release() // as Write does
					n++
					if n == tt.take {
						break
					}
				}
			}
			cancel(errWriteDone)
			rows, err := wait()
			assert.Equal(t, tt.wantRows, rows)
			require.ErrorIs(t, err, tt.wantErr)
			if tt.fail != nil {
				assert.ErrorIs(t, seqErr, tt.fail, "the extraction error ends the sequence")
			}
			if tt.take < 0 {
				assert.Equal(t, rows, got)
			}
		})
	}
}
