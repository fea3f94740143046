package arrowappend

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// Func appends one driver value, never nil (the caller appends NULLs), to a builder of the Arrow
// type it was made for.
type Func func(b array.Builder, v any) error

// ErrMismatch is what a [Decoding] function returns for a value that is not of its kind; the
// [Func] reports it as a [*MismatchError].
var ErrMismatch = errors.New("value does not fit the column's type")

// MismatchError reports a driver value that a column of an Arrow type cannot store: one of a
// kind the column's [Decoding] does not take, or out of the type's range.
type MismatchError struct {
	Value any
	Type  arrow.DataType
}

// Error reads "cannot store int64 value 300 as int8".
func (e *MismatchError) Error() string {
	return fmt.Sprintf("cannot store %T value %v as %s", e.Value, e.Value, e.Type)
}

// Is reports whether target is [ErrMismatch].
func (e *MismatchError) Is(target error) bool { return target == ErrMismatch }

// Text is a value of the string and binary kinds: a driver's string or its bytes, whichever it
// returned, so that neither is copied into the other. B wins when it is not nil.
type Text struct {
	S string
	B []byte
}

// String returns a [Text] of s.
func String(s string) Text { return Text{S: s} }

// Bytes returns a [Text] of b.
func Bytes(b []byte) Text { return Text{B: b} }

// AnyText is a [Decoding] String or Binary function for drivers that return text as a string
// or as bytes: it takes both, and nothing else.
func AnyText(v any) (Text, error) {
	switch x := v.(type) {
	case string:
		return String(x), nil
	case []byte:
		return Bytes(x), nil
	}
	return Text{}, ErrMismatch
}

// AnyFloat is a [Decoding] Float function for drivers that return float64 or float32.
func AnyFloat(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case float32:
		return float64(x), nil
	}
	return 0, ErrMismatch
}

// OnlyBytes is a [Decoding] Binary function that takes []byte alone.
func OnlyBytes(v any) (Text, error) {
	if x, ok := v.([]byte); ok {
		return Bytes(x), nil
	}
	return Text{}, ErrMismatch
}

// Decoding is a driver's part: one function per kind of column, each turning a non-NULL driver
// value into the Go value of its kind, or returning [ErrMismatch] (or an error that says why the
// value cannot be read). A nil function takes no value: a column of its kind reports every
// value as a [*MismatchError].
type Decoding struct {
	Int     func(v any) (int64, error)         // Int8 to Int64 (range-checked)
	Uint    func(v any) (uint64, error)        // Uint8 to Uint64 (range-checked)
	Float   func(v any) (float64, error)       // Float32 and Float64
	Bool    func(v any) (bool, error)          // Boolean
	String  func(v any) (Text, error)          // String (the bytes are UTF-8)
	Binary  func(v any) (Text, error)          // Binary
	Time    func(v any) (time.Time, error)     // Date32 (its date in its location) and Timestamp (its instant)
	Clock   func(v any) (time.Duration, error) // Time64: the time of day since midnight
	Decimal func(v any) (string, error)        // Decimal128: the number's text, such as "-12.50"
}

// For returns the [Func] for a column of type dt, fed by d. A type no extractor maps to has a
// Func that returns an error naming it.
func For(dt arrow.DataType, d Decoding) Func {
	if f := forNumber(dt, d); f != nil {
		return f
	}
	if f := forOther(dt, d); f != nil {
		return f
	}
	return func(array.Builder, any) error { return fmt.Errorf("no reader for Arrow type %s", dt) }
}

// conv runs a decoding function, reporting a nil one or [ErrMismatch] as a [*MismatchError].
func conv[T any](dt arrow.DataType, f func(any) (T, error), v any) (T, error) {
	if f == nil {
		var zero T
		return zero, &MismatchError{Value: v, Type: dt}
	}
	x, err := f(v)
	if errors.Is(err, ErrMismatch) {
		return x, &MismatchError{Value: v, Type: dt}
	}
	return x, err
}

// intFunc reads d.Int within lo..hi and appends it with app.
func intFunc(dt arrow.DataType, d Decoding, lo, hi int64, app func(b array.Builder, x int64)) Func {
	return func(b array.Builder, v any) error {
		x, err := conv(dt, d.Int, v)
		if err != nil {
			return err
		}
		if x < lo || x > hi {
			return &MismatchError{Value: v, Type: dt}
		}
		app(b, x)
		return nil
	}
}

// uintFunc reads d.Uint up to hi and appends it with app.
func uintFunc(dt arrow.DataType, d Decoding, hi uint64, app func(b array.Builder, x uint64)) Func {
	return func(b array.Builder, v any) error {
		x, err := conv(dt, d.Uint, v)
		if err != nil {
			return err
		}
		if x > hi {
			return &MismatchError{Value: v, Type: dt}
		}
		app(b, x)
		return nil
	}
}

