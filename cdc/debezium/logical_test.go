package debezium

import (
	"math"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// oneColumn returns a schemas.enable envelope whose after row has one column "v" of the given
// field schema (without its "field" member) and JSON value.
func oneColumn(fieldSchema, value string) []byte {
	return []byte(`{"schema":{"type":"struct","fields":[{"type":"struct","fields":[{` + fieldSchema +
		`,"field":"v"}],"optional":true,"field":"after"}]},"payload":{"op":"c","source":{"table":"t"},"after":{"v":` +
		value + `}}}`)
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func TestLogicalTypes(t *testing.T) {
	const (
		decimal2 = `"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2","connect.decimal.precision":"10"}`
		decimal0 = `"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"0"}`
		vsd      = `"type":"struct","name":"io.debezium.data.VariableScaleDecimal","fields":[{"type":"int32","field":"scale"},{"type":"bytes","field":"value"}]`
	)
	big70 := new(big.Int).Lsh(big.NewInt(1), 70) // 2^70 = 1180591620717411303424
	tests := []struct {
		name   string
		schema string
		value  string
		want   Value
		text   string // Value.String
	}{
		{"decimal", decimal2, `"EtaH"`, DecimalInt64Value(1234567, 2), "12345.67"},
		{"decimal negative", decimal2, `"/zg="`, DecimalInt64Value(-200, 2), "-2.00"},
		{"decimal minus one cent", decimal2, `"/w=="`, DecimalInt64Value(-1, 2), "-0.01"},
		{"decimal zero", decimal2, `"AA=="`, DecimalInt64Value(0, 2), "0.00"},
		{"decimal not minimal", decimal2, `"AAE="`, DecimalInt64Value(1, 2), "0.01"},
		{"decimal scale 0", decimal0, `"AQ=="`, DecimalInt64Value(1, 0), "1"},
		{"decimal beyond int64", decimal0, `"QAAAAAAAAAAA"`, DecimalValue(big70.Bytes(), 0), big70.String()},
		{"decimal from a number", decimal2, `12.5`, DecimalInt64Value(1250, 2), "12.50"},
		{"debezium decimal name", `"type":"bytes","name":"io.debezium.data.Decimal","parameters":{"scale":"3"}`, `"/w=="`, DecimalInt64Value(-1, 3), "-0.001"},
		{"variable scale NUMBER", vsd, `{"scale":0,"value":"AQ=="}`, DecimalInt64Value(1, 0), "1"},
		{"variable scale negative", vsd, `{"scale":3,"value":"/w=="}`, DecimalInt64Value(-1, 3), "-0.001"},
		{"date epoch", `"type":"int32","name":"io.debezium.time.Date"`, `0`, DateValue(0), "1970-01-01"},
		{"date before 1970", `"type":"int32","name":"io.debezium.time.Date"`, `-1`, DateValue(-1), "1969-12-31"},
		{"date year 1", `"type":"int32","name":"org.apache.kafka.connect.data.Date"`, `-719162`, DateValue(-719162), "0001-01-01"},
		{"time ms", `"type":"int32","name":"io.debezium.time.Time"`, `45296789`, TimeValue(45296789000), "12:34:56.789"},
		{"micro time", `"type":"int64","name":"io.debezium.time.MicroTime"`, `45296789123`, TimeValue(45296789123), "12:34:56.789123"},
		{"nano time", `"type":"int64","name":"io.debezium.time.NanoTime"`, `45296789123456`, Value{kind: KindTime, num: 45296789123, aux: 456}, "12:34:56.789123"},
		{"zoned time", `"type":"string","name":"io.debezium.time.ZonedTime"`, `"10:15:30.5+01:00"`, TimeValue((9*3600+15*60+30)*1e6 + 500000), "09:15:30.5"},
		{"timestamp ms", `"type":"int64","name":"io.debezium.time.Timestamp"`, `1734449012000`, TimestampValue(1734449012000000), "2024-12-17T15:23:32Z"},
		{"timestamp ms before 1970", `"type":"int64","name":"org.apache.kafka.connect.data.Timestamp"`, `-1`, TimestampValue(-1000), "1969-12-31T23:59:59.999Z"},
		{"micro timestamp", `"type":"int64","name":"io.debezium.time.MicroTimestamp"`, `1734449014000001`, TimestampValue(1734449014000001), "2024-12-17T15:23:34.000001Z"},
		{"micro timestamp before 1970", `"type":"int64","name":"io.debezium.time.MicroTimestamp"`, `-1`, TimestampValue(-1), "1969-12-31T23:59:59.999999Z"},
		{"nano timestamp", `"type":"int64","name":"io.debezium.time.NanoTimestamp"`, `1559033904863123456`, TimestampNanosValue(1559033904863123456), "2019-05-28T08:58:24.863123456Z"},
		{"nano timestamp before 1970", `"type":"int64","name":"io.debezium.time.NanoTimestamp"`, `-1`, Value{kind: KindTimestamp, num: -1, aux: 999}, "1969-12-31T23:59:59.999999999Z"},
		{"zoned timestamp", `"type":"string","name":"io.debezium.time.ZonedTimestamp"`, `"2024-12-17T15:23:37.618Z"`,
			TimestampValue(micros(time.Date(2024, 12, 17, 15, 23, 37, 618e6, time.UTC))), "2024-12-17T15:23:37.618Z"},
		{"zoned timestamp offset and nanos", `"type":"string","name":"io.debezium.time.ZonedTimestamp"`, `"2024-12-17T16:23:37.618123456+01:00"`,
			TimestampNanosValue(time.Date(2024, 12, 17, 15, 23, 37, 618123456, time.UTC).UnixNano()), "2024-12-17T15:23:37.618123456Z"},
		{"zoned timestamp before 1970", `"type":"string","name":"io.debezium.time.ZonedTimestamp"`, `"1969-07-20T20:17:40Z"`,
			TimestampValue(micros(time.Date(1969, 7, 20, 20, 17, 40, 0, time.UTC))), "1969-07-20T20:17:40Z"},
		{"json", `"type":"string","name":"io.debezium.data.Json"`, `"{\"a\":[1,2]}"`, JSONValue(`{"a":[1,2]}`), `{"a":[1,2]}`},
		{"uuid", `"type":"string","name":"io.debezium.data.Uuid"`, `"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"`, StringValue("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), `"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"`},
		{"bytes", `"type":"bytes"`, `"3q2+7w=="`, BytesValue([]byte{0xde, 0xad, 0xbe, 0xef}), "3q2+7w=="},
		{"bits", `"type":"bytes","name":"io.debezium.data.Bits","parameters":{"length":"8"}`, `"AQ=="`, BytesValue([]byte{1}), "AQ=="},
		{"int64", `"type":"int64"`, `-9223372036854775808`, IntValue(math.MinInt64), "-9223372036854775808"},
		{"int32 as a quoted number", `"type":"INT32","optional":"false"`, `"42"`, IntValue(42), "42"},
		{"double from an integer", `"type":"double"`, `3`, FloatValue(3), "3"},
		{"float infinity", `"type":"float"`, `"-Infinity"`, FloatValue(math.Inf(-1)), "-Inf"},
		{"boolean", `"type":"boolean"`, `false`, BoolValue(false), "false"},
		{"string with escapes", `"type":"string"`, `"tab\tquote\" \u00e9 \ud83d\ude00"`, StringValue("tab\tquote\" é 😀"), `"tab\tquote\" é 😀"`},
		{"struct", `"type":"struct","fields":[]`, `{"x": 1}`, JSONValue(`{"x": 1}`), `{"x": 1}`},
		{"array", `"type":"array","items":{"type":"int32"}`, `[1,2]`, JSONValue(`[1,2]`), `[1,2]`},
		{"null", decimal2, `null`, NullValue(), "null"},
	}
	d := newDecoder(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := d.Decode(nil, oneColumn(tc.schema, tc.value))
			require.NoError(t, err)
			got, ok := ev.After.Get("v")
			require.True(t, ok)
			assert.Equal(t, tc.want, got)
			assert.True(t, tc.want.Equal(got))
			assert.Equal(t, tc.text, got.String())
		})
	}
}

// TestValueAccessors checks the typed views the Arrow stage uses.
func TestValueAccessors(t *testing.T) {
	u, s, ok := DecimalInt64Value(-12345, 2).DecimalInt64()
	assert.True(t, ok)
	assert.Equal(t, [2]int64{-12345, 2}, [2]int64{u, int64(s)})
	b, s := DecimalValue([]byte{0xff, 0x38}, 1).Decimal()
	assert.Equal(t, []byte{0xff, 0x38}, b)
	assert.Equal(t, int32(1), s)
	bi, _ := DecimalValue([]byte{0x80, 0, 0, 0, 0, 0, 0, 0, 0}, 0).DecimalBig()
	assert.Equal(t, "-2361183241434822606848", bi.String())
	_, _, ok = DecimalValue([]byte{0x80, 0, 0, 0, 0, 0, 0, 0, 0}, 0).DecimalInt64()
	assert.False(t, ok)
	ts := TimestampNanosValue(1559033904863123456)
	assert.Equal(t, int64(1559033904863123), ts.Micros())
	assert.Equal(t, int64(1559033904863123456), ts.Nanos())
	assert.Equal(t, time.Unix(0, 1559033904863123456).UTC(), ts.Time())
	assert.Equal(t, int32(-1), DateValue(-1).Days())
	assert.Equal(t, 2.5, FloatValue(2.5).Float())
	assert.Equal(t, []byte{1, 2}, BytesValue([]byte{1, 2}).Bytes())
	assert.Equal(t, KindJSON, JSONValue("[]").Kind())
	assert.Equal(t, "decimal", KindDecimal.String())
	assert.True(t, NullValue().IsNull())
}

// TestHints: schemaless values read by hint, cached per table and column set, and ignored when
// the message has a schema.
func TestHints(t *testing.T) {
	calls := 0
	hints := map[string]Hint{
		"F3":  {Logical: LogicalDecimal, Scale: 2},
		"F27": {Logical: LogicalTimestamp},
		"F28": {Logical: LogicalMicroTimestamp},
		"F30": {Logical: LogicalZonedTimestamp},
		"F31": {Logical: LogicalZonedTimestamp},
	}
	d := newDecoder(t, WithHints(func(table TableID, col string) (Hint, bool) {
		calls++
		assert.Equal(t, TableID{"ORCL", "QA_SOURCE", "ALL_TYPES1"}, table)
		h, ok := hints[col]
		return h, ok
	}))
	v := readTestdata(t, "08-real-oracle-read-schemaless.json")
	for range 3 {
		ev, err := d.Decode(nil, v)
		require.NoError(t, err)
		row := ev.After.Map()
		assert.Equal(t, DecimalInt64Value(100, 2), row["F3"], "the integer 1 read as DECIMAL(?,2)")
		assert.Equal(t, TimestampValue(1734449012000000), row["F27"])
		assert.Equal(t, TimestampValue(1734449014000000), row["F28"])
		assert.Equal(t, IntValue(1734449015000000), row["F29"], "no hint: stays an integer")
		assert.Equal(t, TimestampValue(micros(time.Date(2024, 12, 17, 15, 23, 37, 618e6, time.UTC))), row["F30"])
		assert.Equal(t, TimestampValue(micros(time.Date(2024, 12, 17, 15, 23, 38, 790e6, time.UTC))), row["F31"])
		assert.Equal(t, StringValue("2024-12-17T15:23:40.28Z"), row["F32"])
		assert.Equal(t, DecimalInt64Value(1, 0), row["F2"], "VariableScaleDecimal needs no hint")
	}
	assert.Equal(t, 29, calls, "one call per column, then cached")
	d.ResetHints()
	_, err := d.Decode(nil, v)
	require.NoError(t, err)
	assert.Equal(t, 58, calls)

	dec := func(hint *Hint, value string) (Value, error) {
		opts := []Option{}
		if hint != nil {
			opts = append(opts, WithHints(func(TableID, string) (Hint, bool) { return *hint, true }))
		}
		d := newDecoder(t, opts...)
		ev, err := d.Decode(nil, []byte(`{"op":"c","source":{"table":"t"},"after":{"v":`+value+`}}`))
		if err != nil {
			return Value{}, err
		}
		return ev.After.Value(0), nil
	}
	d2 := &Hint{Logical: LogicalDecimal, Scale: 2}
	for _, tc := range []struct {
		name  string
		hint  *Hint
		value string
		want  Value
	}{
		{"base64 without hint stays a string", nil, `"EtaH"`, StringValue("EtaH")},
		{"base64 with a decimal hint", d2, `"EtaH"`, DecimalInt64Value(1234567, 2)},
		{"number with a decimal hint", d2, `-12.5`, DecimalInt64Value(-1250, 2)},
		{"exponent with a decimal hint", d2, `1.5e2`, DecimalInt64Value(15000, 2)},
		{"trailing zeros beyond the scale", d2, `1.2500`, DecimalInt64Value(125, 2)},
		{"big number with a decimal hint", d2, `123456789012345678901234.5`, DecimalValue(bigTwos(mustBig("12345678901234567890123450")), 2)},
		{"date hint", &Hint{Logical: LogicalDate}, `-25567`, DateValue(-25567)},
		{"nano timestamp hint", &Hint{Logical: LogicalNanoTimestamp}, `1001`, Value{kind: KindTimestamp, num: 1, aux: 1}},
		{"bytes hint", &Hint{Logical: LogicalBytes}, `"AQI="`, BytesValue([]byte{1, 2})},
		{"integer beyond int64 without hint", nil, `92233720368547758070`, DecimalValue(bigTwos(mustBig("92233720368547758070")), 0)},
		{"float without hint", nil, `2.5`, FloatValue(2.5)},
		{"object without hint", nil, `{"x":1}`, JSONValue(`{"x":1}`)},
		{"object like a decimal with bad base64", nil, `{"scale":1,"value":"!!"}`, JSONValue(`{"scale":1,"value":"!!"}`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := dec(tc.hint, tc.value)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	t.Run("digits beyond the scale", func(t *testing.T) {
		_, err := dec(d2, `12.345`)
		assert.Equal(t, ReasonInvalidValue, ReasonOf(err))
		assert.ErrorContains(t, err, "more fractional digits than scale 2")
	})
	t.Run("schema wins over hints", func(t *testing.T) {
		d := newDecoder(t, WithHints(func(TableID, string) (Hint, bool) { return Hint{Logical: LogicalDate}, true }))
		ev, err := d.Decode(nil, oneColumn(`"type":"int64"`, `5`))
		require.NoError(t, err)
		assert.Equal(t, IntValue(5), ev.After.Value(0))
	})
}

func mustBig(s string) *big.Int {
	b, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return b
}

// TestDecodeErrors: bad input gives a *DecodeError with a stable reason and the field's path.
func TestDecodeErrors(t *testing.T) {
	src := `"source":{"table":"t"}`
	tests := []struct {
		name   string
		key    string
		value  string
		reason Reason
		path   string
	}{
		{"truncated", "", `{"op":"c",`, ReasonInvalidJSON, "value"},
		{"trailing comma", "", `{"op":"c",` + src + `,}`, ReasonInvalidJSON, "value"},
		{"garbage after", "", `{"op":"c",` + src + `} x`, ReasonInvalidJSON, "value"},
		{"invalid UTF-8", "", "{\"op\":\"c\"," + src + ",\"after\":{\"v\":\"\xff\"}}", ReasonInvalidJSON, "value.after"},
		{"control character", "", "{\"op\":\"c\",\"x\":\"a\nb\"}", ReasonInvalidJSON, "value.x"},
		{"deep nesting", "", `{"op":"c","x":` + strings.Repeat("[", 100000), ReasonInvalidJSON, "value.x"},
		{"not an object", "", `[1,2]`, ReasonInvalidEnvelope, "value"},
		{"unknown op", "", `{"op":"x",` + src + `}`, ReasonUnknownOp, "value.op"},
		{"op not a string", "", `{"op":1,` + src + `}`, ReasonUnknownOp, "value.op"},
		{"missing op", "", `{` + src + `}`, ReasonMissingOp, "value.op"},
		{"missing source", "", `{"op":"c","after":{"id":1}}`, ReasonMissingSource, "value.source"},
		{"null source", "", `{"op":"c","source":null}`, ReasonMissingSource, "value.source"},
		{"wrapped missing source", "", `{"schema":null,"payload":{"op":"c"}}`, ReasonMissingSource, "value.payload.source"},
		{"row not an object", "", `{"op":"c",` + src + `,"after":[1]}`, ReasonInvalidEnvelope, "value.after"},
		{"source field of the wrong type", "", `{"op":"c","source":{"ts_ms":"soon"}}`, ReasonInvalidEnvelope, "value.source.ts_ms"},
		{"bad message content", "", `{"op":"m",` + src + `,"message":{"prefix":"p","content":"!!"}}`, ReasonInvalidValue, "value.message.content"},
		{"extra wrapper member", "", `{"schema":null,"payload":null,"extra":1}`, ReasonInvalidEnvelope, "value"},
		{"schema not a struct", "", `{"schema":{"type":"string"},"payload":{}}`, ReasonInvalidSchema, "value.schema"},
		{"schema unreadable", "", `{"schema":{"type":"struct","fields":{}},"payload":{}}`, ReasonInvalidSchema, "value.schema"},
		{"bad decimal", "", string(oneColumn(`"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}`, `"%%%"`)), ReasonInvalidValue, "value.payload.after.v"},
		{"decimal of the wrong JSON type", "", string(oneColumn(`"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}`, `true`)), ReasonInvalidValue, "value.payload.after.v"},
		{"bad variable scale", "", string(oneColumn(`"type":"struct","name":"io.debezium.data.VariableScaleDecimal"`, `{"scale":0}`)), ReasonInvalidValue, "value.payload.after.v"},
		{"bad zoned timestamp", "", string(oneColumn(`"type":"string","name":"io.debezium.time.ZonedTimestamp"`, `"yesterday"`)), ReasonInvalidValue, "value.payload.after.v"},
		{"date of the wrong JSON type", "", string(oneColumn(`"type":"int32","name":"io.debezium.time.Date"`, `"x"`)), ReasonInvalidValue, "value.payload.after.v"},
		{"date out of range", "", string(oneColumn(`"type":"int32","name":"io.debezium.time.Date"`, `3000000000`)), ReasonInvalidValue, "value.payload.after.v"},
		{"timestamp overflow", "", string(oneColumn(`"type":"int64","name":"io.debezium.time.Timestamp"`, `9223372036854775807`)), ReasonInvalidValue, "value.payload.after.v"},
		{"int with a fraction", "", string(oneColumn(`"type":"int32"`, `1.5`)), ReasonInvalidValue, "value.payload.after.v"},
		{"int overflow", "", string(oneColumn(`"type":"int64"`, `9223372036854775808`)), ReasonInvalidValue, "value.payload.after.v"},
		{"string of the wrong JSON type", "", string(oneColumn(`"type":"string"`, `5`)), ReasonInvalidValue, "value.payload.after.v"},
		{"float overflow", "", string(oneColumn(`"type":"double"`, `1e999`)), ReasonInvalidValue, "value.payload.after.v"},
		{"field not in the schema", "", strings.Replace(string(oneColumn(`"type":"int32"`, `1`)), `{"v":1}`, `{"w":1}`, 1), ReasonSchemaMismatch, "value.payload.after.w"},
		{"key invalid", `{"id":`, `{"op":"c",` + src + `}`, ReasonInvalidJSON, "key"},
		{"key not an object", `42`, `{"op":"c",` + src + `}`, ReasonInvalidEnvelope, "key"},
		{"key bad value", `{"schema":{"type":"struct","fields":[{"type":"int32","field":"id"}]},"payload":{"id":"x"}}`, `{"op":"c",` + src + `}`, ReasonInvalidValue, "key.payload.id"},
	}
	d := newDecoder(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var key []byte
			if tc.key != "" {
				key = []byte(tc.key)
			}
			ev, err := d.Decode(key, []byte(tc.value))
			require.Error(t, err)
			assert.Nil(t, ev)
			var de *DecodeError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, tc.reason, de.Reason, "%v", err)
			assert.Equal(t, tc.path, de.Path, "%v", err)
		})
	}
	t.Run("message", func(t *testing.T) {
		_, err := d.Decode(nil, oneColumn(`"type":"int32","name":"io.debezium.time.Date"`, `"x"`))
		assert.EqualError(t, err, `debezium: decode value.payload.after.v (byte 217): invalid_value: cannot read "x" as Date (days)`)
		_, err = d.Decode(nil, []byte(`{"op":"z",`+src+`}`))
		assert.EqualError(t, err, `debezium: decode value.op (byte 7): unknown_op: found "z", want one of r, c, u, d, t, m`)
	})
	t.Run("decoder still works after errors", func(t *testing.T) {
		ev, err := d.Decode(nil, readTestdata(t, "07-real-postgres-snapshot-read-with-schema.json"))
		require.NoError(t, err)
		assert.Equal(t, "{id=101 name=\"scooter\" description=\"Small 2-wheel scooter\" weight=3.14}", ev.After.String())
	})
}

func TestNewDecoderValidates(t *testing.T) {
	_, err := NewDecoder(WithSchemaCacheSize(0))
	assert.EqualError(t, err, "debezium: schema cache size 0: must be at least 1")
}

// TestSchemaCache: many distinct schemas through a small cache still decode correctly.
func TestSchemaCache(t *testing.T) {
	d := newDecoder(t, WithSchemaCacheSize(2))
	types := []string{`"type":"int32"`, `"type":"int64"`, `"type":"string"`, `"type":"int32","name":"io.debezium.time.Date"`, `"type":"double"`}
	want := []Value{IntValue(7), IntValue(7), StringValue("7"), DateValue(7), FloatValue(7)}
	for round := range 3 {
		for i, ty := range types {
			v := `7`
			if i == 2 {
				v = `"7"`
			}
			ev, err := d.Decode(nil, oneColumn(ty, v))
			require.NoError(t, err, round)
			assert.Equal(t, want[i], ev.After.Value(0), ty)
		}
	}
}

func TestDecimalString(t *testing.T) {
	for _, tc := range []struct {
		v    Value
		want string
	}{
		{DecimalInt64Value(5, 3), "0.005"},
		{DecimalInt64Value(-5, 3), "-0.005"},
		{DecimalInt64Value(12, -3), "12E+3"},
		{DecimalInt64Value(0, -3), "0"},
		{DecimalInt64Value(7, 2000000000), "7E-2000000000"},
	} {
		assert.Equal(t, tc.want, tc.v.String())
	}
}

// TestPayloadBeforeSchema: the wrapper's members in the other order still apply the schema.
func TestPayloadBeforeSchema(t *testing.T) {
	d := newDecoder(t)
	ev, err := d.Decode(nil, []byte(`{"payload":{"op":"c","source":{"table":"t"},"after":{"v":-1}},`+
		`"schema":{"type":"struct","fields":[{"type":"struct","optional":true,"field":"after","fields":[`+
		`{"type":"int32","name":"io.debezium.time.Date","field":"v"}]}]}}`))
	require.NoError(t, err)
	assert.True(t, ev.Schemas)
	assert.Equal(t, DateValue(-1), ev.After.Value(0))
}

// TestParseUTC: the fast path for ZonedTimestamp agrees with time.Parse, and declines what it
// does not handle.
func TestParseUTC(t *testing.T) {
	for _, s := range []string{"2024-12-17T15:23:37.618Z", "1969-12-31T23:59:59.999999999Z", "0001-01-01T00:00:00Z",
		"9999-12-31T23:59:59.9Z", "2000-02-29T12:00:00.000001Z", "1900-03-01T00:00:00Z", "2024-01-01T00:00:00.123456789Z"} {
		us, ns, ok := parseUTC([]byte(s))
		require.True(t, ok, s)
		tm, err := time.Parse(time.RFC3339Nano, s)
		require.NoError(t, err)
		assert.Equal(t, tm.UnixMicro(), us, s)
		assert.Equal(t, int32(tm.Nanosecond()%1000), ns, s)
	}
	for _, s := range []string{"2023-02-29T00:00:00Z", "2024-12-17T15:23:37+01:00", "2024-12-17T24:00:00Z",
		"2024-12-17T15:23:60Z", "2024-12-17T15:23:37.Z", "2024-12-17T15:23:37.1234567891Z", "2024-13-01T00:00:00Z", "2024-12-17 15:23:37Z"} {
		_, _, ok := parseUTC([]byte(s))
		assert.False(t, ok, s)
	}
	const first, last = -11644473600, 253402300799 // 1601-01-01 .. 9999-12-31T23:59:59
	for i := int64(0); i < 2000; i++ {
		r := time.Unix(first+i*((last-first)/2000)+i*7919, i*123456789%1e9).UTC()
		s := r.Format(time.RFC3339Nano)
		us, ns, ok := parseUTC([]byte(s))
		require.True(t, ok, s)
		assert.Equal(t, r.UnixMicro(), us, s)
		assert.Equal(t, int32(r.Nanosecond()%1000), ns, s)
	}
}
