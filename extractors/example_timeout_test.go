package extractors_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors"
)

// A server that accepts the TCP connection and never answers (here a listener that never
// writes) fails Open within the connect timeout, with an error that names host:port and the
// setting to raise.
func ExampleWithConnectTimeout() {
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
	addr := ln.Addr().(*net.TCPAddr)
	src := &configloader.Source{Name: "orders", DatabaseType: "mysql", Connection: configloader.Connection{
		Host: "127.0.0.1", Port: addr.Port, Database: "shop"}}

	_, err := extractors.Open(context.Background(), src, extractors.WithConnectTimeout(time.Second))
	var cte *extractors.ConnectTimeoutError
	if errors.As(err, &cte) {
		fmt.Println(cte.Address == addr.String(), cte.Accepted, cte.Timeout)
		fmt.Println(cte.Setting)
	}
	// Output:
	// true true 1s
	// mysql.WithConnectTimeout (or connection.connect_timeout in sources.yaml)
}
