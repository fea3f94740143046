package arrowdataset_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/dataquality/arrowdataset"
)

// TestTypeMapping checks the normalised type and DatabaseType of each Arrow type, and that a
// column of each supported type can be hashed (an all-NULL column of an unsupported type
// cannot).
func TestTypeMapping(t *testing.T) {
	dict := func(v arrow.DataType) arrow.DataType {
		return &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: v}
	}
	tests := []struct {
		dt     arrow.DataType
		want   dataquality.Type
		dbType string
	}{
		{arrow.PrimitiveTypes.Int8, dataquality.TypeInteger, "int8"},
		{arrow.PrimitiveTypes.Int16, dataquality.TypeInteger, "int16"},
		{arrow.PrimitiveTypes.Int32, dataquality.TypeInteger, "int32"},
		{arrow.PrimitiveTypes.Int64, dataquality.TypeInteger, "int64"},
		{arrow.PrimitiveTypes.Uint8, dataquality.TypeInteger, "uint8"},
		{arrow.PrimitiveTypes.Uint16, dataquality.TypeInteger, "uint16"},
		{arrow.PrimitiveTypes.Uint32, dataquality.TypeInteger, "uint32"},
		{arrow.PrimitiveTypes.Uint64, dataquality.TypeInteger, "uint64"},
		{arrow.FixedWidthTypes.Float16, dataquality.TypeFloat, "float16"},
		{arrow.PrimitiveTypes.Float32, dataquality.TypeFloat, "float32"},
		{arrow.PrimitiveTypes.Float64, dataquality.TypeFloat, "float64"},
		{&arrow.Decimal32Type{Precision: 9, Scale: 2}, dataquality.TypeDecimal, "decimal32(9, 2)"},
		{&arrow.Decimal64Type{Precision: 18, Scale: 4}, dataquality.TypeDecimal, "decimal64(18, 4)"},
		{&arrow.Decimal128Type{Precision: 12, Scale: 2}, dataquality.TypeDecimal, "decimal(12, 2)"},
		{&arrow.Decimal128Type{Precision: 10, Scale: 0}, dataquality.TypeDecimal, "decimal(10, 0)"},
		{&arrow.Decimal256Type{Precision: 50, Scale: 10}, dataquality.TypeDecimal, "decimal256(50, 10)"},
		{arrow.FixedWidthTypes.Boolean, dataquality.TypeBoolean, "bool"},
		{arrow.BinaryTypes.String, dataquality.TypeString, "utf8"},
		{arrow.BinaryTypes.LargeString, dataquality.TypeString, "large_utf8"},
		{arrow.BinaryTypes.StringView, dataquality.TypeString, "string_view"},
		{arrow.BinaryTypes.Binary, dataquality.TypeBytes, "binary"},
		{arrow.BinaryTypes.LargeBinary, dataquality.TypeBytes, "large_binary"},
		{arrow.BinaryTypes.BinaryView, dataquality.TypeBytes, "binary_view"},
		{&arrow.FixedSizeBinaryType{ByteWidth: 16}, dataquality.TypeBytes, "fixed_size_binary[16]"},
		{arrow.FixedWidthTypes.Timestamp_s, dataquality.TypeTimestamp, "timestamp[s, tz=UTC]"},
		{&arrow.TimestampType{Unit: arrow.Millisecond}, dataquality.TypeTimestamp, "timestamp[ms]"},
		{&arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "America/New_York"}, dataquality.TypeTimestamp, "timestamp[us, tz=America/New_York]"},
		{&arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "+02:00"}, dataquality.TypeTimestamp, "timestamp[ns, tz=+02:00]"},
		{arrow.FixedWidthTypes.Date32, dataquality.TypeDate, "date32"},
		{arrow.FixedWidthTypes.Date64, dataquality.TypeDate, "date64"},
		{arrow.FixedWidthTypes.Time32s, dataquality.TypeTime, "time32[s]"},
		{arrow.FixedWidthTypes.Time32ms, dataquality.TypeTime, "time32[ms]"},
		{arrow.FixedWidthTypes.Time64us, dataquality.TypeTime, "time64[us]"},
		{arrow.FixedWidthTypes.Time64ns, dataquality.TypeTime, "time64[ns]"},
		{dict(arrow.BinaryTypes.String), dataquality.TypeString, "dictionary<values=utf8, indices=int32, ordered=false>"},
		{dict(arrow.PrimitiveTypes.Int64), dataquality.TypeInteger, "dictionary<values=int64, indices=int32, ordered=false>"},
		{arrow.Null, dataquality.TypeUnknown, "null"},
		// Unsupported: unknown in the schema, an error when their values are needed.
		{arrow.ListOf(arrow.PrimitiveTypes.Int32), dataquality.TypeUnknown, "list<item: int32, nullable>"},
		{arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int32}), dataquality.TypeUnknown, "struct<a: int32>"},
		{arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int32), dataquality.TypeUnknown, "map<utf8, int32, items_nullable>"},
		{arrow.FixedWidthTypes.Duration_s, dataquality.TypeUnknown, "duration[s]"},
		{arrow.FixedWidthTypes.MonthInterval, dataquality.TypeUnknown, "month_interval"},
		{dict(arrow.FixedWidthTypes.Duration_s), dataquality.TypeUnknown, "dictionary<values=duration[s], indices=int32, ordered=false>"},
	}
	mem := checked(t)
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.dbType, func(t *testing.T) {
			schema := arrow.NewSchema([]arrow.Field{
				{Name: "id", Type: arrow.PrimitiveTypes.Int64},
				{Name: "v", Type: tt.dt, Nullable: true},
			}, nil)
			ids := array.NewInt64Builder(mem)
			ids.AppendValues([]int64{1, 2}, nil)
			idArr := ids.NewArray()
			ids.Release()
			vArr := array.MakeArrayOfNull(mem, tt.dt, 2)
			rec := array.NewRecordBatch(schema, []arrow.Array{idArr, vArr}, 2)
			idArr.Release()
			vArr.Release()
			ds := newDataset(t, schema, []arrow.RecordBatch{rec})

			cols, err := ds.Schema(ctx)
			require.NoError(t, err)
			assert.Equal(t, dataquality.Column{Name: "v", Type: tt.want, DatabaseType: tt.dbType}, cols[1])

			nulls, err := ds.NullCounts(ctx, []string{"V"})
			require.NoError(t, err)
			assert.Equal(t, map[string]int64{"V": 2}, nulls)

			spec := dataquality.ChecksumSpec{Key: "id", Columns: []string{"v"}}
			sums, err := ds.Checksums(ctx, spec, []dataquality.KeyRange{{Lo: 1, Hi: 2}})
			if tt.want == dataquality.TypeUnknown && tt.dt.ID() != arrow.NULL {
				var ute *arrowdataset.UnsupportedTypeError
				require.ErrorAs(t, err, &ute)
				assert.Equal(t, "v", ute.Column)
				assert.Equal(t, tt.dt, ute.Type)
				assert.ErrorIs(t, err, dataquality.ErrUnsupported)
				assert.Contains(t, err.Error(), `column "v" has type `+tt.dbType)
				_, err = ds.DuplicateKeys(ctx, []string{"v"}, 1)
				assert.ErrorAs(t, err, &ute)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, int64(2), sums[0].Count)
		})
	}
}

