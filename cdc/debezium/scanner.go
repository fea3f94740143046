package debezium

import (
	"encoding/binary"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// MaxNumberLength is the longest JSON number, in characters (sign, digits, point and exponent),
// that a [Decoder] accepts anywhere in a key or value. A longer one makes the message a
// [DecodeError] with [ReasonNumberTooLong]. It is above the longest number Debezium writes (a
// PostgreSQL numeric has at most 1,000 digits of declared precision) and keeps the cost of
// converting a number to a decimal bounded: that conversion is not linear in the number's length.
const MaxNumberLength = 2048

// maxDepth bounds the nesting of JSON values the scanner accepts, so that a hostile message cannot
// exhaust the stack.
const maxDepth = 512

// tokKind is the kind of a JSON value seen by the scanner.
type tokKind uint8

const (
	tokNull tokKind = iota + 1
	tokTrue
	tokFalse
	tokNumber
	tokString
	tokObject
	tokArray
)

// token locates one JSON value in the scanned message. For a string, start:end is its content
// without the quotes; for a number, its text; for an object or array, its raw text.
// It has at most four fields so that the compiler keeps it in registers.
type token struct {
	kind  tokKind
	flags uint8 // flagEsc, flagFrac
	start int
	end   int
}

const (
	flagEsc  = 1 << iota // a string contains escapes
	flagFrac             // a number has a fraction or an exponent
)

func (t token) esc() bool  { return t.flags&flagEsc != 0 }
func (t token) frac() bool { return t.flags&flagFrac != 0 }

// strPlain marks the bytes that a string may contain without further checks.
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// scanner is a strict, allocation-free JSON reader over one message.
type scanner struct {
	data []byte
	pos  int
}

func (s *scanner) errf(reason Reason, detail string) *DecodeError {
	return &DecodeError{Reason: reason, Offset: s.pos, Detail: detail}
}

func (s *scanner) syntax(detail string) *DecodeError {
	if s.pos >= len(s.data) {
		return &DecodeError{Reason: ReasonInvalidJSON, Offset: len(s.data), Detail: "unexpected end of input"}
	}
	return &DecodeError{Reason: ReasonInvalidJSON, Offset: s.pos,
		Detail: detail + ", found " + strconv.QuoteRune(rune(s.data[s.pos]))}
}

func (s *scanner) ws() {
	if s.pos < len(s.data) && s.data[s.pos] > ' ' {
		return
	}
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (s *scanner) peek() byte {
	s.ws()
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

func (s *scanner) expect(c byte, what string) *DecodeError {
	s.ws()
	if s.pos < len(s.data) && s.data[s.pos] == c {
		s.pos++
		return nil
	}
	return s.syntax("expected " + what)
}

// end checks that only white space follows.
func (s *scanner) end() *DecodeError {
	s.ws()
	if s.pos != len(s.data) {
		return s.syntax("expected end of input")
	}
	return nil
}

// objOpen consumes '{' and reports whether the object is empty (its '}' consumed too).
func (s *scanner) objOpen() (empty bool, err *DecodeError) {
	if err := s.expect('{', "'{'"); err != nil {
		return false, err
	}
	if s.peek() == '}' {
		s.pos++
		return true, nil
	}
	return false, nil
}

// objKey reads a member name and its ':'.
func (s *scanner) objKey() (token, *DecodeError) {
	if s.peek() != '"' {
		return token{}, s.syntax("expected a member name")
	}
	t, err := s.str()
	if err != nil {
		return t, err
	}
	return t, s.expect(':', "':'")
}

// objNext consumes ',' (more members follow) or '}' (the object ends).
func (s *scanner) objNext() (more bool, err *DecodeError) {
	switch s.peek() {
	case ',':
		s.pos++
		return true, nil
	case '}':
		s.pos++
		return false, nil
	}
	return false, s.syntax("expected ',' or '}'")
}

// str reads a string at s.pos (which holds '"').
func (s *scanner) str() (token, *DecodeError) {
	d := s.data
	i := s.pos + 1
	start := i
	var flags uint8
	high := false
	for {
		// Eight bytes at a time while none is '"', '\\', a control character or non-ASCII.
		for i+8 <= len(d) {
			x := binary.LittleEndian.Uint64(d[i:])
			if (x-0x2020202020202020|x|hasZero(x^0x2222222222222222)|hasZero(x^0x5c5c5c5c5c5c5c5c))&0x8080808080808080 != 0 {
				break
			}
			i += 8
		}
		for i < len(d) && strPlain[d[i]] {
			i++
		}
		if i >= len(d) {
			s.pos = i
			return token{}, s.syntax("unterminated string")
		}
		c := d[i]
		switch {
		case c == '"':
			s.pos = i + 1
			if high && !utf8.Valid(d[start:i]) {
				s.pos = start
				return token{}, &DecodeError{Reason: ReasonInvalidJSON, Offset: start, Detail: "invalid UTF-8 in string"}
			}
			return token{kind: tokString, flags: flags, start: start, end: i}, nil
		case c == '\\':
			flags = flagEsc
			if i+1 >= len(d) {
				s.pos = len(d)
				return token{}, s.syntax("unterminated string")
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) || !isHex4(d[i+2:i+6]) {
					s.pos = i
					return token{}, &DecodeError{Reason: ReasonInvalidJSON, Offset: i, Detail: "invalid \\u escape"}
				}
				i += 6
			default:
				s.pos = i
				return token{}, &DecodeError{Reason: ReasonInvalidJSON, Offset: i, Detail: "invalid escape"}
			}
		case c < 0x20:
			s.pos = i
			return token{}, &DecodeError{Reason: ReasonInvalidJSON, Offset: i, Detail: "control character in string"}
		default: // >= 0x80
			high = true
			i++
		}
	}
}

// hasZero has the high bit set in the bytes of x that are zero (and maybe in higher ones).
func hasZero(x uint64) uint64 { return (x - 0x0101010101010101) &^ x }

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// num reads a number at s.pos following the JSON grammar, in time linear in its length; a number
// longer than [MaxNumberLength] is an error.
func (s *scanner) num() (token, *DecodeError) {
	d := s.data
	i := s.pos
	start := i
	var flags uint8
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
	default:
		s.pos = i
		return token{}, s.syntax("invalid number")
	}
	if i < len(d) && d[i] == '.' {
		i++
		flags = flagFrac
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			s.pos = i
			return token{}, s.syntax("invalid number")
		}
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		flags = flagFrac
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			s.pos = i
			return token{}, s.syntax("invalid number")
		}
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
	}
	if i-start > MaxNumberLength {
		s.pos = start
		return token{}, &DecodeError{Reason: ReasonNumberTooLong, Offset: start,
			Detail: "a number of " + strconv.Itoa(i-start) + " characters, more than " + strconv.Itoa(MaxNumberLength)}
	}
	s.pos = i
	return token{kind: tokNumber, flags: flags, start: start, end: i}, nil
}

