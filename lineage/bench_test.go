package lineage_test

import (
	"context"
	"io"
	"testing"

	"github.com/etlwatch/etlwatch/lineage"
)

// BenchmarkEmitTableRun is what the job's goroutine pays for one table's COMPLETE event as the
// bulk load sends it (input and output with schemas of 10 columns, column lineage, statistics, two
// tests): filling, encoding and handing it to a console transport writing to io.Discard.
func BenchmarkEmitTableRun(b *testing.B) {
	w, _ := lineage.NewWriterTransport(io.Discard)
	c, _ := lineage.NewClient(lineage.WithTransports(w), lineage.WithBufferSize(1<<16))
	defer c.Shutdown(context.Background())
	parent := c.NewRun("shop.bulk_load")
	cols := make([]lineage.Column, 10)
	names := make([]string, 10)
	for i := range cols {
		cols[i] = lineage.Column{Name: "column_" + string(rune('a'+i)), Type: "numeric(12,2)"}
		names[i] = cols[i].Name
	}
	in := lineage.Postgres("db", 5432, "shop", "public", "orders")
	out := lineage.Location("s3://lake/warehouse/shop/orders")
	b.ReportAllocs()
	for b.Loop() {
		r := c.NewRun("shop.bulk_load.orders", lineage.WithParent(parent), lineage.WithCorrelationID("c"))
		u := lineage.Update{
			Inputs: []lineage.InputDataset{{Namespace: in.Namespace, Name: in.Name,
				Facets:      lineage.DatasetFacets{Schema: lineage.SchemaOf(cols)},
				InputFacets: lineage.InputDatasetFacets{InputStatistics: &lineage.InputStatisticsInputDatasetFacet{RowCount: lineage.Int64(1000)}}}},
			Outputs: []lineage.OutputDataset{{Namespace: out.Namespace, Name: out.Name,
				Facets:       lineage.DatasetFacets{Schema: lineage.SchemaOf(cols), ColumnLineage: lineage.IdentityColumnLineage(in, names)},
				OutputFacets: lineage.OutputDatasetFacets{OutputStatistics: &lineage.OutputStatisticsOutputDatasetFacet{RowCount: lineage.Int64(1000)}}}},
			Tests: []lineage.TestExecution{{Name: "row_count:orders", Status: "pass"}, {Name: "required_columns:orders", Status: "pass"}},
		}
		r.Complete(u) // START, then COMPLETE
	}
}
