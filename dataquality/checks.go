package dataquality

import (
	"context"
	"fmt"
	"strings"
	"time"
)

const (
	requiredWhat   = "Required columns validation"
	uniquenessWhat = "Uniqueness validation"
	freshnessWhat  = "Freshness validation"
	schemaWhat     = "Schema validation"

	// duplicateSample is how many duplicated keys Uniqueness asks for; the details show the
	// first few of them.
	duplicateSample = 100
	detailSample    = 5
)

// RequiredColumns checks that none of columns holds a NULL in ds, which must be a
// [NullCounter] (one query for all columns in SQL).
//
// Observed keys: columns ([]string), null_counts (map[string]int64, by column as given),
// null_rows (int64, the sum of the counts).
//
//	CUSTOMERS: Required columns validation PASSED - no nulls in CUSTOMER_ID, CREATED
//	CUSTOMERS: Required columns validation FAILED - nulls in CREATED: 3
func (c *Checker) RequiredColumns(ctx context.Context, table string, ds Dataset, columns []string) Result {
	start := time.Now()
	observed := map[string]any{"columns": columns}
	if len(columns) == 0 {
		return c.report(ctx, failed(CheckRequiredColumns, table, requiredWhat,
			fmt.Errorf("%w: no required columns given", ErrInvalidInput), start, observed))
	}
	nc, ok := ds.(NullCounter)
	if !ok {
		return c.report(ctx, failed(CheckRequiredColumns, table, requiredWhat, unsupported(ds, "NullCounter", "count nulls"), start, observed))
	}
	counts, err := nc.NullCounts(ctx, columns)
	if err != nil {
		return c.report(ctx, failed(CheckRequiredColumns, table, requiredWhat, fmt.Errorf("count nulls: %w", err), start, observed))
	}
	var total int64
	var bad []string
	for _, col := range columns {
		if n := counts[col]; n > 0 {
			total += n
			bad = append(bad, fmt.Sprintf("%s: %d", col, n))
		}
	}
	observed["null_counts"] = counts
	observed["null_rows"] = total
	r := Result{Check: CheckRequiredColumns, Table: table, Observed: observed, Passed: total == 0}
	if r.Passed {
		r.Details = requiredWhat + " PASSED - no nulls in " + strings.Join(columns, ", ")
	} else {
		r.Details = requiredWhat + " FAILED - nulls in " + strings.Join(bad, ", ")
	}
	r.Duration = time.Since(start)
	return c.report(ctx, r)
}

// Uniqueness checks that no two rows of ds, which must be a [DuplicateFinder], share a value of
// key (one or more columns, such as the primary key). Rows with a NULL in the key are not
// counted; check the key with [Checker.RequiredColumns] too.
//
// Observed keys: key ([]string), duplicate_keys (int64, the key values held by more than one
// row), extra_rows (int64, count(*) - count(distinct key)), sample ([]string, up to 100
// duplicated keys as "value" or "(v1, v2)" with their row count).
//
//	ORDERS: Uniqueness validation PASSED - no duplicate values of (ORDER_ID)
//	ORDERS: Uniqueness validation FAILED - 2 values of (ORDER_ID) held by more than one row (3 extra rows): 7 (2 rows), 9 (3 rows)
func (c *Checker) Uniqueness(ctx context.Context, table string, ds Dataset, key []string) Result {
	start := time.Now()
	observed := map[string]any{"key": key}
	if len(key) == 0 {
		return c.report(ctx, failed(CheckUniqueness, table, uniquenessWhat, fmt.Errorf("%w: no key columns given", ErrInvalidInput), start, observed))
	}
	df, ok := ds.(DuplicateFinder)
	if !ok {
		return c.report(ctx, failed(CheckUniqueness, table, uniquenessWhat, unsupported(ds, "DuplicateFinder", "find duplicate keys"), start, observed))
	}
	d, err := df.DuplicateKeys(ctx, key, duplicateSample)
	if err != nil {
		return c.report(ctx, failed(CheckUniqueness, table, uniquenessWhat, fmt.Errorf("find duplicate keys: %w", err), start, observed))
	}
	sample := make([]string, len(d.Sample))
	for i, k := range d.Sample {
		sample[i] = fmt.Sprintf("%s (%d rows)", formatKey(k.Key), k.Count)
	}
	observed["duplicate_keys"] = d.Keys
	observed["extra_rows"] = d.ExtraRows
	observed["sample"] = sample
	keyText := "(" + strings.Join(key, ", ") + ")"
	r := Result{Check: CheckUniqueness, Table: table, Observed: observed, Passed: d.Keys == 0 && d.ExtraRows == 0}
	if r.Passed {
		r.Details = uniquenessWhat + " PASSED - no duplicate values of " + keyText
	} else {
		shown := sample[:min(len(sample), detailSample)]
		r.Details = fmt.Sprintf("%s FAILED - %d values of %s held by more than one row (%d extra rows)", uniquenessWhat, d.Keys, keyText, d.ExtraRows)
		if len(shown) > 0 {
			r.Details += ": " + strings.Join(shown, ", ")
			if int64(len(shown)) < d.Keys {
				r.Details += ", ..."
			}
		}
	}
	r.Duration = time.Since(start)
	return c.report(ctx, r)
}

