package arrowdataset

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/etlwatch/etlwatch/dataquality"
)

// What the methods need of a column, in the words of an [UnsupportedTypeError].
const (
	needEncoding = "only integer, float, decimal, bool, string, binary, date, time, timestamp and null " +
		"types (and dictionaries of them) have a canonical encoding"
	needKey  = "the key must be an integer type (int8 to int64, uint8 to uint64)"
	needTime = "the latest time needs a timestamp, date32 or date64 column"
)

// UnsupportedTypeError is the error of a method that needs the values of a column whose Arrow
// type it cannot use: hashing or grouping a list, struct, map, union, duration, interval or
// extension column, a key that is not an integer, the latest time of a column that is not a
// timestamp or a date. It wraps [dataquality.ErrUnsupported].
type UnsupportedTypeError struct {
	Column string         // the column, as the schema names it
	Type   arrow.DataType // its Arrow type
	Need   string         // what the method needs instead
}

// Error names the column, its type and what was needed.
func (e *UnsupportedTypeError) Error() string {
	return fmt.Sprintf("arrowdataset: column %q has type %s; %s", e.Column, e.Type, e.Need)
}

// Unwrap returns [dataquality.ErrUnsupported].
func (e *UnsupportedTypeError) Unwrap() error { return dataquality.ErrUnsupported }

// normalise maps an Arrow type to the normalised [dataquality.Type] of the column; ok is false
// when the values of the type have no canonical encoding here (the column is then
// [dataquality.TypeUnknown] in the schema, and the methods that need its values fail).
func normalise(dt arrow.DataType) (t dataquality.Type, ok bool) {
	switch dt.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return dataquality.TypeInteger, true
	case arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64:
		return dataquality.TypeFloat, true
	case arrow.DECIMAL32, arrow.DECIMAL64, arrow.DECIMAL128, arrow.DECIMAL256:
		if d, ok := dt.(arrow.DecimalType); ok && d.GetScale() >= -maxScale && d.GetScale() <= maxScale {
			return dataquality.TypeDecimal, true
		}
	case arrow.BOOL:
		return dataquality.TypeBoolean, true
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return dataquality.TypeString, true
	case arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW, arrow.FIXED_SIZE_BINARY:
		return dataquality.TypeBytes, true
	case arrow.TIMESTAMP:
		return dataquality.TypeTimestamp, true
	case arrow.DATE32, arrow.DATE64:
		return dataquality.TypeDate, true
	case arrow.TIME32, arrow.TIME64:
		return dataquality.TypeTime, true
	case arrow.DICTIONARY:
		return normalise(dt.(*arrow.DictionaryType).ValueType)
	case arrow.NULL:
		return dataquality.TypeUnknown, true // every value is NULL, whatever the other side's type
	}
	return dataquality.TypeUnknown, false
}

// maxScale bounds the scale of a decimal column: 76 is the largest precision of any Arrow
// decimal, so a larger scale is a malformed type.
const maxScale = 76

// getter returns the value of row i of one array as [dataquality.AppendCanonical] takes it, nil
// for NULL:
//
//   - signed integers int64, unsigned integers uint64;
//   - float16 and float32 float32, float64 float64;
//   - decimals their text at the column's scale, such as "-12.50";
//   - bool bool; strings string and binary []byte, both referring to the array's memory;
//   - timestamps time.Time in UTC; dates time.Time at midnight UTC; times of day time.Duration.
type getter func(i int) any

// valuer is an Arrow array of values of type T.
type valuer[T any] interface {
	IsNull(i int) bool
	Value(i int) T
}

func getterOf[T any](a valuer[T], conv func(T) any) getter {
	return func(i int) any {
		if a.IsNull(i) {
			return nil
		}
		return conv(a.Value(i))
	}
}

