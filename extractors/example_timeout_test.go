package extractors_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

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

// A read whose first row does not come within the first-row timeout (a table locked by another
// session, say) fails with an error naming host:port and the setting to raise; the rows after
// the first have no timeout. Zero waits without limit.
func ExampleWithFirstRowTimeout() {
	src := &configloader.Source{Name: "orders", DatabaseType: "postgres", Connection: configloader.Connection{
		Host: "127.0.0.1", Database: "test", Username: "postgres"}}
	ctx := context.Background()
	ext, err := extractors.Open(ctx, src, extractors.WithFirstRowTimeout(30*time.Second))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ext.Close()
	table, err := ext.Describe(ctx, "orders")
	if err != nil {
		fmt.Println(err)
		return
	}
	snap, err := ext.Snapshot(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer snap.Close()
	_, err = snap.Extract(ctx, table, extractors.ReadOptions{}, func(context.Context, arrow.RecordBatch) error { return nil })
	var fre *extractors.FirstRowTimeoutError
	if errors.As(err, &fre) {
		fmt.Println(fre.Address, "sent no row within", fre.Timeout, "; raise", fre.Setting)
	}
}
