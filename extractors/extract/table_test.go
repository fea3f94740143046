package extract_test

import (
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"

	"github.com/etlwatch/etlwatch/extractors/extract"
)

func TestSplitKeyRange(t *testing.T) {
	for _, tc := range []struct {
		lo, hi int64
		n      int
	}{
		{1, 100, 4}, {1, 3, 4}, {5, 5, 4}, {-10, 10, 3}, {math.MinInt64, math.MaxInt64, 4}, {0, 1000, 7}, {0, 10, 0},
	} {
		rs := extract.SplitKeyRange(tc.lo, tc.hi, tc.n)
		assert.LessOrEqual(t, len(rs), max(tc.n, 1))
		assert.Equal(t, tc.lo, rs[0].Lo)
		assert.Equal(t, tc.hi, rs[len(rs)-1].Hi)
		for i, r := range rs {
			assert.LessOrEqual(t, r.Lo, r.Hi)
			if i > 0 {
				assert.Equal(t, rs[i-1].Hi+1, r.Lo)
			}
		}
	}
	assert.Equal(t, []extract.KeyRange{{1, 25}, {26, 50}, {51, 75}, {76, 100}}, extract.SplitKeyRange(1, 100, 4))
}

func TestNewTable(t *testing.T) {
	fields := []arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "name", Type: arrow.BinaryTypes.String, Nullable: true}}
	tbl := extract.NewTable("customers", fields, []string{"bigint", "text"}, []string{"id"})
	assert.Equal(t, []string{"id"}, tbl.PrimaryKey)
	v, ok := tbl.Schema.Metadata().GetValue(extract.PrimaryKeyMetadata)
	assert.True(t, ok)
	assert.Equal(t, "id", v)
	none := extract.NewTable("log", fields, []string{"bigint", "text"}, []string{})
	assert.Nil(t, none.PrimaryKey)
	assert.Equal(t, 0, none.Schema.Metadata().Len())
}
