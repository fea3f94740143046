package correlation

import (
	"context"
	"sync/atomic"

	"go.opentelemetry.io/otel/propagation"
)

// HeaderKey is the carrier key (Kafka record header, HTTP header, map key)
// under which the correlation ID travels. It matches the key used by the
// earlier Python implementation, so Go and Python services interoperate.
const HeaderKey = "correlation_id"

// Propagator carries correlation IDs across process boundaries under
// [HeaderKey]. It implements [propagation.TextMapPropagator], so it can be
// used alone or combined with W3C trace context:
//
//	prop := propagation.NewCompositeTextMapPropagator(
//		propagation.TraceContext{},
//		correlation.NewPropagator(),
//	)
//
// Incoming IDs are untrusted: [Propagator.Extract] replaces a malformed one
// with a fresh ID and counts it (see [Propagator.Rejected]).
//
// The zero value is ready to use and has no reject hook. A Propagator must
// not be copied after first use. Its methods are safe for concurrent use.
type Propagator struct {
	onReject func(raw string)
	rejected atomic.Uint64
}

var _ propagation.TextMapPropagator = (*Propagator)(nil)

// PropagatorOption configures a [Propagator] built by [NewPropagator].
type PropagatorOption interface {
	apply(*propagatorConfig)
}

type propagatorConfig struct {
	onReject func(raw string)
}

type propagatorOptionFunc func(*propagatorConfig)

func (f propagatorOptionFunc) apply(c *propagatorConfig) { f(c) }

// WithRejectHook sets a function that [Propagator.Extract] calls, once per
// rejected value, with each malformed incoming correlation ID. The raw value
// is attacker-controlled and may be long or contain control characters:
// quote or truncate it before logging. The hook is called synchronously on
// the extracting goroutine, so it must be fast and safe for concurrent use.
//
// The default is no hook; the rejection is still counted. If the option is
// given more than once, the last one wins; a nil fn means no hook.
func WithRejectHook(fn func(raw string)) PropagatorOption {
	return propagatorOptionFunc(func(c *propagatorConfig) { c.onReject = fn })
}

// NewPropagator returns a [Propagator] configured by opts.
func NewPropagator(opts ...PropagatorOption) *Propagator {
	var cfg propagatorConfig
	for _, o := range opts {
		if o != nil {
			o.apply(&cfg)
		}
	}
	return &Propagator{onReject: cfg.onReject}
}

// Inject sets the correlation ID carried by ctx into carrier under
// [HeaderKey]. It writes nothing when ctx carries no ID, or when the ID is
// not [Valid], so a malformed value set with [ContextWithID] never reaches
// the wire (where the receiver would reject it anyway).
func (p *Propagator) Inject(ctx context.Context, carrier propagation.TextMapCarrier) {
	if carrier == nil {
		return
	}
	if id := IDFromContext(ctx); Valid(id) {
		carrier.Set(HeaderKey, id)
	}
}

// Extract reads [HeaderKey] from carrier and returns a context that carries
// the correlation ID found there:
//
//   - absent or empty: ctx is returned unchanged (including any ID it
//     already carries);
//   - [Valid]: a copy of ctx carrying that ID, replacing any ID ctx carries;
//   - malformed (too long, control or non-ASCII characters): the value is
//     never trusted. It is replaced by a new ID from [NewID], the rejection
//     is counted (see [Propagator.Rejected]), and the reject hook, if any,
//     is called with the raw value.
func (p *Propagator) Extract(ctx context.Context, carrier propagation.TextMapCarrier) context.Context {
	if carrier == nil {
		return ctx
	}
	raw := carrier.Get(HeaderKey)
	switch {
	case raw == "":
		return ctx
	case Valid(raw):
		return ContextWithID(ctx, raw)
	}
	p.rejected.Add(1)
	if p.onReject != nil {
		p.onReject(raw)
	}
	return ContextWithID(ctx, NewID())
}

// Fields returns the carrier keys that [Propagator.Inject] sets: [HeaderKey].
func (p *Propagator) Fields() []string {
	return []string{HeaderKey}
}

// Rejected returns how many malformed incoming IDs p has replaced since it
// was created.
func (p *Propagator) Rejected() uint64 {
	return p.rejected.Load()
}

// defaultPropagator backs the package-level [Inject], [Extract] and
// [Rejected]. Its rejection counter is the only state this package keeps.
var defaultPropagator Propagator

// Inject sets the correlation ID carried by ctx into carrier using a
// package-level default [Propagator] that has no reject hook. See
// [Propagator.Inject].
func Inject(ctx context.Context, carrier propagation.TextMapCarrier) {
	defaultPropagator.Inject(ctx, carrier)
}

// Extract returns a context carrying the correlation ID found in carrier,
// using a package-level default [Propagator] that has no reject hook. See
// [Propagator.Extract] for how absent and malformed IDs are handled.
func Extract(ctx context.Context, carrier propagation.TextMapCarrier) context.Context {
	return defaultPropagator.Extract(ctx, carrier)
}

// Rejected returns how many malformed incoming IDs the package-level
// [Extract] has replaced since the program started. This counter is the one
// piece of state the package keeps; a [Propagator] from [NewPropagator]
// counts its own rejections separately.
func Rejected() uint64 {
	return defaultPropagator.Rejected()
}
