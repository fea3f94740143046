package debezium

import (
	"strconv"
	"strings"
)

// Logical is a Debezium or Kafka Connect logical type: how a column's JSON value is to be read.
type Logical uint8

// The logical types the decoder knows. The names in the comments are the schema names that map to
// each; [Hint] uses the same values for schemaless messages.
const (
	// LogicalNone: the value is read by its Connect type alone (or, schemaless, as plain JSON).
	LogicalNone Logical = iota
	// LogicalDecimal: org.apache.kafka.connect.data.Decimal (also io.debezium.data.Decimal):
	// base64 big-endian two's complement with the scale in the schema parameters.
	LogicalDecimal
	// LogicalVariableScaleDecimal: io.debezium.data.VariableScaleDecimal, {"scale":s,"value":b64}.
	LogicalVariableScaleDecimal
	// LogicalDate: io.debezium.time.Date, org.apache.kafka.connect.data.Date: int32 days.
	LogicalDate
	// LogicalTime: io.debezium.time.Time, org.apache.kafka.connect.data.Time: milliseconds of day.
	LogicalTime
	// LogicalMicroTime: io.debezium.time.MicroTime: microseconds of day.
	LogicalMicroTime
	// LogicalNanoTime: io.debezium.time.NanoTime: nanoseconds of day (kept to the microsecond).
	LogicalNanoTime
	// LogicalZonedTime: io.debezium.time.ZonedTime: ISO time with offset, converted to UTC.
	LogicalZonedTime
	// LogicalTimestamp: io.debezium.time.Timestamp, org.apache.kafka.connect.data.Timestamp:
	// milliseconds since the epoch.
	LogicalTimestamp
	// LogicalMicroTimestamp: io.debezium.time.MicroTimestamp: microseconds since the epoch.
	LogicalMicroTimestamp
	// LogicalNanoTimestamp: io.debezium.time.NanoTimestamp: nanoseconds since the epoch.
	LogicalNanoTimestamp
	// LogicalZonedTimestamp: io.debezium.time.ZonedTimestamp: ISO-8601 string with offset.
	LogicalZonedTimestamp
	// LogicalJSON: io.debezium.data.Json: a string holding JSON text ([KindJSON]).
	LogicalJSON
	// LogicalUUID: io.debezium.data.Uuid: the textual UUID ([KindString]).
	LogicalUUID
	// LogicalBytes: Connect bytes or io.debezium.data.Bits: base64 ([KindBytes]).
	LogicalBytes
)

var logicalNames = [...]string{"none", "decimal", "variable_scale_decimal", "date", "time",
	"micro_time", "nano_time", "zoned_time", "timestamp", "micro_timestamp", "nano_timestamp",
	"zoned_timestamp", "json", "uuid", "bytes"}

// String returns a short lower-case name of l.
func (l Logical) String() string {
	if int(l) < len(logicalNames) {
		return logicalNames[l]
	}
	return "logical(" + strconv.Itoa(int(l)) + ")"
}

// logicalOf maps a Connect schema name to its logical type.
func logicalOf(name, connectType string) Logical {
	switch name {
	case "org.apache.kafka.connect.data.Decimal", "io.debezium.data.Decimal":
		return LogicalDecimal
	case "io.debezium.data.VariableScaleDecimal":
		return LogicalVariableScaleDecimal
	case "io.debezium.time.Date", "org.apache.kafka.connect.data.Date":
		return LogicalDate
	case "io.debezium.time.Time", "org.apache.kafka.connect.data.Time":
		return LogicalTime
	case "io.debezium.time.MicroTime":
		return LogicalMicroTime
	case "io.debezium.time.NanoTime":
		return LogicalNanoTime
	case "io.debezium.time.ZonedTime":
		return LogicalZonedTime
	case "io.debezium.time.Timestamp", "org.apache.kafka.connect.data.Timestamp":
		return LogicalTimestamp
	case "io.debezium.time.MicroTimestamp":
		return LogicalMicroTimestamp
	case "io.debezium.time.NanoTimestamp":
		return LogicalNanoTimestamp
	case "io.debezium.time.ZonedTimestamp":
		return LogicalZonedTimestamp
	case "io.debezium.data.Json":
		return LogicalJSON
	case "io.debezium.data.Uuid":
		return LogicalUUID
	case "io.debezium.data.Bits":
		return LogicalBytes
	}
	if connectType == "bytes" {
		return LogicalBytes
	}
	return LogicalNone
}

