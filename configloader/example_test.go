package configloader_test

import (
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/etlwatch/etlwatch/configloader"
)

// reference is the sources.yaml of the Python pipeline, which loads as it is.
const reference = `sources:
  dev_mydb:
    database_type: oracle
    monitoring:
      enable_cloudwatch: true
      cloudwatch_namespace: 'ETL/Pipeline'
    data_quality:
      check_row_count: true
      row_count_tolerance: 0.01
      required_columns:
        CUSTOMERS: [CUSTOMER_ID, CREATED]
        ORDERS: [ORDER_ID, ORDER_DATE]
      checksum_tables: [CUSTOMERS, ORDERS]
`

// Load reads <dir>/sources.yaml; Load("") reads $CONFIG_DIR/sources.yaml, or
// ./config/sources.yaml when $CONFIG_DIR is not set.
func ExampleLoad() {
	dir, err := os.MkdirTemp("", "etl-config")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "sources.yaml"), []byte(reference), 0o600); err != nil {
		log.Fatal(err)
	}

	cfg, err := configloader.Load(dir) // or Load("") with CONFIG_DIR=dir
	if err != nil {
		log.Fatal(err)
	}
	src, err := cfg.Source("dev_mydb")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(src.DatabaseType, src.Monitoring.CloudWatchNamespace, src.DataQuality.RequiredColumns["ORDERS"])
	fmt.Println("defaults:", src.BulkLoad.ParallelWorkers, "workers,", src.BulkLoad.MaxRetries, "retries, on failure", src.DataQuality.OnFailure)
	// Output:
	// oracle ETL/Pipeline [ORDER_ID ORDER_DATE]
	// defaults: 4 workers, 3 retries, on failure warn
}

// LoadFile reports every mistake of the file at once, each with its line, column and field.
func ExampleLoadFile() {
	dir, err := os.MkdirTemp("", "etl-config")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "sources.yaml")
	err = os.WriteFile(path, []byte(`sources:
  dev_mydb:
    database_type: postgresql
    bulk_load:
      parallel_workers: 0
    data_quality:
      check_row_cont: true
      row_count_tolerance: 1.5
`), 0o600)
	if err != nil {
		log.Fatal(err)
	}

	_, err = configloader.LoadFile(path)
	fmt.Println(err)

	var le *configloader.LoadError
	if errors.As(err, &le) {
		fmt.Println(len(le.Errors), "mistakes; the first is at line", le.Errors[0].Line)
	}
	// Output:
	// sources.yaml:3:20: sources.dev_mydb.database_type: found "postgresql" (did you mean "postgres"?); allowed: oracle, postgres, mysql or sqlite
	// sources.yaml:5:25: sources.dev_mydb.bulk_load.parallel_workers: found 0; allowed: an integer >= 1
	// sources.yaml:7:7: sources.dev_mydb.data_quality.check_row_cont: found unknown key "check_row_cont" (did you mean "check_row_count"?); allowed: check_row_count, row_count_tolerance, required_columns, checksum_tables, on_failure, monitors
	// sources.yaml:8:28: sources.dev_mydb.data_quality.row_count_tolerance: found 1.5; allowed: a number from 0 to 1
	// 4 mistakes; the first is at line 3
}

// Parse checks bytes, such as an embedded configuration; ${VAR} and ${VAR:-default} are expanded
// from the environment before the values are converted.
func ExampleParse() {
	os.Unsetenv("PG_PORT")
	cfg, err := configloader.Parse("sources.yaml", []byte(`
sources:
  orders_db:
    database_type: postgres
    connection:
      host: localhost
      port: ${PG_PORT:-5432}
    bulk_load:
      tables: [CUSTOMERS, ORDERS]
      parallel_workers: 8
`))
	if err != nil {
		log.Fatal(err)
	}
	src := cfg.Sources["orders_db"]
	fmt.Println(src.Connection.Host, src.Connection.Port, src.BulkLoad.Tables, src.BulkLoad.ParallelWorkers)
	// Output:
	// localhost 5432 [CUSTOMERS ORDERS] 8
}

// Config.Source returns a source by name; an unknown name lists the ones there are.
func ExampleConfig_Source() {
	cfg, err := configloader.Parse("sources.yaml", []byte(`
sources:
  dev_mydb: {database_type: oracle}
  prod_pg: {database_type: postgres}
`))
	if err != nil {
		log.Fatal(err)
	}
	src, err := cfg.Source("prod_pg")
	fmt.Println(src.DatabaseType, err)

	_, err = cfg.Source("prod")
	fmt.Println(errors.Is(err, configloader.ErrUnknownSource))
	fmt.Println(err)
	// Output:
	// postgres <nil>
	// true
	// configloader: unknown source: "prod" is not in sources.yaml; sources: dev_mydb, prod_pg
}

// Config.String shows the configuration with its defaults, as sources.yaml text.
func ExampleConfig_String() {
	cfg, err := configloader.Parse("sources.yaml", []byte(`
sources:
  dev_mydb:
    database_type: sqlite
    connection: {database: /var/lib/etl/dev.db, password: hunter2}
`))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(cfg)
	// Output:
	// sources:
	//   dev_mydb:
	//     database_type: sqlite
	//     connection:
	//       database: /var/lib/etl/dev.db
	//       password: '[REDACTED]'
	//     bulk_load:
	//       parallel_workers: 4
	//       parallel_partitions: 1
	//       max_retries: 3
	//     iceberg:
	//       catalog: sql
	//       warehouse: ./warehouse
	//     data_quality:
	//       on_failure: warn
}

// A Secret prints redacted everywhere; Reveal gives the value to the code that connects.
func ExampleSecret() {
	os.Setenv("ORACLE_PASSWORD", "hunter2")
	defer os.Unsetenv("ORACLE_PASSWORD")
	cfg, err := configloader.Parse("sources.yaml", []byte(`
sources:
  dev_mydb:
    database_type: oracle
    connection: {username: etl, password: '${ORACLE_PASSWORD}'}
`))
	if err != nil {
		log.Fatal(err)
	}
	conn := cfg.Sources["dev_mydb"].Connection
	fmt.Println(conn.Password)
	fmt.Printf("%+v\n", conn)
	fmt.Println(len(conn.Password.Reveal()), "characters to connect with")
	// Output:
	// [REDACTED]
	// {Host: Port:0 Database: ServiceName: Schema: Username:etl Password:[REDACTED] DSN: ConnectTimeout:0s FirstRowTimeout:0s Options:map[]}
	// 7 characters to connect with
}

// Config.Names lists the sources, sorted, such as for a command that loads them all.
func ExampleConfig_Names() {
	cfg, err := configloader.Parse("sources.yaml", []byte(`
sources:
  prod_pg: {database_type: postgres}
  dev_mydb: {database_type: oracle}
`))
	if err != nil {
		log.Fatal(err)
	}
	for _, name := range cfg.Names() {
		fmt.Println(name, cfg.Sources[name].DatabaseType)
	}
	// Output:
	// dev_mydb oracle
	// prod_pg postgres
}

// A dead-letter topic under the topic prefix would be read back by the consumer.
func ExampleCDC_DeadLetterLoop() {
	c := configloader.CDC{TopicPrefix: "pg.", DeadLetterTopic: "pg.dlq"}
	fmt.Println(c.DeadLetterLoop())
	c.DeadLetterTopic = "dlq.pg"
	fmt.Printf("%q\n", c.DeadLetterLoop())
	// Output:
	// under_prefix
	// ""
}
