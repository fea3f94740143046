package dataquality

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/zeebo/xxh3"
)

// Type is a column's normalised type: what decides how [AppendCanonical] encodes its values, so
// that a PostgreSQL numeric(12,2), a MySQL decimal(12,2) and an Oracle NUMBER(12,2) holding 1.50
// encode alike.
type Type uint8

// The normalised types.
const (
	// TypeUnknown is a type with no canonical form (json, intervals, ...): its values are encoded
	// as the text of their Go value, like strings.
	TypeUnknown Type = iota
	// TypeInteger is an exact whole number: smallint, integer, bigint, NUMBER(p,0) with p <= 18.
	TypeInteger
	// TypeDecimal is an exact number with a fraction: numeric, decimal, NUMBER.
	TypeDecimal
	// TypeFloat is a binary floating-point number: real, double precision, float.
	TypeFloat
	// TypeBoolean is true or false (MySQL's tinyint(1) included).
	TypeBoolean
	// TypeString is text: char, varchar, text, CLOB, uuid.
	TypeString
	// TypeBytes is binary: bytea, blob, RAW.
	TypeBytes
	// TypeTimestamp is a point in time, with or without a time zone (Oracle's DATE included).
	TypeTimestamp
	// TypeDate is a calendar date.
	TypeDate
	// TypeTime is a time of day.
	TypeTime
)

var typeNames = [...]string{"unknown", "integer", "decimal", "float", "boolean", "string", "bytes", "timestamp", "date", "time"}

// String returns the type's name in lower case, such as "decimal".
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// Tags of the canonical encoding, one byte before each value.
const (
	tagNull      = 0x00
	tagNumber    = 'N'
	tagFloat     = 'F'
	tagBool      = 'B'
	tagString    = 'S'
	tagBytes     = 'X'
	tagTimestamp = 'T'
	tagDate      = 'D'
	tagTime      = 'H'
)