// ColumnType is what a schema (or a [Hint]) says about a column.
type ColumnType struct {
	// Type is the Connect type in lower case ("int32", "string", "bytes", "struct", ...), or ""
	// when the message has no schema.
	Type string
	// Name is the Connect schema name, e.g. "io.debezium.time.MicroTimestamp", or "".
	Name string
	// Logical is the logical type derived from Name (or given by a hint).
	Logical Logical
	// Scale is the scale of a [LogicalDecimal] column.
	Scale int32
	// Precision is the connect.decimal.precision parameter of a decimal column, or 0.
	Precision int32
	// Optional reports whether the schema allows null.
	Optional bool
}

// Columns is an ordered set of column names with their types, shared by every [Row] decoded from
// the same schema (or, schemaless, with the same member names in the same order). The decoder
// returns the same *Columns for the same column set, so comparing pointers detects a schema
// change. Columns is immutable and safe for concurrent use.
type Columns struct {
	names []string
	types []ColumnType
	index map[string]int
	typed bool // from a schema
}

func newColumns(names []string, types []ColumnType, typed bool) *Columns {
	c := &Columns{names: names, types: types, typed: typed, index: make(map[string]int, len(names))}
	for i, n := range names {
		if _, dup := c.index[n]; !dup {
			c.index[n] = i
		}
	}
	return c
}

// Len returns the number of columns.
func (c *Columns) Len() int {
	if c == nil {
		return 0
	}
	return len(c.names)
}

// Name returns the name of column i.
func (c *Columns) Name(i int) string { return c.names[i] }

// Names returns the column names in order. The slice is shared and must not be modified.
func (c *Columns) Names() []string {
	if c == nil {
		return nil
	}
	return c.names
}

// Type returns the type of column i; schemaless columns have a zero ColumnType.
func (c *Columns) Type(i int) ColumnType { return c.types[i] }

// Typed reports whether the columns come from a schema (schemas.enable=true).
func (c *Columns) Typed() bool { return c != nil && c.typed }

// Index returns the position of the named column.
func (c *Columns) Index(name string) (int, bool) {
	if c == nil {
		return 0, false
	}
	i, ok := c.index[name]
	return i, ok
}

// Row is one row image (before, after, or the key): its [Columns] and one [Value] per column.
// The zero Row is absent (a null before or after, or no key). A Row shares its values with the
// [Event] it came from.
type Row struct {
	cols *Columns
	vals []Value
}

// NewRow returns a row of the given columns and values (one per column); for tests and for
// building rows by hand.
func NewRow(cols *Columns, vals ...Value) Row { return Row{cols: cols, vals: vals} }

// NewColumns returns schemaless columns of the given names, for [NewRow].
func NewColumns(names ...string) *Columns {
	return newColumns(names, make([]ColumnType, len(names)), false)
}

// Present reports whether the row exists (false for a null before/after or an absent key).
func (r Row) Present() bool { return r.cols != nil }

// Len returns the number of columns.
func (r Row) Len() int { return len(r.vals) }

// Columns returns the row's column set.
func (r Row) Columns() *Columns { return r.cols }

// Value returns the value of column i.
func (r Row) Value(i int) Value { return r.vals[i] }

// Values returns the values in column order. The slice is shared with the row.
func (r Row) Values() []Value { return r.vals }

// Get returns the value of the named column.
func (r Row) Get(name string) (Value, bool) {
	i, ok := r.cols.Index(name)
	if !ok {
		return Value{}, false
	}
	return r.vals[i], true
}

// Map returns the row as a map from column name to value (allocates; for tests and debugging).
func (r Row) Map() map[string]Value {
	if !r.Present() {
		return nil
	}
	m := make(map[string]Value, len(r.vals))
	for i, v := range r.vals {
		m[r.cols.names[i]] = v
	}
	return m
}

// String formats the row as {name=value ...}, or "absent".
func (r Row) String() string {
	if !r.Present() {
		return "absent"
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range r.vals {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(r.cols.names[i])
		b.WriteByte('=')
		b.WriteString(v.String())
	}
	b.WriteByte('}')
	return b.String()
}
