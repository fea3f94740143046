package oracle

import (
	"errors"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	go_ora "github.com/sijms/go-ora/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/extractors/internal/arrowappend"
)

// col is an ALL_TAB_COLUMNS row; -1 is NULL.
func col(dataType string, precision, scale int64) column {
	return column{name: "C", dataType: dataType, length: -1, precision: precision, scale: scale, charLength: -1, nullable: true}
}

func TestTypeMapping(t *testing.T) {
	ts := func(unit arrow.TimeUnit, tz string) arrow.DataType {
		return &arrow.TimestampType{Unit: unit, TimeZone: tz}
	}
	dec := func(p, s int32) arrow.DataType { return &arrow.Decimal128Type{Precision: p, Scale: s} }
	sized := func(c column, charLen, length int64) column { c.charLength, c.length = charLen, length; return c }
	owned := func(c column, owner string) column { c.typeOwner = owner; return c }
	str, bin := arrow.BinaryTypes.String, arrow.BinaryTypes.Binary
	for _, tc := range []struct {
		c      column
		want   arrow.DataType // nil: unsupported
		source string
	}{
		{col("NUMBER", 12, 2), dec(12, 2), "NUMBER(12,2)"},
		{col("NUMBER", 38, 10), dec(38, 10), "NUMBER(38,10)"},
		{col("NUMBER", 10, 0), arrow.PrimitiveTypes.Int64, "NUMBER(10)"},
		{col("NUMBER", 18, 0), arrow.PrimitiveTypes.Int64, "NUMBER(18)"},
		{col("NUMBER", 19, 0), dec(19, 0), "NUMBER(19)"},
		{col("NUMBER", 38, 0), dec(38, 0), "NUMBER(38)"},
		{col("NUMBER", 1, 0), arrow.PrimitiveTypes.Int64, "NUMBER(1)"}, // a pre-23ai flag
		{col("NUMBER", -1, 0), dec(38, 0), "NUMBER(*,0)"},              // INTEGER, INT, SMALLINT
		{col("NUMBER", -1, 2), dec(38, 2), "NUMBER(*,2)"},
		{col("NUMBER", -1, -1), str, "NUMBER"}, // documented fallback
		{col("NUMBER", 5, -2), arrow.PrimitiveTypes.Int64, "NUMBER(5,-2)"},
		{col("NUMBER", 30, -5), dec(35, 0), "NUMBER(30,-5)"},
		{col("NUMBER", 38, -84), str, "NUMBER(38,-84)"},
		{col("NUMBER", 2, 5), dec(5, 5), "NUMBER(2,5)"},
		{col("NUMBER", 38, 127), str, "NUMBER(38,127)"},
		{col("FLOAT", 126, -1), arrow.PrimitiveTypes.Float64, "FLOAT(126)"},
		{col("FLOAT", 63, -1), arrow.PrimitiveTypes.Float64, "FLOAT(63)"}, // REAL
		{col("BINARY_DOUBLE", -1, -1), arrow.PrimitiveTypes.Float64, "BINARY_DOUBLE"},
		{col("BINARY_FLOAT", -1, -1), arrow.PrimitiveTypes.Float32, "BINARY_FLOAT"},
		{sized(col("VARCHAR2", -1, -1), 40, 160), str, "VARCHAR2(40)"},
		{sized(col("NVARCHAR2", -1, -1), 10, 20), str, "NVARCHAR2(10)"},
		{sized(col("CHAR", -1, -1), 3, 3), str, "CHAR(3)"},
		{sized(col("NCHAR", -1, -1), 1, 2), str, "NCHAR(1)"},
		{col("CLOB", -1, -1), str, "CLOB"},
		{col("NCLOB", -1, -1), str, "NCLOB"},
		{col("JSON", -1, -1), str, "JSON"},
		{col("ROWID", -1, -1), str, "ROWID"},
		{sized(col("RAW", -1, -1), 0, 16), bin, "RAW(16)"},
		{col("BLOB", -1, -1), bin, "BLOB"},
		{col("DATE", -1, -1), ts(arrow.Second, ""), "DATE"},
		{col("TIMESTAMP(6)", -1, 6), ts(arrow.Microsecond, ""), "TIMESTAMP(6)"},
		{col("TIMESTAMP(9)", -1, 9), ts(arrow.Microsecond, ""), "TIMESTAMP(9)"},
		{col("TIMESTAMP(6) WITH TIME ZONE", -1, 6), ts(arrow.Microsecond, "UTC"), "TIMESTAMP(6) WITH TIME ZONE"},
		{col("TIMESTAMP(3) WITH LOCAL TIME ZONE", -1, 3), ts(arrow.Microsecond, "UTC"), "TIMESTAMP(3) WITH LOCAL TIME ZONE"},
		{col("BOOLEAN", -1, -1), arrow.FixedWidthTypes.Boolean, "BOOLEAN"},
		{col("INTERVAL DAY(2) TO SECOND(6)", 2, 6), nil, "INTERVAL DAY(2) TO SECOND(6)"},
		{col("INTERVAL YEAR(2) TO MONTH", 2, 0), nil, "INTERVAL YEAR(2) TO MONTH"},
		{col("LONG", -1, -1), nil, "LONG"},
		{col("LONG RAW", -1, -1), nil, "LONG RAW"},
		{col("BFILE", -1, -1), nil, "BFILE"},
		{owned(col("XMLTYPE", -1, -1), "SYS"), nil, "SYS.XMLTYPE"},
		{owned(col("ADDRESS_T", -1, -1), "APP"), nil, "APP.ADDRESS_T"},
		{col("VECTOR", -1, -1), nil, "VECTOR"},
		{col("MLSLABEL", -1, -1), nil, "MLSLABEL"},
	} {
		t.Run(tc.source, func(t *testing.T) {
			got, ok := arrowType(tc.c)
			if tc.want == nil {
				assert.False(t, ok, "got %v", got)
			} else if assert.True(t, ok) {
				assert.True(t, arrow.TypeEqual(tc.want, got), "want %s, got %s", tc.want, got)
			}
			assert.Equal(t, tc.source, sourceType(tc.c))
		})
	}
}