// forNumber returns the Func of the integer, float and boolean types, or nil.
func forNumber(dt arrow.DataType, d Decoding) Func {
	switch dt.ID() {
	case arrow.INT8:
		return intFunc(dt, d, math.MinInt8, math.MaxInt8, func(b array.Builder, x int64) { b.(*array.Int8Builder).Append(int8(x)) })
	case arrow.INT16:
		return intFunc(dt, d, math.MinInt16, math.MaxInt16, func(b array.Builder, x int64) { b.(*array.Int16Builder).Append(int16(x)) })
	case arrow.INT32:
		return intFunc(dt, d, math.MinInt32, math.MaxInt32, func(b array.Builder, x int64) { b.(*array.Int32Builder).Append(int32(x)) })
	case arrow.INT64:
		return intFunc(dt, d, math.MinInt64, math.MaxInt64, func(b array.Builder, x int64) { b.(*array.Int64Builder).Append(x) })
	case arrow.UINT8:
		return uintFunc(dt, d, math.MaxUint8, func(b array.Builder, x uint64) { b.(*array.Uint8Builder).Append(uint8(x)) })
	case arrow.UINT16:
		return uintFunc(dt, d, math.MaxUint16, func(b array.Builder, x uint64) { b.(*array.Uint16Builder).Append(uint16(x)) })
	case arrow.UINT32:
		return uintFunc(dt, d, math.MaxUint32, func(b array.Builder, x uint64) { b.(*array.Uint32Builder).Append(uint32(x)) })
	case arrow.UINT64:
		return uintFunc(dt, d, math.MaxUint64, func(b array.Builder, x uint64) { b.(*array.Uint64Builder).Append(x) })
	case arrow.FLOAT32:
		return func(b array.Builder, v any) error {
			x, err := conv(dt, d.Float, v)
			if err != nil {
				return err
			}
			b.(*array.Float32Builder).Append(float32(x))
			return nil
		}
	case arrow.FLOAT64:
		return func(b array.Builder, v any) error {
			x, err := conv(dt, d.Float, v)
			if err != nil {
				return err
			}
			b.(*array.Float64Builder).Append(x)
			return nil
		}
	case arrow.BOOL:
		return func(b array.Builder, v any) error {
			x, err := conv(dt, d.Bool, v)
			if err != nil {
				return err
			}
			b.(*array.BooleanBuilder).Append(x)
			return nil
		}
	}
	return nil
}

// forOther returns the Func of the text, binary, temporal and decimal types, or nil.
func forOther(dt arrow.DataType, d Decoding) Func {
	switch t := dt.(type) {
	case *arrow.StringType:
		return textFunc(dt, d.String, true)
	case *arrow.BinaryType:
		return textFunc(dt, d.Binary, false)
	case *arrow.Date32Type:
		return func(b array.Builder, v any) error {
			x, err := conv(dt, d.Time, v)
			if err != nil {
				return err
			}
			y, m, day := x.Date()
			b.(*array.Date32Builder).Append(arrow.Date32FromTime(time.Date(y, m, day, 0, 0, 0, 0, time.UTC)))
			return nil
		}
	case *arrow.TimestampType:
		return func(b array.Builder, v any) error {
			x, err := conv(dt, d.Time, v)
			if err != nil {
				return err
			}
			b.(*array.TimestampBuilder).Append(timestamp(x, t.Unit))
			return nil
		}
	case *arrow.Time64Type:
		return func(b array.Builder, v any) error {
			x, err := conv(dt, d.Clock, v)
			if err != nil {
				return err
			}
			n := x.Nanoseconds()
			if t.Unit == arrow.Microsecond {
				n = x.Microseconds()
			}
			b.(*array.Time64Builder).Append(arrow.Time64(n))
			return nil
		}
	case *arrow.Decimal128Type:
		return func(b array.Builder, v any) error {
			s, err := conv(dt, d.Decimal, v)
			if err != nil {
				return err
			}
			n, err := decimal128.FromString(s, t.Precision, t.Scale)
			if err != nil {
				return fmt.Errorf("decimal %q as %s: %w", s, dt, err)
			}
			if !n.FitsInPrecision(t.Precision) {
				return fmt.Errorf("decimal %q does not fit %s", s, dt)
			}
			b.(*array.Decimal128Builder).Append(n)
			return nil
		}
	}
	return nil
}

// textFunc appends f's [Text] to a string builder (str) or a binary one.
func textFunc(dt arrow.DataType, f func(any) (Text, error), str bool) Func {
	return func(b array.Builder, v any) error {
		x, err := conv(dt, f, v)
		if err != nil {
			return err
		}
		var bb *array.BinaryBuilder
		if str {
			bb = b.(*array.StringBuilder).BinaryBuilder
		} else {
			bb = b.(*array.BinaryBuilder)
		}
		if x.B != nil {
			bb.Append(x.B)
		} else {
			bb.AppendString(x.S)
		}
		return nil
	}
}

// timestamp returns t's instant in unit.
func timestamp(t time.Time, unit arrow.TimeUnit) arrow.Timestamp {
	switch unit {
	case arrow.Second:
		return arrow.Timestamp(t.Unix())
	case arrow.Millisecond:
		return arrow.Timestamp(t.UnixMilli())
	case arrow.Nanosecond:
		return arrow.Timestamp(t.UnixNano())
	}
	return arrow.Timestamp(t.UnixMicro())
}

// AppendRow appends one row of driver values (nil for NULL) to b, one Func per field. An error
// names the column.
func AppendRow(b *array.RecordBuilder, fns []Func, vals []any) error {
	for i, v := range vals {
		fb := b.Field(i)
		if v == nil {
			fb.AppendNull()
			continue
		}
		if err := fns[i](fb, v); err != nil {
			return fmt.Errorf("column %s: %w", b.Schema().Field(i).Name, err)
		}
	}
	return nil
}
