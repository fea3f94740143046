package configloader_test

import (
	"fmt"

	"github.com/etlwatch/etlwatch/configloader"
)

// Iceberg.Redacted is how an Iceberg section prints: with the credentials of its URI masked.
func ExampleIceberg_Redacted() {
	ice := configloader.Iceberg{Catalog: "rest", URI: "https://etl:pw@catalog.internal/v1?token=abc&region=eu"}
	fmt.Println(ice.Redacted().URI)
	fmt.Printf("%+v\n", ice)
	fmt.Printf("%#v\n", ice)
	// Output:
	// https://etl:[REDACTED]@catalog.internal/v1?token=[REDACTED]&region=eu
	// {Catalog:rest URI:https://etl:[REDACTED]@catalog.internal/v1?token=[REDACTED]&region=eu Warehouse: Namespace:}
	// configloader.Iceberg{Catalog:"rest", URI:"https://etl:[REDACTED]@catalog.internal/v1?token=[REDACTED]&region=eu", Warehouse:"", Namespace:""}
}

// Connection.Redacted is how a connection section prints: secrets and the options that look like
// credentials are masked.
func ExampleConnection_Redacted() {
	conn := configloader.Connection{Host: "db", Username: "etl", Password: "pw",
		Options: map[string]string{"sslmode": "verify-full", "sslpassword": "key-pw"}}
	fmt.Println(conn.Redacted().Options)
	fmt.Printf("%v\n", conn)
	// Output:
	// map[sslmode:verify-full sslpassword:[REDACTED]]
	// {db 0    etl [REDACTED]  0s 0s map[sslmode:verify-full sslpassword:[REDACTED]]}
}
