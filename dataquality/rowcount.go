package dataquality

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"sync"
	"time"
)

const rowCountWhat = "Row count validation"

// ValidateRowCount checks that dest, the rows loaded, is within tolerance of source, the rows
// extracted: it passes if and only if |source - dest| <= tolerance x source, so a source of 0
// requires a dest of 0. The comparison is exact for the decimal tolerance as written (0.29 of
// 100 allows 29), not subject to binary rounding.
//
// A tolerance outside [0, 1], NaN, or a negative count makes a failed Result whose Err wraps
// [ErrInvalidInput].
//
// Observed keys: source, dest and difference (int64, the absolute difference), tolerance
// (float64).
//
//	CUSTOMERS: Row count validation PASSED - source: 1000, dest: 1000
//	CUSTOMERS: Row count validation FAILED - source: 1000, dest: 900, difference: 100 (10.00%), tolerance: 1%
func (c *Checker) ValidateRowCount(ctx context.Context, table string, source, dest int64, tolerance float64) Result {
	start := time.Now()
	return c.report(ctx, validateRowCount(table, source, dest, tolerance, start))
}

func validateRowCount(table string, source, dest int64, tolerance float64, start time.Time) Result {
	observed := map[string]any{"source": source, "dest": dest, "tolerance": tolerance}
	if err := checkTolerance(tolerance); err != nil {
		return failed(CheckRowCount, table, rowCountWhat, err, start, observed)
	}
	if source < 0 || dest < 0 {
		err := fmt.Errorf("%w: row counts must not be negative (source %d, dest %d)", ErrInvalidInput, source, dest)
		return failed(CheckRowCount, table, rowCountWhat, err, start, observed)
	}
	diff := new(big.Int).Sub(big.NewInt(source), big.NewInt(dest))
	diff.Abs(diff)
	observed["difference"] = diff.Int64()

	// diff <= tolerance * source, with tolerance = num/den exactly as written in decimal.
	tol, _ := new(big.Rat).SetString(strconv.FormatFloat(tolerance, 'g', -1, 64))
	lhs := new(big.Int).Mul(diff, tol.Denom())
	rhs := new(big.Int).Mul(big.NewInt(source), tol.Num())
	passed := lhs.Cmp(rhs) <= 0

	details := fmt.Sprintf("%s PASSED - source: %d, dest: %d", rowCountWhat, source, dest)
	if !passed {
		details = fmt.Sprintf("%s FAILED - source: %d, dest: %d", rowCountWhat, source, dest)
	}
	if diff.Sign() != 0 {
		details += fmt.Sprintf(", difference: %d", diff.Int64())
		if source > 0 {
			details += " (" + diffPercent(float64(diff.Int64())/float64(source)*100) + ")"
		}
		details += ", tolerance: " + percent(tolerance)
	}
	return Result{
		Check:    CheckRowCount,
		Table:    table,
		Passed:   passed,
		Details:  details,
		Observed: observed,
		Duration: time.Since(start),
	}
}

// diffPercent writes a percentage with two decimals, or with as many as its first significant
// digit needs when it is below 0.01%: a difference that is not zero never reads "0.00%".
func diffPercent(p float64) string {
	if p == 0 || p >= 0.01 {
		return fmt.Sprintf("%.2f%%", p)
	}
	return strconv.FormatFloat(p, 'f', int(math.Ceil(-math.Log10(p))), 64) + "%"
}

func checkTolerance(tolerance float64) error {
	if math.IsNaN(tolerance) || tolerance < 0 || tolerance > 1 {
		return fmt.Errorf("%w: row count tolerance %v is not within [0, 1]", ErrInvalidInput, tolerance)
	}
	return nil
}

// percent writes a fraction as a percentage without binary noise: 0.29 is "29%", 0.001 "0.1%".
func percent(f float64) string {
	b, err := appendDecimalText(nil, []byte(strconv.FormatFloat(f, 'g', -1, 64)+"e2"))
	if err != nil || len(b) < 2 {
		return strconv.FormatFloat(f*100, 'g', 4, 64) + "%"
	}
	_, n := uvarintLen(b[1:])
	return string(b[1+n:]) + "%"
}

// uvarintLen decodes the length prefix of an encoding: the value and the bytes it takes.
func uvarintLen(b []byte) (uint64, int) {
	var x uint64
	var s uint
	for i, c := range b {
		if c < 0x80 {
			return x | uint64(c)<<s, i + 1
		}
		x |= uint64(c&0x7f) << s
		s += 7
	}
	return 0, 0
}

// RowCount counts the rows of source and dest, at the same time, and validates them as
// [Checker.ValidateRowCount] does. A count that fails makes a failed Result with its error.
func (c *Checker) RowCount(ctx context.Context, table string, source, dest Dataset, tolerance float64) Result {
	start := time.Now()
	if err := checkTolerance(tolerance); err != nil {
		return c.report(ctx, failed(CheckRowCount, table, rowCountWhat, err, start, map[string]any{"tolerance": tolerance}))
	}
	var s, d int64
	err := both(ctx,
		func(ctx context.Context) (err error) {
			s, err = countRows(ctx, "source", source)
			return err
		},
		func(ctx context.Context) (err error) {
			d, err = countRows(ctx, "dest", dest)
			return err
		})
	if err != nil {
		return c.report(ctx, failed(CheckRowCount, table, rowCountWhat, err, start, map[string]any{"tolerance": tolerance}))
	}
	return c.report(ctx, validateRowCount(table, s, d, tolerance, start))
}

func countRows(ctx context.Context, side string, ds Dataset) (int64, error) {
	if ds == nil {
		return 0, fmt.Errorf("%w: no %s dataset", ErrInvalidInput, side)
	}
	n, err := ds.RowCount(ctx)
	if err != nil {
		return 0, fmt.Errorf("%s: count rows: %w", side, err)
	}
	return n, nil
}

// both runs f and g at the same time and returns the error of the first to fail (the other is
// then cancelled). The functions must not panic.
func both(ctx context.Context, f, g func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		once  sync.Once
		first error
		wg    sync.WaitGroup
	)
	fail := func(err error) {
		if err != nil {
			once.Do(func() { first = err; cancel() })
		}
	}
	wg.Go(func() { fail(g(ctx)) })
	fail(f(ctx))
	wg.Wait()
	return first
}
