package bulkload

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/internal/redact"
	"github.com/etlwatch/etlwatch/lineage"
)

// jobLineage sends the bulk load's OpenLineage events: the pipeline's run is the parent
// (etlwatch.New started it), each table a child run with the table's input and output
// datasets, schemas, row counts, column lineage and check results. nil when lineage is off;
// its methods then do nothing but what they wrap.
type jobLineage struct {
	j      *job
	parent *lineage.JobRun

	mu       sync.Mutex
	checks   map[string][]dataquality.Result // by table, from checkQuality
	claimed  map[resultKey]int               // results a table's run carries: not the job's
	failed   []string                        // tables that failed to load
	dqFailed []string                        // tables whose checks failed the load
	afterErr error                           // Config.AfterLoad's error
}

// startLineage returns the job's lineage, nil when the pipeline sends none. It wraps
// j.afterLoad to learn its error.
func (j *job) startLineage() *jobLineage {
	if j.p == nil || j.p.Lineage == nil || !j.p.Lineage.Enabled() || j.p.LineageRun() == nil {
		return nil
	}
	jl := &jobLineage{j: j, parent: j.p.LineageRun(), checks: map[string][]dataquality.Result{},
		claimed: map[resultKey]int{}}
	if next := j.afterLoad; next != nil {
		j.afterLoad = func(ctx context.Context, l *Loaded) error {
			err := next(ctx, l)
			jl.mu.Lock()
			jl.afterErr = err
			jl.mu.Unlock()
			return err
		}
	}
	return jl
}

// checked records a table's check results for its terminal event.
func (jl *jobLineage) checked(table string, results []dataquality.Result) {
	if jl == nil {
		return
	}
	jl.mu.Lock()
	jl.checks[table] = append(jl.checks[table], results...)
	jl.mu.Unlock()
}

// table runs process for the table name as a child run: START with the input dataset and its
// schema, then COMPLETE with what was loaded, or FAIL (ABORT when cancelled).
func (jl *jobLineage) table(ctx context.Context, name string, process func(context.Context, string) tableResult) tableResult {
	if jl == nil {
		return process(ctx, name)
	}
	j := jl.j
	child := j.p.Lineage.NewRun(jl.parent.JobName()+"."+name, lineage.WithParent(jl.parent),
		lineage.WithJobType("TASK"), lineage.WithCorrelationID(j.p.CorrelationID()))
	inID := lineage.SourceDataset(j.src, name)
	in := lineage.InputDataset{Namespace: inID.Namespace, Name: inID.Name}
	in.Facets.DataSource = lineage.DataSource(j.src, inID)
	var columns []string
	if desc, err := j.ext.Describe(ctx, name); err == nil && desc.Schema != nil {
		cols := make([]lineage.Column, desc.Schema.NumFields())
		for i, f := range desc.Schema.Fields() {
			typ := f.Type.String()
			if i < len(desc.SourceTypes) && desc.SourceTypes[i] != "" {
				typ = desc.SourceTypes[i]
			}
			cols[i] = lineage.Column{Name: f.Name, Type: typ}
			columns = append(columns, f.Name)
		}
		in.Facets.Schema = lineage.SchemaOf(cols)
	}
	child.Start(lineage.Update{Inputs: []lineage.InputDataset{in}})

	res := process(ctx, name)

	u := lineage.Update{Inputs: []lineage.InputDataset{in}}
	jl.mu.Lock()
	results := jl.checks[name]
	jl.mu.Unlock()
	q := lineage.QualityOf(results, lineage.Severity(j.src.DataQuality.OnFailure))
	u.Tests = q.Tests
	// The anomaly monitors' verdicts, with the severity their configuration gives them.
	if rep, ok := j.monitorReports()[name]; ok {
		for _, r := range rep.Results {
			sev := lineage.Severity(rep.OnAnomaly)
			if r.Check == dataquality.MonitorSchemaDrift {
				sev = lineage.Severity(rep.SchemaDrift)
			}
			u.Tests = append(u.Tests, lineage.QualityOf([]dataquality.Result{r}, sev).Tests...)
		}
		results = append(results, rep.Results...)
	}
	in.InputFacets.DataQualityAssertions = q.Assertions
	in.InputFacets.DataQualityMetrics = q.InputMetrics
	if res.ok {
		in.InputFacets.InputStatistics = &lineage.InputStatisticsInputDatasetFacet{RowCount: lineage.Int64(res.records)}
	}
	u.Inputs[0] = in
	if out, ok := jl.output(ctx, name, inID, columns, res); ok {
		out.Facets.DataQualityMetrics = q.OutputMetrics
		u.Outputs = []lineage.OutputDataset{out}
	}

	jl.mu.Lock()
	defer jl.mu.Unlock()
	for _, r := range results {
		jl.claimed[keyOf(r)]++
	}
	switch {
	case !res.ok:
		jl.failed = append(jl.failed, name)
		err := res.err
		if err == nil {
			err = errors.New("the table did not load")
		}
		child.End(err, u)
	case res.dqFailed:
		jl.dqFailed = append(jl.dqFailed, name)
		child.Fail(fmt.Errorf("data-quality checks failed with on_failure: fail: %s", failedChecks(results)), u)
	default:
		child.Complete(u)
	}
	return res
}

