package sim

import "github.com/etlwatch/etlwatch/monitoring"

// Metric is a metric the simulator records: its etlwatch name, kind and unit, from which
// github.com/etlwatch/etlwatch/monitoring/prom.MetricName computes the Prometheus name.
type Metric struct {
	Name string
	Kind monitoring.Kind
	Unit monitoring.Unit
	Help string
}

// The etlwatch names of the simulator's metrics. The rate gauge has no unit: its name already
// says it, and a unit would make the Prometheus sink append _per_second a second time.
const (
	MetricRecords           = "etl_records"
	MetricFiles             = "etl_files"
	MetricFailures          = "etl_failures"
	MetricErrorsByType      = "etl_errors_by_type"
	MetricCurrentRate       = "etl_current_rate_records_per_second"
	MetricAvgProcessingTime = "etl_avg_processing_time_seconds"
	MetricSinceLastSuccess  = "etl_seconds_since_last_success"
	MetricSinceLastFailure  = "etl_seconds_since_last_failure"
	MetricHealthStatus      = "etl_health_status"
	MetricUptime            = "etl_uptime_seconds"
)

// Metrics lists the simulator's metrics, with the help texts of the reference exporter.
var Metrics = []Metric{
	{MetricRecords, monitoring.KindCounter, monitoring.UnitCount, "Total number of records processed."},
	{MetricFiles, monitoring.KindCounter, monitoring.UnitCount, "Total number of files processed."},
	{MetricFailures, monitoring.KindCounter, monitoring.UnitCount, "Total number of processing failures."},
	{MetricErrorsByType, monitoring.KindCounter, monitoring.UnitCount, "Error counts by failure type."},
	{MetricCurrentRate, monitoring.KindGauge, monitoring.UnitNone, "Current processing rate: records per second of the last completed file."},
	{MetricAvgProcessingTime, monitoring.KindGauge, monitoring.UnitSeconds, "Average file processing time."},
	{MetricSinceLastSuccess, monitoring.KindGauge, monitoring.UnitSeconds, "Time since the last successful file (since start before the first)."},
	{MetricSinceLastFailure, monitoring.KindGauge, monitoring.UnitSeconds, "Time since the last failure (since start before the first)."},
	{MetricHealthStatus, monitoring.KindGauge, monitoring.UnitNone, "Overall ETL process health (1=healthy, 0=down)."},
	{MetricUptime, monitoring.KindGauge, monitoring.UnitSeconds, "ETL process uptime."},
}

// Descriptions maps each metric of [Metrics] to its help text, for
// [monitoring.WithDescriptions].
var Descriptions = func() map[string]string {
	m := make(map[string]string, len(Metrics))
	for _, x := range Metrics {
		m[x.Name] = x.Help
	}
	return m
}()

// The reference error types, one of which each failure carries.
const (
	ErrConnectionTimeout     = "connection_timeout"
	ErrCorruptFileFormat     = "corrupt_file_format"
	ErrDiskSpaceInsufficient = "disk_space_insufficient"
	ErrDatabaseLockTimeout   = "database_lock_timeout"
	ErrInvalidDataSchema     = "invalid_data_schema"
)

// ErrorTypes lists the reference error types.
var ErrorTypes = []string{
	ErrConnectionTimeout, ErrCorruptFileFormat, ErrDiskSpaceInsufficient, ErrDatabaseLockTimeout, ErrInvalidDataSchema,
}

var errorMessages = map[string]string{
	ErrConnectionTimeout:     "connection to the target database timed out after 30s",
	ErrCorruptFileFormat:     "unexpected end of input: the file is not valid CSV",
	ErrDiskSpaceInsufficient: "no space left on device while writing the staging file",
	ErrDatabaseLockTimeout:   "lock wait timeout exceeded on the target table",
	ErrInvalidDataSchema:     "record does not match the expected schema: missing column customer_id",
}

// The messages of the log lines.
const (
	MsgStarted       = "etl_started"
	MsgFileStarted   = "file_processing_started"
	MsgFileCompleted = "file_processing_completed"
	MsgFileFailed    = "file_processing_failed"
	MsgStopped       = "etl_stopped"
)

// LogLine is one line of the simulator's log, with the reference field names.
type LogLine struct {
	Timestamp        string   `json:"timestamp"`
	Message          string   `json:"message"`
	TotalRecords     int64    `json:"total_records"`
	TotalFiles       int64    `json:"total_files"`
	TotalFailures    int64    `json:"total_failures"`
	FileID           string   `json:"file_id,omitempty"`
	RecordsExpected  *int64   `json:"records_expected,omitempty"`
	RecordsProcessed *int64   `json:"records_processed,omitempty"`
	ProcessingTime   *float64 `json:"processing_time,omitempty"`
	CurrentRate      *float64 `json:"current_rate,omitempty"`
	ErrorType        string   `json:"error_type,omitempty"`
	ErrorMessage     string   `json:"error_message,omitempty"`
}

// TimestampFormat is the layout of the timestamp field, always in UTC.
const TimestampFormat = "2006-01-02T15:04:05.000Z"
