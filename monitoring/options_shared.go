package monitoring

import "os"

// Option configures a [MetricsCollector]. Options are applied in order; a later option overrides an
// earlier one of the same kind.
type Option interface {
	applyCollector(*collectorConfig)
}

// LoggerOption configures a [StructuredLogger].
type LoggerOption interface {
	applyLogger(*loggerConfig)
}

// SharedOption is an option that configures both a [MetricsCollector] and a [StructuredLogger], such
// as [WithEnvironment].
type SharedOption interface {
	Option
	LoggerOption
}

// EnvironmentVariable is the environment variable read for the deployment environment when
// [WithEnvironment] is not given.
const EnvironmentVariable = "ETL_ENVIRONMENT"

// DefaultEnvironment is the environment used when neither [WithEnvironment] nor $ETL_ENVIRONMENT is set.
const DefaultEnvironment = "dev"

type environmentOption string

func (e environmentOption) applyCollector(c *collectorConfig) { c.environment = string(e) }
func (e environmentOption) applyLogger(c *loggerConfig)       { c.environment = string(e) }

// WithEnvironment sets the environment dimension (metrics) and field (log events), such as "prod".
// Precedence: this option, then $ETL_ENVIRONMENT, then "dev". It works for both
// [NewMetricsCollector] and [NewStructuredLogger].
func WithEnvironment(env string) SharedOption { return environmentOption(env) }

// resolveEnvironment applies the option > environment variable > default precedence.
func resolveEnvironment(explicit string) string {
	if explicit != "" {
		return explicit
	}
	if v := os.Getenv(EnvironmentVariable); v != "" {
		return v
	}
	return DefaultEnvironment
}