// TestEncodingMatchesMemoryDataset checks, type by type, that an Arrow value hashes as the
// MemoryDataset's value of the same meaning: decimals at any scale (and integers), timestamps of
// every unit and time zone, dates, times of day, floats, text, bytes and NULL; and that a
// different value does not.
func TestEncodingMatchesMemoryDataset(t *testing.T) {
	paris := time.FixedZone("CEST", 2*3600)
	instant := time.Date(2024, 7, 14, 21, 30, 15, 123456789, time.UTC)
	before1970 := time.Date(1969, 12, 31, 23, 59, 59, 999999500, time.UTC)
	dict := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.BinaryTypes.String}
	tests := []struct {
		name    string
		dt      arrow.DataType
		value   any // for appendValue
		memType dataquality.Type
		same    any // a MemoryDataset value that must hash alike
		other   any // one that must not
	}{
		{"decimal128 scale 2 vs text of scale 1", &arrow.Decimal128Type{Precision: 12, Scale: 2}, "12.50", dataquality.TypeDecimal, "12.5", "12.51"},
		{"decimal128 negative", &arrow.Decimal128Type{Precision: 12, Scale: 3}, "-0.050", dataquality.TypeDecimal, "-.05", "0.05"},
		{"decimal128 scale 0 vs integer", &arrow.Decimal128Type{Precision: 10, Scale: 0}, "7", dataquality.TypeInteger, int64(7), int64(8)},
		{"decimal128 zero vs integer", &arrow.Decimal128Type{Precision: 10, Scale: 4}, "0.0000", dataquality.TypeInteger, int64(0), int64(1)},
		{"decimal128 38 digits", &arrow.Decimal128Type{Precision: 38, Scale: 10}, "-1234567890123456789012345678.9012345670", dataquality.TypeDecimal, "-1234567890123456789012345678.901234567", "-1234567890123456789012345678.901234568"},
		{"decimal128 negative scale", &arrow.Decimal128Type{Precision: 5, Scale: -2}, "300", dataquality.TypeInteger, int64(300), int64(3)},
		{"decimal256", &arrow.Decimal256Type{Precision: 60, Scale: 5}, "123456789012345678901234567890123456789012345.00100", dataquality.TypeDecimal, "123456789012345678901234567890123456789012345.001", "1.001"},
		{"decimal32", &arrow.Decimal32Type{Precision: 9, Scale: 2}, "-3.10", dataquality.TypeDecimal, "-3.1", "3.1"},
		{"decimal64", &arrow.Decimal64Type{Precision: 18, Scale: 6}, "123456789012.345600", dataquality.TypeDecimal, "123456789012.3456", "123456789012.3457"},
		{"int8 vs int64", arrow.PrimitiveTypes.Int8, -5, dataquality.TypeInteger, int64(-5), int64(5)},
		{"int32 vs decimal text", arrow.PrimitiveTypes.Int32, 42, dataquality.TypeDecimal, "42.000", "42.001"},
		{"uint64 max", arrow.PrimitiveTypes.Uint64, uint64(math.MaxUint64), dataquality.TypeInteger, uint64(math.MaxUint64), uint64(math.MaxUint64 - 1)},
		{"float16", arrow.FixedWidthTypes.Float16, float32(1.5), dataquality.TypeFloat, 1.5, 1.25},
		{"float32 widened", arrow.PrimitiveTypes.Float32, float32(0.1), dataquality.TypeFloat, float32(0.1), 0.1},
		{"float64", arrow.PrimitiveTypes.Float64, 0.1, dataquality.TypeFloat, 0.1, float32(0.1)},
		{"bool", arrow.FixedWidthTypes.Boolean, true, dataquality.TypeBoolean, true, false},
		{"utf8", arrow.BinaryTypes.String, "héllo", dataquality.TypeString, "héllo", "hello"},
		{"large_utf8", arrow.BinaryTypes.LargeString, "", dataquality.TypeString, "", nil},
		{"string_view", arrow.BinaryTypes.StringView, "a string longer than twelve bytes", dataquality.TypeString, "a string longer than twelve bytes", "a string"},
		{"dictionary", dict, "EU", dataquality.TypeString, "EU", "US"},
		{"binary", arrow.BinaryTypes.Binary, []byte{0, 1, 2}, dataquality.TypeBytes, []byte{0, 1, 2}, []byte{0, 1}},
		{"large_binary", arrow.BinaryTypes.LargeBinary, []byte("x"), dataquality.TypeBytes, []byte("x"), []byte("X")},
		{"binary_view", arrow.BinaryTypes.BinaryView, []byte("y"), dataquality.TypeBytes, []byte("y"), []byte("z")},
		{"fixed_size_binary", &arrow.FixedSizeBinaryType{ByteWidth: 4}, []byte{1, 2, 3, 4}, dataquality.TypeBytes, []byte{1, 2, 3, 4}, []byte{1, 2, 3, 5}},
		{"timestamp s UTC", arrow.FixedWidthTypes.Timestamp_s, instant.Truncate(time.Second), dataquality.TypeTimestamp, instant.Truncate(time.Second).In(paris), instant},
		{"timestamp ms no zone", &arrow.TimestampType{Unit: arrow.Millisecond}, instant, dataquality.TypeTimestamp, instant.Truncate(time.Millisecond), instant},
		{"timestamp us New York", &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "America/New_York"}, instant, dataquality.TypeTimestamp, instant.In(paris), instant.Add(time.Microsecond)},
		{"timestamp ns drops nanoseconds", &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "+02:00"}, instant, dataquality.TypeTimestamp, instant.Truncate(time.Microsecond), instant.Add(-time.Microsecond)},
		{"timestamp ns before 1970 rounds down", &arrow.TimestampType{Unit: arrow.Nanosecond}, before1970, dataquality.TypeTimestamp, before1970.Truncate(time.Microsecond), time.Unix(0, 0)},
		{"timestamp vs text without zone", &arrow.TimestampType{Unit: arrow.Microsecond}, instant, dataquality.TypeTimestamp, "2024-07-14 21:30:15.123456", "2024-07-14 21:30:15.123455"},
		{"date32 vs a time in its own zone", arrow.FixedWidthTypes.Date32, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), dataquality.TypeDate, time.Date(2024, 3, 1, 23, 30, 0, 0, time.FixedZone("JST", 9*3600)), time.Date(2024, 3, 1, 23, 30, 0, 0, time.UTC).In(time.FixedZone("JST", 9*3600))},
		{"date32 before 1970", arrow.FixedWidthTypes.Date32, time.Date(1950, 6, 1, 0, 0, 0, 0, time.UTC), dataquality.TypeDate, "1950-06-01", "1950-06-02"},
		{"date64", arrow.FixedWidthTypes.Date64, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), dataquality.TypeDate, "2024-02-29", "2024-03-01"},
		{"time32 s", arrow.FixedWidthTypes.Time32s, 15*time.Hour + 4*time.Minute + 5*time.Second, dataquality.TypeTime, "15:04:05", "15:04:06"},
		{"time32 ms", arrow.FixedWidthTypes.Time32ms, 5*time.Second + 250*time.Millisecond, dataquality.TypeTime, 5*time.Second + 250*time.Millisecond, 5 * time.Second},
		{"time64 us", arrow.FixedWidthTypes.Time64us, 10*time.Hour + 1500*time.Microsecond, dataquality.TypeTime, "10:00:00.0015", "10:00:00.0016"},
		{"time64 ns drops nanoseconds", arrow.FixedWidthTypes.Time64ns, time.Second + 1999*time.Nanosecond, dataquality.TypeTime, time.Second + time.Microsecond, time.Second},
		{"NULL", arrow.BinaryTypes.String, nil, dataquality.TypeString, nil, ""},
		{"null type", arrow.Null, nil, dataquality.TypeDecimal, nil, "0"},
	}
	ctx := context.Background()
	mem := checked(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			schema := arrow.NewSchema([]arrow.Field{
				{Name: "id", Type: arrow.PrimitiveTypes.Int64},
				{Name: "v", Type: tt.dt, Nullable: true},
			}, nil)
			rec := record(t, mem, schema, [][]any{{1, tt.value}})
			ds := newDataset(t, schema, []arrow.RecordBatch{rec})
			spec := dataquality.ChecksumSpec{Key: "id", Columns: []string{"v"}}
			got, err := ds.RowHashes(ctx, spec, dataquality.KeyRange{Lo: 1, Hi: 1})
			require.NoError(t, err)
			require.Len(t, got, 1)

			hash := func(v any) uint64 {
				m, err := dataquality.NewMemoryDataset(dataquality.MemoryTable{
					Columns: []dataquality.Column{{Name: "id", Type: dataquality.TypeInteger}, {Name: "v", Type: tt.memType}},
					Rows:    []map[string]any{{"id": int64(1), "v": v}},
				})
				require.NoError(t, err)
				h, err := m.RowHashes(ctx, spec, dataquality.KeyRange{Lo: 1, Hi: 1})
				require.NoError(t, err)
				return h[0].Hash
			}
			assert.Equal(t, hash(tt.same), got[0].Hash, "%v vs %v", tt.value, tt.same)
			assert.NotEqual(t, hash(tt.other), got[0].Hash, "%v vs %v", tt.value, tt.other)
		})
	}
}

// TestUnsupportedTypeError checks the error's text and what it wraps.
func TestUnsupportedTypeError(t *testing.T) {
	err := error(&arrowdataset.UnsupportedTypeError{Column: "TAGS", Type: arrow.ListOf(arrow.BinaryTypes.String), Need: "a need"})
	assert.Equal(t, `arrowdataset: column "TAGS" has type list<item: utf8, nullable>; a need`, err.Error())
	assert.True(t, errors.Is(err, dataquality.ErrUnsupported))
}
