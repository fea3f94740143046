package lineage

import "encoding/json"

// FacetBase is what every facet carries: who produced it and the JSON Schema it follows.
// [Client.Emit] fills both when they are empty. Extra holds the facet's members that its Go type
// does not name; they are encoded back.
type FacetBase struct {
	Producer  string                     `json:"_producer"`
	SchemaURL string                     `json:"_schemaURL"`
	Extra     map[string]json.RawMessage `json:"-"`
}

func (b *FacetBase) fill(producer, schemaURL string) {
	if b.Producer == "" {
		b.Producer = producer
	}
	if b.SchemaURL == "" {
		b.SchemaURL = schemaURL
	}
}

// The schema URLs of the facets this package writes ($id of each facet's JSON Schema, with the
// facet's definition).
const (
	ParentRunFacetSchemaURL                        = "https://openlineage.io/spec/facets/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet"
	ErrorMessageRunFacetSchemaURL                  = "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet"
	ProcessingEngineRunFacetSchemaURL              = "https://openlineage.io/spec/facets/1-1-1/ProcessingEngineRunFacet.json#/$defs/ProcessingEngineRunFacet"
	TestRunFacetSchemaURL                          = "https://openlineage.io/spec/facets/1-0-1/TestRunFacet.json#/$defs/TestRunFacet"
	NominalTimeRunFacetSchemaURL                   = "https://openlineage.io/spec/facets/1-0-1/NominalTimeRunFacet.json#/$defs/NominalTimeRunFacet"
	JobTypeJobFacetSchemaURL                       = "https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet"
	SchemaDatasetFacetSchemaURL                    = "https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet"
	DatasourceDatasetFacetSchemaURL                = "https://openlineage.io/spec/facets/1-0-1/DatasourceDatasetFacet.json#/$defs/DatasourceDatasetFacet"
	SymlinksDatasetFacetSchemaURL                  = "https://openlineage.io/spec/facets/1-0-1/SymlinksDatasetFacet.json#/$defs/SymlinksDatasetFacet"
	ColumnLineageDatasetFacetSchemaURL             = "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet"
	StorageDatasetFacetSchemaURL                   = "https://openlineage.io/spec/facets/1-0-1/StorageDatasetFacet.json#/$defs/StorageDatasetFacet"
	DatasetVersionDatasetFacetSchemaURL            = "https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet"
	DataQualityMetricsDatasetFacetSchemaURL        = "https://openlineage.io/spec/facets/1-0-0/DataQualityMetricsDatasetFacet.json#/$defs/DataQualityMetricsDatasetFacet"
	DataQualityMetricsInputDatasetFacetSchemaURL   = "https://openlineage.io/spec/facets/1-0-3/DataQualityMetricsInputDatasetFacet.json#/$defs/DataQualityMetricsInputDatasetFacet"
	DataQualityAssertionsDatasetFacetSchemaURL     = "https://openlineage.io/spec/facets/1-1-0/DataQualityAssertionsDatasetFacet.json#/$defs/DataQualityAssertionsDatasetFacet"
	InputStatisticsInputDatasetFacetSchemaURL      = "https://openlineage.io/spec/facets/1-0-0/InputStatisticsInputDatasetFacet.json#/$defs/InputStatisticsInputDatasetFacet"
	OutputStatisticsOutputDatasetFacetSchemaURL    = "https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet"
	IcebergCommitReportOutputDatasetFacetSchemaURL = "https://openlineage.io/spec/facets/1-0-2/IcebergCommitReportOutputDatasetFacet.json#/$defs/IcebergCommitReportOutputDatasetFacet"
	// CorrelationRunFacetSchemaURL is the JSON Schema of etlwatch's own run facet, in this
	// repository (lineage/schemas/CorrelationRunFacet.json).
	CorrelationRunFacetSchemaURL = "https://raw.githubusercontent.com/etlwatch/etlwatch/main/lineage/schemas/CorrelationRunFacet.json#/$defs/CorrelationRunFacet"
)

