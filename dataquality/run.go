package dataquality

import (
	"context"
	"strings"
)

// Checks says which checks [Checker.RunChecks] runs on a table and how a failure counts. Programs
// without a sources.yaml fill it directly; [ChecksFrom] translates a source's data_quality:
// section. The zero value runs nothing.
type Checks struct {
	// RowCount runs [Checker.RowCount] with RowCountTolerance, a fraction from 0 to 1 of the
	// source's count.
	RowCount          bool
	RowCountTolerance float64
	// RequiredColumns lists, per table, the columns [Checker.RequiredColumns] requires to hold
	// no NULL in the destination.
	RequiredColumns map[string][]string
	// ChecksumTables lists the tables [Checker.Reconcile] compares row by row.
	ChecksumTables []string
	// OnFailure is "warn" (the default, also when empty: failures are reported and the load
	// goes on) or "fail" (in any case: [Report.Err] returns the failures).
	OnFailure string
}

// RunChecks runs the checks cfg asks for on table, loaded from source into dest, and returns them
// in a [Report]:
//
//   - row count, when cfg.RowCount: [Checker.RowCount] with cfg.RowCountTolerance;
//   - required columns, when cfg.RequiredColumns lists columns for table:
//     [Checker.RequiredColumns] on dest;
//   - checksum reconciliation, when cfg.ChecksumTables lists table: [Checker.Reconcile] with the
//     source's primary key, every source column, and the [WithReconcileOptions] options.
//
// Table names are matched case-insensitively (an exact match wins in RequiredColumns). Every
// check reports its metrics, event and log line as it completes. [Report.Err] is non-nil when a
// check failed and cfg.OnFailure is "fail".
func (c *Checker) RunChecks(ctx context.Context, table string, cfg Checks, source, dest Dataset) Report {
	rep := Report{Table: table, OnFailure: cfg.OnFailure}
	if cfg.RowCount {
		rep.Results = append(rep.Results, c.RowCount(ctx, table, source, dest, cfg.RowCountTolerance))
	}
	if cols := requiredColumnsFor(cfg.RequiredColumns, table); len(cols) > 0 {
		rep.Results = append(rep.Results, c.RequiredColumns(ctx, table, dest, cols))
	}
	for _, t := range cfg.ChecksumTables {
		if strings.EqualFold(t, table) {
			opts := c.reconcileOpts
			opts.Key, opts.Columns = "", nil
			rep.Results = append(rep.Results, c.Reconcile(ctx, table, source, dest, opts))
			break
		}
	}
	return rep
}

func requiredColumnsFor(m map[string][]string, table string) []string {
	if cols, ok := m[table]; ok {
		return cols
	}
	// Several case-insensitive matches: the first in sorted order, so that the choice is stable.
	var best string
	found := false
	for t := range m {
		if strings.EqualFold(t, table) && (!found || t < best) {
			best, found = t, true
		}
	}
	if !found {
		return nil
	}
	return m[best]
}
