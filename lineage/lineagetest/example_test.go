package lineagetest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

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

// A receiver that is down and one that hangs, to test that lineage never holds up a job.
func ExampleDown() {
	t := &testing.T{} // in a test, the test's own t
	for _, url := range []string{lineagetest.Down(t), lineagetest.Hanging(t)} {
		tr, _ := lineage.NewHTTPTransport(url, lineage.WithRetries(0))
		client, _ := lineage.NewClient(lineage.WithTransports(tr), lineage.WithFlushTimeout(100*time.Millisecond))
		run := client.NewRun("job")
		run.Start(lineage.Update{})
		_ = client.Shutdown(context.Background())
		fmt.Println(client.Failed())
	}
	// Output:
	// 1
	// 1
}

// A receiver that never answers: the client gives up on it after its flush timeout.
func ExampleHanging() {
	t := &testing.T{} // in a test, the test's own t
	tr, _ := lineage.NewHTTPTransport(lineagetest.Hanging(t))
	client, _ := lineage.NewClient(lineage.WithTransports(tr), lineage.WithFlushTimeout(50*time.Millisecond))
	_ = client.Emit(&lineage.RunEvent{EventType: lineage.EventStart, Run: lineage.Run{RunID: lineage.NewRunID()},
		Job: lineage.Job{Namespace: "n", Name: "j"}})
	err := client.Shutdown(context.Background())
	fmt.Println(err != nil, client.Failed())
	// Output: true 1
}
