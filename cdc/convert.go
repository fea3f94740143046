package cdc

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/etlwatch/etlwatch/cdc/debezium"
	"github.com/etlwatch/etlwatch/extractors/extract"
)

// arrowType is the Arrow type of a new table's column, from its Debezium column type (typed
// messages) or, schemaless, from the kind of its first value.
func arrowType(ct debezium.ColumnType, v debezium.Value, typed bool) arrow.DataType {
	if typed {
		switch ct.Logical {
		case debezium.LogicalDecimal:
			return decimalType(ct.Precision, ct.Scale)
		case debezium.LogicalVariableScaleDecimal:
			return arrow.BinaryTypes.String // no fixed scale: kept as its decimal text
		case debezium.LogicalDate:
			return arrow.FixedWidthTypes.Date32
		case debezium.LogicalTime, debezium.LogicalMicroTime, debezium.LogicalNanoTime, debezium.LogicalZonedTime:
			return arrow.FixedWidthTypes.Time64us
		case debezium.LogicalTimestamp, debezium.LogicalMicroTimestamp, debezium.LogicalNanoTimestamp:
			return &arrow.TimestampType{Unit: arrow.Microsecond}
		case debezium.LogicalZonedTimestamp:
			return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
		case debezium.LogicalJSON, debezium.LogicalUUID:
			return arrow.BinaryTypes.String
		case debezium.LogicalBytes:
			return arrow.BinaryTypes.Binary
		}
		switch ct.Type {
		case "int8", "int16", "int32":
			return arrow.PrimitiveTypes.Int32
		case "int64":
			return arrow.PrimitiveTypes.Int64
		case "float32":
			return arrow.PrimitiveTypes.Float32
		case "float64":
			return arrow.PrimitiveTypes.Float64
		case "boolean":
			return arrow.FixedWidthTypes.Boolean
		case "bytes":
			return arrow.BinaryTypes.Binary
		}
		return arrow.BinaryTypes.String
	}
	switch v.Kind() {
	case debezium.KindInt:
		return arrow.PrimitiveTypes.Int64
	case debezium.KindFloat:
		return arrow.PrimitiveTypes.Float64
	case debezium.KindBool:
		return arrow.FixedWidthTypes.Boolean
	case debezium.KindBytes:
		return arrow.BinaryTypes.Binary
	case debezium.KindDecimal:
		_, s := v.Decimal()
		return decimalType(38, s)
	case debezium.KindDate:
		return arrow.FixedWidthTypes.Date32
	case debezium.KindTime:
		return arrow.FixedWidthTypes.Time64us
	case debezium.KindTimestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	}
	return arrow.BinaryTypes.String
}

// decimalType is the column type of a source decimal of precision p (0: unknown) and scale s, as
// Iceberg can hold it (0 <= scale <= precision <= 38): a negative scale (Oracle's NUMBER(5,-2),
// PostgreSQL 15's NUMERIC(5,-2)) becomes scale 0 with the precision it needs; a scale above the
// precision (PostgreSQL 15's NUMERIC(3,5)) raises the precision; what still does not fit 38
// digits is kept as its decimal text.
func decimalType(p, s int32) arrow.DataType {
	if s < 0 {
		if p > 0 {
			p -= s
		}
		s = 0
	}
	if p <= 0 || p > 38 {
		p = 38
	}
	p = max(p, s)
	if p > 38 {
		return arrow.BinaryTypes.String
	}
	return &arrow.Decimal128Type{Precision: p, Scale: s}
}

// schemaOf returns the Arrow schema of a table holding row, with key's columns as its primary
// key (required).
func schemaOf(row debezium.Row, key []string) *arrow.Schema {
	cols := row.Columns()
	fields := make([]arrow.Field, cols.Len())
	for i := range fields {
		name := cols.Name(i)
		isKey := false
		for _, k := range key {
			isKey = isKey || k == name
		}
		ct := cols.Type(i)
		// Typed columns are as optional as the source says (so that evolving a table for a new
		// column does not relax the others); schemaless ones may hold NULL.
		nullable := !isKey && (!cols.Typed() || ct.Optional)
		fields[i] = arrow.Field{Name: name, Type: arrowType(ct, row.Value(i), cols.Typed()), Nullable: nullable}
	}
	var md arrow.Metadata
	if len(key) > 0 {
		md = arrow.NewMetadata([]string{extract.PrimaryKeyMetadata}, []string{strings.Join(key, ",")})
	}
	return arrow.NewSchema(fields, &md)
}