// AppendCanonical appends the canonical encoding of v, a value of a column of type t, to dst.
// The encoding of a row is the concatenation of its values' encodings; [RowHasher] hashes it.
// Each value is a one-byte tag followed by:
//
//   - nil (SQL NULL): nothing; the tag 0x00 alone, distinct from the empty string.
//   - [TypeInteger] and [TypeDecimal]: 'N', then the value's normalised decimal text, length
//     prefixed. The text has no '+', no leading zeros, no trailing zeros after the point, no
//     point when there is no fraction and no exponent, and zero is "0": 1.50, 1.5 and 15e-1 are
//     "1.5"; 7, 7.00 and 0007 are "7". So the scale of a decimal does not matter, only its value,
//     and an integer equals a decimal of the same value. Accepted values: Go integers, text
//     ([]byte or string, as drivers return decimals), and floats (written with the fewest digits
//     that read back to the same float, then normalised). NaN and infinities are "NaN",
//     "Infinity" and "-Infinity".
//   - [TypeFloat]: 'F', then the 8 bytes (big-endian) of the IEEE-754 float64; a float32 is
//     widened exactly, -0 is 0 and every NaN is one NaN. Text is parsed as float64.
//   - [TypeBoolean]: 'B', then 0 or 1. Integers are true when not 0; text may be t/true/1/y/yes/on
//     or f/false/0/n/no/off, in any case.
//   - [TypeString] and [TypeUnknown]: 'S', then the UTF-8 bytes, length prefixed. []byte is taken
//     as text; other values are written with fmt's %v.
//   - [TypeBytes]: 'X', then the bytes, length prefixed.
//   - [TypeTimestamp]: 'T', then the 8 bytes (big-endian) of the instant as microseconds since
//     1970-01-01 00:00:00 UTC, rounded down. A timestamp without time zone is taken as UTC (as
//     the PostgreSQL and MySQL drivers return it), so the same wall-clock value in two systems
//     encodes alike. Text is read as by [ConvertTime].
//   - [TypeDate]: 'D', then the 8 bytes of the number of days since 1970-01-01 of the calendar
//     date (a time.Time's date in its own location; text "2006-01-02").
//   - [TypeTime]: 'H', then the 8 bytes of the microseconds since midnight (a time.Duration, or
//     text "15:04:05.999999").
//
// Lengths are unsigned varints (encoding/binary), so ("a", "bc") and ("ab", "c") differ.
// A value that cannot be converted to t (text that is not a number in a decimal column) is an
// error.
func AppendCanonical(dst []byte, t Type, v any) ([]byte, error) {
	if v == nil {
		return append(dst, tagNull), nil
	}
	switch t {
	case TypeInteger, TypeDecimal:
		return appendNumber(dst, v)
	case TypeFloat:
		f, err := floatOf(v)
		if err != nil {
			return dst, err
		}
		if f == 0 {
			f = 0 // -0 to +0
		}
		if math.IsNaN(f) {
			f = math.NaN()
		}
		dst = append(dst, tagFloat)
		return binary.BigEndian.AppendUint64(dst, math.Float64bits(f)), nil
	case TypeBoolean:
		b, err := boolOf(v)
		if err != nil {
			return dst, err
		}
		if b {
			return append(dst, tagBool, 1), nil
		}
		return append(dst, tagBool, 0), nil
	case TypeBytes:
		switch x := v.(type) {
		case []byte:
			return appendLengthPrefixed(append(dst, tagBytes), x), nil
		case string:
			dst = binary.AppendUvarint(append(dst, tagBytes), uint64(len(x)))
			return append(dst, x...), nil
		}
		return dst, fmt.Errorf("dataquality: cannot encode %T as %s", v, t)
	case TypeTimestamp:
		tm, err := ConvertTime(v)
		if err != nil {
			return dst, err
		}
		return binary.BigEndian.AppendUint64(append(dst, tagTimestamp), uint64(unixMicroFloor(tm))), nil
	case TypeDate:
		d, err := daysOf(v)
		if err != nil {
			return dst, err
		}
		return binary.BigEndian.AppendUint64(append(dst, tagDate), uint64(d)), nil
	case TypeTime:
		us, err := timeOfDayMicros(v)
		if err != nil {
			return dst, err
		}
		return binary.BigEndian.AppendUint64(append(dst, tagTime), uint64(us)), nil
	default: // TypeString, TypeUnknown
		switch x := v.(type) {
		case string:
			dst = binary.AppendUvarint(append(dst, tagString), uint64(len(x)))
			return append(dst, x...), nil
		case []byte:
			return appendLengthPrefixed(append(dst, tagString), x), nil
		}
		return appendLengthPrefixed(append(dst, tagString), fmt.Append(nil, v)), nil
	}
}

