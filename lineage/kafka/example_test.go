package kafka_test

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/etlwatch/etlwatch/lineage"
	"github.com/etlwatch/etlwatch/lineage/kafka"
)

func ExampleNewTransport() {
	cluster, _ := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "openlineage"))
	defer cluster.Close()
	t, err := kafka.NewTransport(cluster.ListenAddrs(), "openlineage")
	if err != nil {
		panic(err)
	}
	client, _ := lineage.NewClient(lineage.WithTransports(t))
	run := client.NewRun("shop.bulk_load")
	run.Start(lineage.Update{})
	run.Complete(lineage.Update{})
	_ = client.Shutdown(context.Background())
	fmt.Println(client.Stats()[0].Delivered)
	// Output: 2
}

func ExampleKey() {
	ev := &lineage.RunEvent{Job: lineage.Job{Namespace: "etl", Name: "shop.bulk_load.orders"}}
	ev.Run.Facets.Parent = &lineage.ParentRunFacet{Job: lineage.ParentJob{Namespace: "etl", Name: "shop.bulk_load"}}
	fmt.Println(kafka.Key(ev))
	// Output: run:etl/shop.bulk_load
}
