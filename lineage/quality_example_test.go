package lineage_test

import (
	"context"
	"fmt"

	"github.com/etlwatch/etlwatch/configloader"
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

func ExampleSourceDataset() {
	cfg, _ := configloader.Parse("sources.yaml", []byte(`sources:
  shop: {database_type: postgres, connection: {host: db.internal, port: 5432, database: shop, schema: sales}}
`))
	src, _ := cfg.Source("shop")
	id := lineage.SourceDataset(src, "orders")
	fmt.Println(id.Namespace, id.Name)
	fmt.Println(lineage.DataSource(src, id).URI)
	// Output:
	// postgres://db.internal:5432 shop.sales.orders
	// postgres://db.internal:5432
}
