package oracle_test

import (
	"context"
	"fmt"
	"time"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors/oracle"
)

// A program without a sources.yaml describes its database in a Config.
func ExampleNew() {
	ext, err := oracle.New(context.Background(), oracle.Config{
		Host: "127.0.0.1", ServiceName: "FREEPDB1", User: "etl", Password: "s3cret",
		ConnectTimeout: 5 * time.Second,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ext.Close()
}

// FromSource is the translation Open makes of a source of sources.yaml.
func ExampleFromSource() {
	src := &configloader.Source{Name: "erp", DatabaseType: configloader.Postgres,
		Connection: configloader.Connection{Host: "db.internal", Database: "erp", Username: "etl", Password: "s3cret"}}
	cfg := oracle.FromSource(src)
	fmt.Println(cfg.Name, cfg.Host, cfg.Database, cfg.User, cfg.Password != "")
	// Output: erp db.internal erp etl true
}
