package configloader

// The names of the sinks that a source's monitoring section turns on, as monitoring.required_sinks
// lists them. etlwatch.New starts each by its name; to add a sink, see "How to add a sink" in the
// etlwatch package's documentation.
const (
	SinkCloudWatch = "cloudwatch" // monitoring.enable_cloudwatch
	SinkOTLP       = "otlp"       // monitoring.otlp
	SinkDynatrace  = "dynatrace"  // monitoring.dynatrace
	SinkPrometheus = "prometheus" // monitoring.prometheus
)

// SinkNames returns the names monitoring.required_sinks accepts, in the order etlwatch.New
// starts the sinks.
func SinkNames() []string {
	return []string{SinkCloudWatch, SinkOTLP, SinkDynatrace, SinkPrometheus}
}
