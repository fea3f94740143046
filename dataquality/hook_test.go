package dataquality_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/etlwatch/etlwatch/dataquality"
)

// TestResultHookSeesEveryResult: the hook gets each reported result, passed, failed and one
// that could not run, in order.
func TestResultHookSeesEveryResult(t *testing.T) {
	var mu sync.Mutex
	var seen []dataquality.Result
	c := dataquality.NewChecker(dataquality.WithResultHook(func(_ context.Context, r dataquality.Result) {
		mu.Lock()
		seen = append(seen, r)
		mu.Unlock()
	}))
	ctx := context.Background()
	a := c.ValidateRowCount(ctx, "orders", 10, 10, 0)
	b := c.ValidateRowCount(ctx, "orders", 10, 9, 0)
	e := c.ValidateRowCount(ctx, "orders", 10, 9, 2) // a tolerance above 1: could not run
	assert.Equal(t, []dataquality.Result{a, b, e}, seen)
	assert.True(t, seen[0].Passed)
	assert.False(t, seen[1].Passed)
	assert.Error(t, seen[2].Err)
}

func ExampleWithResultHook() {
	c := dataquality.NewChecker(dataquality.WithResultHook(func(_ context.Context, r dataquality.Result) {
		fmt.Println("hook:", r.Check, r.Table, r.Passed)
	}))
	c.ValidateRowCount(context.Background(), "orders", 100, 100, 0)
	// Output: hook: row_count orders true
}
