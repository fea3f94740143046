package dataquality

import (
	"errors"
	"strings"
)

var (
	// ErrUnsupported is wrapped by the error of a check whose [Dataset] lacks the capability the
	// check needs, such as a Dataset that is not a [NullCounter] given to
	// [Checker.RequiredColumns].
	ErrUnsupported = errors.New("dataquality: not supported by the dataset")

	// ErrInvalidInput is wrapped by the error of a check given input it cannot use: a tolerance
	// outside [0, 1], a negative row count, no columns, no key.
	ErrInvalidInput = errors.New("dataquality: invalid input")

	// ErrCheckFailed is matched (with errors.Is) by the error of [Report.Err]: a check failed and
	// on_failure is "fail".
	ErrCheckFailed = errors.New("dataquality: check failed")
)

// CheckFailedError is the error of [Report.Err]: the checks of a table that failed when
// on_failure is "fail". errors.Is(err, [ErrCheckFailed]) is true, and errors.Is and errors.As
// also see the errors of the checks that could not run.
type CheckFailedError struct {
	Table  string   // the table checked
	Failed []Result // the failed results, in the order they ran
}

// Error lists the failed checks and their details.
func (e *CheckFailedError) Error() string {
	var b strings.Builder
	b.WriteString("dataquality: ")
	b.WriteString(e.Table)
	b.WriteString(": ")
	if len(e.Failed) == 1 {
		b.WriteString("1 check failed: ")
	} else {
		b.WriteString(itoa(int64(len(e.Failed))))
		b.WriteString(" checks failed: ")
	}
	for i, r := range e.Failed {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(r.Check)
		b.WriteString(" (")
		b.WriteString(r.Details)
		b.WriteString(")")
	}
	return b.String()
}

// Is reports whether target is [ErrCheckFailed].
func (e *CheckFailedError) Is(target error) bool { return target == ErrCheckFailed }

// Unwrap returns the errors of the failed checks that could not run.
func (e *CheckFailedError) Unwrap() []error {
	var errs []error
	for _, r := range e.Failed {
		if r.Err != nil {
			errs = append(errs, r.Err)
		}
	}
	return errs
}
