package monitoring

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// maxDepth bounds the nesting of encoded values, so a self-referential []any or map cannot recurse
// forever.
const maxDepth = 32

// appendTimestamp writes t in UTC as 2006-01-02T15:04:05.000000Z.
func appendTimestamp(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, "2006-01-02T15:04:05.000000Z07:00")
	}
	hour, minute, sec := t.Clock()
	b = appendInt(b, year, 4)
	b = append(b, '-')
	b = appendInt(b, int(month), 2)
	b = append(b, '-')
	b = appendInt(b, day, 2)
	b = append(b, 'T')
	b = appendInt(b, hour, 2)
	b = append(b, ':')
	b = appendInt(b, minute, 2)
	b = append(b, ':')
	b = appendInt(b, sec, 2)
	b = append(b, '.')
	b = appendInt(b, t.Nanosecond()/1000, 6)
	return append(b, 'Z')
}

// appendInt writes a non-negative n zero-padded to width digits.
func appendInt(b []byte, n, width int) []byte {
	var tmp [10]byte
	i := len(tmp)
	for n > 0 || width > 0 {
		i--
		tmp[i] = byte('0' + n%10)
		n /= 10
		width--
	}
	return append(b, tmp[i:]...)
}

// appendValue writes v as JSON.
func appendValue(b []byte, v slog.Value, depth int) []byte {
	switch v.Kind() {
	case slog.KindString:
		return appendString(b, v.String())
	case slog.KindInt64:
		return strconv.AppendInt(b, v.Int64(), 10)
	case slog.KindUint64:
		return strconv.AppendUint(b, v.Uint64(), 10)
	case slog.KindFloat64:
		return appendFloat(b, v.Float64(), 64)
	case slog.KindBool:
		return strconv.AppendBool(b, v.Bool())
	case slog.KindDuration:
		return appendFloat(b, v.Duration().Seconds(), 64)
	case slog.KindTime:
		return appendTime(b, v.Time())
	case slog.KindGroup:
		if depth >= maxDepth {
			return append(b, `"!DEPTH"`...)
		}
		b = append(b, '{')
		n := 0
		for _, a := range v.Group() {
			if a.Key == "" && a.Value.Kind() == slog.KindAny && a.Value.Any() == nil {
				continue
			}
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = appendString(b, a.Key)
			b = append(b, ':')
			b = appendValue(b, a.Value, depth+1)
		}
		return append(b, '}')
	default: // KindAny, KindLogValuer
		return appendAny(b, v.Any(), depth)
	}
}

// appendAny writes x as JSON, choosing the encoding by type.
func appendAny(b []byte, x any, depth int) []byte {
	if depth >= maxDepth {
		return append(b, `"!DEPTH"`...)
	}
	switch x := x.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendString(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case int8:
		return strconv.AppendInt(b, int64(x), 10)
	case int16:
		return strconv.AppendInt(b, int64(x), 10)
	case int32:
		return strconv.AppendInt(b, int64(x), 10)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case uint:
		return strconv.AppendUint(b, uint64(x), 10)
	case uint8:
		return strconv.AppendUint(b, uint64(x), 10)
	case uint16:
		return strconv.AppendUint(b, uint64(x), 10)
	case uint32:
		return strconv.AppendUint(b, uint64(x), 10)
	case uint64:
		return strconv.AppendUint(b, x, 10)
	case uintptr:
		return strconv.AppendUint(b, uint64(x), 10)
	case float32:
		return appendFloat(b, float64(x), 32)
	case float64:
		return appendFloat(b, x, 64)
	case time.Time:
		return appendTime(b, x)
	case time.Duration:
		return appendFloat(b, x.Seconds(), 64)
	case Details:
		return appendMap(b, x, depth)
	case map[string]any:
		return appendMap(b, x, depth)
	case *eventDetails:
		if x == nil {
			return append(b, "null"...)
		}
		return appendValue(b, x.LogValue(), depth)
	case []string:
		if x == nil {
			return append(b, "null"...)
		}
		b = append(b, '[')
		for i, s := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, s)
		}
		return append(b, ']')
	case []any:
		if x == nil {
			return append(b, "null"...)
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendAny(b, e, depth+1)
		}
		return append(b, ']')
	case slog.Value:
		return appendValue(b, resolve(x), depth+1)
	case slog.LogValuer:
		return appendValue(b, slog.AnyValue(x).Resolve(), depth+1)
	}
	return appendSafely(b, x, appendOther)
}

// appendOther writes the values appendAny has no case for: errors, json.Marshaler, fmt.Stringer,
// then encoding/json. It may panic in user methods; appendSafely recovers.
func appendOther(b []byte, x any) []byte {
	if _, ok := x.(json.Marshaler); !ok {
		switch x := x.(type) {
		case error:
			return appendString(b, x.Error())
		case fmt.Stringer:
			return appendString(b, x.String())
		}
	}
	out, err := json.Marshal(x)
	if err != nil {
		return appendString(b, "!ERROR: "+err.Error())
	}
	return append(b, out...)
}

// appendSafely runs f, turning a panic into a string value as fmt does: "<nil>" for a nil pointer
// receiver, "!PANIC: ..." otherwise.
func appendSafely(b []byte, x any, f func([]byte, any) []byte) (out []byte) {
	defer func() {
		if r := recover(); r != nil {
			if v := reflect.ValueOf(x); v.Kind() == reflect.Pointer && v.IsNil() {
				out = appendString(b, "<nil>")
				return
			}
			out = appendString(b, fmt.Sprintf("!PANIC: %v", r))
		}
	}()
	return f(b, x)
}

// appendMap writes m as an object with sorted keys.
func appendMap(b []byte, m map[string]any, depth int) []byte {
	if m == nil {
		return append(b, "{}"...)
	}
	var arr [16]string
	keys := arr[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendAny(b, m[k], depth+1)
	}
	return append(b, '}')
}

// appendTime writes t as a JSON string in RFC 3339 with nanoseconds, UTC.
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// appendFloat writes f as encoding/json does, except that NaN and ±Inf become the strings "NaN",
// "+Inf" and "-Inf".
func appendFloat(b []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"+Inf"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Inf"`...)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const hexDigits = "0123456789abcdef"

// Masks for testing eight bytes at once.
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// plain8 reports whether the 8 bytes of s need no escaping: none is a control character, '"', '\\'
// or part of a multi-byte sequence.
func plain8(s string) bool {
	_ = s[7]
	x := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	quote := x ^ ('"' * lsb)
	bslash := x ^ ('\\' * lsb)
	bad := x | // high bit: non-ASCII
		(x - 0x20*lsb) | // borrow sets the high bit of bytes below 0x20
		(quote-lsb) & ^quote |
		(bslash-lsb) & ^bslash
	return bad&msb == 0
}

// appendString writes s as a JSON string: quotes, backslashes and control characters escaped, invalid
// UTF-8 replaced by \ufffd, U+2028 and U+2029 escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		// Skip 8 plain ASCII bytes at a time.
		for i+8 <= len(s) && plain8(s[i:i+8]) {
			i += 8
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// bufPool recycles line buffers.
var bufPool = sync.Pool{New: func() any {
	b := make([]byte, 0, 1024)
	return &b
}}

func getBuffer() *[]byte { return bufPool.Get().(*[]byte) }

func putBuffer(b *[]byte) {
	if cap(*b) > 64<<10 {
		return // do not keep the rare huge buffer alive
	}
	*b = (*b)[:0]
	bufPool.Put(b)
}