// RunFacets are the facets of a run. Facets without a field here are kept in Other, by name, and
// encoded back as they were.
type RunFacets struct {
	Parent           *ParentRunFacet           `json:"parent,omitempty"`
	ErrorMessage     *ErrorMessageRunFacet     `json:"errorMessage,omitempty"`
	ProcessingEngine *ProcessingEngineRunFacet `json:"processing_engine,omitempty"`
	Test             *TestRunFacet             `json:"test,omitempty"`
	NominalTime      *NominalTimeRunFacet      `json:"nominalTime,omitempty"`
	// Correlation is etlwatch's facet "etlwatch_correlation": the run's correlation ID, the one
	// its log lines and metrics carry.
	Correlation *CorrelationRunFacet       `json:"etlwatch_correlation,omitempty"`
	Other       map[string]json.RawMessage `json:"-"`
}

// MarshalJSON encodes the facets, Other's included.
func (f RunFacets) MarshalJSON() ([]byte, error) {
	type plain RunFacets
	return marshalExtra(plain(f), f.Other)
}

// UnmarshalJSON decodes the facets, those without a field into Other.
func (f *RunFacets) UnmarshalJSON(b []byte) error {
	type plain RunFacets
	return unmarshalExtra(b, (*plain)(f), &f.Other)
}

// JobFacets are the facets of a job; others are kept in Other.
type JobFacets struct {
	JobType *JobTypeJobFacet           `json:"jobType,omitempty"`
	Other   map[string]json.RawMessage `json:"-"`
}

// MarshalJSON encodes the facets, Other's included.
func (f JobFacets) MarshalJSON() ([]byte, error) {
	type plain JobFacets
	return marshalExtra(plain(f), f.Other)
}

// UnmarshalJSON decodes the facets, those without a field into Other.
func (f *JobFacets) UnmarshalJSON(b []byte) error {
	type plain JobFacets
	return unmarshalExtra(b, (*plain)(f), &f.Other)
}

// DatasetFacets are the facets of a dataset; others are kept in Other.
type DatasetFacets struct {
	Schema             *SchemaDatasetFacet             `json:"schema,omitempty"`
	DataSource         *DatasourceDatasetFacet         `json:"dataSource,omitempty"`
	Symlinks           *SymlinksDatasetFacet           `json:"symlinks,omitempty"`
	ColumnLineage      *ColumnLineageDatasetFacet      `json:"columnLineage,omitempty"`
	Storage            *StorageDatasetFacet            `json:"storage,omitempty"`
	Version            *DatasetVersionDatasetFacet     `json:"version,omitempty"`
	DataQualityMetrics *DataQualityMetricsDatasetFacet `json:"dataQualityMetrics,omitempty"`
	Other              map[string]json.RawMessage      `json:"-"`
}

// MarshalJSON encodes the facets, Other's included.
func (f DatasetFacets) MarshalJSON() ([]byte, error) {
	type plain DatasetFacets
	return marshalExtra(plain(f), f.Other)
}

// UnmarshalJSON decodes the facets, those without a field into Other.
func (f *DatasetFacets) UnmarshalJSON(b []byte) error {
	type plain DatasetFacets
	return unmarshalExtra(b, (*plain)(f), &f.Other)
}

// InputDatasetFacets are the facets of a dataset as a run read it; others are kept in Other.
type InputDatasetFacets struct {
	DataQualityMetrics    *DataQualityMetricsInputDatasetFacet `json:"dataQualityMetrics,omitempty"`
	DataQualityAssertions *DataQualityAssertionsDatasetFacet   `json:"dataQualityAssertions,omitempty"`
	InputStatistics       *InputStatisticsInputDatasetFacet    `json:"inputStatistics,omitempty"`
	Other                 map[string]json.RawMessage           `json:"-"`
}

// MarshalJSON encodes the facets, Other's included.
func (f InputDatasetFacets) MarshalJSON() ([]byte, error) {
	type plain InputDatasetFacets
	return marshalExtra(plain(f), f.Other)
}

