package dataquality_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/dataquality"
)

func TestValidateRowCount(t *testing.T) {
	tests := []struct {
		name         string
		source, dest int64
		tolerance    float64
		passed       bool
		invalid      bool
	}{
		{"equal, exact", 1000, 1000, 0, true, false},
		{"one short, exact", 1000, 999, 0, false, false},
		{"one more, exact", 1000, 1001, 0, false, false},
		{"boundary below", 1000, 990, 0.01, true, false},
		{"boundary above", 1000, 1010, 0.01, true, false},
		{"past boundary", 1000, 989, 0.01, false, false},
		{"decimal boundary 0.29 of 100", 100, 71, 0.29, true, false}, // 0.29*100 is 28.999... in float64
		{"past decimal boundary", 100, 70, 0.29, false, false},
		{"decimal boundary 0.07 of 100", 100, 93, 0.07, true, false},
		{"source 0, dest 0, exact", 0, 0, 0, true, false},
		{"source 0, dest 0, tolerance 1", 0, 0, 1, true, false},
		{"source 0, dest 1, tolerance 1", 0, 1, 1, false, false},
		{"tolerance 1, dest 0", 1000, 0, 1, true, false},
		{"tolerance 1, dest double", 1000, 2000, 1, true, false},
		{"tolerance 1, dest double plus one", 1000, 2001, 1, false, false},
		{"huge counts", math.MaxInt64, math.MaxInt64 - 1, 0, false, false},
		{"huge counts, tolerance 1", math.MaxInt64, 0, 1, true, false},
		{"tolerance NaN", 1000, 1000, math.NaN(), false, true},
		{"tolerance negative", 1000, 1000, -0.1, false, true},
		{"tolerance above 1", 1000, 1000, 1.5, false, true},
		{"tolerance +Inf", 1000, 1000, math.Inf(1), false, true},
		{"negative source", -1, 0, 0.5, false, true},
		{"negative dest", 10, -1, 0.5, false, true},
	}
	c := dataquality.NewChecker()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.ValidateRowCount(context.Background(), "CUSTOMERS", tt.source, tt.dest, tt.tolerance)
			assert.Equal(t, tt.passed, r.Passed, r.Details)
			assert.Equal(t, dataquality.CheckRowCount, r.Check)
			assert.Equal(t, "CUSTOMERS", r.Table)
			if tt.invalid {
				require.Error(t, r.Err)
				assert.ErrorIs(t, r.Err, dataquality.ErrInvalidInput)
				assert.Contains(t, r.Details, "FAILED - could not run")
				return
			}
			require.NoError(t, r.Err)
			assert.Equal(t, tt.source, r.Observed["source"])
			assert.Equal(t, tt.dest, r.Observed["dest"])
		})
	}
}

func TestValidateRowCountDetails(t *testing.T) {
	c := dataquality.NewChecker()
	ctx := context.Background()
	r := c.ValidateRowCount(ctx, "CUSTOMERS", 1000, 1000, 0)
	assert.Equal(t, "Row count validation PASSED - source: 1000, dest: 1000", r.Details)
	assert.Equal(t, "CUSTOMERS: Row count validation PASSED - source: 1000, dest: 1000", r.String())

	r = c.ValidateRowCount(ctx, "CUSTOMERS", 1000, 900, 0.01)
	assert.Equal(t, "Row count validation FAILED - source: 1000, dest: 900, difference: 100 (10.00%), tolerance: 1%", r.Details)
	assert.Equal(t, int64(100), r.Observed["difference"])

	r = c.ValidateRowCount(ctx, "CUSTOMERS", 1000, 995, 0.005)
	assert.Equal(t, "Row count validation PASSED - source: 1000, dest: 995, difference: 5 (0.50%), tolerance: 0.5%", r.Details)

	// A difference too small for two decimals is not written as 0.00%.
	r = c.ValidateRowCount(ctx, "BIG", 2_000_000, 1_999_999, 0)
	assert.Equal(t, "Row count validation FAILED - source: 2000000, dest: 1999999, difference: 1 (0.00005%), tolerance: 0%", r.Details)
	r = c.ValidateRowCount(ctx, "BIG", 10_000, 9_999, 0)
	assert.Equal(t, "Row count validation FAILED - source: 10000, dest: 9999, difference: 1 (0.01%), tolerance: 0%", r.Details)

	r = c.ValidateRowCount(ctx, "EMPTY", 0, 3, 0.29)
	assert.Equal(t, "Row count validation FAILED - source: 0, dest: 3, difference: 3, tolerance: 29%", r.Details)

	r = c.ValidateRowCount(ctx, "X", 10, 10, math.NaN())
	assert.Equal(t, "Row count validation FAILED - could not run: dataquality: invalid input: row count tolerance NaN is not within [0, 1]", r.Details)
}

// countOnly is a Dataset with no optional capability.
type countOnly struct {
	n   int64
	err error
}

func (c countOnly) RowCount(context.Context) (int64, error) { return c.n, c.err }

func TestRowCountDatasets(t *testing.T) {
	c := dataquality.NewChecker()
	ctx := context.Background()

	r := c.RowCount(ctx, "T", countOnly{n: 10}, countOnly{n: 10}, 0)
	assert.True(t, r.Passed)
	assert.Equal(t, "Row count validation PASSED - source: 10, dest: 10", r.Details)

	lost := errors.New("connection lost")
	r = c.RowCount(ctx, "T", countOnly{n: 10}, countOnly{err: lost}, 0)
	assert.False(t, r.Passed)
	assert.ErrorIs(t, r.Err, lost)
	assert.Equal(t, "Row count validation FAILED - could not run: dest: count rows: connection lost", r.Details)

	r = c.RowCount(ctx, "T", nil, countOnly{n: 1}, 0)
	assert.False(t, r.Passed)
	assert.ErrorIs(t, r.Err, dataquality.ErrInvalidInput)

	r = c.RowCount(ctx, "T", countOnly{n: 1}, countOnly{n: 1}, 2)
	assert.False(t, r.Passed)
	assert.ErrorIs(t, r.Err, dataquality.ErrInvalidInput)
}
