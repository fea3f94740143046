package lineage

import (
	"encoding/json"
	"time"
)

// The OpenLineage specification this package writes.
const (
	// SpecVersion is the OpenLineage specification version of the events.
	SpecVersion = "2-0-2"
	// RunEventSchemaURL is the schemaURL of every [RunEvent].
	RunEventSchemaURL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
)

// EventType is the transition of a run that a [RunEvent] reports.
type EventType string

// The event types of the specification. A run has one START and one of COMPLETE, FAIL or ABORT;
// RUNNING events in between carry what happened so far.
const (
	EventStart    EventType = "START"
	EventRunning  EventType = "RUNNING"
	EventComplete EventType = "COMPLETE"
	EventAbort    EventType = "ABORT"
	EventFail     EventType = "FAIL"
	EventOther    EventType = "OTHER"
)

// Terminal reports whether t ends a run: COMPLETE, FAIL or ABORT.
func (t EventType) Terminal() bool {
	return t == EventComplete || t == EventFail || t == EventAbort
}

// RunEvent is an OpenLineage RunEvent: a transition of a run of a job, with the datasets it read
// and wrote. [Client.Emit] fills Producer, SchemaURL and EventTime when they are empty.
// Members the type does not know are kept in Extra and encoded back.
type RunEvent struct {
	EventTime time.Time       `json:"eventTime"`
	Producer  string          `json:"producer"`
	SchemaURL string          `json:"schemaURL"`
	EventType EventType       `json:"eventType,omitempty"`
	Run       Run             `json:"run"`
	Job       Job             `json:"job"`
	Inputs    []InputDataset  `json:"inputs"`
	Outputs   []OutputDataset `json:"outputs"`
	// Extra holds members of the JSON object that the fields above do not name.
	Extra map[string]json.RawMessage `json:"-"`
}

// MarshalJSON encodes e with its Extra members.
func (e RunEvent) MarshalJSON() ([]byte, error) {
	type plain RunEvent
	if e.Inputs == nil {
		e.Inputs = []InputDataset{}
	}
	if e.Outputs == nil {
		e.Outputs = []OutputDataset{}
	}
	return marshalExtra(plain(e), e.Extra)
}

// UnmarshalJSON decodes e, keeping unknown members in Extra.
func (e *RunEvent) UnmarshalJSON(b []byte) error {
	type plain RunEvent
	return unmarshalExtra(b, (*plain)(e), &e.Extra)
}

// Run identifies a run by its UUID and carries its facets.
type Run struct {
	RunID  string    `json:"runId"`
	Facets RunFacets `json:"facets"`
}

// Job identifies a job by namespace and name and carries its facets.
type Job struct {
	Namespace string    `json:"namespace"`
	Name      string    `json:"name"`
	Facets    JobFacets `json:"facets"`
}

// DatasetID names a dataset: its namespace (where it lives, such as postgres://db:5432) and its
// name within that namespace (such as shop.public.orders). See naming.go for the conventions.
type DatasetID struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// InputDataset is a dataset a run read.
type InputDataset struct {
	Namespace   string             `json:"namespace"`
	Name        string             `json:"name"`
	Facets      DatasetFacets      `json:"facets"`
	InputFacets InputDatasetFacets `json:"inputFacets"`
}

// OutputDataset is a dataset a run wrote.
type OutputDataset struct {
	Namespace    string              `json:"namespace"`
	Name         string              `json:"name"`
	Facets       DatasetFacets       `json:"facets"`
	OutputFacets OutputDatasetFacets `json:"outputFacets"`
}

// ID returns the dataset's namespace and name.
func (d InputDataset) ID() DatasetID { return DatasetID{d.Namespace, d.Name} }

// ID returns the dataset's namespace and name.
func (d OutputDataset) ID() DatasetID { return DatasetID{d.Namespace, d.Name} }