// formatKey writes one key value: the value alone, or "(v1, v2)" for a composite key.
func formatKey(k []any) string {
	parts := make([]string, len(k))
	for i, v := range k {
		switch x := v.(type) {
		case nil:
			parts[i] = "NULL"
		case []byte:
			parts[i] = string(x)
		case time.Time:
			parts[i] = x.Format(time.RFC3339Nano)
		default:
			parts[i] = fmt.Sprint(x)
		}
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// Freshness checks that the latest value of the timestamp column in ds, which must be a
// [MaxTimeReader], is at most maxAge old (by the [WithClock] clock). A table with no value in
// the column fails, without an error. A latest value in the future passes.
//
// Observed keys: column (string), latest (string, RFC 3339, absent without rows), age_seconds
// and max_age_seconds (float64).
//
//	EVENTS: Freshness validation PASSED - latest CREATED_AT: 2025-01-27T10:00:00Z, age: 30m0s, max age: 1h0m0s
func (c *Checker) Freshness(ctx context.Context, table string, ds Dataset, column string, maxAge time.Duration) Result {
	start := time.Now()
	observed := map[string]any{"column": column, "max_age_seconds": maxAge.Seconds()}
	if maxAge <= 0 || column == "" {
		return c.report(ctx, failed(CheckFreshness, table, freshnessWhat,
			fmt.Errorf("%w: freshness needs a column and a positive maximum age (got %q, %v)", ErrInvalidInput, column, maxAge), start, observed))
	}
	mr, ok := ds.(MaxTimeReader)
	if !ok {
		return c.report(ctx, failed(CheckFreshness, table, freshnessWhat, unsupported(ds, "MaxTimeReader", "read the latest timestamp"), start, observed))
	}
	latest, found, err := mr.MaxTime(ctx, column)
	if err != nil {
		return c.report(ctx, failed(CheckFreshness, table, freshnessWhat, fmt.Errorf("read latest %s: %w", column, err), start, observed))
	}
	r := Result{Check: CheckFreshness, Table: table, Observed: observed}
	if !found {
		r.Details = fmt.Sprintf("%s FAILED - no row has a value in %s", freshnessWhat, column)
		r.Duration = time.Since(start)
		return c.report(ctx, r)
	}
	age := c.now().Sub(latest)
	observed["latest"] = latest.Format(time.RFC3339Nano)
	observed["age_seconds"] = age.Seconds()
	r.Passed = age <= maxAge
	verdict := "PASSED"
	if !r.Passed {
		verdict = "FAILED"
	}
	r.Details = fmt.Sprintf("%s %s - latest %s: %s, age: %s, max age: %s", freshnessWhat, verdict, column,
		latest.Format(time.RFC3339Nano), age.Round(time.Second), maxAge)
	r.Duration = time.Since(start)
	return c.report(ctx, r)
}

// SchemaCompare checks that every column of source exists in dest (names matched
// case-insensitively) with the same normalised [Type]; both must be [SchemaReader]s. Columns
// that only dest has are reported but do not fail the check (destinations often add load
// metadata). Columns of type [TypeUnknown] on either side are not compared by type.
//
// Observed keys: columns (int64, the source's), missing_in_dest, extra_in_dest and
// type_mismatches ([]string).
//
//	CUSTOMERS: Schema validation PASSED - 8 columns match
//	CUSTOMERS: Schema validation FAILED - missing in dest: EMAIL; type mismatches: AMOUNT decimal (numeric(12,2)) vs float (double)
func (c *Checker) SchemaCompare(ctx context.Context, table string, source, dest Dataset) Result {
	start := time.Now()
	observed := map[string]any{}
	var sCols, dCols []Column
	err := both(ctx,
		func(ctx context.Context) (err error) {
			sCols, err = readSchema(ctx, "source", source)
			return err
		},
		func(ctx context.Context) (err error) {
			dCols, err = readSchema(ctx, "dest", dest)
			return err
		})
	if err != nil {
		return c.report(ctx, failed(CheckSchema, table, schemaWhat, err, start, observed))
	}
	byName := make(map[string]Column, len(dCols))
	for _, col := range dCols {
		byName[strings.ToLower(col.Name)] = col
	}
	missing, mismatched, extra := []string{}, []string{}, []string{}
	seen := make(map[string]bool, len(sCols))
	for _, s := range sCols {
		seen[strings.ToLower(s.Name)] = true
		d, ok := byName[strings.ToLower(s.Name)]
		switch {
		case !ok:
			missing = append(missing, s.Name)
		case s.Type != d.Type && s.Type != TypeUnknown && d.Type != TypeUnknown:
			mismatched = append(mismatched, fmt.Sprintf("%s %s (%s) vs %s (%s)", s.Name, s.Type, s.DatabaseType, d.Type, d.DatabaseType))
		}
	}
	for _, d := range dCols {
		if !seen[strings.ToLower(d.Name)] {
			extra = append(extra, d.Name)
		}
	}
	observed["columns"] = int64(len(sCols))
	observed["missing_in_dest"] = missing
	observed["extra_in_dest"] = extra
	observed["type_mismatches"] = mismatched
	r := Result{Check: CheckSchema, Table: table, Observed: observed, Passed: len(missing) == 0 && len(mismatched) == 0}
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "missing in dest: "+strings.Join(missing, ", "))
	}
	if len(mismatched) > 0 {
		parts = append(parts, "type mismatches: "+strings.Join(mismatched, ", "))
	}
	if r.Passed {
		r.Details = fmt.Sprintf("%s PASSED - %d columns match", schemaWhat, len(sCols))
		if len(extra) > 0 {
			r.Details += "; extra in dest: " + strings.Join(extra, ", ")
		}
	} else {
		if len(extra) > 0 {
			parts = append(parts, "extra in dest: "+strings.Join(extra, ", "))
		}
		r.Details = schemaWhat + " FAILED - " + strings.Join(parts, "; ")
	}
	r.Duration = time.Since(start)
	return c.report(ctx, r)
}

func readSchema(ctx context.Context, side string, ds Dataset) ([]Column, error) {
	sr, ok := ds.(SchemaReader)
	if !ok {
		return nil, fmt.Errorf("%s: %w", side, unsupported(ds, "SchemaReader", "describe its columns"))
	}
	cols, err := sr.Schema(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: read schema: %w", side, err)
	}
	return cols, nil
}

// unsupported returns the error for a Dataset that lacks a capability.
func unsupported(ds Dataset, iface, what string) error {
	if ds == nil {
		return fmt.Errorf("%w: no dataset", ErrInvalidInput)
	}
	return fmt.Errorf("%w: %T cannot %s (it is not a dataquality.%s)", ErrUnsupported, ds, what, iface)
}
