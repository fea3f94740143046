package dataquality

import (
	"strconv"
	"strings"
	"time"
)

// The names of the checks: [Result.Check], and the <check> of the metrics dq_<check>_passed and
// dq_<check>_failed.
const (
	CheckRowCount        = "row_count"
	CheckRequiredColumns = "required_columns"
	CheckUniqueness      = "uniqueness"
	CheckFreshness       = "freshness"
	CheckSchema          = "schema"
	CheckChecksum        = "checksum"
)

// Result is the outcome of one check of one table.
type Result struct {
	// Check names the check, such as [CheckRowCount].
	Check string
	// Table is the table checked, as the caller named it.
	Table string
	// Passed is true only when the check ran and found what it requires. A check that could not
	// run has Passed false and Err set.
	Passed bool
	// Details is the human-readable outcome, such as
	// "Row count validation PASSED - source: 1000, dest: 1000".
	Details string
	// Observed holds what the check measured, by name; each check documents its keys. The
	// values are int64, float64, string, bool, []int64, []string or map[string]int64. It may
	// be incomplete when Err is set.
	Observed map[string]any
	// Err is why the check could not run (a missing table, a lost connection, an unsupported
	// capability, invalid input), nil when it ran.
	Err error
	// Duration is how long the check took.
	Duration time.Duration
}

// String returns "<table>: <details>", the form of the log line.
func (r Result) String() string { return r.Table + ": " + r.Details }

// Report is the outcome of [Checker.RunChecks] (or [Checker.Run]) for one table.
type Report struct {
	// Table is the table checked.
	Table string
	// Results are the checks that ran, in order: row count, required columns, checksum.
	Results []Result
	// OnFailure is the configured on_failure: "warn" (or empty) or "fail".
	OnFailure string
}

// Passed reports whether every check passed; true when no check ran.
func (r Report) Passed() bool {
	for _, res := range r.Results {
		if !res.Passed {
			return false
		}
	}
	return true
}

// Failed returns the results that did not pass.
func (r Report) Failed() []Result {
	var failed []Result
	for _, res := range r.Results {
		if !res.Passed {
			failed = append(failed, res)
		}
	}
	return failed
}

// Err returns a [*CheckFailedError] when a check failed and OnFailure is "fail" (in any case),
// and nil otherwise: with on_failure "warn" failures are logged and counted, and the load goes on.
func (r Report) Err() error {
	if !strings.EqualFold(strings.TrimSpace(r.OnFailure), "fail") {
		return nil
	}
	failed := r.Failed()
	if len(failed) == 0 {
		return nil
	}
	return &CheckFailedError{Table: r.Table, Failed: failed}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
