package cdclineage_test

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/etlwatch/etlwatch"
	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/lineage"
	"github.com/etlwatch/etlwatch/lineage/cdclineage"
)

// The observer turns the consumer's calls into a streaming run's events; a consumer calls it
// through cdc.WithObserver(obs).
func ExampleNew() {
	client, _ := lineage.NewClient() // with a transport, the events would go out
	run := client.NewStreamingRun("shop.cdc", time.Minute)
	obs, err := cdclineage.New(run, cdclineage.WithCatalog("s3://lake/warehouse"))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	obs.Started(ctx, cdc.StartInfo{Brokers: []string{"kafka:9092"}, Topics: []string{"pg.public.orders"}})
	obs.Committed(ctx, cdc.CommitInfo{Namespace: "shop", Table: "orders", Location: "s3://lake/warehouse/shop/orders",
		Topics: []string{"pg.public.orders"}, Upserted: 120})
	obs.Stopped(ctx, nil)
	fmt.Println(run.Run().Ended())
	_ = client.Shutdown(ctx)
	// Output: COMPLETE
}

// A CDC job's wiring: the pipeline's lineage run is a streaming one, and the observer feeds it.
func ExampleForPipeline() {
	cfg, _ := configloader.Parse("sources.yaml", []byte("sources:\n  shop:\n    database_type: postgres\n    lineage: {running_interval: 30s}\n"))
	src, _ := cfg.Source("shop")
	p, err := etlwatch.New(context.Background(), "cdc", src, etlwatch.WithLogOutput(io.Discard), etlwatch.WithStreamingLineage())
	if err != nil {
		panic(err)
	}
	obs, err := cdclineage.ForPipeline(p, src)
	if err != nil {
		panic(err)
	}
	_ = obs // cdc.Open(src, tables, cdc.WithObserver(obs)), then consumer.Run(ctx)
	fmt.Println(p.StreamingLineage().Run().JobName())
	_ = p.Shutdown(context.Background())
	// Output: shop.cdc
}
