package debezium

import (
	"encoding/base64"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"time"
	"unsafe"
)

// arena holds the strings and bytes of one event in one allocation (more only when values grow
// on decoding), or, shared by successive events (WithChunkedAllocation), in chunks of at least
// chunkBytes. Memory handed out is never written again, so strings may point into it.
type arena struct {
	buf  []byte
	hint int // size of the first chunk
	min  int // the smallest chunk: chunkBytes when shared, else 0
}

// chunkBytes is the smallest chunk of strings WithChunkedAllocation allocates.
const chunkBytes = 32 << 10

func (a *arena) alloc(n int) []byte {
	if cap(a.buf)-len(a.buf) < n {
		c := max(a.hint, n, 64, a.min)
		a.hint = 256
		a.buf = make([]byte, 0, c)
	}
	l := len(a.buf)
	a.buf = a.buf[:l+n]
	return a.buf[l : l+n : l+n]
}

// shrink returns the unused tail of the last allocation b, of which n bytes were used.
func (a *arena) shrink(b []byte, n int) []byte {
	a.buf = a.buf[:len(a.buf)-(len(b)-n)]
	return b[:n:n]
}

func (a *arena) bytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	dst := a.alloc(len(b))
	copy(dst, b)
	return dst
}

func (a *arena) str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	dst := a.bytes(b)
	return unsafe.String(&dst[0], len(dst))
}

// text returns the content of string token t as a string in the arena.
func (a *arena) text(data []byte, t token) string {
	raw := data[t.start:t.end]
	if !t.esc() {
		return a.str(raw)
	}
	dst := a.alloc(len(raw))
	out := appendUnescaped(dst[:0], raw)
	out = a.shrink(dst, len(out))
	if len(out) == 0 {
		return ""
	}
	return unsafe.String(&out[0], len(out))
}

func (a *arena) base64(src []byte) ([]byte, error) {
	dst := a.alloc(base64.StdEncoding.DecodedLen(len(src)))
	n, err := base64.StdEncoding.Decode(dst, src)
	if err != nil {
		a.shrink(dst, 0)
		return nil, err
	}
	return a.shrink(dst, n), nil
}

