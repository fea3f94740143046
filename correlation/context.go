package correlation

import "context"

// ctxKey is the context key under which the correlation ID is stored.
// It is zero-sized, so converting it to an interface does not allocate.
type ctxKey struct{}

// ContextWithID returns a copy of ctx that carries id as its correlation ID,
// replacing any ID ctx already carries. The ID is stored as given; use
// [Valid] to check IDs that come from outside the process (or let
// [Propagator.Extract] do it). A nil ctx is treated as [context.Background].
func ContextWithID(ctx context.Context, id string) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithValue(ctx, ctxKey{}, id)
}

// IDFromContext returns the correlation ID carried by ctx, or "" when it
// carries none (or ctx is nil).
//
// IDFromContext does not allocate, so it is cheap enough to call on every
// log line.
func IDFromContext(ctx context.Context) string {
	if ctx == nil {
		return ""
	}
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// Ensure returns ctx and its correlation ID when ctx carries a non-empty one.
// Otherwise it creates an ID with [NewID] and returns a derived context that
// carries it, together with the new ID. Call it where a job or batch starts.
// A nil ctx is treated as [context.Background].
func Ensure(ctx context.Context) (context.Context, string) {
	if id := IDFromContext(ctx); id != "" {
		return ctx, id
	}
	id := NewID()
	return ContextWithID(ctx, id), id
}
