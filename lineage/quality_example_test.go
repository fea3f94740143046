package lineage_test

import (
	"context"
	"fmt"

	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/lineage"
)

func ExampleQualityOf() {
	checker := dataquality.NewChecker()
	res := checker.ValidateRowCount(context.Background(), "orders", 1000, 1000, 0)
	q := lineage.QualityOf([]dataquality.Result{res}, lineage.Severity("fail"))
	t := q.Tests[0]
	fmt.Println(t.Name, t.Status, t.Severity, t.Expected, t.Actual)
	fmt.Println(*q.InputMetrics.RowCount, *q.OutputMetrics.RowCount)
	// Output:
	// row_count:orders pass error 1000 1000
	// 1000 1000
}
