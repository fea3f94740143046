package oracle_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors/oracle"
)

// ExampleConnect gets a *sql.DB for your own queries from a sources.yaml source, with the
// extractor's connection settings and a connect timeout of 5s. It needs a server, so it has
// no checked output.
func ExampleConnect() {
	ctx := context.Background()
	src := &configloader.Source{Name: "orders_db", DatabaseType: "oracle", Connection: configloader.Connection{
		Host: "db.internal", ServiceName: "FREEPDB1", Username: "etl", Password: "secret",
	}}
	db, err := oracle.Connect(ctx, src, oracle.WithConnectTimeout(5*time.Second))
	if err != nil {
		log.Fatal(err) // an *extract.ConnectTimeoutError names host:port when the server does not answer
	}
	defer db.Close()
	var name string
	if err := db.QueryRowContext(ctx, "SELECT SYS_CONTEXT('USERENV', 'DB_NAME') FROM DUAL").Scan(&name); err != nil {
		log.Fatal(err)
	}
	fmt.Println("connected to", name)
}
