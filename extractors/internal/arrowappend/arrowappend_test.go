package arrowappend_test

import (
	"errors"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/extractors/internal/arrowappend"
)

// plain takes Go values of each kind as they are.
var plain = arrowappend.Decoding{
	Int:     as[int64],
	Uint:    as[uint64],
	Float:   as[float64],
	Bool:    as[bool],
	String:  func(v any) (arrowappend.Text, error) { s, err := as[string](v); return arrowappend.String(s), err },
	Binary:  func(v any) (arrowappend.Text, error) { b, err := as[[]byte](v); return arrowappend.Bytes(b), err },
	Time:    as[time.Time],
	Clock:   as[time.Duration],
	Decimal: as[string],
}

func as[T any](v any) (T, error) {
	x, ok := v.(T)
	if !ok {
		return x, arrowappend.ErrMismatch
	}
	return x, nil
}

func TestFor(t *testing.T) {
	at := time.Date(2024, 2, 29, 13, 14, 15, 123456000, time.FixedZone("X", 3600))
	tests := []struct {
		name string
		dt   arrow.DataType
		v    any
		want string // the array's text
	}{
		{"int8", arrow.PrimitiveTypes.Int8, int64(-128), "[-128]"},
		{"int16", arrow.PrimitiveTypes.Int16, int64(32767), "[32767]"},
		{"int32", arrow.PrimitiveTypes.Int32, int64(-5), "[-5]"},
		{"int64", arrow.PrimitiveTypes.Int64, int64(1 << 40), "[1099511627776]"},
		{"uint8", arrow.PrimitiveTypes.Uint8, uint64(255), "[255]"},
		{"uint64", arrow.PrimitiveTypes.Uint64, uint64(1 << 63), "[9223372036854775808]"},
		{"float32", arrow.PrimitiveTypes.Float32, 1.5, "[1.5]"},
		{"float64", arrow.PrimitiveTypes.Float64, 2.25, "[2.25]"},
		{"bool", arrow.FixedWidthTypes.Boolean, true, "[true]"},
		{"string from string", arrow.BinaryTypes.String, "héllo", `["héllo"]`},
		{"binary", arrow.BinaryTypes.Binary, []byte{1, 2}, `["\x01\x02"]`},
		{"date32 is the date where the time is", arrow.FixedWidthTypes.Date32, at, "[2024-02-29]"},
		{"timestamp seconds: the instant (12:14:15 UTC)", &arrow.TimestampType{Unit: arrow.Second}, at, "[1709208855]"},
		{"timestamp micros", &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, at, "[1709208855123456]"},
		{"time64", arrow.FixedWidthTypes.Time64us, 13*time.Hour + 1500*time.Microsecond, "[46800001500]"},
		{"decimal", &arrow.Decimal128Type{Precision: 6, Scale: 2}, "-12.5", "[-12.5]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := array.NewBuilder(memory.DefaultAllocator, tc.dt)
			defer b.Release()
			require.NoError(t, arrowappend.For(tc.dt, plain)(b, tc.v))
			arr := b.NewArray()
			defer arr.Release()
			assert.Equal(t, tc.want, arr.String())
		})
	}
}

func TestForRejects(t *testing.T) {
	tests := []struct {
		name    string
		dt      arrow.DataType
		d       arrowappend.Decoding
		v       any
		want    string
		mismach bool
	}{
		{"out of int8's range", arrow.PrimitiveTypes.Int8, plain, int64(128), "cannot store int64 value 128 as int8", true},
		{"out of uint16's range", arrow.PrimitiveTypes.Uint16, plain, uint64(1 << 16), "cannot store uint64 value 65536 as uint16", true},
		{"another kind", arrow.PrimitiveTypes.Int64, plain, "12", "cannot store string value 12 as int64", true},
		{"no decoding for the kind", arrow.BinaryTypes.String, arrowappend.Decoding{}, "x", "cannot store string value x as utf8", true},
		{"decimal beyond its precision", &arrow.Decimal128Type{Precision: 4, Scale: 2}, plain, "123.45", `decimal "123.45"`, false},
		{"decimal that is not a number", &arrow.Decimal128Type{Precision: 4, Scale: 2}, plain, "abc", `decimal "abc" as decimal(4, 2)`, false},
		{"the decoding's own error", arrow.FixedWidthTypes.Boolean, arrowappend.Decoding{Bool: func(any) (bool, error) { return false, errors.New("integer 2 is not 0 or 1") }}, int64(2), "integer 2 is not 0 or 1", false},
		{"a type no extractor maps to", arrow.FixedWidthTypes.Date64, plain, time.Now(), "no reader for Arrow type date64", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := array.NewBuilder(memory.DefaultAllocator, tc.dt)
			defer b.Release()
			err := arrowappend.For(tc.dt, tc.d)(b, tc.v)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Equal(t, tc.mismach, errors.Is(err, arrowappend.ErrMismatch))
			assert.Zero(t, b.Len(), "nothing appended")
		})
	}
}

func TestAppendRow(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "note", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	fns := []arrowappend.Func{arrowappend.For(arrow.PrimitiveTypes.Int64, plain), arrowappend.For(arrow.BinaryTypes.String, plain)}
	require.NoError(t, arrowappend.AppendRow(b, fns, []any{int64(1), nil}))
	require.NoError(t, arrowappend.AppendRow(b, fns, []any{int64(2), "x"}))
	rec := b.NewRecordBatch()
	defer rec.Release()
	assert.Equal(t, `[1 2]`, rec.Column(0).String())
	assert.Equal(t, `[(null) "x"]`, rec.Column(1).String())
	assert.EqualError(t, arrowappend.AppendRow(b, fns, []any{int64(3), 4.5}), "column note: cannot store float64 value 4.5 as utf8")
}

// The hot path of a column adds no allocation of its own: the driver's value is already boxed.
func TestForAllocs(t *testing.T) {
	b := array.NewInt64Builder(memory.DefaultAllocator)
	defer b.Release()
	b.Reserve(2000)
	fn := arrowappend.For(arrow.PrimitiveTypes.Int64, plain)
	var v any = int64(1 << 40)
	allocs := testing.AllocsPerRun(1000, func() { _ = fn(b, v) })
	assert.Zero(t, allocs)
}
