package debezium

// Hint tells the decoder how to read a column of a schemaless message (schemas.enable=false),
// where the JSON alone cannot say that a base64 string is a decimal or that an integer is a
// timestamp. Typically it comes from the column types of the target Iceberg table.
//
// With a hint, a [LogicalDecimal] column reads a base64 string (decimal.handling.mode=precise) or
// a JSON number (double mode) with the hint's Scale; the time types read integers in their unit
// and [LogicalZonedTimestamp] reads ISO strings. Without a hint, values keep their JSON type: a
// base64 string stays a string, an integer stays an integer. An object {"scale":s,"value":b64}
// is read as a VariableScaleDecimal with or without a hint.
//
// Hints are ignored when the message has a schema: the schema is authoritative.
type Hint struct {
	// Logical is the logical type to read the column as.
	Logical Logical
	// Scale is the scale of a [LogicalDecimal] column.
	Scale int32
}

// HintFunc returns the hint for a column of a table, and false when there is none. The decoder
// calls it once per table and column set and caches the answers (see [Decoder.ResetHints]); it
// is only called from the goroutine that runs [Decoder.Decode].
type HintFunc func(table TableID, column string) (Hint, bool)
