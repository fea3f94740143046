package jsonupsert_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/apache/iceberg-go/catalog"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/cdc/jsonupsert"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/iceberg"
)

// counter is an observer that stops the consumer after its first commit.
type counter struct{ stop context.CancelFunc }

func (counter) Started(context.Context, cdc.StartInfo) {}
func (c counter) Committed(_ context.Context, ci cdc.CommitInfo) {
	fmt.Printf("%s: %d upserted, %d deleted\n", ci.Table, ci.Upserted, ci.Deleted)
	c.stop()
}
func (counter) Stopped(context.Context, error) {}

// A topic of plain JSON rows keyed by primary key, applied to an Iceberg table: two upserts of
// key 1 collapse to the last, key 2 is inserted then deleted by a tombstone.
func ExampleNew() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "app.orders"))
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	dir, err := os.MkdirTemp("", "warehouse")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	cat, err := iceberg.OpenCatalog(ctx, configloader.Iceberg{Warehouse: dir})
	if err != nil {
		log.Fatal(err)
	}
	defer cat.(catalog.Closer).Close()

	prod, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...))
	if err != nil {
		log.Fatal(err)
	}
	defer prod.Close()
	rec := func(key, value string) *kgo.Record {
		r := &kgo.Record{Topic: "app.orders", Key: []byte(key)}
		if value != "" {
			r.Value = []byte(value)
		}
		return r
	}
	if err := prod.ProduceSync(ctx,
		rec(`{"id":1}`, `{"id":1,"qty":5}`),
		rec(`{"id":2}`, `{"id":2,"qty":7}`),
		rec(`{"id":1}`, `{"id":1,"qty":6}`),
		rec(`{"id":2}`, ""), // a tombstone: delete row 2
	).FirstErr(); err != nil {
		log.Fatal(err)
	}

	src := &configloader.Source{Name: "app", CDC: configloader.CDC{Brokers: cluster.ListenAddrs(),
		Topics: []string{"app.orders"}, GroupID: "etl", BatchSize: 4, CommitInterval: time.Second}}
	c, err := cdc.Open(src, iceberg.NewTableManager(cat, "raw"), cdc.WithFormat(jsonupsert.New()), cdc.WithObserver(counter{cancel}))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if err := c.Run(ctx); err != nil {
		log.Fatal(err)
	}
	// Output:
	// orders: 1 upserted, 1 deleted
}