// UnmarshalJSON decodes the facets, those without a field into Other.
func (f *InputDatasetFacets) UnmarshalJSON(b []byte) error {
	type plain InputDatasetFacets
	return unmarshalExtra(b, (*plain)(f), &f.Other)
}

// OutputDatasetFacets are the facets of a dataset as a run wrote it; others are kept in Other.
type OutputDatasetFacets struct {
	OutputStatistics    *OutputStatisticsOutputDatasetFacet    `json:"outputStatistics,omitempty"`
	IcebergCommitReport *IcebergCommitReportOutputDatasetFacet `json:"icebergCommitReport,omitempty"`
	Other               map[string]json.RawMessage             `json:"-"`
}

// MarshalJSON encodes the facets, Other's included.
func (f OutputDatasetFacets) MarshalJSON() ([]byte, error) {
	type plain OutputDatasetFacets
	return marshalExtra(plain(f), f.Other)
}

// UnmarshalJSON decodes the facets, those without a field into Other.
func (f *OutputDatasetFacets) UnmarshalJSON(b []byte) error {
	type plain OutputDatasetFacets
	return unmarshalExtra(b, (*plain)(f), &f.Other)
}

// ParentRunFacet links a child run to the run that started it, and to the root of the tree.
type ParentRunFacet struct {
	FacetBase
	Run  ParentRun  `json:"run"`
	Job  ParentJob  `json:"job"`
	Root *RootRunID `json:"root,omitempty"`
}

// ParentRun is the parent's (or root's) run ID, with a selection of that run's facets.
type ParentRun struct {
	RunID  string     `json:"runId"`
	Facets *RunFacets `json:"facets,omitempty"`
}

// ParentJob is the parent's (or root's) job, with a selection of that job's facets.
type ParentJob struct {
	Namespace string     `json:"namespace"`
	Name      string     `json:"name"`
	Facets    *JobFacets `json:"facets,omitempty"`
}

// RootRunID is the run and job at the root of a tree of runs.
type RootRunID struct {
	Run ParentRun `json:"run"`
	Job ParentJob `json:"job"`
}

// ErrorMessageRunFacet is why a run failed.
type ErrorMessageRunFacet struct {
	FacetBase
	Message             string `json:"message"`
	ProgrammingLanguage string `json:"programmingLanguage"`
	StackTrace          string `json:"stackTrace,omitempty"`
}

// ProcessingEngineRunFacet names what ran the job: etlwatch and its version.
type ProcessingEngineRunFacet struct {
	FacetBase
	Version                   string `json:"version"`
	Name                      string `json:"name,omitempty"`
	OpenlineageAdapterVersion string `json:"openlineageAdapterVersion,omitempty"`
}

// TestRunFacet holds the results of tests (data-quality checks) that ran in the run.
type TestRunFacet struct {
	FacetBase
	Tests []TestExecution `json:"tests"`
}

// TestExecution is one test's outcome. Status is "pass", "fail" or "skip"; Severity "error" (a
// failure fails the job) or "warn".
type TestExecution struct {
	Name        string         `json:"name"`
	Status      string         `json:"status"`
	Severity    string         `json:"severity,omitempty"`
	Type        string         `json:"type,omitempty"`
	Description string         `json:"description,omitempty"`
	Expected    string         `json:"expected,omitempty"`
	Actual      string         `json:"actual,omitempty"`
	Content     string         `json:"content,omitempty"`
	ContentType string         `json:"contentType,omitempty"`
	Params      map[string]any `json:"params,omitempty"`
}

// NominalTimeRunFacet is the scheduled time of a run.
type NominalTimeRunFacet struct {
	FacetBase
	NominalStartTime string `json:"nominalStartTime"`
	NominalEndTime   string `json:"nominalEndTime,omitempty"`
}

// CorrelationRunFacet is etlwatch's run facet (etlwatch_correlation): the correlation ID that the
// run's log lines and metrics carry, so that a log line, a metric and a lineage event of one run
// find each other.
type CorrelationRunFacet struct {
	FacetBase
	CorrelationID string `json:"correlationId"`
}