// appendValue appends v to b, a builder of field f. A value that does not fit the column is an
// error naming what it is.
func appendValue(b array.Builder, f arrow.Field, v debezium.Value) error {
	if v.IsNull() {
		if !f.Nullable {
			return fmt.Errorf("column %s: NULL in a required column", f.Name)
		}
		b.AppendNull()
		return nil
	}
	bad := func() error {
		return fmt.Errorf("column %s: a %s value %s does not fit %s", f.Name, v.Kind(), quoteValue(v), f.Type)
	}
	k := v.Kind()
	switch b := b.(type) {
	case *array.Int32Builder:
		if k != debezium.KindInt || v.Int() < math.MinInt32 || v.Int() > math.MaxInt32 {
			return bad()
		}
		b.Append(int32(v.Int()))
	case *array.Int64Builder:
		if k != debezium.KindInt {
			return bad()
		}
		b.Append(v.Int())
	case *array.Float32Builder:
		switch k {
		case debezium.KindFloat:
			b.Append(float32(v.Float()))
		case debezium.KindInt:
			b.Append(float32(v.Int()))
		default:
			return bad()
		}
	case *array.Float64Builder:
		switch k {
		case debezium.KindFloat:
			b.Append(v.Float())
		case debezium.KindInt:
			b.Append(float64(v.Int()))
		default:
			return bad()
		}
	case *array.BooleanBuilder:
		if k != debezium.KindBool {
			return bad()
		}
		b.Append(v.Bool())
	case *array.StringBuilder:
		switch k {
		case debezium.KindString, debezium.KindJSON:
			b.Append(v.Str())
		default:
			b.Append(v.String())
		}
	case *array.BinaryBuilder:
		switch k {
		case debezium.KindBytes:
			b.Append(v.Bytes())
		case debezium.KindString:
			b.Append([]byte(v.Str()))
		default:
			return bad()
		}
	case *array.Decimal128Builder:
		dt := f.Type.(*arrow.Decimal128Type)
		n, err := toDecimal(v, dt)
		if err != nil {
			return fmt.Errorf("column %s: %w", f.Name, err)
		}
		b.Append(n)
	case *array.Date32Builder:
		if k != debezium.KindDate {
			return bad()
		}
		b.Append(arrow.Date32(v.Days()))
	case *array.TimestampBuilder:
		if k != debezium.KindTimestamp {
			return bad()
		}
		b.Append(arrow.Timestamp(v.Micros()))
	case *array.Time64Builder:
		if k != debezium.KindTime {
			return bad()
		}
		b.Append(arrow.Time64(v.Micros()))
	default:
		return fmt.Errorf("column %s: no conversion to %s", f.Name, f.Type)
	}
	return nil
}

// toDecimal converts a decimal or integer value to dt's scale; losing digits is an error.
func toDecimal(v debezium.Value, dt *arrow.Decimal128Type) (decimal128.Num, error) {
	var n decimal128.Num
	var scale int32
	switch v.Kind() {
	case debezium.KindInt:
		n = decimal128.FromI64(v.Int())
	case debezium.KindDecimal:
		if u, s, ok := v.DecimalInt64(); ok {
			n, scale = decimal128.FromI64(u), s
		} else {
			// Beyond 64 bits: rescale exactly in math/big first, since the unscaled value may
			// only fit 128 bits at the column's scale.
			b, s := v.DecimalBig()
			b, err := rescaleBig(b, s, dt.Scale)
			if err != nil {
				return n, fmt.Errorf("decimal %s does not fit %s: %w", quoteValue(v), dt, err)
			}
			if b.CmpAbs(new(big.Int).Lsh(big.NewInt(1), 126)) >= 0 {
				return n, fmt.Errorf("decimal %s is too large for %s", quoteValue(v), dt)
			}
			n, scale = decimal128.FromBigInt(b), dt.Scale
		}
	default:
		return n, fmt.Errorf("a %s value %s does not fit %s", v.Kind(), quoteValue(v), dt)
	}
	if scale != dt.Scale {
		var err error
		if n, err = rescale(n, scale, dt.Scale); err != nil {
			return n, fmt.Errorf("decimal %s does not fit %s: %w", quoteValue(v), dt, err)
		}
	}
	if !n.FitsInPrecision(dt.Precision) {
		return n, fmt.Errorf("decimal %s does not fit %s", quoteValue(v), dt)
	}
	return n, nil
}

