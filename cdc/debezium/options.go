package debezium

import "fmt"

// Option configures a [Decoder].
type Option func(*config)

type config struct {
	hints      HintFunc
	maxSchemas int
}

// WithHints sets the function that gives column hints for schemaless messages (see [Hint]).
// Default: none, so schemaless values keep their JSON types.
func WithHints(f HintFunc) Option { return func(c *config) { c.hints = f } }

// WithSchemaCacheSize sets how many distinct schemas (of schemas.enable messages) the decoder
// keeps parsed; when the cache is full it is emptied and refilled. Default 1024; must be >= 1.
func WithSchemaCacheSize(n int) Option { return func(c *config) { c.maxSchemas = n } }

func (c *config) validate() error {
	if c.maxSchemas < 1 {
		return fmt.Errorf("debezium: schema cache size %d: must be at least 1", c.maxSchemas)
	}
	return nil
}
