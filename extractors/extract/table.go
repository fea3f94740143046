package extract

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// NewTable returns the [Table] name with one Arrow field per column, each column's declared
// source type, and its primary key (empty for none), recorded in the schema's metadata under
// [PrimaryKeyMetadata].
func NewTable(name string, fields []arrow.Field, sourceTypes, primaryKey []string) *Table {
	var md *arrow.Metadata
	if len(primaryKey) == 0 {
		primaryKey = nil
	} else {
		m := arrow.NewMetadata([]string{PrimaryKeyMetadata}, []string{strings.Join(primaryKey, ",")})
		md = &m
	}
	return &Table{Name: name, Schema: arrow.NewSchema(fields, md), PrimaryKey: primaryKey, SourceTypes: sourceTypes}
}

// KeyRange is the inclusive range Lo <= key <= Hi of an integer key.
type KeyRange struct {
	Lo, Hi int64
}

// SplitKeyRange splits [lo, hi] into at most n inclusive ranges of about equal width, in order,
// contiguous, covering it exactly; it does not overflow, even across the whole int64 range. n < 1
// counts as 1.
func SplitKeyRange(lo, hi int64, n int) []KeyRange {
	n = max(n, 1)
	width := (uint64(hi-lo))/uint64(n) + 1 // hi-lo fits in uint64 even across the int64 range
	out := make([]KeyRange, 0, n)
	for start := lo; ; {
		end := start + int64(width-1)
		if end < start || end >= hi { // overflow or last range
			return append(out, KeyRange{Lo: start, Hi: hi})
		}
		out = append(out, KeyRange{Lo: start, Hi: end})
		start = end + 1
	}
}