func appendLengthPrefixed(dst, b []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

// RowHasher hashes rows: the xxh3 64-bit hash of the concatenated [AppendCanonical] encodings of
// a row's values. It reuses one buffer, so hashing does not allocate; it is not safe for
// concurrent use.
type RowHasher struct {
	types []Type
	buf   []byte
}

// NewRowHasher returns a hasher for rows whose columns have the given types, in order.
func NewRowHasher(types []Type) *RowHasher {
	return &RowHasher{types: append([]Type(nil), types...), buf: make([]byte, 0, 256)}
}

// Hash returns the row hash of values, one per column given to [NewRowHasher].
func (h *RowHasher) Hash(values []any) (uint64, error) {
	if len(values) != len(h.types) {
		return 0, fmt.Errorf("dataquality: row has %d values for %d columns", len(values), len(h.types))
	}
	buf := h.buf[:0]
	for i, v := range values {
		var err error
		if buf, err = AppendCanonical(buf, h.types[i], v); err != nil {
			return 0, fmt.Errorf("column %d: %w", i+1, err)
		}
	}
	h.buf = buf
	return xxh3.Hash(buf), nil
}

// appendNumber appends the 'N' encoding of an exact number.
func appendNumber(dst []byte, v any) ([]byte, error) {
	var scratch [32]byte
	var text []byte
	switch x := v.(type) {
	case int64:
		text = strconv.AppendInt(scratch[:0], x, 10)
	case int:
		text = strconv.AppendInt(scratch[:0], int64(x), 10)
	case int32:
		text = strconv.AppendInt(scratch[:0], int64(x), 10)
	case int16:
		text = strconv.AppendInt(scratch[:0], int64(x), 10)
	case int8:
		text = strconv.AppendInt(scratch[:0], int64(x), 10)
	case uint64:
		text = strconv.AppendUint(scratch[:0], x, 10)
	case uint:
		text = strconv.AppendUint(scratch[:0], uint64(x), 10)
	case uint32:
		text = strconv.AppendUint(scratch[:0], uint64(x), 10)
	case uint16:
		text = strconv.AppendUint(scratch[:0], uint64(x), 10)
	case uint8:
		text = strconv.AppendUint(scratch[:0], uint64(x), 10)
	case float64:
		text = strconv.AppendFloat(scratch[:0], x, 'f', -1, 64)
	case float32:
		text = strconv.AppendFloat(scratch[:0], float64(x), 'f', -1, 32)
	case bool:
		text = scratch[:1]
		text[0] = '0'
		if x {
			text[0] = '1'
		}
	case []byte:
		return appendDecimalText(dst, x)
	case string:
		// The common short case does not allocate: the conversion is copied to the stack.
		if len(x) <= len(scratch) {
			return appendDecimalText(dst, append(scratch[:0], x...))
		}
		return appendDecimalText(dst, []byte(x))
	case fmt.Stringer: // big.Int, big.Float, decimal libraries
		return appendDecimalText(dst, []byte(x.String()))
	default:
		return dst, fmt.Errorf("dataquality: cannot encode %T as a number", v)
	}
	if t := text; len(t) > 0 && t[0] != '-' && t[0] != '+' && t[0] >= '0' && t[0] <= '9' && !hasPointOrExp(t) && (len(t) == 1 || t[0] != '0') {
		return appendLengthPrefixed(append(dst, tagNumber), t), nil // already normalised
	}
	return appendDecimalText(dst, text)
}

func hasPointOrExp(b []byte) bool {
	for _, c := range b {
		if c == '.' || c == 'e' || c == 'E' {
			return true
		}
	}
	return false
}

// maxExponent bounds the exponent of decimal text, so that "1e999999999" cannot make the
// encoder write a billion zeros.
const maxExponent = 4096

// appendDecimalText appends the 'N' encoding of decimal text s: [+-]digits[.digits][e[+-]digits],
// or NaN/Infinity. See AppendCanonical for the normal form.
func appendDecimalText(dst, s []byte) ([]byte, error) {
	dst = append(dst, tagNumber)
	if special := specialNumber(s); special != "" {
		dst = binary.AppendUvarint(dst, uint64(len(special)))
		return append(dst, special...), nil
	}
	bad := func() ([]byte, error) {
		return dst[:len(dst)-1], fmt.Errorf("dataquality: %q is not a decimal number", string(s))
	}
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	intStart := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	intDigits := s[intStart:i]
	var fracDigits []byte
	if i < len(s) && s[i] == '.' {
		i++
		fs := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		fracDigits = s[fs:i]
	}
	if len(intDigits)+len(fracDigits) == 0 {
		return bad()
	}
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		es := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if exp > maxExponent {
				return bad()
			}
			exp = exp*10 + int(s[i]-'0')
			i++
		}
		if i == es {
			return bad()
		}
		if eneg {
			exp = -exp
		}
	}
	if i != len(s) {
		return bad()
	}
	out, ok := appendNormalDecimal(dst, neg, intDigits, fracDigits, exp)
	if !ok {
		return bad()
	}
	return out, nil
}

