package sqlite

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

var precisionScale = regexp.MustCompile(`\(\s*(\d+)\s*,\s*(\d+)\s*\)`)

// TimestampType is the Arrow type of DATETIME and TIMESTAMP columns.
var TimestampType = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

// arrowType maps a declared column type to an Arrow type; see the package documentation.
func arrowType(declared string) arrow.DataType {
	u := strings.ToUpper(strings.TrimSpace(declared))
	switch {
	case u == "":
		return arrow.BinaryTypes.String
	case strings.Contains(u, "BOOL"):
		return arrow.FixedWidthTypes.Boolean
	case strings.Contains(u, "DATETIME"), strings.Contains(u, "TIMESTAMP"):
		return TimestampType
	case u == "DATE":
		return arrow.FixedWidthTypes.Date32
	case strings.Contains(u, "INT"):
		return arrow.PrimitiveTypes.Int64
	case strings.Contains(u, "CHAR"), strings.Contains(u, "CLOB"), strings.Contains(u, "TEXT"):
		return arrow.BinaryTypes.String
	case strings.Contains(u, "BLOB"):
		return arrow.BinaryTypes.Binary
	case strings.Contains(u, "REAL"), strings.Contains(u, "FLOA"), strings.Contains(u, "DOUB"):
		return arrow.PrimitiveTypes.Float64
	case strings.Contains(u, "DEC"), strings.Contains(u, "NUMERIC"):
		if m := precisionScale.FindStringSubmatch(u); m != nil {
			p, err1 := strconv.Atoi(m[1])
			s, err2 := strconv.Atoi(m[2])
			if err1 == nil && err2 == nil && p >= 1 && p <= 38 && s <= p {
				return &arrow.Decimal128Type{Precision: int32(p), Scale: int32(s)}
			}
		}
		return arrow.PrimitiveTypes.Float64
	}
	return arrow.BinaryTypes.String
}

// ValueError reports a stored value that does not fit its column's Arrow type: SQLite is
// dynamically typed, so a column may hold values of any storage class.
type ValueError struct {
	Table  string
	Column string
	// Key identifies the row: "col=value" pairs of its primary key, or "row N" (1-based, in
	// read order) for a table without one.
	Key string
	// ValueType is the value's SQLite storage class: integer, real, text, blob or null.
	ValueType string
	// ArrowType is the column's Arrow type.
	ArrowType string
	Err       error
}

// Error names the table, the column, the row and the value's type.
func (e *ValueError) Error() string {
	msg := fmt.Sprintf("sqlite: %s.%s at %s: %s value does not fit %s", e.Table, e.Column, e.Key, e.ValueType, e.ArrowType)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying parse error, if any.
func (e *ValueError) Unwrap() error { return e.Err }