// JobTypeJobFacet says how a job runs: ProcessingType BATCH or STREAMING, Integration ETLWATCH.
type JobTypeJobFacet struct {
	FacetBase
	ProcessingType  string           `json:"processingType"`
	Integration     string           `json:"integration"`
	JobType         string           `json:"jobType,omitempty"`
	EmissionPattern *EmissionPattern `json:"emissionPattern,omitempty"`
}

// EmissionPattern says when a job's events are sent and what each holds.
type EmissionPattern struct {
	EventTrigger     string `json:"eventTrigger"`
	EventContentMode string `json:"eventContentMode"`
	WindowDuration   int64  `json:"windowDuration,omitempty"`
}

// SchemaDatasetFacet is a dataset's columns.
type SchemaDatasetFacet struct {
	FacetBase
	Fields []SchemaField `json:"fields,omitempty"`
}

// SchemaField is one column; Fields holds a struct's nested columns.
type SchemaField struct {
	Name            string        `json:"name"`
	Type            string        `json:"type,omitempty"`
	Description     string        `json:"description,omitempty"`
	OrdinalPosition int           `json:"ordinal_position,omitempty"`
	Fields          []SchemaField `json:"fields,omitempty"`
}

// DatasourceDatasetFacet names the data source a dataset lives in.
type DatasourceDatasetFacet struct {
	FacetBase
	Name string `json:"name,omitempty"`
	URI  string `json:"uri,omitempty"`
}

// SymlinksDatasetFacet lists other names of a dataset, such as an Iceberg table's catalog name.
type SymlinksDatasetFacet struct {
	FacetBase
	Identifiers []SymlinkIdentifier `json:"identifiers,omitempty"`
}

// SymlinkIdentifier is one other name of a dataset; Type is such as "TABLE".
type SymlinkIdentifier struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Type      string `json:"type"`
}

// ColumnLineageDatasetFacet says, for each output column, which input columns it came from.
type ColumnLineageDatasetFacet struct {
	FacetBase
	Fields  map[string]ColumnLineageField `json:"fields"`
	Dataset []InputField                  `json:"dataset,omitempty"`
}

// ColumnLineageField is the inputs of one output column.
type ColumnLineageField struct {
	InputFields               []InputField `json:"inputFields"`
	TransformationDescription string       `json:"transformationDescription,omitempty"`
	TransformationType        string       `json:"transformationType,omitempty"`
}

// InputField is one input column and how it was transformed.
type InputField struct {
	Namespace       string           `json:"namespace"`
	Name            string           `json:"name"`
	Field           string           `json:"field"`
	Transformations []Transformation `json:"transformations,omitempty"`
}

// Transformation is how an input column became an output column: Type DIRECT with Subtype
// IDENTITY for a copy.
type Transformation struct {
	Type        string  `json:"type"`
	Subtype     string  `json:"subtype,omitempty"`
	Description *string `json:"description,omitempty"`
	Masking     *bool   `json:"masking,omitempty"`
}

// StorageDatasetFacet names a dataset's storage layer (iceberg) and file format (parquet).
type StorageDatasetFacet struct {
	FacetBase
	StorageLayer string `json:"storageLayer"`
	FileFormat   string `json:"fileFormat,omitempty"`
}

// DatasetVersionDatasetFacet is the version of a dataset a run read or wrote, such as an Iceberg
// snapshot ID.
type DatasetVersionDatasetFacet struct {
	FacetBase
	DatasetVersion string `json:"datasetVersion"`
}

// ColumnMetrics are data-quality measurements of one column.
type ColumnMetrics struct {
	NullCount     *int64             `json:"nullCount,omitempty"`
	DistinctCount *int64             `json:"distinctCount,omitempty"`
	Sum           *float64           `json:"sum,omitempty"`
	Count         *float64           `json:"count,omitempty"`
	Min           *float64           `json:"min,omitempty"`
	Max           *float64           `json:"max,omitempty"`
	Quantiles     map[string]float64 `json:"quantiles,omitempty"`
}

