package sqldataset_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/dataquality/sqldataset"
)

// ExampleNew reconciles two SQLite tables (a source and its copy) and checks a required column.
// The same code runs against PostgreSQL, MySQL or Oracle with that dialect and driver.
func ExampleNew() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "sqldataset")
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", filepath.Join(dir, "example.db")) // import _ "modernc.org/sqlite"
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	for _, q := range []string{
		`CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, email TEXT, balance NUMERIC(12,2))`,
		`INSERT INTO customers VALUES (1, 'a@example.com', 10.50), (2, 'b@example.com', 3), (3, NULL, 7.25)`,
		`CREATE TABLE customers_copy (customer_id INTEGER PRIMARY KEY, email TEXT, balance NUMERIC(12,2))`,
		`INSERT INTO customers_copy VALUES (1, 'a@example.com', 10.5), (2, 'b@example.com', 3.00), (4, 'd@example.com', 1)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			fmt.Println(err)
			return
		}
	}
	source, _ := sqldataset.New(db, sqldataset.SQLite, "CUSTOMERS") // names are matched case-insensitively
	dest, _ := sqldataset.New(db, sqldataset.SQLite, "customers_copy")

	checker := dataquality.NewChecker()
	fmt.Println(checker.RowCount(ctx, "CUSTOMERS", source, dest, 0))
	fmt.Println(checker.RequiredColumns(ctx, "CUSTOMERS", source, []string{"EMAIL"}))
	fmt.Println(checker.Reconcile(ctx, "CUSTOMERS", source, dest, dataquality.ReconcileOptions{}))
	// Output:
	// CUSTOMERS: Row count validation PASSED - source: 3, dest: 3
	// CUSTOMERS: Required columns validation FAILED - nulls in EMAIL: 1
	// CUSTOMERS: Checksum reconciliation FAILED - source: 3 rows, dest: 3 rows; missing in dest: 1 (3); missing in source: 1 (4)
}

func ExampleDialect_QuoteIdentifier() {
	for _, d := range []sqldataset.Dialect{sqldataset.PostgreSQL, sqldataset.MySQL, sqldataset.Oracle} {
		q, _ := d.QuoteIdentifier(`odd"name`)
		fmt.Println(d, q)
	}
	// Output:
	// postgres "odd""name"
	// mysql `odd"name`
	// oracle "odd""name"
}

func ExampleTable_EstimatedRowCount() {
	db, _ := sql.Open("sqlite", filepath.Join(os.TempDir(), "sqldataset-estimate.db"))
	defer db.Close()
	t, _ := sqldataset.New(db, sqldataset.SQLite, "anything")
	_, err := t.EstimatedRowCount(context.Background())
	fmt.Println(err)
	// Output:
	// sqldataset: anything: estimate rows: dataquality: not supported by the dataset: sqlite keeps no row estimate
}
