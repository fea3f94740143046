package configloader_test

import (
	"fmt"

	"github.com/etlwatch/etlwatch/configloader"
)

// A program that dispatches on database_type compares with the constants, whose values the
// validation allows.
func ExampleDatabaseTypes() {
	fmt.Println(configloader.DatabaseTypes())
	src := configloader.Source{DatabaseType: "postgres"}
	fmt.Println(src.DatabaseType == configloader.Postgres)
	// Output:
	// [oracle postgres mysql sqlite]
	// true
}