// DataQualityMetricsDatasetFacet is data-quality measurements of a dataset.
type DataQualityMetricsDatasetFacet struct {
	FacetBase
	RowCount      *int64                   `json:"rowCount,omitempty"`
	Bytes         *int64                   `json:"bytes,omitempty"`
	FileCount     *int64                   `json:"fileCount,omitempty"`
	LastUpdated   string                   `json:"lastUpdated,omitempty"`
	ColumnMetrics map[string]ColumnMetrics `json:"columnMetrics"`
}

// DataQualityMetricsInputDatasetFacet is data-quality measurements of a dataset a run read.
type DataQualityMetricsInputDatasetFacet struct {
	FacetBase
	RowCount      *int64                   `json:"rowCount,omitempty"`
	Bytes         *int64                   `json:"bytes,omitempty"`
	FileCount     *int64                   `json:"fileCount,omitempty"`
	LastUpdated   string                   `json:"lastUpdated,omitempty"`
	ColumnMetrics map[string]ColumnMetrics `json:"columnMetrics"`
}

// DataQualityAssertionsDatasetFacet is the tests run on a dataset a run read, and their results.
type DataQualityAssertionsDatasetFacet struct {
	FacetBase
	Assertions []Assertion `json:"assertions"`
}

// Assertion is one test of a dataset or of one of its columns.
type Assertion struct {
	Assertion   string         `json:"assertion"`
	Success     bool           `json:"success"`
	Column      string         `json:"column,omitempty"`
	Severity    string         `json:"severity,omitempty"`
	Name        string         `json:"name,omitempty"`
	Description string         `json:"description,omitempty"`
	Expected    string         `json:"expected,omitempty"`
	Actual      string         `json:"actual,omitempty"`
	Content     string         `json:"content,omitempty"`
	ContentType string         `json:"contentType,omitempty"`
	Params      map[string]any `json:"params,omitempty"`
}

// InputStatisticsInputDatasetFacet is how much a run read of a dataset.
type InputStatisticsInputDatasetFacet struct {
	FacetBase
	RowCount  *int64 `json:"rowCount,omitempty"`
	Size      *int64 `json:"size,omitempty"`
	FileCount *int64 `json:"fileCount,omitempty"`
}

// OutputStatisticsOutputDatasetFacet is how much a run wrote to a dataset.
type OutputStatisticsOutputDatasetFacet struct {
	FacetBase
	RowCount  *int64 `json:"rowCount,omitempty"`
	Size      *int64 `json:"size,omitempty"`
	FileCount *int64 `json:"fileCount,omitempty"`
}

// IcebergCommitReportOutputDatasetFacet is an Iceberg commit's report, from the spec's registry.
type IcebergCommitReportOutputDatasetFacet struct {
	FacetBase
	SnapshotID     *int64                     `json:"snapshotId,omitempty"`
	SequenceNumber *int64                     `json:"sequenceNumber,omitempty"`
	Operation      string                     `json:"operation,omitempty"`
	CommitMetrics  *IcebergCommitMetrics      `json:"commitMetrics,omitempty"`
	Metadata       map[string]json.RawMessage `json:"metadata,omitempty"`
}

// IcebergCommitMetrics are the counts of an Iceberg commit that etlwatch knows.
type IcebergCommitMetrics struct {
	TotalDuration         *int64 `json:"totalDuration,omitempty"`
	Attempts              *int64 `json:"attempts,omitempty"`
	AddedDataFiles        *int64 `json:"addedDataFiles,omitempty"`
	AddedRecords          *int64 `json:"addedRecords,omitempty"`
	AddedFilesSizeInBytes *int64 `json:"addedFilesSizeInBytes,omitempty"`
	AddedDeleteFiles      *int64 `json:"addedDeleteFiles,omitempty"`
	AddedEqualityDeletes  *int64 `json:"addedEqualityDeletes,omitempty"`
	TotalRecords          *int64 `json:"totalRecords,omitempty"`
	TotalDataFiles        *int64 `json:"totalDataFiles,omitempty"`
}

// Int64 returns a pointer to v, for the optional counts of the facets.
func Int64(v int64) *int64 { return &v }