// keyString is the collapse key of a row's key columns: their kinds and values, NUL-separated,
// built in buf (returned for reuse) with one allocation for the string.
func keyString(buf []byte, row debezium.Row) (string, []byte) {
	buf = buf[:0]
	for i := range row.Len() {
		v := row.Value(i)
		buf = append(buf, byte(v.Kind()))
		switch v.Kind() {
		case debezium.KindInt:
			buf = strconv.AppendInt(buf, v.Int(), 10)
		case debezium.KindString:
			buf = strconv.AppendQuote(buf, v.Str())
		default:
			buf = append(buf, v.String()...)
		}
		buf = append(buf, 0)
	}
	return string(buf), buf
}

// rescale changes n's scale from "from" to "to" exactly: digits that would be lost are an error.
// Arrow's Rescale panics beyond a 38-digit difference or on a 128-bit overflow; those cases
// (PostgreSQL's NUMERIC allows scales up to 1000) go through math/big.
func rescale(n decimal128.Num, from, to int32) (decimal128.Num, error) {
	// Arrow's Rescale panics when the result does not fit 128 bits: use it only where it cannot
	// (dividing, or a 64-bit value times at most 10^18).
	if d := int64(to) - int64(from); (d >= -38 && d <= 0) || (d > 0 && d <= 18 && n.FitsInPrecision(18)) {
		return n.Rescale(from, to)
	}
	b, err := rescaleBig(n.BigInt(), from, to)
	if err != nil {
		return n, err
	}
	if b.CmpAbs(new(big.Int).Lsh(big.NewInt(1), 126)) >= 0 {
		return n, fmt.Errorf("rescaling from scale %d to %d overflows 38 digits", from, to)
	}
	return decimal128.FromBigInt(b), nil
}

// rescaleBig returns the unscaled value b of scale "from" at scale "to", exactly, or an error
// when digits would be lost or the result has more than 76 digits (no column holds it).
func rescaleBig(b *big.Int, from, to int32) (*big.Int, error) {
	d := int64(to) - int64(from)
	switch {
	case d == 0 || b.Sign() == 0:
		return b, nil
	case d > 0:
		if d > 76 {
			return nil, fmt.Errorf("rescaling from scale %d to %d overflows 38 digits", from, to)
		}
		return new(big.Int).Mul(b, new(big.Int).Exp(big.NewInt(10), big.NewInt(d), nil)), nil
	}
	if -d > int64(b.BitLen())*31/100+2 { // more digits dropped than b has: b < 10^-d
		return nil, fmt.Errorf("rescaling from scale %d to %d loses digits", from, to)
	}
	q, r := new(big.Int).QuoRem(b, new(big.Int).Exp(big.NewInt(10), big.NewInt(-d), nil), new(big.Int))
	if r.Sign() != 0 {
		return nil, fmt.Errorf("rescaling from scale %d to %d loses digits", from, to)
	}
	return q, nil
}

// maxQuoted is how much of a value an error message quotes: errors go to dead-letter headers,
// events and logs, which must stay small whatever the row holds.
const maxQuoted = 64

// quoteValue is v as an error quotes it: at most maxQuoted bytes, then the total length.
func quoteValue(v debezium.Value) string { return truncateText(v.String(), maxQuoted) }

// truncateText returns s cut to at most n bytes (on a rune boundary) with how long it was.
func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("...(%d bytes)", len(s))
}
