package cdclineage

import (
	"cmp"
	"context"
	"errors"
	"sync"

	"github.com/etlwatch/etlwatch"
	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/internal/redact"
	"github.com/etlwatch/etlwatch/lineage"
)

// ErrNotStreaming is returned by [ForPipeline] for a pipeline built without
// etlwatch.WithStreamingLineage.
var ErrNotStreaming = errors.New("cdclineage: the pipeline has no streaming lineage run: build it with etlwatch.WithStreamingLineage()")

// Option configures [New].
type Option func(*Observer)

// WithCatalog sets the namespace of the symlink that names each Iceberg table as the catalog
// does (namespace.table), such as the warehouse or the REST catalog's URL; credentials in it are
// masked. Default: the table's warehouse location is not named, the symlink's namespace is
// "iceberg".
func WithCatalog(namespace string) Option {
	return func(o *Observer) { o.catalog = redact.URI(namespace) }
}

// Observer is a cdc.Observer that reports a CDC consumer as a STREAMING OpenLineage run: START
// with the topics it reads when it starts, RUNNING events at most every interval with what was
// committed since (per Iceberg table: rows upserted, files and bytes added, the snapshot, the
// schema; deletes in the commit report's metadata), and COMPLETE on a clean stop, FAIL when the
// consumer fails. Its methods only hand events to the lineage client's buffer: they never block
// the consumer.
type Observer struct {
	run     *lineage.StreamingRun
	catalog string

	mu      sync.Mutex
	brokers []string
}

// New returns an observer reporting through run.
func New(run *lineage.StreamingRun, opts ...Option) (*Observer, error) {
	if run == nil {
		return nil, errors.New("cdclineage: nil streaming run")
	}
	o := &Observer{run: run, catalog: "iceberg"}
	for _, opt := range opts {
		opt(o)
	}
	return o, nil
}

// ForPipeline returns an observer reporting through p's streaming run (etlwatch.New with
// etlwatch.WithStreamingLineage), naming the Iceberg tables' symlinks after src's catalog.
func ForPipeline(p *etlwatch.Pipeline, src *configloader.Source) (*Observer, error) {
	if p == nil || p.StreamingLineage() == nil {
		return nil, ErrNotStreaming
	}
	var opts []Option
	if src != nil {
		ice := src.Iceberg
		ns := ice.Warehouse
		if ice.Catalog == "rest" || ice.Catalog == "glue" {
			ns = cmp.Or(ice.URI, ice.Warehouse)
		}
		if ns != "" {
			opts = append(opts, WithCatalog(ns))
		}
	}
	return New(p.StreamingLineage(), opts...)
}

var _ cdc.Observer = (*Observer)(nil)

// Started sends START with the topics the consumer reads (none yet when a prefix selects them:
// the commits name them).
func (o *Observer) Started(_ context.Context, info cdc.StartInfo) {
	o.mu.Lock()
	o.brokers = info.Brokers
	o.mu.Unlock()
	var inputs []lineage.InputDataset
	for _, id := range o.topics(info.Topics) {
		inputs = append(inputs, lineage.InputDataset{Namespace: id.Namespace, Name: id.Name})
	}
	o.run.Start(inputs)
}

func (o *Observer) topics(topics []string) []lineage.DatasetID {
	o.mu.Lock()
	broker := ""
	if len(o.brokers) > 0 {
		broker = o.brokers[0]
	}
	o.mu.Unlock()
	ids := make([]lineage.DatasetID, len(topics))
	for i, t := range topics {
		ids[i] = lineage.Kafka(broker, t)
	}
	return ids
}

// Committed adds one table's commit to what the next RUNNING event carries.
func (o *Observer) Committed(_ context.Context, info cdc.CommitInfo) {
	facets := lineage.IcebergTable(o.catalog, info.Namespace+"."+info.Table)
	if len(info.Columns) > 0 {
		cols := make([]lineage.Column, len(info.Columns))
		for i, c := range info.Columns {
			cols[i] = lineage.Column{Name: c.Name, Type: c.Type}
		}
		facets.Schema = lineage.SchemaOf(cols)
	}
	o.run.Committed(lineage.Commit{
		Inputs:       o.topics(info.Topics),
		Output:       lineage.Location(info.Location),
		OutputFacets: facets,
		RowsUpserted: info.Upserted,
		RowsDeleted:  info.Deleted,
		DataFiles:    info.DataFiles,
		Bytes:        info.AddedBytes,
		SnapshotID:   info.SnapshotID,
	})
}

// Stopped ends the run with what was committed since the last RUNNING event: COMPLETE after a
// clean stop (err nil), FAIL otherwise.
func (o *Observer) Stopped(_ context.Context, err error) { o.run.Stop(err) }
