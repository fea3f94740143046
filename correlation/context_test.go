package correlation_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/correlation"
)

func TestContextRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		ctx  func() context.Context
		want string
	}{
		{"absent", context.Background, ""},
		{"set", func() context.Context {
			return correlation.ContextWithID(context.Background(), "job-1")
		}, "job-1"},
		{"replaced", func() context.Context {
			ctx := correlation.ContextWithID(context.Background(), "job-1")
			return correlation.ContextWithID(ctx, "job-2")
		}, "job-2"},
		{"survives derived contexts", func() context.Context {
			ctx := correlation.ContextWithID(context.Background(), "job-1")
			ctx, cancel := context.WithCancel(ctx)
			t.Cleanup(cancel)
			return context.WithValue(ctx, struct{ other int }{}, "x")
		}, "job-1"},
		{"nil parent", func() context.Context {
			return correlation.ContextWithID(nil, "job-1") //nolint:staticcheck // nil ctx must not panic
		}, "job-1"},
		{"nil context", func() context.Context { return nil }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, correlation.IDFromContext(tt.ctx()))
		})
	}
}

func TestIDFromContextDoesNotAllocate(t *testing.T) {
	withID := correlation.ContextWithID(context.Background(), "job-1")
	deep, cancel := context.WithCancel(withID)
	defer cancel()
	tests := []struct {
		name string
		ctx  context.Context
	}{
		{"absent", context.Background()},
		{"present", withID},
		{"present in parent", deep},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var id string
			allocs := testing.AllocsPerRun(1000, func() {
				id = correlation.IDFromContext(tt.ctx)
			})
			assert.Zero(t, allocs)
			_ = id
		})
	}
}

func TestEnsure(t *testing.T) {
	t.Run("keeps existing ID", func(t *testing.T) {
		parent := correlation.ContextWithID(context.Background(), "job-1")
		ctx, id := correlation.Ensure(parent)
		assert.Equal(t, "job-1", id)
		assert.Equal(t, parent, ctx, "context returned unchanged")
	})
	t.Run("creates ID when absent", func(t *testing.T) {
		ctx, id := correlation.Ensure(context.Background())
		require.True(t, correlation.Valid(id))
		assert.Equal(t, id, correlation.IDFromContext(ctx))

		again, id2 := correlation.Ensure(ctx)
		assert.Equal(t, id, id2, "second Ensure reuses the ID")
		assert.Equal(t, ctx, again)
	})
	t.Run("empty ID counts as absent", func(t *testing.T) {
		ctx, id := correlation.Ensure(correlation.ContextWithID(context.Background(), ""))
		require.NotEmpty(t, id)
		assert.Equal(t, id, correlation.IDFromContext(ctx))
	})
	t.Run("nil context", func(t *testing.T) {
		ctx, id := correlation.Ensure(nil) //nolint:staticcheck // nil ctx must not panic
		require.NotNil(t, ctx)
		assert.Equal(t, id, correlation.IDFromContext(ctx))
	})
}