// newGetter returns the getter of arr; ok is false when its type is not supported (see
// [normalise], which it agrees with).
func newGetter(arr arrow.Array) (g getter, ok bool) {
	switch a := arr.(type) {
	case *array.Int8:
		return getterOf(a, func(v int8) any { return int64(v) }), true
	case *array.Int16:
		return getterOf(a, func(v int16) any { return int64(v) }), true
	case *array.Int32:
		return getterOf(a, func(v int32) any { return int64(v) }), true
	case *array.Int64:
		return getterOf(a, func(v int64) any { return v }), true
	case *array.Uint8:
		return getterOf(a, func(v uint8) any { return uint64(v) }), true
	case *array.Uint16:
		return getterOf(a, func(v uint16) any { return uint64(v) }), true
	case *array.Uint32:
		return getterOf(a, func(v uint32) any { return uint64(v) }), true
	case *array.Uint64:
		return getterOf(a, func(v uint64) any { return v }), true
	case *array.Float16:
		return func(i int) any {
			if a.IsNull(i) {
				return nil
			}
			return a.Value(i).Float32()
		}, true
	case *array.Float32:
		return getterOf(a, func(v float32) any { return v }), true
	case *array.Float64:
		return getterOf(a, func(v float64) any { return v }), true
	case *array.Decimal32, *array.Decimal64, *array.Decimal128, *array.Decimal256:
		return decimalGetter(arr)
	case *array.Boolean:
		return getterOf(a, func(v bool) any { return v }), true
	case *array.String:
		return getterOf(a, func(v string) any { return v }), true
	case *array.LargeString:
		return getterOf(a, func(v string) any { return v }), true
	case *array.StringView:
		return getterOf(a, func(v string) any { return v }), true
	case *array.Binary:
		return getterOf(a, func(v []byte) any { return v }), true
	case *array.LargeBinary:
		return getterOf(a, func(v []byte) any { return v }), true
	case *array.BinaryView:
		return getterOf(a, func(v []byte) any { return v }), true
	case *array.FixedSizeBinary:
		return getterOf(a, func(v []byte) any { return v }), true
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return getterOf(a, func(v arrow.Timestamp) any { return v.ToTime(unit) }), true
	case *array.Date32:
		return getterOf(a, func(v arrow.Date32) any { return date64Time(int64(v) * msPerDay) }), true
	case *array.Date64:
		return getterOf(a, func(v arrow.Date64) any { return date64Time(int64(v)) }), true
	case *array.Time32:
		unit := a.DataType().(*arrow.Time32Type).Unit.Multiplier()
		return getterOf(a, func(v arrow.Time32) any { return time.Duration(v) * unit }), true
	case *array.Time64:
		unit := a.DataType().(*arrow.Time64Type).Unit.Multiplier()
		return getterOf(a, func(v arrow.Time64) any { return time.Duration(v) * unit }), true
	case *array.Dictionary:
		values, ok := newGetter(a.Dictionary())
		if !ok {
			return nil, false
		}
		return func(i int) any {
			if a.IsNull(i) {
				return nil
			}
			return values(a.GetValueIndex(i))
		}, true
	case *array.Null:
		return func(int) any { return nil }, true
	}
	return nil, false
}

const msPerDay = 86_400_000

// date64Time returns the day that holds the instant ms (milliseconds since 1970-01-01 UTC), at
// midnight UTC. The Arrow format wants date64 values to be whole days; others are rounded down.
func date64Time(ms int64) time.Time {
	days := ms / msPerDay
	if ms%msPerDay < 0 {
		days--
	}
	return time.Unix(days*86400, 0).UTC()
}

// decimalGetter returns the getter of a decimal array: the value's text at the column's scale,
// which dataquality.AppendCanonical normalises (so 1.50 at scale 2 equals 1.5 at scale 1).
func decimalGetter(arr arrow.Array) (getter, bool) {
	dt, ok := arr.DataType().(arrow.DecimalType)
	if !ok {
		return nil, false
	}
	scale := dt.GetScale()
	if scale < -maxScale || scale > maxScale {
		return nil, false
	}
	switch a := arr.(type) {
	case *array.Decimal32:
		return func(i int) any {
			if a.IsNull(i) {
				return nil
			}
			return decimalText(strconv.FormatInt(int64(a.Value(i)), 10), scale)
		}, true
	case *array.Decimal64:
		return func(i int) any {
			if a.IsNull(i) {
				return nil
			}
			return decimalText(strconv.FormatInt(int64(a.Value(i)), 10), scale)
		}, true
	case *array.Decimal128:
		return func(i int) any {
			if a.IsNull(i) {
				return nil
			}
			return decimalText(decimal128Digits(a.Value(i)), scale)
		}, true
	case *array.Decimal256:
		return func(i int) any {
			if a.IsNull(i) {
				return nil
			}
			return decimalText(a.Value(i).BigInt().String(), scale)
		}, true
	}
	return nil, false
}