// appendNormalDecimal appends the length and normal form of ±intDigits.fracDigits x 10^exp to
// dst; ok is false, and nothing appended, when the point of the normal form would be more than
// maxExponent places from its digits.
func appendNormalDecimal(dst []byte, neg bool, intDigits, fracDigits []byte, exp int) (_ []byte, ok bool) {
	// The value is 0.D x 10^p, with D the digits and p the position of the point in them.
	p := len(intDigits) + exp
	// Leading zeros, across the point.
	lead := 0
	for lead < len(intDigits) && intDigits[lead] == '0' {
		lead++
	}
	if lead == len(intDigits) {
		f := 0
		for f < len(fracDigits) && fracDigits[f] == '0' {
			f++
		}
		lead += f
	}
	digit := func(k int) byte { // k-th digit of D
		if k < len(intDigits) {
			return intDigits[k]
		}
		return fracDigits[k-len(intDigits)]
	}
	end := len(intDigits) + len(fracDigits)
	for end > lead && digit(end-1) == '0' {
		end--
	}
	if end == lead { // zero, whatever its sign and scale
		return appendLengthPrefixed(dst, []byte{'0'}), true
	}
	p -= lead
	n := end - lead // significant digits
	if p > maxExponent || p < -maxExponent {
		return dst, false
	}
	// Length of the normal form.
	length := n
	switch {
	case p <= 0:
		length = 2 + -p + n // "0." zeros digits
	case p >= n:
		length = p // digits then zeros
	default:
		length = n + 1 // point inside
	}
	if neg {
		length++
	}
	dst = binary.AppendUvarint(dst, uint64(length))
	if neg {
		dst = append(dst, '-')
	}
	switch {
	case p <= 0:
		dst = append(dst, '0', '.')
		for range -p {
			dst = append(dst, '0')
		}
		for k := lead; k < end; k++ {
			dst = append(dst, digit(k))
		}
	case p >= n:
		for k := lead; k < end; k++ {
			dst = append(dst, digit(k))
		}
		for range p - n {
			dst = append(dst, '0')
		}
	default:
		for k := lead; k < end; k++ {
			if k-lead == p {
				dst = append(dst, '.')
			}
			dst = append(dst, digit(k))
		}
	}
	return dst, true
}

// specialNumber returns "NaN", "Infinity" or "-Infinity" when s spells one of them (in any
// case, "inf" too), else "".
func specialNumber(s []byte) string {
	t := s
	if len(t) > 0 && (t[0] == '+' || t[0] == '-') {
		t = t[1:]
	}
	if len(t) == 0 || (t[0] != 'n' && t[0] != 'N' && t[0] != 'i' && t[0] != 'I') {
		return ""
	}
	switch strings.ToLower(strings.TrimSpace(string(s))) {
	case "nan", "+nan", "-nan":
		return "NaN"
	case "infinity", "+infinity", "inf", "+inf":
		return "Infinity"
	case "-infinity", "-inf":
		return "-Infinity"
	}
	return ""
}

func floatOf(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case float32:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case int:
		return float64(x), nil
	case int32:
		return float64(x), nil
	case int16:
		return float64(x), nil
	case int8:
		return float64(x), nil
	case uint64:
		return float64(x), nil
	case uint32:
		return float64(x), nil
	case []byte:
		return parseFloat(string(x))
	case string:
		return parseFloat(x)
	}
	return 0, fmt.Errorf("dataquality: cannot encode %T as a float", v)
}

func parseFloat(s string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, fmt.Errorf("dataquality: %q is not a float", s)
	}
	return f, nil
}

func boolOf(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case int64:
		return x != 0, nil
	case int:
		return x != 0, nil
	case int32:
		return x != 0, nil
	case int16:
		return x != 0, nil
	case int8:
		return x != 0, nil
	case uint64:
		return x != 0, nil
	case uint8:
		return x != 0, nil
	case float64:
		return x != 0, nil
	case []byte:
		return parseBool(string(x))
	case string:
		return parseBool(x)
	}
	return false, fmt.Errorf("dataquality: cannot encode %T as a boolean", v)
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "t", "true", "1", "y", "yes", "on":
		return true, nil
	case "f", "false", "0", "n", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("dataquality: %q is not a boolean", s)
}

