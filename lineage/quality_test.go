package lineage_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/lineage"
)

// TestQualityOf runs real checks and checks what becomes of their results.
func TestQualityOf(t *testing.T) {
	ctx := context.Background()
	checker := dataquality.NewChecker()
	dest, err := dataquality.NewMemoryDataset(dataquality.MemoryTable{
		Columns: []dataquality.Column{{Name: "id"}, {Name: "name"}},
		Rows:    []map[string]any{{"id": 1, "name": "a"}, {"id": 2}, {"id": 3}},
	})
	require.NoError(t, err)
	results := []dataquality.Result{
		checker.ValidateRowCount(ctx, "customers", 4, 3, 0),
		checker.RequiredColumns(ctx, "customers", dest, []string{"id", "name"}),
	}
	q := lineage.QualityOf(results, lineage.Severity("fail"))

	require.Len(t, q.Tests, 2)
	assert.Equal(t, lineage.TestExecution{Name: "row_count:customers", Status: "fail", Severity: "error", Type: "row_count",
		Description: results[0].Details, Expected: "4", Actual: "3"}, q.Tests[0])
	assert.Equal(t, "fail", q.Tests[1].Status)
	assert.Equal(t, "2", q.Tests[1].Actual)

	require.NotNil(t, q.Assertions)
	require.Len(t, q.Assertions.Assertions, 1, "only the row count compares input and output")
	assert.False(t, q.Assertions.Assertions[0].Success)

	require.NotNil(t, q.InputMetrics)
	assert.Equal(t, int64(4), *q.InputMetrics.RowCount)
	require.NotNil(t, q.OutputMetrics)
	assert.Equal(t, int64(3), *q.OutputMetrics.RowCount)
	assert.Equal(t, int64(0), *q.OutputMetrics.ColumnMetrics["id"].NullCount)
	assert.Equal(t, int64(2), *q.OutputMetrics.ColumnMetrics["name"].NullCount)

	assert.Equal(t, "warn", lineage.Severity("warn"))
	assert.Equal(t, "warn", lineage.Severity(""))
}