func failedChecks(results []dataquality.Result) string {
	var names []string
	for _, r := range results {
		if !r.Passed {
			names = append(names, r.Check)
		}
	}
	return strings.Join(names, ", ")
}

// output describes the Iceberg table name as the load left it: named by its location, with the
// catalog's name as a symlink, its schema, the rows loaded, and the commit's files and bytes
// when the table's current snapshot is this job's commit. ok is false when the table cannot
// be read.
func (jl *jobLineage) output(ctx context.Context, name string, in lineage.DatasetID, columns []string, res tableResult) (lineage.OutputDataset, bool) {
	j := jl.j
	tbl, err := j.tm.Catalog().LoadTable(ctx, j.tm.Identifier(name))
	if err != nil {
		return lineage.OutputDataset{}, false
	}
	id := lineage.Location(tbl.Location())
	ice := j.src.Iceberg
	catalogNS := redact.URI(cmp.Or(ice.URI, ice.Warehouse))
	if ice.Catalog == "sql" || ice.URI == "" {
		catalogNS = redact.URI(ice.Warehouse)
	}
	out := lineage.OutputDataset{Namespace: id.Namespace, Name: id.Name,
		Facets: lineage.IcebergTable(catalogNS, j.ns+"."+name)}
	var cols []lineage.Column
	var outCols []string
	for _, f := range tbl.Schema().Fields() {
		cols = append(cols, lineage.Column{Name: f.Name, Type: f.Type.String()})
		outCols = append(outCols, f.Name)
	}
	out.Facets.Schema = lineage.SchemaOf(cols)
	if !res.ok {
		return out, true
	}
	// Identity column lineage: each source column landed in the Iceberg column of its name.
	var identity []string
	for _, c := range columns {
		if slices.Contains(outCols, c) {
			identity = append(identity, c)
		}
	}
	if len(identity) > 0 {
		out.Facets.ColumnLineage = lineage.IdentityColumnLineage(in, identity)
	}
	stats := &lineage.OutputStatisticsOutputDatasetFacet{RowCount: lineage.Int64(res.records)}
	out.OutputFacets.OutputStatistics = stats
	snap := tbl.CurrentSnapshot()
	if snap == nil || snap.Summary == nil || snap.Summary.Properties[propCorrelationID] != j.p.CorrelationID() {
		return out, true // not this job's commit (an empty table, or another writer came after)
	}
	props := snap.Summary.Properties
	num := func(k string) *int64 {
		if v, err := strconv.ParseInt(props[k], 10, 64); err == nil {
			return &v
		}
		return nil
	}
	stats.FileCount, stats.Size = num("added-data-files"), num("added-files-size")
	id64, seq := snap.SnapshotID, snap.SequenceNumber
	out.Facets.Version = &lineage.DatasetVersionDatasetFacet{DatasetVersion: strconv.FormatInt(id64, 10)}
	out.OutputFacets.IcebergCommitReport = &lineage.IcebergCommitReportOutputDatasetFacet{
		SnapshotID: &id64, SequenceNumber: &seq, Operation: string(snap.Summary.Operation),
		CommitMetrics: &lineage.IcebergCommitMetrics{
			AddedDataFiles: num("added-data-files"), AddedRecords: num("added-records"),
			AddedFilesSizeInBytes: num("added-files-size"), TotalRecords: num("total-records"),
			TotalDataFiles: num("total-data-files"),
		},
	}
	return out, true
}

// end ends the parent run with the job's exit code: COMPLETE for 0, ABORT when ctx was
// cancelled, FAIL with what failed otherwise.
func (jl *jobLineage) end(ctx context.Context, code int) {
	if jl == nil {
		return
	}
	j := jl.j
	jl.mu.Lock()
	defer jl.mu.Unlock()
	var err error
	switch {
	case code == 0:
	case errors.Is(ctx.Err(), context.Canceled):
		err = ctx.Err()
	default:
		var parts []string
		if len(jl.failed) > 0 {
			parts = append(parts, "failed tables: "+strings.Join(jl.failed, ", "))
		}
		if len(jl.dqFailed) > 0 {
			parts = append(parts, "failed data-quality checks: "+strings.Join(jl.dqFailed, ", "))
		}
		if jl.afterErr != nil {
			parts = append(parts, "after the load: "+jl.afterErr.Error())
		}
		if len(parts) == 0 {
			parts = append(parts, fmt.Sprintf("exit code %d", code))
		}
		err = fmt.Errorf("bulk load failed: %s", strings.Join(parts, "; "))
	}
	// The checks that ran outside a table's run (such as Config.AfterLoad's reconciliation) are
	// the job's.
	var rest []dataquality.Result
	for _, r := range j.p.CheckResults() {
		if k := keyOf(r); jl.claimed[k] > 0 {
			jl.claimed[k]--
			continue
		}
		rest = append(rest, r)
	}
	jl.parent.End(err, lineage.Update{Tests: lineage.QualityOf(rest, lineage.Severity(j.src.DataQuality.OnFailure)).Tests})
}

// resultKey identifies a check result among the pipeline's.
type resultKey struct {
	check, table, details string
	passed                bool
}

func keyOf(r dataquality.Result) resultKey {
	return resultKey{check: r.Check, table: r.Table, details: r.Details, passed: r.Passed}
}
