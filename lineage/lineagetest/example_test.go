package lineagetest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/etlwatch/etlwatch/lineage"
	"github.com/etlwatch/etlwatch/lineage/lineagetest"
)

func ExampleValidate() {
	err := lineagetest.Validate([]byte(`{"eventTime":"2026-12-02T10:00:00Z","producer":"https://example.com",
		"schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent","eventType":"START",
		"run":{"runId":"not-a-uuid"},"job":{"namespace":"n","name":"j"}}`))
	fmt.Println(err != nil)
	// Output: true
}

func ExampleNewReceiver() {
	t := &testing.T{} // in a test, the test's own t
	rcv := lineagetest.NewReceiver(t)
	tr, _ := lineage.NewHTTPTransport(rcv.URL())
	client, _ := lineage.NewClient(lineage.WithTransports(tr))
	run := client.NewRun("job")
	run.Start(lineage.Update{})
	run.Complete(lineage.Update{})
	_ = client.Shutdown(context.Background())
	for _, ev := range rcv.Events() {
		fmt.Println(ev.EventType)
	}
	// Output:
	// START
	// COMPLETE
}
