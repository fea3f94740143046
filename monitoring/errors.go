package monitoring

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrShutdown is returned by ForceFlush and Shutdown once the collector has been shut down.
var ErrShutdown = errors.New("monitoring: collector is shut down")

// DropReason says why a measurement was not recorded. It is the reason dimension of the
// etlwatch_dropped_measurements self-metric.
type DropReason string

// The reasons a measurement is not recorded.
const (
	DropInvalidName      DropReason = "invalid_name"      // empty, too long, or not [A-Za-z][A-Za-z0-9_./-]*
	DropInvalidValue     DropReason = "invalid_value"     // NaN or ±Inf
	DropNegativeValue    DropReason = "negative_value"    // a negative counter increment or duration
	DropInvalidDimension DropReason = "invalid_dimension" // a dimension with an empty key
	DropKindConflict     DropReason = "kind_conflict"     // the name is already used by a metric of another kind
	DropInvalidUnit      DropReason = "invalid_unit"      // a Unit value outside the defined constants
)

// DroppedMeasurementsMetric is the name of the self-metric counting measurements that were not
// recorded, with a reason dimension ([DropReason]) and a metric dimension.
const DroppedMeasurementsMetric = "etlwatch_dropped_measurements"

// SinkExportFailuresMetric is the name of the self-metric counting failed exports, per sink
// (dimension sink).
const SinkExportFailuresMetric = "etlwatch_sink_export_failures"

// MeasurementError reports measurements that were not recorded. It reaches the error handler once
// per metric name and reason; every such measurement is counted in [DroppedMeasurementsMetric].
type MeasurementError struct {
	Metric string     // the metric name as given
	Reason DropReason // why it was dropped
	Detail string     // what was found and what is allowed
}

// Error says which metric was not recorded, why, and what is allowed.
func (e *MeasurementError) Error() string {
	return fmt.Sprintf("monitoring: measurement of %q not recorded (%s): %s", e.Metric, e.Reason, e.Detail)
}

// SinkError reports a failed export of a sink. Err is the sink's error.
type SinkError struct {
	Sink string // the sink's Name
	Op   string // "export", "flush" or "shutdown"
	Err  error
}

// Error names the sink and the operation that failed.
func (e *SinkError) Error() string {
	return fmt.Sprintf("monitoring: sink %q: %s: %v", e.Sink, e.Op, e.Err)
}

// Unwrap returns the sink's error.
func (e *SinkError) Unwrap() error { return e.Err }

// ExportTimeoutError reports that a sink's backend did not answer an export within the sink's
// timeout: a peer that accepted the connection and never answered, or one that never accepted it.
// Network sinks (otlp, cloudwatch) return it, wrapped, from Export; errors.Is(err,
// context.DeadlineExceeded) holds for it.
type ExportTimeoutError struct {
	Sink    string        // the sink's Name
	Address string        // host:port that did not answer; empty when the sink cannot tell
	Timeout time.Duration // the timeout that ran out
	// Setting names how to raise Timeout, such as "otlp.WithTimeout or $OTEL_EXPORTER_OTLP_TIMEOUT".
	Setting string
	Err     error // what the client returned
}

// Error says which sink's backend did not answer, where, within how long, and what to raise.
func (e *ExportTimeoutError) Error() string {
	addr := e.Address
	if addr == "" {
		addr = "its endpoint"
	}
	return fmt.Sprintf("sink %s: %s did not answer within %s (down, firewalled or stuck); if it is only slow, raise %s",
		e.Sink, addr, e.Timeout, e.Setting)
}

// Unwrap returns the client's error.
func (e *ExportTimeoutError) Unwrap() error { return e.Err }

// Is reports whether target is context.DeadlineExceeded, whatever the client returned.
func (e *ExportTimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }
