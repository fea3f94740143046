package dataquality

import (
	"context"
	"strings"

	"github.com/etlwatch/etlwatch/configloader"
)

// Run runs the checks cfg (a source's data_quality: section) asks for on table, loaded from
// source into dest, and returns them in a [Report]:
//
//   - row count, when cfg.CheckRowCount: [Checker.RowCount] with cfg.RowCountTolerance;
//   - required columns, when cfg.RequiredColumns lists columns for table:
//     [Checker.RequiredColumns] on dest;
//   - checksum reconciliation, when cfg.ChecksumTables lists table: [Checker.Reconcile] with the
//     source's primary key, every source column, and the [WithReconcileOptions] options.
//
// Table names are matched case-insensitively (an exact match wins in RequiredColumns). Every
// check reports its metrics, event and log line as it completes. [Report.Err] is non-nil when a
// check failed and cfg.OnFailure is "fail".
func (c *Checker) Run(ctx context.Context, table string, cfg configloader.DataQuality, source, dest Dataset) Report {
	rep := Report{Table: table, OnFailure: cfg.OnFailure}
	if cfg.CheckRowCount {
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
