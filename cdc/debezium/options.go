package debezium

import "fmt"

// Option configures a [Decoder].
type Option func(*config)

type config struct {
	hints      HintFunc
	maxSchemas int
	chunked    bool
}

// WithHints sets the function that gives column hints for schemaless messages (see [Hint]).
// Default: none, so schemaless values keep their JSON types.
func WithHints(f HintFunc) Option { return func(c *config) { c.hints = f } }

// WithSchemaCacheSize sets how many distinct schemas (of schemas.enable messages) the decoder
// keeps parsed; when the cache is full it is emptied and refilled. Default 1024; must be >= 1.
func WithSchemaCacheSize(n int) Option { return func(c *config) { c.maxSchemas = n } }

// WithChunkedAllocation makes [Decoder.Decode] allocate events, their rows' values and their
// strings from chunks of memory shared by successive events (about 32 KB each), instead of
// three allocations per event. It is for a program that decodes many events and drops them
// together, as the cdc consumer does with each batch: it allocates less and leaves the garbage
// collector fewer objects. An event then keeps its chunks alive as long as anything references
// it or one of its strings, so a program that keeps a few events (or their strings) for long
// keeps up to about 100 KB alive for each. [Decoder.DecodeInto] reuses the event's values as
// before and takes its strings from the shared chunks. Default: off.
func WithChunkedAllocation() Option { return func(c *config) { c.chunked = true } }

func (c *config) validate() error {
	if c.maxSchemas < 1 {
		return fmt.Errorf("debezium: schema cache size %d: must be at least 1", c.maxSchemas)
	}
	return nil
}
