package correlation_test

import (
	"context"
	"fmt"
	"strconv"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/plugin/kotel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/etlwatch/etlwatch/correlation"
)

func ExampleNewID() {
	id := correlation.NewID() // random, e.g. "0b7e1c52-6f4a-4d3e-9a51-2c8f0e4b7d19"
	fmt.Println(len(id), correlation.Valid(id))
	// Output: 36 true
}

func ExampleContextWithID() {
	ctx := correlation.ContextWithID(context.Background(), "batch-2024-06-01")
	fmt.Println(correlation.IDFromContext(ctx))
	// Output: batch-2024-06-01
}

func ExampleIDFromContext() {
	fmt.Printf("%q\n", correlation.IDFromContext(context.Background()))

	ctx := correlation.ContextWithID(context.Background(), "job-7")
	fmt.Printf("%q\n", correlation.IDFromContext(ctx))
	// Output:
	// ""
	// "job-7"
}

func ExampleEnsure() {
	// A context that already carries an ID keeps it.
	ctx := correlation.ContextWithID(context.Background(), "job-7")
	_, id := correlation.Ensure(ctx)
	fmt.Println(id)

	// Otherwise a new ID is created and attached.
	ctx, id = correlation.Ensure(context.Background())
	fmt.Println(correlation.IDFromContext(ctx) == id, correlation.Valid(id))
	// Output:
	// job-7
	// true true
}

func ExampleValid() {
	for _, id := range []string{
		"0b7e1c52-6f4a-4d3e-9a51-2c8f0e4b7d19",
		"nightly load #42",
		"",
		"job-1\nlevel=ERROR",
		"jöb",
	} {
		fmt.Printf("%-40q %v\n", id, correlation.Valid(id))
	}
	// Output:
	// "0b7e1c52-6f4a-4d3e-9a51-2c8f0e4b7d19"   true
	// "nightly load #42"                       true
	// ""                                       false
	// "job-1\nlevel=ERROR"                     false
	// "jöb"                                    false
}

func ExampleNewPropagator() {
	prop := propagation.NewCompositeTextMapPropagator(
		propagation.TraceContext{},
		correlation.NewPropagator(),
	)

	ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:     trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
		TraceFlags: trace.FlagsSampled,
	}))
	ctx = correlation.ContextWithID(ctx, "job-7")

	carrier := propagation.MapCarrier{}
	prop.Inject(ctx, carrier)
	fmt.Println("traceparent:", carrier.Get("traceparent"))
	fmt.Println("correlation_id:", carrier.Get("correlation_id"))

	received := prop.Extract(context.Background(), carrier)
	fmt.Println(trace.SpanContextFromContext(received).TraceID(), correlation.IDFromContext(received))
	// Output:
	// traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
	// correlation_id: job-7
	// 4bf92f3577b34da6a3ce929d0e0e4736 job-7
}

func ExampleWithRejectHook() {
	p := correlation.NewPropagator(correlation.WithRejectHook(func(raw string) {
		// raw is untrusted: quote it before it goes anywhere near a log.
		fmt.Println("rejected correlation ID", strconv.Quote(raw))
	}))

	ctx := p.Extract(context.Background(), propagation.MapCarrier{"correlation_id": "job-1\nlevel=ERROR"})
	fmt.Println(correlation.Valid(correlation.IDFromContext(ctx)))
	// Output:
	// rejected correlation ID "job-1\nlevel=ERROR"
	// true
}

func ExamplePropagator_Inject() {
	p := correlation.NewPropagator()
	record := &kgo.Record{Topic: "orders"}

	p.Inject(correlation.ContextWithID(context.Background(), "job-7"), kotel.NewRecordCarrier(record))
	for _, h := range record.Headers {
		fmt.Printf("%s=%s\n", h.Key, h.Value)
	}
	// Output: correlation_id=job-7
}

func ExamplePropagator_Extract() {
	p := correlation.NewPropagator()

	for _, carrier := range []propagation.MapCarrier{
		{},                              // absent: ctx unchanged
		{"correlation_id": "job-7"},     // valid: taken as is
		{"correlation_id": "bad\x00id"}, // malformed: replaced by a new ID
	} {
		ctx := correlation.ContextWithID(context.Background(), "local")
		id := correlation.IDFromContext(p.Extract(ctx, carrier))
		fmt.Println(id == "local", id == "job-7", correlation.Valid(id))
	}
	// Output:
	// true false true
	// false true true
	// false false true
}

func ExamplePropagator_Fields() {
	fmt.Println(correlation.NewPropagator().Fields())
	// Output: [correlation_id]
}

func ExamplePropagator_Rejected() {
	p := correlation.NewPropagator()
	p.Extract(context.Background(), propagation.MapCarrier{"correlation_id": "job-7"})
	p.Extract(context.Background(), propagation.MapCarrier{"correlation_id": "\x1b[31mjob"})
	fmt.Println(p.Rejected())
	// Output: 1
}

func ExampleInject() {
	ctx := correlation.ContextWithID(context.Background(), "job-7")

	carrier := propagation.MapCarrier{}
	correlation.Inject(ctx, carrier)
	fmt.Println(carrier)
	// Output: map[correlation_id:job-7]
}

func ExampleInject_kafkaRecord() {
	ctx := correlation.ContextWithID(context.Background(), "job-7")

	// The record would then be produced with a kgo.Client.
	record := &kgo.Record{}
	correlation.Inject(ctx, kotel.NewRecordCarrier(record))
	fmt.Printf("%s=%s\n", record.Headers[0].Key, record.Headers[0].Value)
	// Output: correlation_id=job-7
}

func ExampleExtract() {
	carrier := propagation.MapCarrier{"correlation_id": "job-7"}
	ctx := correlation.Extract(context.Background(), carrier)
	fmt.Println(correlation.IDFromContext(ctx))
	// Output: job-7
}

func ExampleExtract_kafkaRecord() {
	// A record as returned by kgo.Client.PollFetches.
	record := &kgo.Record{
		Headers: []kgo.RecordHeader{{Key: "correlation_id", Value: []byte("job-7")}},
	}
	ctx := correlation.Extract(context.Background(), kotel.NewRecordCarrier(record))

	// Ensure creates an ID only if the producer sent none.
	ctx, id := correlation.Ensure(ctx)
	fmt.Println(id, correlation.IDFromContext(ctx))
	// Output: job-7 job-7
}

func ExampleRejected() {
	before := correlation.Rejected()
	correlation.Extract(context.Background(), propagation.MapCarrier{"correlation_id": "job-1\r\n"})
	fmt.Println(correlation.Rejected() - before)
	// Output: 1
}
