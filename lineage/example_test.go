package lineage_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/etlwatch/etlwatch/lineage"
)

// A client with the console transport prints each event as a JSON line.
func ExampleNewClient() {
	console, err := lineage.NewWriterTransport(os.Stdout)
	if err != nil {
		panic(err)
	}
	client, err := lineage.NewClient(lineage.WithTransports(console), lineage.WithNamespace("etl"),
		lineage.WithProducer("https://example.com/my-job"))
	if err != nil {
		panic(err)
	}
	_ = client.Emit(&lineage.RunEvent{
		EventTime: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC),
		EventType: lineage.EventStart,
		Run:       lineage.Run{RunID: "01938a6e-7a00-7000-8000-000000000001"},
		Job:       lineage.Job{Namespace: client.Namespace(), Name: "shop.bulk_load"},
	})
	_ = client.Shutdown(context.Background())
	// Output:
	// {"eventTime":"2026-12-02T10:00:00Z","producer":"https://example.com/my-job","schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent","eventType":"START","run":{"runId":"01938a6e-7a00-7000-8000-000000000001","facets":{}},"job":{"namespace":"etl","name":"shop.bulk_load","facets":{}},"inputs":[],"outputs":[]}
}

// A bulk load is a parent run with one child run per table.
func ExampleClient_NewRun() {
	client, err := lineage.NewClient() // no transport: lineage is off, the calls cost nothing
	if err != nil {
		panic(err)
	}
	job := client.NewRun("shop.bulk_load", lineage.WithCorrelationID("7d1f..."))
	job.Start(lineage.Update{})
	src := lineage.Postgres("db", 5432, "shop", "public", "orders")
	dst := lineage.Location("s3://lake/warehouse/shop/orders")
	table := client.NewRun("shop.bulk_load.orders", lineage.WithParent(job), lineage.WithJobType("TASK"))
	table.Start(lineage.Update{
		Inputs:  []lineage.InputDataset{{Namespace: src.Namespace, Name: src.Name}},
		Outputs: []lineage.OutputDataset{{Namespace: dst.Namespace, Name: dst.Name}},
	})
	table.Complete(lineage.Update{})
	job.End(nil, lineage.Update{})
	fmt.Println(table.Ended(), job.Ended())
	_ = client.Shutdown(context.Background())
	// Output: COMPLETE COMPLETE
}

// The HTTP transport posts to Marquez's endpoint.
func ExampleNewHTTPTransport() {
	t, err := lineage.NewHTTPTransport("http://localhost:5000", lineage.WithAPIKey(os.Getenv("OPENLINEAGE_API_KEY")),
		lineage.WithTimeout(5*time.Second), lineage.WithRetries(3))
	if err != nil {
		panic(err)
	}
	fmt.Println(t.Name(), t.URL())
	// Output: http http://localhost:5000/api/v1/lineage
}

// The file transport appends JSON lines, one file per UTC day here.
func ExampleNewFileTransport() {
	dir, _ := os.MkdirTemp("", "lineage")
	defer os.RemoveAll(dir)
	t, err := lineage.NewFileTransport(filepath.Join(dir, "lineage.jsonl"), lineage.WithRotation(lineage.RotateDaily))
	if err != nil {
		panic(err)
	}
	fmt.Println(t.Name(), filepath.Base(filepath.Dir(t.Path())) == filepath.Base(dir))
	// Output: file true
}

// The console transport writes JSON lines to any writer.
func ExampleNewWriterTransport() {
	t, err := lineage.NewWriterTransport(os.Stderr)
	if err != nil {
		panic(err)
	}
	fmt.Println(t.Name())
	// Output: console
}

// A streaming job reports its commits; RUNNING events carry what was committed since the last.
func ExampleClient_NewStreamingRun() {
	client, _ := lineage.NewClient()
	run := client.NewStreamingRun("shop.cdc", time.Minute)
	topic := lineage.Kafka("broker:9092", "shop.public.orders")
	run.Start([]lineage.InputDataset{{Namespace: topic.Namespace, Name: topic.Name}})
	run.Committed(lineage.Commit{Inputs: []lineage.DatasetID{topic}, Output: lineage.Location("s3://lake/shop/orders"), RowsUpserted: 120, DataFiles: 1})
	run.Stop(nil) // COMPLETE, with the 120 rows not yet sent
	fmt.Println(run.Run().Ended())
	_ = client.Shutdown(context.Background())
	// Output: COMPLETE
}

func ExamplePostgres() {
	fmt.Println(lineage.Postgres("db.internal", 5432, "shop", "public", "orders"))
	fmt.Println(lineage.MySQL("db", 3306, "shop", "orders"))
	fmt.Println(lineage.Oracle("ora", 1521, "ORCLPDB1", "SALES", "ORDERS"))
	fmt.Println(lineage.Kafka("broker:9092", "dbserver1.public.orders"))
	// Output:
	// {postgres://db.internal:5432 shop.public.orders}
	// {mysql://db:3306 shop.orders}
	// {oracle://ora:1521 ORCLPDB1.SALES.ORDERS}
	// {kafka://broker:9092 dbserver1.public.orders}
}

func ExampleLocation() {
	fmt.Println(lineage.Location("s3://lake/warehouse/shop/orders"))
	fmt.Println(lineage.Location("file:///var/warehouse/shop/orders"))
	f := lineage.IcebergTable("s3://lake/warehouse", "shop.orders")
	fmt.Println(f.Symlinks.Identifiers[0].Name, f.Symlinks.Identifiers[0].Type)
	// Output:
	// {s3://lake warehouse/shop/orders}
	// {file /var/warehouse/shop/orders}
	// shop.orders TABLE
}

func ExampleSchemaOf() {
	s := lineage.SchemaOf([]lineage.Column{{Name: "id", Type: "bigint"}, {Name: "total", Type: "numeric(12,2)"}})
	for _, f := range s.Fields {
		fmt.Println(f.OrdinalPosition, f.Name, f.Type)
	}
	// Output:
	// 1 id bigint
	// 2 total numeric(12,2)
}

func ExampleIdentityColumnLineage() {
	f := lineage.IdentityColumnLineage(lineage.Postgres("db", 5432, "shop", "public", "orders"), []string{"id"})
	in := f.Fields["id"].InputFields[0]
	fmt.Println(in.Name, in.Field, in.Transformations[0].Type, in.Transformations[0].Subtype)
	// Output: shop.public.orders id DIRECT IDENTITY
}

func ExampleNewRunID() {
	id := lineage.NewRunID()
	fmt.Println(len(id), id[14:15])
	// Output: 36 7
}

func ExampleCorrelationRunFacetSchema() {
	fmt.Println(len(lineage.CorrelationRunFacetSchema()) > 0)
	// Output: true
}

func ExampleVersion() {
	fmt.Println(lineage.Version() != "")
	// Output: true
}
