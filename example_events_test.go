package etlwatch_test

import (
	"context"
	"fmt"
	"net"

	"github.com/etlwatch/etlwatch"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/monitoring/monitoringtest"
)

// Each data-quality result is one dq_check_complete event; WithCheckLogLines(true) also writes
// the reference's plain log line.
func ExampleWithCheckLogLines() {
	ctx := context.Background()
	for _, lines := range []bool{false, true} {
		events := monitoringtest.NewLogCapture()
		p, err := etlwatch.New(ctx, "bulk_load", &configloader.Source{Name: "dev_mydb"},
			etlwatch.WithLoggerOptions(events.Option()), etlwatch.WithCheckLogLines(lines))
		if err != nil {
			fmt.Println(err)
			return
		}
		p.Checker.ValidateRowCount(p.Context(), "CUSTOMERS", 1000, 1000, 0)
		_ = p.Shutdown(ctx)
		var types []string
		for _, e := range events.Events() {
			types = append(types, e.EventType)
		}
		fmt.Println(lines, types)
	}
	// Output:
	// false [dq_check_complete]
	// true [dq_check_complete log]
}

// A sink that cannot start is one sink_unavailable event, naming the sink, with the job's
// correlation ID; the job goes on without it.
func ExampleEventSinkUnavailable() {
	ctx := context.Background()
	busy, _ := net.Listen("tcp", "127.0.0.1:0") // the port monitoring.prometheus asks for is taken
	defer busy.Close()
	events := monitoringtest.NewLogCapture()
	src := &configloader.Source{Name: "dev_mydb", Monitoring: configloader.Monitoring{
		Prometheus: configloader.Prometheus{Listen: busy.Addr().String()},
	}}
	p, err := etlwatch.New(ctx, "bulk_load", src, etlwatch.WithLoggerOptions(events.Option()))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Shutdown(ctx)
	for _, e := range events.EventsOfType(etlwatch.EventSinkUnavailable) {
		fmt.Println(e.Severity, e.Details["sink"], e.CorrelationID == p.CorrelationID())
	}
	fmt.Println(len(events.Events()), "event")
	// Output:
	// WARNING prometheus true
	// 1 event
}
