package cdc_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/apache/iceberg-go/catalog"

	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/iceberg"
)

// A consumer for a program without a sources.yaml: its own Config. New checks it and does not
// connect; Run does.
func ExampleNew() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "warehouse")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	cat, err := iceberg.NewCatalog(ctx, iceberg.CatalogConfig{Warehouse: dir})
	if err != nil {
		log.Fatal(err)
	}
	defer cat.(catalog.Closer).Close()
	tables := iceberg.NewTableManager(cat, "shop")

	cfg := cdc.Config{Source: "shop", Brokers: []string{"127.0.0.1:9092"}, Topics: []string{"shop.public.orders"}}
	_, err = cdc.New(cfg, tables)
	fmt.Println(err)

	cfg.GroupID, cfg.DeadLetterTopic = "etl", "shop.dead_letters"
	c, err := cdc.New(cfg, tables, cdc.WithCommitInterval(5*time.Second))
	fmt.Println(err)
	c.Close()
	// Output:
	// cdc: source "shop": cdc.group_id is required
	// <nil>
}

const sourcesYAML = `sources:
  shop:
    database_type: postgres
    connection: {host: db.internal, port: 5432, database: shop, username: etl}
    iceberg: {namespace: bronze}
    cdc:
      brokers: [kafka-1:9092, kafka-2:9092]
      topic_prefix: shop.public.
      group_id: etl-shop
      batch_size: 5000
      maintenance: {max_delete_files: 8}
`

// The consumer's Config of a sources.yaml source: the one translation of its cdc: block.
func ExampleFromSource() {
	cfg, err := configloader.Parse("sources.yaml", []byte(sourcesYAML))
	if err != nil {
		log.Fatal(err)
	}
	c := cdc.FromSource(cfg.Sources["shop"])
	fmt.Println(c.Source, c.DatabaseType, c.Namespace, c.Brokers, c.TopicPrefix, c.GroupID, c.BatchSize, c.Maintenance.MaxDeleteFiles)
	// Output: shop postgres bronze [kafka-1:9092 kafka-2:9092] shop.public. etl-shop 5000 8
}

// A consumer of a sources.yaml source: Open is New with FromSource.
func ExampleOpen() {
	ctx := context.Background()
	cfg, err := configloader.Parse("sources.yaml", []byte(sourcesYAML))
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "warehouse")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	cat, err := iceberg.NewCatalog(ctx, iceberg.CatalogConfig{Warehouse: dir})
	if err != nil {
		log.Fatal(err)
	}
	defer cat.(catalog.Closer).Close()
	c, err := cdc.Open(cfg.Sources["shop"], iceberg.NewTableManager(cat, "bronze"))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	fmt.Println("ready; Run consumes")
	// Output: ready; Run consumes
}