func TestNewTable(t *testing.T) {
	cols := []column{
		{name: "ORDER_ID", dataType: "NUMBER", precision: 10, scale: 0, length: 22, charLength: 0, nullable: false},
		{name: "LINE", dataType: "NUMBER", precision: 4, scale: 0, length: 22, charLength: 0, nullable: false},
		{name: "NOTE", dataType: "VARCHAR2", precision: -1, scale: -1, length: 400, charLength: 100, nullable: true},
	}
	tbl, err := newTable("ORDER_LINES", cols, []string{"ORDER_ID", "LINE"})
	require.NoError(t, err)
	assert.Equal(t, "ORDER_LINES", tbl.Name)
	assert.Equal(t, []string{"ORDER_ID", "LINE"}, tbl.PrimaryKey)
	assert.Equal(t, []string{"NUMBER(10)", "NUMBER(4)", "VARCHAR2(100)"}, tbl.SourceTypes)
	md := tbl.Schema.Metadata()
	assert.Equal(t, "ORDER_ID,LINE", md.Values()[md.FindKey(extract.PrimaryKeyMetadata)])
	assert.False(t, tbl.Schema.Field(0).Nullable)
	assert.True(t, tbl.Schema.Field(2).Nullable)

	noKey, err := newTable("LOG", cols[2:], nil)
	require.NoError(t, err)
	assert.Empty(t, noKey.PrimaryKey)
	assert.Equal(t, -1, noKey.Schema.Metadata().FindKey(extract.PrimaryKeyMetadata))

	bad := append(cols[:1:1], column{name: "SPAN", dataType: "INTERVAL DAY(2) TO SECOND(6)", precision: -1, scale: -1, length: 11})
	_, err = newTable("ORDER_LINES", bad, nil)
	var ute *extract.UnsupportedTypeError
	require.True(t, errors.As(err, &ute), "%v", err)
	assert.Equal(t, extract.UnsupportedTypeError{Table: "ORDER_LINES", Column: "SPAN", Type: "INTERVAL DAY(2) TO SECOND(6)"}, *ute)
	assert.EqualError(t, err, "extract: ORDER_LINES.SPAN: type INTERVAL DAY(2) TO SECOND(6) has no Arrow mapping")
}

// oraNumber returns the text go-ora gives for a NUMBER holding s: it encodes s as Oracle's
// NUMBER bytes and decodes them as the driver decodes a column value.
func oraNumber(t *testing.T, s string) string {
	t.Helper()
	n, err := go_ora.NewNumberFromString(s)
	require.NoError(t, err)
	out, err := n.String()
	require.NoError(t, err)
	return out
}

