package debezium

import (
	"encoding/base64"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// Kind is the type of a [Value].
type Kind uint8

// The kinds of [Value].
const (
	// KindNull is SQL NULL (a JSON null, or a field the row does not carry).
	KindNull Kind = iota
	// KindBool is a boolean.
	KindBool
	// KindInt is a signed 64-bit integer (Connect int8, int16, int32, int64).
	KindInt
	// KindFloat is a 64-bit float (Connect float32, float64).
	KindFloat
	// KindString is a UTF-8 string (also io.debezium.data.Uuid, Enum, Xml).
	KindString
	// KindBytes is binary data (Connect bytes, io.debezium.data.Bits), decoded from base64.
	KindBytes
	// KindDecimal is an exact decimal: an unscaled big-endian two's complement integer and a scale.
	KindDecimal
	// KindDate is a date, as days since 1970-01-01.
	KindDate
	// KindTime is a time of day, as microseconds since midnight.
	KindTime
	// KindTimestamp is an instant, as microseconds since the Unix epoch in UTC, plus 0-999
	// nanoseconds for NanoTimestamp and ZonedTimestamp values finer than a microsecond.
	KindTimestamp
	// KindJSON is JSON text: io.debezium.data.Json, or a nested struct, array or map.
	KindJSON
)

var kindNames = [...]string{"null", "bool", "int", "float", "string", "bytes", "decimal", "date",
	"time", "timestamp", "json"}

// String returns the kind's lower-case name.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is one typed column value: a small tagged union (32 bytes) that holds numbers inline and
// text, bytes and decimals in a string. The zero Value is null. Values are comparable with ==
// (floats by their bits, so NaN equals NaN), which is what [Value.Equal] does.
type Value struct {
	kind Kind
	aux  int32  // decimal scale; timestamp nanoseconds below the microsecond
	num  int64  // bool, int, float bits, date, time, timestamp
	str  string // string, bytes, JSON text, decimal unscaled big-endian bytes
}

// NullValue returns a null Value.
func NullValue() Value { return Value{} }

// BoolValue returns a boolean Value.
func BoolValue(b bool) Value {
	v := Value{kind: KindBool}
	if b {
		v.num = 1
	}
	return v
}

// IntValue returns an integer Value.
func IntValue(i int64) Value { return Value{kind: KindInt, num: i} }

// FloatValue returns a float Value.
func FloatValue(f float64) Value { return Value{kind: KindFloat, num: int64(math.Float64bits(f))} }

// StringValue returns a string Value.
func StringValue(s string) Value { return Value{kind: KindString, str: s} }

// BytesValue returns a bytes Value holding a copy of b.
func BytesValue(b []byte) Value { return Value{kind: KindBytes, str: string(b)} }

// JSONValue returns a JSON Value from its text.
func JSONValue(text string) Value { return Value{kind: KindJSON, str: text} }

// DecimalValue returns a decimal Value from the unscaled value as big-endian two's complement
// bytes (as Debezium sends it) and the scale. The bytes are copied and normalised to their
// shortest form.
func DecimalValue(unscaled []byte, scale int32) Value {
	return Value{kind: KindDecimal, aux: scale, str: string(trimTwos(unscaled))}
}

// DecimalInt64Value returns the decimal unscaled × 10^-scale.
func DecimalInt64Value(unscaled int64, scale int32) Value {
	var buf [8]byte
	return Value{kind: KindDecimal, aux: scale, str: string(int64Twos(buf[:0], unscaled))}
}

// DateValue returns a date Value from days since 1970-01-01.
func DateValue(days int32) Value { return Value{kind: KindDate, num: int64(days)} }

// TimeValue returns a time-of-day Value from microseconds since midnight.
func TimeValue(micros int64) Value { return Value{kind: KindTime, num: micros} }

// TimestampValue returns a timestamp Value from microseconds since the Unix epoch (UTC).
func TimestampValue(micros int64) Value { return Value{kind: KindTimestamp, num: micros} }

// TimestampNanosValue returns a timestamp Value from nanoseconds since the Unix epoch (UTC).
func TimestampNanosValue(nanos int64) Value {
	return Value{kind: KindTimestamp, num: floorDiv(nanos, 1000), aux: int32(floorMod(nanos, 1000))}
}

// Kind returns the kind of v.
func (v Value) Kind() Kind { return v.kind }

// IsNull reports whether v is null.
func (v Value) IsNull() bool { return v.kind == KindNull }

// Bool returns the boolean of a [KindBool] value, false for other kinds.
func (v Value) Bool() bool { return v.kind == KindBool && v.num != 0 }

// Int returns the integer of a [KindInt] value; for [KindDate], [KindTime] and [KindTimestamp]
// it returns days or microseconds; 0 for other kinds.
func (v Value) Int() int64 {
	switch v.kind {
	case KindInt, KindDate, KindTime, KindTimestamp:
		return v.num
	}
	return 0
}

// Float returns the float of a [KindFloat] value (or an integer converted), 0 for other kinds.
func (v Value) Float() float64 {
	switch v.kind {
	case KindFloat:
		return math.Float64frombits(uint64(v.num))
	case KindInt:
		return float64(v.num)
	}
	return 0
}

// Str returns the text of a [KindString] or [KindJSON] value, "" for other kinds.
func (v Value) Str() string {
	if v.kind == KindString || v.kind == KindJSON {
		return v.str
	}
	return ""
}

// Bytes returns the data of a [KindBytes] value, nil for other kinds. The slice shares memory
// with v and must not be modified.
func (v Value) Bytes() []byte {
	if v.kind != KindBytes || len(v.str) == 0 {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(v.str), len(v.str))
}

// Decimal returns the unscaled value (big-endian two's complement, shortest form, shared with v
// and not to be modified) and the scale of a [KindDecimal] value.
func (v Value) Decimal() (unscaled []byte, scale int32) {
	if v.kind != KindDecimal || len(v.str) == 0 {
		return nil, 0
	}
	return unsafe.Slice(unsafe.StringData(v.str), len(v.str)), v.aux
}

// DecimalInt64 returns the unscaled value and scale of a [KindDecimal] value when the unscaled
// value fits an int64 (ok false otherwise). It does not allocate.
func (v Value) DecimalInt64() (unscaled int64, scale int32, ok bool) {
	if v.kind != KindDecimal || len(v.str) > 8 {
		return 0, 0, false
	}
	return twosInt64(v.str), v.aux, true
}

// DecimalBig returns the unscaled value and scale of a [KindDecimal] value as a big.Int.
func (v Value) DecimalBig() (*big.Int, int32) {
	if v.kind != KindDecimal {
		return nil, 0
	}
	b := new(big.Int).SetBytes([]byte(v.str))
	if len(v.str) > 0 && v.str[0]&0x80 != 0 {
		b.Sub(b, new(big.Int).Lsh(big.NewInt(1), uint(8*len(v.str))))
	}
	return b, v.aux
}

// Days returns the days since 1970-01-01 of a [KindDate] value.
func (v Value) Days() int32 {
	if v.kind != KindDate {
		return 0
	}
	return int32(v.num)
}

// Micros returns the microseconds of a [KindTime] (since midnight) or [KindTimestamp] (since the
// epoch, UTC) value.
func (v Value) Micros() int64 {
	if v.kind != KindTime && v.kind != KindTimestamp {
		return 0
	}
	return v.num
}

// Nanos returns the nanoseconds since the epoch of a [KindTimestamp] value (or since midnight
// for [KindTime]). Instants outside 1677-2262 overflow.
func (v Value) Nanos() int64 {
	if v.kind != KindTime && v.kind != KindTimestamp {
		return 0
	}
	return v.num*1000 + int64(v.aux)
}

// Time returns a [KindTimestamp] value as a time.Time in UTC, or a [KindDate] as midnight UTC.
func (v Value) Time() time.Time {
	switch v.kind {
	case KindTimestamp:
		return time.Unix(floorDiv(v.num, 1e6), floorMod(v.num, 1e6)*1000+int64(v.aux)).UTC()
	case KindDate:
		return time.Unix(v.num*86400, 0).UTC()
	}
	return time.Time{}
}

// Equal reports whether v and w have the same kind and value.
func (v Value) Equal(w Value) bool { return v == w }

// String formats v for people: null, true, 42, 3.14, "text" (quoted), base64 bytes, 123.45,
// 2024-12-17, 15:23:37.618, 2024-12-17T15:23:37.618Z, or the JSON text.
func (v Value) String() string {
	switch v.kind {
	case KindNull:
		return "null"
	case KindBool:
		return strconv.FormatBool(v.num != 0)
	case KindInt:
		return strconv.FormatInt(v.num, 10)
	case KindFloat:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	case KindString:
		return strconv.Quote(v.str)
	case KindBytes:
		return base64.StdEncoding.EncodeToString([]byte(v.str))
	case KindDecimal:
		u, s := v.DecimalBig()
		return formatDecimal(u.String(), s)
	case KindDate:
		return v.Time().Format(time.DateOnly)
	case KindTime:
		t := time.Unix(0, v.num*1000).UTC()
		return t.Format("15:04:05.999999")
	case KindTimestamp:
		return v.Time().Format(time.RFC3339Nano)
	case KindJSON:
		return v.str
	}
	return v.kind.String()
}

// formatDecimal places the decimal point in the digits of an unscaled integer; a negative or very
// large scale gives scientific notation, as Java's BigDecimal.toString does.
func formatDecimal(digits string, scale int32) string {
	neg := digits[0] == '-'
	if neg {
		digits = digits[1:]
	}
	switch {
	case scale < 0 || scale > 1000:
		if digits != "0" {
			e := -int64(scale)
			sign := "+"
			if e < 0 {
				sign = ""
			}
			digits += "E" + sign + strconv.FormatInt(e, 10)
		}
	case scale > 0:
		if pad := int(scale) + 1 - len(digits); pad > 0 {
			digits = strings.Repeat("0", pad) + digits
		}
		p := len(digits) - int(scale)
		digits = digits[:p] + "." + digits[p:]
	}
	if neg {
		return "-" + digits
	}
	return digits
}

// trimTwos drops redundant sign-extension bytes of a big-endian two's complement integer;
// an empty input is zero.
func trimTwos(b []byte) []byte {
	if len(b) == 0 {
		return []byte{0}
	}
	for len(b) > 1 && (b[0] == 0 && b[1]&0x80 == 0 || b[0] == 0xff && b[1]&0x80 != 0) {
		b = b[1:]
	}
	return b
}

// int64Twos appends the shortest big-endian two's complement form of i.
func int64Twos(dst []byte, i int64) []byte {
	n := 8
	for n > 1 {
		top := byte(i >> (8 * (n - 1)))
		next := byte(i >> (8 * (n - 2)))
		if top == 0 && next&0x80 == 0 || top == 0xff && next&0x80 != 0 {
			n--
			continue
		}
		break
	}
	for k := n - 1; k >= 0; k-- {
		dst = append(dst, byte(i>>(8*k)))
	}
	return dst
}

// twosInt64 reads a big-endian two's complement integer of at most 8 bytes.
func twosInt64(s string) int64 {
	if len(s) == 0 {
		return 0
	}
	var u uint64
	if s[0]&0x80 != 0 {
		u = ^uint64(0)
	}
	for i := 0; i < len(s); i++ {
		u = u<<8 | uint64(s[i])
	}
	return int64(u)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }
