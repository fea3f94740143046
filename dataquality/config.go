package dataquality

import (
	"context"

	"github.com/etlwatch/etlwatch/configloader"
)

// This file is the one place that translates sources.yaml's data_quality: section into the
// package's own [Checks]; the rest of the package works on Checks.

// ChecksFrom translates a source's data_quality: section (check_row_count, row_count_tolerance,
// required_columns, checksum_tables, on_failure) into [Checks]. The maps and slices are
// shared, not copied. The monitors: part is [MonitorsFrom]'s.
func ChecksFrom(dq configloader.DataQuality) Checks {
	return Checks{
		RowCount:          dq.CheckRowCount,
		RowCountTolerance: dq.RowCountTolerance,
		RequiredColumns:   dq.RequiredColumns,
		ChecksumTables:    dq.ChecksumTables,
		OnFailure:         dq.OnFailure,
	}
}

// Run is [Checker.RunChecks] with the checks a source's data_quality: section of sources.yaml
// asks for: c.RunChecks(ctx, table, [ChecksFrom](cfg), source, dest).
func (c *Checker) Run(ctx context.Context, table string, cfg configloader.DataQuality, source, dest Dataset) Report {
	return c.RunChecks(ctx, table, ChecksFrom(cfg), source, dest)
}

// MonitorsFrom translates a source's data_quality.monitors: section into [Monitors]. The map
// of NullRate is shared, not copied.
func MonitorsFrom(m configloader.Monitors) Monitors {
	out := Monitors{Volume: m.Volume, Freshness: m.Freshness, MaxAge: m.MaxAge, SchemaDrift: m.SchemaDrift,
		NullRate: m.NullRate, Sensitivity: m.Sensitivity, Seasonality: m.Seasonality, MinHistory: m.MinHistory,
		OnAnomaly: m.OnAnomaly}
	for _, r := range m.Exclude {
		out.Exclude = append(out.Exclude, TimeRange(r))
	}
	return out
}
