package iceberg_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/iceberg"
)

// A REST catalog that accepts the connection and never answers (here a listener that never
// writes) fails OpenCatalog within the connect timeout instead of hanging the job.
func ExampleWithCatalogConnectTimeout() {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never written to
		}
	}()
	_, err := iceberg.OpenCatalog(context.Background(),
		configloader.Iceberg{Catalog: "rest", URI: "http://" + ln.Addr().String() + "/catalog"},
		iceberg.WithCatalogConnectTimeout(time.Second))
	var cte *extract.ConnectTimeoutError
	fmt.Println(errors.As(err, &cte), cte.Accepted, cte.Timeout, cte.Setting)
	// Output: true true 1s iceberg.WithCatalogConnectTimeout
}