// timeLayouts are the text forms ConvertTime reads, tried in order.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999Z07",
	"2006-01-02 15:04:05.999999999 -0700 MST", // time.Time.String
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	time.DateOnly,
}

// ConvertTime converts a driver's value of a timestamp column to a time.Time: a time.Time as
// it is; text in RFC 3339 or SQL form ("2006-01-02 15:04:05.999999", with or without a zone
// such as "+02:00" or "Z"; text without a zone is UTC), or a date alone; an integer or float as
// seconds since 1970-01-01 UTC (SQLite's unixepoch). It is what [AppendCanonical] and the
// freshness checks use.
func ConvertTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x, nil
	case string:
		return parseTime(x)
	case []byte:
		return parseTime(string(x))
	case int64:
		return time.Unix(x, 0).UTC(), nil
	case int:
		return time.Unix(int64(x), 0).UTC(), nil
	case float64:
		sec, frac := math.Modf(x)
		return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("dataquality: cannot convert %T to a timestamp", v)
}

func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, " m="); i > 0 { // time.Time.String's monotonic clock reading
		s = s[:i]
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("dataquality: %q is not a timestamp", s)
}

// unixMicroFloor returns t in microseconds since the Unix epoch, rounded down.
func unixMicroFloor(t time.Time) int64 {
	us := t.Unix() * 1e6
	return us + int64(t.Nanosecond())/1e3
}

func daysOf(v any) (int64, error) {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case string, []byte:
		s, _ := x.(string)
		if b, ok := x.([]byte); ok {
			s = string(b)
		}
		s = strings.TrimSpace(s)
		if len(s) >= 10 {
			if d, err := time.Parse(time.DateOnly, s[:10]); err == nil {
				t = d
				break
			}
		}
		return 0, fmt.Errorf("dataquality: %q is not a date", s)
	default:
		var err error
		if t, err = ConvertTime(v); err != nil {
			return 0, fmt.Errorf("dataquality: cannot encode %T as a date", v)
		}
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400, nil
}

func timeOfDayMicros(v any) (int64, error) {
	switch x := v.(type) {
	case time.Duration:
		return x.Microseconds(), nil
	case time.Time:
		return int64(x.Hour())*3600e6 + int64(x.Minute())*60e6 + int64(x.Second())*1e6 + int64(x.Nanosecond())/1e3, nil
	case []byte:
		return parseTimeOfDay(string(x))
	case string:
		return parseTimeOfDay(x)
	case int64:
		return x * 1e6, nil
	}
	return 0, fmt.Errorf("dataquality: cannot encode %T as a time of day", v)
}

// parseTimeOfDay reads [-]H+:MM:SS[.ffffff], the form of PostgreSQL time and MySQL TIME.
func parseTimeOfDay(s string) (int64, error) {
	bad := fmt.Errorf("dataquality: %q is not a time of day", s)
	t := strings.TrimSpace(s)
	neg := strings.HasPrefix(t, "-")
	t = strings.TrimPrefix(t, "-")
	parts := strings.Split(t, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, bad
	}
	h, err1 := strconv.ParseInt(parts[0], 10, 64)
	m, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil || h < 0 || m < 0 || m > 59 {
		return 0, bad
	}
	us := h*3600e6 + m*60e6
	if len(parts) == 3 {
		sec, frac, _ := strings.Cut(parts[2], ".")
		sv, err := strconv.ParseInt(sec, 10, 64)
		if err != nil || sv < 0 || sv > 60 {
			return 0, bad
		}
		us += sv * 1e6
		if frac != "" {
			frac = (frac + "000000")[:6]
			fv, err := strconv.ParseInt(frac, 10, 64)
			if err != nil || fv < 0 {
				return 0, bad
			}
			us += fv
		}
	}
	if neg {
		us = -us
	}
	return us, nil
}
