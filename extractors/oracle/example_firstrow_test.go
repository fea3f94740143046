package oracle_test

import (
	"context"
	"fmt"
	"time"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors/oracle"
)

// Each read waits at most 30 seconds for its first row, whatever connection.first_row_timeout
// says; the rows after the first have no timeout.
func ExampleWithFirstRowTimeout() {
	src := &configloader.Source{Name: "shop", DatabaseType: "oracle", Connection: configloader.Connection{Host: "db.internal"}}
	ext, err := oracle.Open(context.Background(), src, oracle.WithFirstRowTimeout(30*time.Second))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ext.Close()
}
