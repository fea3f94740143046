package cdc_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"sync"
	"time"

	"github.com/apache/iceberg-go/catalog"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/iceberg"
)

// printer is an Observer that prints each commit and stops the consumer after the first.
type printer struct {
	once sync.Once
	stop context.CancelFunc
}

func (p *printer) Started(_ context.Context, info cdc.StartInfo) {
	fmt.Printf("consuming %v as group %s into %s\n", info.Topics, info.GroupID, info.Namespace)
}

func (p *printer) Committed(_ context.Context, ci cdc.CommitInfo) {
	fmt.Printf("%s.%s (from %s): %d upserted, %d deleted, %d data file(s), new table: %t\n",
		ci.Namespace, ci.Table, ci.SourceTable, ci.Upserted, ci.Deleted, ci.DataFiles, ci.Created)
	p.once.Do(p.stop)
}

func (p *printer) Stopped(_ context.Context, err error) { fmt.Println("stopped, error:", err) }

// A consumer applying Debezium change events from Kafka to an Iceberg table, with an observer
// that sees each commit. Kafka here is an in-process kfake cluster; Iceberg a local SQL catalog.
func ExampleWithObserver() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "pg.public.orders"))
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

	// Debezium's PostgreSQL connector with schemas.enable=false: two inserts.
	prod, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...))
	if err != nil {
		log.Fatal(err)
	}
	defer prod.Close()
	for id, name := range []string{"ada", "grace"} {
		key := fmt.Sprintf(`{"id":%d}`, id+1)
		value := fmt.Sprintf(`{"before":null,"after":{"id":%d,"customer":%q},"op":"c","ts_ms":1700000000000,`+
			`"source":{"connector":"postgresql","db":"shop","schema":"public","table":"orders","lsn":%d,"ts_ms":1700000000000}}`, id+1, name, 100+id)
		if err := prod.ProduceSync(ctx, &kgo.Record{Topic: "pg.public.orders", Key: []byte(key), Value: []byte(value)}).FirstErr(); err != nil {
			log.Fatal(err)
		}
	}

	src := &configloader.Source{Name: "shop", DatabaseType: "postgres",
		CDC: configloader.CDC{Brokers: cluster.ListenAddrs(), Topics: []string{"pg.public.orders"}, GroupID: "etl", CommitInterval: 100 * time.Millisecond}}
	c, err := cdc.Open(src, iceberg.NewTableManager(cat, "shop"), cdc.WithObserver(&printer{stop: cancel}))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if err := c.Run(ctx); err != nil {
		log.Fatal(err)
	}
	// Output:
	// consuming [pg.public.orders] as group etl into shop
	// shop.orders (from shop.public.orders): 2 upserted, 0 deleted, 1 data file(s), new table: true
	// stopped, error: <nil>
}
