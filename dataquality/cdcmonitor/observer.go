package cdcmonitor

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/dataquality"
)

// DefaultFreshnessEvery is how often the tables' freshness is judged while the consumer runs:
// each judgement is a dq_check_complete event per table, and the TableStale alert needs none of
// them (it compares the last-write gauge with time()).
const DefaultFreshnessEvery = 5 * time.Minute

// ErrNoMonitor is returned by [New] without a monitor.
var ErrNoMonitor = errors.New("cdcmonitor: no monitor")

// Observer is a [cdc.Observer] that runs a [dataquality.Monitor] on a consumer's commits. Its
// methods are safe for concurrent use.
type Observer struct {
	mon   *dataquality.Monitor
	every time.Duration

	mu     sync.Mutex
	tables map[string]bool
	cancel context.CancelFunc
	done   chan struct{}
}

type config struct {
	every  time.Duration
	tables []string
}

// Option configures an [Observer].
type Option func(*config)

// WithFreshnessEvery sets how often, while the consumer runs, every table it has committed to
// is judged by [dataquality.Monitor.CheckFreshness]; 0 or less turns the timer off. Default
// [DefaultFreshnessEvery].
func WithFreshnessEvery(d time.Duration) Option { return func(c *config) { c.every = d } }

// WithTables names tables whose freshness is judged from the start, before the consumer
// commits to them: the tables the consumer is meant to keep fresh. Their last write then comes
// from the monitor's history, so that a consumer that restarts and never commits still turns
// them stale. Default: only the tables committed to since the consumer started.
func WithTables(tables ...string) Option {
	return func(c *config) { c.tables = append(c.tables, tables...) }
}

// New returns an Observer feeding mon.
func New(mon *dataquality.Monitor, opts ...Option) (*Observer, error) {
	if mon == nil {
		return nil, ErrNoMonitor
	}
	cfg := config{every: DefaultFreshnessEvery}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	o := &Observer{mon: mon, every: cfg.every, tables: map[string]bool{}}
	for _, t := range cfg.tables {
		o.tables[t] = true
	}
	return o, nil
}

var _ cdc.Observer = (*Observer)(nil)

// Started starts the freshness timer (when the monitors judge freshness).
func (o *Observer) Started(ctx context.Context, _ cdc.StartInfo) {
	if o.every <= 0 || !o.mon.Config().Freshness {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.cancel != nil {
		return
	}
	ctx, o.cancel = context.WithCancel(context.WithoutCancel(ctx))
	o.done = make(chan struct{})
	go o.loop(ctx, o.done)
}

func (o *Observer) loop(ctx context.Context, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(o.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			o.CheckFreshness(ctx)
		}
	}
}

// CheckFreshness judges the freshness of every table the consumer has committed to, in name
// order, and returns the results. The timer calls it; it can also be called directly.
func (o *Observer) CheckFreshness(ctx context.Context) []dataquality.Result {
	o.mu.Lock()
	names := make([]string, 0, len(o.tables))
	for t := range o.tables {
		names = append(names, t)
	}
	o.mu.Unlock()
	sort.Strings(names)
	out := make([]dataquality.Result, 0, len(names))
	for _, t := range names {
		out = append(out, o.mon.CheckFreshness(ctx, t))
	}
	return out
}

// Committed feeds one commit to the monitor: [dataquality.Monitor.Committed] with the table,
// the commit time and the rows upserted (its volume per hour, its last write), and, when
// schema_drift is on, [dataquality.Monitor.CheckSchema] with the columns after the commit.
func (o *Observer) Committed(ctx context.Context, info cdc.CommitInfo) {
	o.mu.Lock()
	o.tables[info.Table] = true
	o.mu.Unlock()
	at := info.CommittedAt
	if at.IsZero() {
		at = time.Now()
	}
	o.mon.Committed(ctx, info.Table, at, info.Upserted)
	if sd := o.mon.Config().SchemaDrift; (sd == "warn" || sd == "fail") && len(info.Columns) > 0 {
		cols := make([]dataquality.SchemaColumn, len(info.Columns))
		for i, c := range info.Columns {
			cols[i] = dataquality.SchemaColumn{Name: c.Name, Type: c.Type, Required: !c.Nullable}
		}
		o.mon.CheckSchema(ctx, info.Table, at, cols)
	}
}

// Stopped stops the freshness timer and waits for it.
func (o *Observer) Stopped(context.Context, error) {
	o.mu.Lock()
	cancel, done := o.cancel, o.done
	o.cancel, o.done = nil, nil
	o.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}
