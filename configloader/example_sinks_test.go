package configloader_test

import (
	"fmt"

	"github.com/etlwatch/etlwatch/configloader"
)

func ExampleSinkNames() {
	fmt.Println(configloader.SinkNames())
	// Output: [cloudwatch otlp dynatrace prometheus]
}