func bstring(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// convError describes a value that does not fit its type.
func convError(data []byte, t token, want string, err error) *DecodeError {
	found := string(data[t.start:t.end])
	if len(found) > 64 {
		found = found[:64] + "..."
	}
	if t.kind == tokString {
		found = strconv.Quote(found)
	}
	e := &DecodeError{Reason: ReasonInvalidValue, Offset: t.start, Detail: "cannot read " + found + " as " + want}
	if err != nil {
		e.Detail += ": " + err.Error()
	}
	return e
}

// convert reads the JSON value t as a column of type ct (nil: schemaless without hint).
func (d *Decoder) convert(data []byte, t token, ct *ColumnType) (Value, *DecodeError) {
	if t.kind == tokNull {
		return Value{}, nil
	}
	if ct == nil {
		return d.generic(data, t)
	}
	switch ct.Logical {
	case LogicalNone:
		return d.convertPlain(data, t, ct)
	case LogicalDecimal, LogicalVariableScaleDecimal:
		return d.convertDecimal(data, t, ct)
	case LogicalDate, LogicalTime, LogicalMicroTime, LogicalNanoTime, LogicalTimestamp, LogicalMicroTimestamp,
		LogicalNanoTimestamp, LogicalZonedTimestamp, LogicalZonedTime:
		return d.convertTemporal(data, t, ct)
	case LogicalJSON:
		switch t.kind {
		case tokString:
			return Value{kind: KindJSON, str: d.ar.text(data, t)}, nil
		case tokObject, tokArray:
			return Value{kind: KindJSON, str: d.ar.str(data[t.start:t.end])}, nil
		}
		return Value{}, convError(data, t, "Json", nil)
	case LogicalUUID:
		if t.kind != tokString {
			return Value{}, convError(data, t, "Uuid", nil)
		}
		return Value{kind: KindString, str: d.ar.text(data, t)}, nil
	case LogicalBytes:
		if t.kind != tokString {
			return Value{}, convError(data, t, "bytes (base64)", nil)
		}
		b, err := d.ar.base64(d.scratchBytes(data, t))
		if err != nil {
			return Value{}, convError(data, t, "bytes (base64)", err)
		}
		return Value{kind: KindBytes, str: bstring(b)}, nil
	}
	return d.generic(data, t)
}

// convertPlain reads t as a column of a Kafka Connect type without a logical name.
func (d *Decoder) convertPlain(data []byte, t token, ct *ColumnType) (Value, *DecodeError) {
	switch ct.Type {
	case "int8", "int16", "int32", "int64":
		i, ok := intOf(data, t)
		if !ok {
			return Value{}, convError(data, t, ct.Type, nil)
		}
		return IntValue(i), nil
	case "float", "double", "float32", "float64":
		switch t.kind {
		case tokNumber:
			f, err := strconv.ParseFloat(bstr(data[t.start:t.end]), 64)
			if err != nil {
				return Value{}, convError(data, t, ct.Type, nil)
			}
			return FloatValue(f), nil
		case tokString:
			switch string(data[t.start:t.end]) {
			case "NaN":
				return FloatValue(math.NaN()), nil
			case "Infinity":
				return FloatValue(math.Inf(1)), nil
			case "-Infinity":
				return FloatValue(math.Inf(-1)), nil
			}
		}
		return Value{}, convError(data, t, ct.Type, nil)
	case "boolean":
		switch t.kind {
		case tokTrue:
			return BoolValue(true), nil
		case tokFalse:
			return BoolValue(false), nil
		}
		return Value{}, convError(data, t, "boolean", nil)
	case "string":
		if t.kind != tokString {
			return Value{}, convError(data, t, "string", nil)
		}
		return Value{kind: KindString, str: d.ar.text(data, t)}, nil
	case "struct", "array", "map":
		if t.kind != tokObject && t.kind != tokArray {
			return Value{}, convError(data, t, ct.Type, nil)
		}
		return Value{kind: KindJSON, str: d.ar.str(data[t.start:t.end])}, nil
	}
	return d.generic(data, t)
}

// convertDecimal reads t as a Decimal or VariableScaleDecimal column.
func (d *Decoder) convertDecimal(data []byte, t token, ct *ColumnType) (Value, *DecodeError) {
	switch ct.Logical {
	case LogicalDecimal:
		switch t.kind {
		case tokString:
			return d.decimalB64(data, t, ct.Scale, "Decimal")
		case tokNumber:
			v, err := d.decimalText(data[t.start:t.end], ct.Scale)
			if err != nil {
				return Value{}, convError(data, t, "Decimal(scale "+strconv.Itoa(int(ct.Scale))+")", err)
			}
			return v, nil
		case tokObject:
			return d.variableScale(data, t)
		}
		return Value{}, convError(data, t, "Decimal", nil)
	case LogicalVariableScaleDecimal:
		if t.kind == tokObject {
			return d.variableScale(data, t)
		}
		if t.kind == tokNumber {
			return d.generic(data, t)
		}
		return Value{}, convError(data, t, "VariableScaleDecimal", nil)
	}
	return d.generic(data, t)
}

// convertTemporal reads t as a date, time or timestamp column.
func (d *Decoder) convertTemporal(data []byte, t token, ct *ColumnType) (Value, *DecodeError) {
	switch ct.Logical {
	case LogicalDate:
		i, ok := intOf(data, t)
		if !ok || i != int64(int32(i)) {
			return Value{}, convError(data, t, "Date (days)", nil)
		}
		return DateValue(int32(i)), nil
	case LogicalTime, LogicalMicroTime, LogicalNanoTime:
		i, ok := intOf(data, t)
		if !ok {
			return Value{}, convError(data, t, ct.Logical.String(), nil)
		}
		switch ct.Logical {
		case LogicalTime:
			return TimeValue(i * 1000), nil
		case LogicalNanoTime:
			return Value{kind: KindTime, num: floorDiv(i, 1000), aux: int32(floorMod(i, 1000))}, nil
		}
		return TimeValue(i), nil
	case LogicalTimestamp, LogicalMicroTimestamp, LogicalNanoTimestamp:
		i, ok := intOf(data, t)
		if !ok {
			return Value{}, convError(data, t, ct.Logical.String(), nil)
		}
		switch ct.Logical {
		case LogicalTimestamp:
			if i > math.MaxInt64/1000 || i < math.MinInt64/1000 {
				return Value{}, convError(data, t, "Timestamp (ms)", nil)
			}
			return TimestampValue(i * 1000), nil
		case LogicalNanoTimestamp:
			return TimestampNanosValue(i), nil
		}
		return TimestampValue(i), nil
	case LogicalZonedTimestamp:
		if t.kind != tokString {
			return Value{}, convError(data, t, "ZonedTimestamp", nil)
		}
		b := d.scratchBytes(data, t)
		if us, ns, ok := parseUTC(b); ok {
			return Value{kind: KindTimestamp, num: us, aux: ns}, nil
		}
		tm, err := time.Parse(time.RFC3339Nano, bstr(b))
		if err != nil {
			return Value{}, convError(data, t, "ZonedTimestamp", errorsText(err))
		}
		return Value{kind: KindTimestamp, num: tm.UnixMicro(), aux: int32(tm.Nanosecond() % 1000)}, nil
	case LogicalZonedTime:
		if t.kind != tokString {
			return Value{}, convError(data, t, "ZonedTime", nil)
		}
		tm, err := time.Parse("15:04:05.999999999Z07:00", d.scratchText(data, t))
		if err != nil {
			return Value{}, convError(data, t, "ZonedTime", errorsText(err))
		}
		tm = tm.UTC()
		sec := int64(tm.Hour()*3600 + tm.Minute()*60 + tm.Second())
		return Value{kind: KindTime, num: sec*1e6 + int64(tm.Nanosecond()/1000), aux: int32(tm.Nanosecond() % 1000)}, nil
	}
	return d.generic(data, t)
}

// errorsText detaches an error from the message bytes it may quote.
func errorsText(err error) error { return textError(err.Error()) }

type textError string

// Error implements error.
func (e textError) Error() string { return string(e) }

// generic reads a schemaless value by its JSON type.
func (d *Decoder) generic(data []byte, t token) (Value, *DecodeError) {
	switch t.kind {
	case tokTrue:
		return BoolValue(true), nil
	case tokFalse:
		return BoolValue(false), nil
	case tokNumber:
		b := data[t.start:t.end]
		if !t.frac() {
			if i, ok := parseInt(b); ok {
				return IntValue(i), nil
			}
			v, err := d.decimalText(b, 0)
			if err != nil {
				return Value{}, convError(data, t, "integer", err)
			}
			return v, nil
		}
		f, err := strconv.ParseFloat(bstr(b), 64)
		if err != nil {
			return Value{}, convError(data, t, "float64", nil)
		}
		return FloatValue(f), nil
	case tokString:
		return Value{kind: KindString, str: d.ar.text(data, t)}, nil
	case tokObject:
		if v, ok, _ := d.tryVariableScale(data, t); ok {
			return v, nil
		}
		return Value{kind: KindJSON, str: d.ar.str(data[t.start:t.end])}, nil
	case tokArray:
		return Value{kind: KindJSON, str: d.ar.str(data[t.start:t.end])}, nil
	}
	return Value{}, nil
}

// scratchBytes returns the content of a string token, unescaped into scratch memory when needed.
func (d *Decoder) scratchBytes(data []byte, t token) []byte {
	if !t.esc() {
		return data[t.start:t.end]
	}
	d.scratch = appendUnescaped(d.scratch[:0], data[t.start:t.end])
	return d.scratch
}

func (d *Decoder) scratchText(data []byte, t token) string { return bstr(d.scratchBytes(data, t)) }

// intOf reads an integer from a number token, or from a string holding one (Connect's own JSON
// rendering of keys quotes numbers).
func intOf(data []byte, t token) (int64, bool) {
	switch t.kind {
	case tokNumber:
		if t.frac() {
			return 0, false
		}
		return parseInt(data[t.start:t.end])
	case tokString:
		if t.esc() {
			return 0, false
		}
		return parseInt(data[t.start:t.end])
	}
	return 0, false
}

// MaxDecimalBytes is the longest unscaled value of a Decimal or VariableScaleDecimal, in bytes
// (1,024 bytes: about 2,466 digits, above PostgreSQL's 1,000-digit NUMERIC): a longer one is a
// [DecodeError] with [ReasonNumberTooLong], so that turning it into text or rescaling it stays
// cheap.
const MaxDecimalBytes = 1024

func (d *Decoder) decimalB64(data []byte, t token, scale int32, want string) (Value, *DecodeError) {
	b, err := d.ar.base64(d.scratchBytes(data, t))
	if err != nil {
		return Value{}, convError(data, t, want+" (base64)", err)
	}
	if len(b) > MaxDecimalBytes {
		return Value{}, &DecodeError{Reason: ReasonNumberTooLong, Offset: t.start,
			Detail: fmt.Sprintf("a decimal of %d bytes; at most %d are allowed", len(b), MaxDecimalBytes)}
	}
	return Value{kind: KindDecimal, aux: scale, str: bstring(trimTwosArena(&d.ar, b))}, nil
}

// trimTwosArena normalises decoded decimal bytes, which live in the arena.
func trimTwosArena(a *arena, b []byte) []byte {
	if len(b) == 0 {
		z := a.alloc(1)
		z[0] = 0
		return z
	}
	return trimTwos(b)
}

// variableScale reads {"scale":s,"value":"base64"}.
func (d *Decoder) variableScale(data []byte, t token) (Value, *DecodeError) {
	v, ok, err := d.tryVariableScale(data, t)
	if err != nil {
		return Value{}, err
	}
	if !ok {
		return Value{}, convError(data, t, "VariableScaleDecimal {scale, value}", nil)
	}
	return v, nil
}

// tryVariableScale reads an object as a VariableScaleDecimal if it has exactly the members scale
// (an int32) and value (base64); ok is false otherwise, err set for a bad base64 value.
func (d *Decoder) tryVariableScale(data []byte, t token) (Value, bool, *DecodeError) {
	s := scanner{data: data[:t.end], pos: t.start}
	empty, err := s.objOpen()
	if err != nil || empty {
		return Value{}, false, nil
	}
	var scale, value token
	n := 0
	for {
		k, err := s.objKey()
		if err != nil {
			return Value{}, false, nil
		}
		v, err := s.value()
		if err != nil {
			return Value{}, false, nil
		}
		switch string(data[k.start:k.end]) {
		case "scale":
			scale = v
		case "value":
			value = v
		default:
			return Value{}, false, nil
		}
		n++
		more, err := s.objNext()
		if err != nil {
			return Value{}, false, nil
		}
		if !more {
			break
		}
	}
	if n != 2 || scale.kind != tokNumber || value.kind != tokString {
		return Value{}, false, nil
	}
	sc, ok := parseInt(data[scale.start:scale.end])
	if !ok || scale.frac() || sc != int64(int32(sc)) {
		return Value{}, false, nil
	}
	v, derr := d.decimalB64(data, value, int32(sc), "VariableScaleDecimal value")
	if derr != nil {
		return Value{}, false, derr
	}
	return v, true, nil
}

// decimalText reads a JSON number as a decimal of the given scale; digits beyond the scale must
// be zeros.
func (d *Decoder) decimalText(b []byte, scale int32) (Value, error) {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg = true
		b = b[1:]
	}
	digits := d.digits[:0]
	exp := 0
	frac := 0
	i := 0
	for ; i < len(b) && b[i] != 'e' && b[i] != 'E'; i++ {
		switch c := b[i]; {
		case c == '.':
			frac = -1
		case frac < 0 || frac > 0:
			digits = append(digits, c)
			if frac < 0 {
				frac = 1
			} else {
				frac++
			}
		default:
			digits = append(digits, c)
		}
	}
	if frac < 0 {
		frac = 0
	}
	if i < len(b) {
		e, err := strconv.Atoi(bstr(b[i+1:]))
		if err != nil || e > 1000 || e < -1000 {
			return Value{}, textError("exponent out of range")
		}
		exp = e
	}
	d.digits = digits
	shift := int(scale) + exp - frac
	if shift < 0 {
		for k := 0; k < -shift; k++ {
			if len(digits) == 0 {
				break
			}
			if digits[len(digits)-1] != '0' {
				return Value{}, textError("more fractional digits than scale " + strconv.Itoa(int(scale)))
			}
			digits = digits[:len(digits)-1]
		}
		shift = 0
	}
	if shift > 1000 {
		return Value{}, textError("scale out of range")
	}
	if len(digits)+shift <= 18 {
		var u int64
		for _, c := range digits {
			u = u*10 + int64(c-'0')
		}
		for ; shift > 0; shift-- {
			u *= 10
		}
		if neg {
			u = -u
		}
		buf := d.ar.alloc(8)
		out := int64Twos(buf[:0], u)
		return Value{kind: KindDecimal, aux: scale, str: bstring(d.ar.shrink(buf, len(out)))}, nil
	}
	x, ok := new(big.Int).SetString(bstr(digits), 10)
	if !ok {
		x = new(big.Int)
	}
	if shift > 0 {
		x.Mul(x, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(shift)), nil))
	}
	if neg {
		x.Neg(x)
	}
	return Value{kind: KindDecimal, aux: scale, str: bstring(d.ar.bytes(bigTwos(x)))}, nil
}

