package configloader

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrUnknownSource is wrapped by the error [Config.Source] returns for a name that is not under
// sources:.
var ErrUnknownSource = errors.New("configloader: unknown source")

// FieldError is one mistake in a sources.yaml: where it is, what was found there and what is
// allowed. A [LoadError] holds all the mistakes of a file.
//
// FieldError never holds the value of a secret (password, dsn, api_token): for those, Found
// describes the value, such as "a list" or "a string of 12 characters".
type FieldError struct {
	// File is the file's name: the base name of the path given to [LoadFile] or [Load], or the
	// name given to [Parse].
	File string
	// Line and Column are 1-based; 0 when not known (a YAML syntax error has no column).
	Line, Column int
	// Path is the dotted path of the field, such as
	// sources.dev_mydb.data_quality.row_count_tolerance; list items are shown as tables[2].
	// It is empty for a mistake about the whole file.
	Path string
	// Found says what the file holds there, such as 1.5, the string "abc", a list or
	// unknown key "check_row_cont".
	Found string
	// Allowed says what would be accepted there, such as "a number from 0 to 1".
	Allowed string
	// Message is the text after the path in Error: "found <Found>; allowed: <Allowed>", with a
	// hint such as (did you mean "check_row_count"?) after Found.
	Message string
}

// Error returns "file:line:column: path: message", such as
//
//	sources.yaml:12:28: sources.dev_mydb.data_quality.row_count_tolerance: found 1.5; allowed: a number from 0 to 1
//
// leaving out the parts that are not known.
func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
		if e.Column > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(e.Column))
		}
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// newFieldError fills in Message from found, hint and allowed.
func newFieldError(file string, line, column int, path, found, hint, allowed string) *FieldError {
	msg := "found " + found
	if hint != "" {
		msg += " (" + hint + ")"
	}
	if allowed != "" {
		msg += "; allowed: " + allowed
	}
	return &FieldError{File: file, Line: line, Column: column, Path: path, Found: found, Allowed: allowed, Message: msg}
}

// LoadError is the error of [Load], [LoadFile] and [Parse] for a file that is not a valid
// sources.yaml. It holds every mistake found in the file, sorted by position, so that they can
// all be fixed at once.
type LoadError struct {
	// Path is the path given to LoadFile (or chosen by Load), or the name given to Parse.
	Path string
	// Errors are the mistakes, sorted by line and column. There is at least one.
	Errors []*FieldError
	// Truncated is set when the file held more than [MaxErrors] mistakes and checking stopped.
	Truncated bool
}

// Error lists the mistakes one per line, in the order of the file.
func (e *LoadError) Error() string {
	var b strings.Builder
	for i, fe := range e.Errors {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(fe.Error())
	}
	if e.Truncated {
		fmt.Fprintf(&b, "\n%s: too many mistakes; stopped after the first %d", baseName(e.Path), len(e.Errors))
	}
	return b.String()
}

// Unwrap returns the [FieldError] values, for errors.As.
func (e *LoadError) Unwrap() []error {
	errs := make([]error, len(e.Errors))
	for i, fe := range e.Errors {
		errs[i] = fe
	}
	return errs
}