func TestAppendRow(t *testing.T) {
	cols := []column{
		{name: "ID", dataType: "NUMBER", precision: 18, scale: 0},
		{name: "AMOUNT", dataType: "NUMBER", precision: 12, scale: 2},
		{name: "BIG", dataType: "NUMBER", precision: 38, scale: 0},
		{name: "FREE", dataType: "NUMBER", precision: -1, scale: -1},
		{name: "F", dataType: "FLOAT", precision: 126, scale: -1},
		{name: "BD", dataType: "BINARY_DOUBLE", precision: -1, scale: -1},
		{name: "BF", dataType: "BINARY_FLOAT", precision: -1, scale: -1},
		{name: "NAME", dataType: "NVARCHAR2", precision: -1, scale: -1, charLength: 20},
		{name: "BODY", dataType: "CLOB", precision: -1, scale: -1},
		{name: "DOC", dataType: "JSON", precision: -1, scale: -1},
		{name: "RAWV", dataType: "RAW", precision: -1, scale: -1, length: 16},
		{name: "BLOBV", dataType: "BLOB", precision: -1, scale: -1},
		{name: "D", dataType: "DATE", precision: -1, scale: -1},
		{name: "TS", dataType: "TIMESTAMP(9)", precision: -1, scale: 9},
		{name: "TZ", dataType: "TIMESTAMP(6) WITH TIME ZONE", precision: -1, scale: 6},
		{name: "OK", dataType: "BOOLEAN", precision: -1, scale: -1},
	}
	for i := range cols {
		cols[i].nullable = true
	}
	tbl, err := newTable("T", cols, []string{"ID"})
	require.NoError(t, err)
	apps := make([]arrowappend.Func, len(cols))
	for i, f := range tbl.Schema.Fields() {
		apps[i] = appenderFor(f.Type)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := array.NewRecordBuilder(mem, tbl.Schema)
	defer b.Release()

	// go-ora decodes DATE and TIMESTAMP with the server's zone attached to the stored wall
	// clock; the zoned types arrive through SYS_EXTRACT_UTC as UTC wall clocks.
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	row1 := []any{
		oraNumber(t, "-999999999999999999"), oraNumber(t, "1234567890.10"), oraNumber(t, "99999999999999999999999999999999999999"),
		oraNumber(t, "-0.000000000000000000000000000000000000001234"), oraNumber(t, "3.14159265358979"),
		2.5, float32(1.25), "hé 🙂", "long text", `{"a":[1,2]}`, []byte{0x00, 0xff}, []byte("blob"),
		time.Date(2024, 2, 29, 23, 59, 58, 0, paris),
		time.Date(1999, 12, 31, 23, 59, 59, 123456789, paris),
		time.Date(2024, 6, 1, 10, 0, 0, 500000000, time.UTC),
		true,
	}
	row2 := make([]any, len(cols)) // every column NULL (the key too: AppendRow does not judge)
	row3 := []any{oraNumber(t, "0"), oraNumber(t, "-0.5"), oraNumber(t, "-1"), oraNumber(t, "1e30"), oraNumber(t, "-2"),
		-0.0, float32(-3), "", "", "null", []byte{}, []byte{}, time.Date(-4712, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), false}
	for _, row := range [][]any{row1, row2, row3} {
		require.NoError(t, arrowappend.AppendRow(b, apps, row))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	require.EqualValues(t, 3, rec.NumRows())

	ids := rec.Column(0).(*array.Int64)
	assert.Equal(t, int64(-999999999999999999), ids.Value(0))
	assert.True(t, ids.IsNull(1))
	assert.Equal(t, int64(0), ids.Value(2))
	amount := rec.Column(1).(*array.Decimal128)
	assert.Equal(t, "1234567890.10", amount.Value(0).ToString(2))
	assert.Equal(t, "-0.50", amount.Value(2).ToString(2))
	big := rec.Column(2).(*array.Decimal128)
	assert.Equal(t, "99999999999999999999999999999999999999", big.Value(0).ToString(0))
	assert.Equal(t, "-1", big.Value(2).ToString(0))
	free := rec.Column(3).(*array.String)
	assert.Equal(t, "-0.000000000000000000000000000000000000001234", free.Value(0), "NUMBER without precision is exact text")
	assert.Equal(t, "1000000000000000000000000000000", free.Value(2))
	assert.InDelta(t, 3.14159265358979, rec.Column(4).(*array.Float64).Value(0), 1e-15)
	assert.Equal(t, -2.0, rec.Column(4).(*array.Float64).Value(2))
	assert.Equal(t, 2.5, rec.Column(5).(*array.Float64).Value(0))
	assert.Equal(t, float32(1.25), rec.Column(6).(*array.Float32).Value(0))
	assert.Equal(t, "hé 🙂", rec.Column(7).(*array.String).Value(0))
	assert.Equal(t, "long text", rec.Column(8).(*array.String).Value(0))
	assert.Equal(t, `{"a":[1,2]}`, rec.Column(9).(*array.String).Value(0))
	assert.Equal(t, []byte{0x00, 0xff}, rec.Column(10).(*array.Binary).Value(0))
	assert.Equal(t, []byte("blob"), rec.Column(11).(*array.Binary).Value(0))

	d := rec.Column(12).(*array.Timestamp)
	assert.Equal(t, arrow.Timestamp(time.Date(2024, 2, 29, 23, 59, 58, 0, time.UTC).Unix()), d.Value(0), "DATE keeps its wall clock, in seconds")
	assert.Equal(t, arrow.Timestamp(time.Date(-4712, 1, 1, 0, 0, 0, 0, time.UTC).Unix()), d.Value(2))
	ts := rec.Column(13).(*array.Timestamp)
	assert.Equal(t, arrow.Timestamp(time.Date(1999, 12, 31, 23, 59, 59, 123456000, time.UTC).UnixMicro()), ts.Value(0), "truncated to microseconds")
	assert.Equal(t, arrow.Timestamp(time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC).UnixMicro()), ts.Value(2))
	tz := rec.Column(14).(*array.Timestamp)
	assert.Equal(t, arrow.Timestamp(time.Date(2024, 6, 1, 10, 0, 0, 500000000, time.UTC).UnixMicro()), tz.Value(0))
	assert.Equal(t, arrow.Timestamp(0), tz.Value(2))
	ok := rec.Column(15).(*array.Boolean)
	assert.True(t, ok.Value(0))
	assert.False(t, ok.Value(2))
	for i := range cols {
		assert.True(t, rec.Column(i).IsNull(1), cols[i].name)
	}
}

func TestAppendRowRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		dt   arrow.DataType
		v    any
		want string
	}{
		{"int from text", arrow.PrimitiveTypes.Int64, "12.5", `column X: cannot store string value 12.5 as int64`},
		{"int overflow", arrow.PrimitiveTypes.Int64, "9223372036854775808", `column X: cannot store string value 9223372036854775808 as int64`},
		{"decimal too wide", &arrow.Decimal128Type{Precision: 4, Scale: 2}, "12345.6", `column X: decimal "12345.6" as decimal(4, 2)`},
		{"string from time", arrow.BinaryTypes.String, time.Unix(0, 0), `column X: cannot store time.Time value`},
		{"binary from string", arrow.BinaryTypes.Binary, "x", `column X: cannot store string value x as binary`},
		{"timestamp from text", &arrow.TimestampType{Unit: arrow.Second}, "2024-01-01", `column X: cannot store string value 2024-01-01 as timestamp[s]`},
		{"float from junk", arrow.PrimitiveTypes.Float64, "abc", `column X: cannot store string value abc as float64`},
		{"bool from number", arrow.FixedWidthTypes.Boolean, "1", `column X: cannot store string value 1 as bool`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			schema := arrow.NewSchema([]arrow.Field{{Name: "X", Type: tc.dt, Nullable: true}}, nil)
			b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
			defer b.Release()
			err := arrowappend.AppendRow(b, []arrowappend.Func{appenderFor(tc.dt)}, []any{tc.v})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestGoOraNumberText checks the NUMBER texts go-ora produces (its encoder and decoder, as a
// column value travels) against the int64 and decimal appenders.
func TestGoOraNumberText(t *testing.T) {
	for _, tc := range []struct {
		in   string
		dt   arrow.DataType
		want string
	}{
		{"123.45", &arrow.Decimal128Type{Precision: 12, Scale: 2}, "123.45"},
		{"123.4", &arrow.Decimal128Type{Precision: 12, Scale: 2}, "123.40"},
		{"-0.001", &arrow.Decimal128Type{Precision: 10, Scale: 3}, "-0.001"},
		{"100", &arrow.Decimal128Type{Precision: 10, Scale: 3}, "100.000"},
		{"0.00099", &arrow.Decimal128Type{Precision: 5, Scale: 5}, "0.00099"}, // NUMBER(2,5)
		{"12345678901234567890123456.123456789012", &arrow.Decimal128Type{Precision: 38, Scale: 12}, "12345678901234567890123456.123456789012"},
		{"-99999999999999999999999999999999999999", &arrow.Decimal128Type{Precision: 38, Scale: 0}, "-99999999999999999999999999999999999999"},
		{"1200", arrow.PrimitiveTypes.Int64, "1200"}, // NUMBER(5,-2)
		{"999999999999999999", arrow.PrimitiveTypes.Int64, "999999999999999999"},
		{"-42", arrow.PrimitiveTypes.Int64, "-42"},
		{"0", arrow.PrimitiveTypes.Int64, "0"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			schema := arrow.NewSchema([]arrow.Field{{Name: "X", Type: tc.dt}}, nil)
			b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
			defer b.Release()
			require.NoError(t, arrowappend.AppendRow(b, []arrowappend.Func{appenderFor(tc.dt)}, []any{oraNumber(t, tc.in)}))
			rec := b.NewRecordBatch()
			defer rec.Release()
			got := rec.Column(0).ValueStr(0)
			if d, ok := tc.dt.(*arrow.Decimal128Type); ok {
				got = rec.Column(0).(*array.Decimal128).Value(0).ToString(d.Scale) // all the scale's digits
			}
			assert.Equal(t, tc.want, got)
		})
	}
}
