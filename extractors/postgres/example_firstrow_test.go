package postgres_test

import (
	"context"
	"fmt"
	"time"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors/postgres"
)

// Each read waits at most 30 seconds for its first row, whatever connection.first_row_timeout
// says; the rows after the first have no timeout.
func ExampleWithFirstRowTimeout() {
	src := &configloader.Source{Name: "shop", DatabaseType: "postgres", Connection: configloader.Connection{Host: "db.internal"}}
	ext, err := postgres.Open(context.Background(), src, postgres.WithFirstRowTimeout(30*time.Second))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ext.Close()
}
