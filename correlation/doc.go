/*
Package correlation gives each job or batch a correlation ID and carries it
through [context.Context] values and across process boundaries, such as Kafka
record headers, so that logs and metrics from every stage of a pipeline can be
joined on one value.

# Correlation IDs

A correlation ID is a short string. [NewID] makes a random one (a UUID
version 4); IDs from other systems are accepted as long as they are [Valid]:
1 to 128 printable ASCII characters.

Attach an ID to a context with [ContextWithID] and read it back with
[IDFromContext], which returns "" when there is none and never allocates, so
a log handler can call it on every record. Where a job or batch starts,
[Ensure] keeps the ID a context already carries or creates a new one:

	ctx, id := correlation.Ensure(ctx)
	logger.InfoContext(ctx, "batch started", "correlation_id", id)

# Propagation

A [Propagator] writes and reads the ID under the key [HeaderKey]
("correlation_id"). It implements the OpenTelemetry
[go.opentelemetry.io/otel/propagation.TextMapPropagator], so any
TextMapCarrier works: [go.opentelemetry.io/otel/propagation.MapCarrier],
[go.opentelemetry.io/otel/propagation.HeaderCarrier] for HTTP, and
franz-go's kotel.NewRecordCarrier for Kafka records. Combine it with W3C
trace context so one call carries both:

	prop := propagation.NewCompositeTextMapPropagator(
		propagation.TraceContext{},
		correlation.NewPropagator(),
	)

	// Producer side.
	record := &kgo.Record{Topic: "orders", Value: payload}
	prop.Inject(ctx, kotel.NewRecordCarrier(record))

	// Consumer side.
	ctx = prop.Extract(ctx, kotel.NewRecordCarrier(record))
	ctx, id := correlation.Ensure(ctx) // new ID if the producer sent none

The package-level [Inject] and [Extract] use a default Propagator, for code
that needs no options.

# Untrusted input

An incoming ID is never trusted. [Propagator.Extract] leaves the context
unchanged when the header is absent or empty, and replaces a malformed value
(too long, control characters, non-ASCII) with a fresh ID from [NewID], so a
malformed header cannot inject newlines or unbounded text into logs. Each
replacement is counted by [Propagator.Rejected] and reported to the hook set
with [WithRejectHook]. [Propagator.Inject] never writes an ID that is not
[Valid].

# Package state

The package registers nothing and has no init functions. Its one piece of
state is the rejection counter of the default Propagator behind [Inject] and
[Extract], reported by [Rejected]. A Propagator from [NewPropagator] has its
own counter.
*/
package correlation
