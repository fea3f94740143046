package lineage

import (
	"context"
	"errors"
	"sync"

	"github.com/google/uuid"
)

// Processing types of the jobType facet.
const (
	Batch     = "BATCH"
	Streaming = "STREAMING"
)

// NewRunID returns a new run ID: a UUIDv7, whose time order is the runs' start order.
func NewRunID() string {
	id, err := uuid.NewV7()
	if err != nil { // only when the random source fails
		return uuid.NewString()
	}
	return id.String()
}

// RunOption configures [Client.NewRun].
type RunOption func(*JobRun)

// WithParent makes the run a child of parent: its events carry the parent facet with the
// parent's run and job and the root of the tree (the parent's root, or the parent itself).
func WithParent(parent *JobRun) RunOption { return func(r *JobRun) { r.parent = parent } }

// WithProcessingType sets the jobType facet's processing type: [Batch] (the default) or
// [Streaming].
func WithProcessingType(t string) RunOption { return func(r *JobRun) { r.processing = t } }

// WithJobType sets the jobType facet's job type, such as "JOB" (the default) or "TASK".
func WithJobType(t string) RunOption { return func(r *JobRun) { r.jobType = t } }

// WithEmissionPattern sets the jobType facet's emission pattern. Default: none.
func WithEmissionPattern(p EmissionPattern) RunOption { return func(r *JobRun) { r.pattern = &p } }

// WithCorrelationID puts the etlwatch_correlation facet with id on each of the run's events.
// Default: none.
func WithCorrelationID(id string) RunOption { return func(r *JobRun) { r.correlationID = id } }

// WithRunID sets the run's ID, a UUID. Default: [NewRunID].
func WithRunID(id string) RunOption { return func(r *JobRun) { r.id = id } }

// Update is what an event of a [JobRun] reports beyond the run and job: the datasets read and
// written, and the tests that ran (they go in the run's test facet).
type Update struct {
	Inputs  []InputDataset
	Outputs []OutputDataset
	Tests   []TestExecution
}

// JobRun is one run of a job, sent as events through a [Client]: one START, RUNNING events
// while it goes on, and one terminal event (COMPLETE, FAIL or ABORT). It keeps the exactly-once
// rules: a second Start or a second terminal event is not sent, and a terminal event of a run
// that was not started sends START first. A JobRun is safe for concurrent use.
type JobRun struct {
	c             *Client
	job           Job
	id            string
	parent        *JobRun
	processing    string
	jobType       string
	correlationID string
	pattern       *EmissionPattern

	mu      sync.Mutex
	started bool
	ended   EventType // "" until a terminal event
}

// NewRun returns a run of the job name in the client's namespace; nothing is sent until
// [JobRun.Start].
func (c *Client) NewRun(name string, opts ...RunOption) *JobRun {
	r := &JobRun{c: c, processing: Batch, jobType: "JOB"}
	for _, o := range opts {
		o(r)
	}
	if r.id == "" {
		r.id = NewRunID()
	}
	r.job = Job{Namespace: c.cfg.namespace, Name: name}
	return r
}

// ID returns the run's ID.
func (r *JobRun) ID() string { return r.id }

// JobName returns the job's name.
func (r *JobRun) JobName() string { return r.job.Name }

// Namespace returns the job's namespace.
func (r *JobRun) Namespace() string { return r.job.Namespace }

// Client returns the client the run sends through.
func (r *JobRun) Client() *Client { return r.c }

// Ended returns the run's terminal event type, "" while it has not ended.
func (r *JobRun) Ended() EventType {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ended
}

// Start sends the run's START event; it reports false when the run had already started.
func (r *JobRun) Start(u Update) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		return false
	}
	r.started = true
	r.emit(EventStart, u, nil)
	return true
}

// Running sends a RUNNING event with what happened since the last one; it reports false after
// the run ended. A run not yet started is started first.
func (r *JobRun) Running(u Update) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended != "" {
		return false
	}
	r.startLocked()
	r.emit(EventRunning, u, nil)
	return true
}

// Complete sends the run's COMPLETE event; it reports false when the run had already ended.
func (r *JobRun) Complete(u Update) bool { return r.end(EventComplete, u, nil) }

// Fail sends the run's FAIL event with err in the errorMessage facet; it reports false when the
// run had already ended.
func (r *JobRun) Fail(err error, u Update) bool {
	if err == nil {
		err = errors.New("failed")
	}
	return r.end(EventFail, u, err)
}

// Abort sends the run's ABORT event (a run cancelled, for example by a signal); it reports false
// when the run had already ended.
func (r *JobRun) Abort(u Update) bool { return r.end(EventAbort, u, nil) }

// End sends the terminal event err implies: COMPLETE for nil, ABORT for a cancelled context
// (context.Canceled, as a signal cancels it), FAIL otherwise.
func (r *JobRun) End(err error, u Update) bool {
	switch {
	case err == nil:
		return r.Complete(u)
	case errors.Is(err, context.Canceled):
		return r.Abort(u)
	}
	return r.Fail(err, u)
}

func (r *JobRun) end(t EventType, u Update, err error) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended != "" {
		return false
	}
	r.startLocked()
	r.ended = t
	r.emit(t, u, err)
	return true
}

func (r *JobRun) startLocked() {
	if !r.started {
		r.started = true
		r.emit(EventStart, Update{}, nil)
	}
}

// root returns the run at the root of r's tree.
func (r *JobRun) root() *JobRun {
	for r.parent != nil {
		r = r.parent
	}
	return r
}

func (r *JobRun) emit(t EventType, u Update, err error) {
	if !r.c.Enabled() {
		return
	}
	ev := &RunEvent{EventType: t, Run: Run{RunID: r.id}, Job: r.job, Inputs: u.Inputs, Outputs: u.Outputs}
	ev.Job.Facets.JobType = &JobTypeJobFacet{ProcessingType: r.processing, Integration: Integration, JobType: r.jobType,
		EmissionPattern: r.pattern}
	rf := &ev.Run.Facets
	if t == EventStart {
		rf.ProcessingEngine = &ProcessingEngineRunFacet{Version: Version(), Name: EngineName}
	}
	if r.correlationID != "" {
		rf.Correlation = &CorrelationRunFacet{CorrelationID: r.correlationID}
	}
	if p := r.parent; p != nil {
		root := p.root()
		rf.Parent = &ParentRunFacet{
			Run:  ParentRun{RunID: p.id},
			Job:  ParentJob{Namespace: p.job.Namespace, Name: p.job.Name},
			Root: &RootRunID{Run: ParentRun{RunID: root.id}, Job: ParentJob{Namespace: root.job.Namespace, Name: root.job.Name}},
		}
	}
	if err != nil {
		rf.ErrorMessage = &ErrorMessageRunFacet{Message: err.Error(), ProgrammingLanguage: "GO"}
	}
	if len(u.Tests) > 0 {
		rf.Test = &TestRunFacet{Tests: u.Tests}
	}
	_ = r.c.Emit(ev)
}