// decimal128Digits returns the unscaled value of n in decimal, without a big.Int when it fits
// an int64.
func decimal128Digits(n decimal128.Num) string {
	hi, lo := n.HighBits(), n.LowBits()
	if (hi == 0 && lo <= math.MaxInt64) || (hi == -1 && lo > math.MaxInt64) {
		return strconv.FormatInt(int64(lo), 10)
	}
	return n.BigInt().String()
}

// decimalText places the point in digits, the unscaled value ("-1250"), for the scale (2):
// "-12.50". A negative scale appends zeros.
func decimalText(digits string, scale int32) string {
	if scale == 0 || digits == "0" {
		return digits
	}
	if scale < 0 {
		return digits + strings.Repeat("0", int(-scale))
	}
	sign, d := "", digits
	if d[0] == '-' {
		sign, d = "-", d[1:]
	}
	if n := int(scale); len(d) <= n {
		return sign + "0." + strings.Repeat("0", n-len(d)) + d
	}
	at := len(d) - int(scale)
	return sign + d[:at] + "." + d[at:]
}

// keyReader reads an integer key column: the key of row i, and whether it is NULL.
type keyReader func(i int) (key int64, null bool, err error)

func intKeys[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32](a valuer[T]) keyReader {
	return func(i int) (int64, bool, error) {
		if a.IsNull(i) {
			return 0, true, nil
		}
		return int64(a.Value(i)), false, nil
	}
}

// newKeyReader returns the key reader of arr; ok is false when arr is not of an integer type.
func newKeyReader(arr arrow.Array) (keyReader, bool) {
	switch a := arr.(type) {
	case *array.Int8:
		return intKeys(a), true
	case *array.Int16:
		return intKeys(a), true
	case *array.Int32:
		return intKeys(a), true
	case *array.Int64:
		return intKeys(a), true
	case *array.Uint8:
		return intKeys(a), true
	case *array.Uint16:
		return intKeys(a), true
	case *array.Uint32:
		return intKeys(a), true
	case *array.Uint64:
		return func(i int) (int64, bool, error) {
			if a.IsNull(i) {
				return 0, true, nil
			}
			v := a.Value(i)
			if v > math.MaxInt64 {
				return 0, false, fmt.Errorf("key %d does not fit an int64", v)
			}
			return int64(v), false, nil
		}, true
	}
	return nil, false
}

// isIntegerType reports whether dt is a type [newKeyReader] reads.
func isIntegerType(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return true
	}
	return false
}

// nullCount returns the number of NULLs in arr: its validity bitmap's count, read from the
// array's header; a dictionary whose dictionary holds NULLs is scanned for them too.
func nullCount(arr arrow.Array) int64 {
	d, ok := arr.(*array.Dictionary)
	if !ok || d.Dictionary().NullN() == 0 {
		return int64(arr.NullN())
	}
	dict := d.Dictionary()
	var n int64
	for i := range d.Len() {
		if d.IsNull(i) || dict.IsNull(d.GetValueIndex(i)) {
			n++
		}
	}
	return n
}

// own returns v, a getter's value, as a copy that does not refer to Arrow memory.
func own(v any) any {
	switch x := v.(type) {
	case string:
		return strings.Clone(x)
	case []byte:
		return bytes.Clone(x)
	}
	return v
}

// compareValues orders two non-nil values of one column, as returned by a getter of a column of
// type t: numbers by value (decimal text too), strings and bytes bytewise, times by instant.
func compareValues(t dataquality.Type, a, b any) int {
	switch x := a.(type) {
	case int64:
		return cmp.Compare(x, b.(int64))
	case uint64:
		return cmp.Compare(x, b.(uint64))
	case float32:
		return cmp.Compare(x, b.(float32))
	case float64:
		return cmp.Compare(x, b.(float64))
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case string:
		y := b.(string)
		if t == dataquality.TypeDecimal {
			rx, okx := new(big.Rat).SetString(x)
			ry, oky := new(big.Rat).SetString(y)
			if okx && oky {
				return rx.Cmp(ry)
			}
		}
		return strings.Compare(x, y)
	case []byte:
		return bytes.Compare(x, b.([]byte))
	case time.Time:
		return x.Compare(b.(time.Time))
	case time.Duration:
		return cmp.Compare(x, b.(time.Duration))
	}
	return 0
}