// bigTwos returns the shortest big-endian two's complement form of x.
func bigTwos(x *big.Int) []byte {
	if x.Sign() >= 0 {
		b := x.Bytes()
		if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b
	}
	n := (x.BitLen() + 8) / 8
	m := new(big.Int).Lsh(big.NewInt(1), uint(8*n))
	m.Add(m, x)
	b := m.FillBytes(make([]byte, n))
	return trimTwos(b)
}

// parseUTC reads the form Debezium gives ZonedTimestamp values in UTC,
// "YYYY-MM-DDTHH:MM:SS[.fraction]Z", without time.Parse; ok is false for anything else (other
// offsets, leap seconds), which the caller then hands to time.Parse.
func parseUTC(b []byte) (micros int64, nanos int32, ok bool) {
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' || b[len(b)-1] != 'Z' {
		return 0, 0, false
	}
	num := func(s []byte) (int64, bool) {
		var v int64
		for _, c := range s {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int64(c-'0')
		}
		return v, true
	}
	y, ok1 := num(b[0:4])
	mo, ok2 := num(b[5:7])
	d, ok3 := num(b[8:10])
	h, ok4 := num(b[11:13])
	mi, ok5 := num(b[14:16])
	s, ok6 := num(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || s > 59 {
		return 0, 0, false
	}
	var ns int64
	if rest := b[19 : len(b)-1]; len(rest) > 0 {
		if rest[0] != '.' || len(rest) < 2 || len(rest) > 10 {
			return 0, 0, false
		}
		f, ok := num(rest[1:])
		if !ok {
			return 0, 0, false
		}
		for k := len(rest) - 1; k < 9; k++ {
			f *= 10
		}
		ns = f
	}
	secs := daysFromCivil(y, mo, d)*86400 + h*3600 + mi*60 + s
	return secs*1e6 + ns/1000, int32(ns % 1000), true
}

func daysIn(y, m int64) int64 {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant).
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}
