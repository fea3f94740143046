package debezium

import (
	"errors"
	"strconv"
	"strings"
)

// Reason is a stable, machine-readable code saying why a message could not be decoded. It is meant
// for a dead-letter header and for metric attributes; its values never change meaning.
type Reason string

// The reasons a [DecodeError] carries.
const (
	// ReasonInvalidJSON: the key or value is not well-formed JSON (including invalid UTF-8 and
	// trailing commas).
	ReasonInvalidJSON Reason = "invalid_json"
	// ReasonInvalidEnvelope: the JSON is well formed but not a Debezium envelope: a top-level value
	// that is not an object, a row that is not an object, an op that is not a string, ...
	ReasonInvalidEnvelope Reason = "invalid_envelope"
	// ReasonMissingOp: the envelope has no op.
	ReasonMissingOp Reason = "missing_op"
	// ReasonUnknownOp: the op is not one of r, c, u, d, t, m.
	ReasonUnknownOp Reason = "unknown_op"
	// ReasonMissingSource: the envelope has no source block.
	ReasonMissingSource Reason = "missing_source"
	// ReasonInvalidSchema: the schema of a schemas.enable message cannot be understood.
	ReasonInvalidSchema Reason = "invalid_schema"
	// ReasonSchemaMismatch: the payload has a field its schema does not declare.
	ReasonSchemaMismatch Reason = "schema_mismatch"
	// ReasonInvalidValue: a field cannot be decoded as its type or logical type (a bad base64
	// decimal, a string where an int64 is declared, an unparsable ZonedTimestamp, an overflow, ...).
	ReasonInvalidValue Reason = "invalid_value"
	// ReasonNumberTooLong: a JSON number anywhere in the key or value is longer than
	// [MaxNumberLength] characters.
	ReasonNumberTooLong Reason = "number_too_long"
)

// Reasons returns every reason a [DecodeError] carries, in the order above.
func Reasons() []Reason {
	return []Reason{ReasonInvalidJSON, ReasonInvalidEnvelope, ReasonMissingOp, ReasonUnknownOp, ReasonMissingSource,
		ReasonInvalidSchema, ReasonSchemaMismatch, ReasonInvalidValue, ReasonNumberTooLong}
}

// DecodeError is the error of [Decoder.Decode] for a message that cannot be decoded. It says why
// ([DecodeError.Reason]), where (Path and Offset) and what was found (Detail).
type DecodeError struct {
	// Reason is the machine-readable cause.
	Reason Reason
	// Path is the dotted path of the offending field, starting with "key" or "value", e.g.
	// "value.payload.after.price" (schemas.enable) or "value.after.price".
	Path string
	// Offset is the byte offset in the key or value where the problem was found, or -1.
	Offset int
	// Detail says what was found and what was expected, for a person.
	Detail string
	// Err is the underlying error, if any (e.g. from base64 or time parsing).
	Err error
}

// Error implements error.
func (e *DecodeError) Error() string {
	var b strings.Builder
	b.WriteString("debezium: decode ")
	if e.Path != "" {
		b.WriteString(e.Path)
	} else {
		b.WriteString("message")
	}
	if e.Offset >= 0 {
		b.WriteString(" (byte ")
		b.WriteString(strconv.Itoa(e.Offset))
		b.WriteString(")")
	}
	b.WriteString(": ")
	b.WriteString(string(e.Reason))
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *DecodeError) Unwrap() error { return e.Err }

// ReasonOf returns the [Reason] of the [DecodeError] in err's chain, or "" if there is none.
func ReasonOf(err error) Reason {
	var de *DecodeError
	if errors.As(err, &de) {
		return de.Reason
	}
	return ""
}

// at completes an error with its path if it has none yet, or prefixes a relative path (one
// starting with a dot).
func (e *DecodeError) at(path ...string) *DecodeError {
	if e == nil {
		return nil
	}
	if e.Path == "" || e.Path[0] == '.' {
		e.Path = strings.Join(path, ".") + e.Path
	}
	return e
}
