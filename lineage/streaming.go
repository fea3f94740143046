package lineage

import (
	"encoding/json"
	"slices"
	"strconv"
	"sync"
	"time"
)

// DefaultRunningInterval is the least time between two RUNNING events of a [StreamingRun].
const DefaultRunningInterval = 60 * time.Second

// Commit is one commit of a streaming job to one table, such as the CDC consumer's commit of a
// batch to an Iceberg table.
type Commit struct {
	// Inputs are the datasets the changes came from, such as the Kafka topics ([Kafka]).
	Inputs []DatasetID
	// Output is the table written, such as an Iceberg table by its location ([Location]).
	Output DatasetID
	// OutputFacets are the output's dataset facets (schema, symlinks, storage); the latest
	// commit's are sent.
	OutputFacets DatasetFacets
	// RowsUpserted and RowsDeleted are the rows the commit wrote and deleted.
	RowsUpserted, RowsDeleted int64
	// DataFiles and Bytes are the data files the commit added and their size.
	DataFiles int
	Bytes     int64
	// SnapshotID is the snapshot the commit created.
	SnapshotID int64
}

// StreamingRun is a run of a STREAMING job: START when it starts, a RUNNING event at most every
// interval carrying what was committed since the last one (per table: output statistics and the
// Iceberg commit report), and COMPLETE on a clean stop, FAIL on an error, ABORT on a cancelled
// context, each carrying what was committed since the last RUNNING. The output statistics of
// a run's events add up to what it committed. A StreamingRun is safe for concurrent use.
type StreamingRun struct {
	run      *JobRun
	interval time.Duration

	mu      sync.Mutex
	pending map[DatasetID]*tableAgg
	order   []DatasetID // tables in the order first committed since the last event
	inputs  []InputDataset
	last    time.Time // of the last event
	timer   *time.Timer
	stopped bool
}

type tableAgg struct {
	c       Commit // the latest commit: its facets and snapshot
	inputs  []DatasetID
	rows    int64
	deleted int64
	files   int64
	bytes   int64
	commits int64
}

// NewStreamingRun returns a STREAMING run of the job name whose RUNNING events are at least
// interval apart ([DefaultRunningInterval] when interval is 0 or less). opts apply as for
// [Client.NewRun]; the processing type is STREAMING whatever they say.
func (c *Client) NewStreamingRun(name string, interval time.Duration, opts ...RunOption) *StreamingRun {
	if interval <= 0 {
		interval = DefaultRunningInterval
	}
	opts = append(slices.Clone(opts), WithProcessingType(Streaming), WithEmissionPattern(EmissionPattern{
		EventTrigger: "PERIODIC", EventContentMode: "ACCUMULATIVE", WindowDuration: max(int64(interval/time.Second), 1),
	}))
	return &StreamingRun{run: c.NewRun(name, opts...), interval: interval, pending: map[DatasetID]*tableAgg{}}
}

// Run returns the underlying run, for its ID and for child runs.
func (s *StreamingRun) Run() *JobRun { return s.run }

// Start sends START with the inputs the job reads (such as its topics).
func (s *StreamingRun) Start(inputs []InputDataset) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inputs = inputs
	s.last = time.Now()
	s.run.Start(Update{Inputs: inputs})
}

// Committed adds one commit to what the next event carries, and sends a RUNNING event when the
// last event is at least the interval old; otherwise one is scheduled for when it will be.
func (s *StreamingRun) Committed(c Commit) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	a := s.pending[c.Output]
	if a == nil {
		a = &tableAgg{}
		s.pending[c.Output] = a
		s.order = append(s.order, c.Output)
	}
	a.c = c
	for _, in := range c.Inputs {
		if !slices.Contains(a.inputs, in) {
			a.inputs = append(a.inputs, in)
		}
	}
	a.rows += c.RowsUpserted
	a.deleted += c.RowsDeleted
	a.files += int64(c.DataFiles)
	a.bytes += c.Bytes
	a.commits++
	if wait := s.interval - time.Since(s.last); wait <= 0 {
		s.runningLocked()
	} else if s.timer == nil {
		s.timer = time.AfterFunc(wait, func() { s.Flush() })
	}
}

// Flush sends a RUNNING event now with what was committed since the last event; it reports
// false when there was nothing to send or the run stopped.
func (s *StreamingRun) Flush() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped || len(s.pending) == 0 {
		return false
	}
	s.runningLocked()
	return true
}

func (s *StreamingRun) runningLocked() {
	s.run.Running(s.takeLocked())
}

// takeLocked returns the pending commits as an update and clears them.
func (s *StreamingRun) takeLocked() Update {
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	s.last = time.Now()
	var u Update
	var inputs []DatasetID
	for _, id := range s.order {
		a := s.pending[id]
		for _, in := range a.inputs {
			if !slices.Contains(inputs, in) {
				inputs = append(inputs, in)
			}
		}
		snap := a.c.SnapshotID
		u.Outputs = append(u.Outputs, OutputDataset{
			Namespace: id.Namespace, Name: id.Name, Facets: a.c.OutputFacets,
			OutputFacets: OutputDatasetFacets{
				OutputStatistics: &OutputStatisticsOutputDatasetFacet{
					RowCount: Int64(a.rows), Size: Int64(a.bytes), FileCount: Int64(a.files),
				},
				IcebergCommitReport: &IcebergCommitReportOutputDatasetFacet{
					SnapshotID: &snap,
					CommitMetrics: &IcebergCommitMetrics{
						AddedDataFiles: Int64(a.files), AddedRecords: Int64(a.rows), AddedFilesSizeInBytes: Int64(a.bytes),
					},
					Metadata: rawMetadata(a.commits, a.deleted),
				},
			},
		})
	}
	for _, in := range inputs {
		u.Inputs = append(u.Inputs, InputDataset{Namespace: in.Namespace, Name: in.Name})
	}
	clear(s.pending)
	s.order = s.order[:0]
	return u
}

// rawMetadata is the commit report's metadata: the commits folded into it and the rows they
// deleted.
func rawMetadata(commits, deleted int64) map[string]json.RawMessage {
	return map[string]json.RawMessage{
		"etlwatch.commits":      json.RawMessage(strconv.FormatInt(commits, 10)),
		"etlwatch.rows_deleted": json.RawMessage(strconv.FormatInt(deleted, 10)),
	}
}

// Stop ends the run with what was committed since the last event: COMPLETE when err is nil,
// ABORT when it is a cancelled context, FAIL otherwise. Later calls do nothing.
func (s *StreamingRun) Stop(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	s.stopped = true
	u := s.takeLocked()
	if len(u.Inputs) == 0 {
		u.Inputs = s.inputs
	}
	s.run.End(err, u)
}
