package mysql

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSplitRange(t *testing.T) {
	for _, tc := range []struct {
		lo, hi int64
		n      int
	}{
		{1, 100, 4}, {1, 3, 4}, {5, 5, 4}, {-10, 10, 3}, {math.MinInt64, math.MaxInt64, 4}, {0, 1000, 7},
	} {
		rs := splitRange(tc.lo, tc.hi, tc.n)
		assert.LessOrEqual(t, len(rs), tc.n)
		assert.Equal(t, tc.lo, rs[0].lo)
		assert.Equal(t, tc.hi, rs[len(rs)-1].hi)
		for i, r := range rs {
			assert.LessOrEqual(t, r.lo, r.hi)
			if i > 0 {
				assert.Equal(t, rs[i-1].hi+1, r.lo)
			}
		}
	}
}