func (s *scanner) lit(word string, k tokKind) (token, *DecodeError) {
	if len(s.data)-s.pos >= len(word) && string(s.data[s.pos:s.pos+len(word)]) == word {
		t := token{kind: k, start: s.pos, end: s.pos + len(word)}
		s.pos += len(word)
		return t, nil
	}
	return token{}, s.syntax("invalid literal")
}

// value reads any JSON value; objects and arrays are validated and skipped as a whole.
func (s *scanner) value() (token, *DecodeError) {
	switch s.peek() {
	case '"':
		return s.str()
	case '{', '[':
		start := s.pos
		k := tokObject
		if s.data[s.pos] == '[' {
			k = tokArray
		}
		if err := s.skip(0); err != nil {
			return token{}, err
		}
		return token{kind: k, start: start, end: s.pos}, nil
	case 't':
		return s.lit("true", tokTrue)
	case 'f':
		return s.lit("false", tokFalse)
	case 'n':
		return s.lit("null", tokNull)
	default:
		return s.num()
	}
}

// skip validates and passes over one value.
func (s *scanner) skip(depth int) *DecodeError {
	if depth > maxDepth {
		return s.errf(ReasonInvalidJSON, "nesting too deep")
	}
	switch s.peek() {
	case '{':
		empty, err := s.objOpen()
		if err != nil || empty {
			return err
		}
		for {
			if _, err := s.objKey(); err != nil {
				return err
			}
			if err := s.skip(depth + 1); err != nil {
				return err
			}
			more, err := s.objNext()
			if err != nil || !more {
				return err
			}
		}
	case '[':
		s.pos++
		if s.peek() == ']' {
			s.pos++
			return nil
		}
		for {
			if err := s.skip(depth + 1); err != nil {
				return err
			}
			switch s.peek() {
			case ',':
				s.pos++
			case ']':
				s.pos++
				return nil
			default:
				return s.syntax("expected ',' or ']'")
			}
		}
	default:
		_, err := s.value()
		return err
	}
}

// raw returns the bytes of a token.
func (s *scanner) raw(t token) []byte { return s.data[t.start:t.end] }

// appendUnescaped appends the decoded content of the string token t to dst. The token was
// validated by str, so escapes are well formed.
func appendUnescaped(dst, src []byte) []byte {
	for i := 0; i < len(src); {
		c := src[i]
		if c != '\\' {
			j := i + 1
			for j < len(src) && src[j] != '\\' {
				j++
			}
			dst = append(dst, src[i:j]...)
			i = j
			continue
		}
		e := src[i+1]
		i += 2
		switch e {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := rune(hex4(src[i : i+4]))
			i += 4
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if i+6 <= len(src) && src[i] == '\\' && src[i+1] == 'u' {
					if d := utf16.DecodeRune(r, rune(hex4(src[i+2:i+6]))); d != utf8.RuneError {
						r2 = d
						i += 6
					}
				}
				r = r2
			}
			dst = utf8.AppendRune(dst, r)
		default: // '"', '\\', '/'
			dst = append(dst, e)
		}
	}
	return dst
}

func hex4(b []byte) uint32 {
	var v uint32
	for _, c := range b[:4] {
		switch {
		case c <= '9':
			c -= '0'
		case c >= 'a':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		v = v<<4 | uint32(c)
	}
	return v
}

// parseInt parses the text of an integer JSON number without allocating.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var u uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > 1<<63-1 {
		return 0, false
	}
	return int64(u), true
}

// bstr views b as a string without copying; the string must not outlive a change of b.
func bstr(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
