package healthcheck_test

import (
	"fmt"

	"github.com/etlwatch/etlwatch/internal/healthcheck"
)

// A program listening on every interface is checked on the loopback interface.
func ExampleURL() {
	u, err := healthcheck.URL(":8083")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(u)
	// Output: http://127.0.0.1:8083/health
}
