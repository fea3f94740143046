package postgres_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors/postgres"
)

// ExampleConnect gets a *sql.DB for your own queries from a sources.yaml source, with the
// extractor's connection settings and a connect timeout of 5s. It needs a server, so it has
// no checked output.
func ExampleConnect() {
	ctx := context.Background()
	src := &configloader.Source{Name: "orders_db", DatabaseType: "postgres", Connection: configloader.Connection{
		Host: "127.0.0.1", Port: 5432, Database: "test", Username: "postgres",
		Options: map[string]string{"sslmode": "disable"},
	}}
	db, err := postgres.Connect(ctx, src, postgres.WithConnectTimeout(5*time.Second))
	if err != nil {
		log.Fatal(err) // an *extract.ConnectTimeoutError names host:port when the server does not answer
	}
	defer db.Close()
	var name string
	if err := db.QueryRowContext(ctx, "SELECT current_database()").Scan(&name); err != nil {
		log.Fatal(err)
	}
	fmt.Println("connected to", name)
}
