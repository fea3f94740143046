package postgres

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// decoder appends one raw column value (never SQL NULL) to a builder.
type decoder func(b array.Builder, raw []byte) error

// Offsets between PostgreSQL's epoch (2000-01-01) and Unix time.
const (
	pgEpochDays   = 10957
	pgEpochMicros = pgEpochDays * 86400 * 1_000_000
)

// decoderFor returns the decoder of a column of Arrow type dt as the server sends it (fd).
// The common types in binary format are decoded straight from the wire bytes into the builder,
// with no intermediate Go value; anything else (text format, as with the simple protocol, or an
// unexpected type) goes through pgx's codec for fd's type and the appender for dt.
func decoderFor(dt arrow.DataType, fd pgconn.FieldDescription, m *pgtype.Map) decoder {
	if fd.Format == pgtype.BinaryFormatCode {
		if d := binaryDecoder(dt, fd.DataTypeOID); d != nil {
			return d
		}
	}
	app := appenderFor(dt)
	typ, ok := m.TypeForOID(fd.DataTypeOID)
	if !ok {
		return func(array.Builder, []byte) error {
			return fmt.Errorf("no decoder for PostgreSQL type OID %d", fd.DataTypeOID)
		}
	}
	return func(b array.Builder, raw []byte) error {
		v, err := typ.Codec.DecodeValue(m, fd.DataTypeOID, fd.Format, raw)
		if err != nil {
			return err
		}
		if n, ok := v.(pgtype.Numeric); ok { // numeric in text format
			s, err := n.Value()
			if err != nil {
				return err
			}
			v = s
		}
		return app(b, v)
	}
}

func wrongLength(oid uint32, raw []byte) error {
	return fmt.Errorf("PostgreSQL type OID %d: %d bytes in binary format", oid, len(raw))
}

var errInfinity = errors.New("infinite date or timestamp has no Arrow value")

// binaryDecoder returns the wire decoder for dt when the column's type is oid, or nil.
func binaryDecoder(dt arrow.DataType, oid uint32) decoder {
	if d := binaryNumber(dt, oid); d != nil {
		return d
	}
	return binaryOther(dt, oid)
}

// binaryNumber is binaryDecoder for the integer, float and boolean types.
func binaryNumber(dt arrow.DataType, oid uint32) decoder {
	switch dt.(type) {
	case *arrow.Int16Type:
		if oid == pgtype.Int2OID {
			return func(b array.Builder, raw []byte) error {
				if len(raw) != 2 {
					return wrongLength(oid, raw)
				}
				b.(*array.Int16Builder).Append(int16(binary.BigEndian.Uint16(raw)))
				return nil
			}
		}
	case *arrow.Int32Type:
		if oid == pgtype.Int4OID {
			return func(b array.Builder, raw []byte) error {
				if len(raw) != 4 {
					return wrongLength(oid, raw)
				}
				b.(*array.Int32Builder).Append(int32(binary.BigEndian.Uint32(raw)))
				return nil
			}
		}
	case *arrow.Int64Type:
		if oid == pgtype.Int8OID {
			return func(b array.Builder, raw []byte) error {
				if len(raw) != 8 {
					return wrongLength(oid, raw)
				}
				b.(*array.Int64Builder).Append(int64(binary.BigEndian.Uint64(raw)))
				return nil
			}
		}
	case *arrow.Float32Type:
		if oid == pgtype.Float4OID {
			return func(b array.Builder, raw []byte) error {
				if len(raw) != 4 {
					return wrongLength(oid, raw)
				}
				b.(*array.Float32Builder).Append(math.Float32frombits(binary.BigEndian.Uint32(raw)))
				return nil
			}
		}
	case *arrow.Float64Type:
		if oid == pgtype.Float8OID {
			return func(b array.Builder, raw []byte) error {
				if len(raw) != 8 {
					return wrongLength(oid, raw)
				}
				b.(*array.Float64Builder).Append(math.Float64frombits(binary.BigEndian.Uint64(raw)))
				return nil
			}
		}
	case *arrow.BooleanType:
		if oid == pgtype.BoolOID {
			return func(b array.Builder, raw []byte) error {
				if len(raw) != 1 {
					return wrongLength(oid, raw)
				}
				b.(*array.BooleanBuilder).Append(raw[0] == 1)
				return nil
			}
		}
	}
	return nil
}

// binaryOther is binaryDecoder for the text, binary, temporal and decimal types.
func binaryOther(dt arrow.DataType, oid uint32) decoder {
	switch t := dt.(type) {
	case *arrow.StringType:
		switch oid {
		case pgtype.TextOID, pgtype.VarcharOID, pgtype.BPCharOID, pgtype.NameOID:
			// The binary format of the text types is the UTF-8 bytes themselves.
			return func(b array.Builder, raw []byte) error {
				b.(*array.StringBuilder).BinaryBuilder.Append(raw)
				return nil
			}
		}
	case *arrow.BinaryType:
		if oid == pgtype.ByteaOID {
			return func(b array.Builder, raw []byte) error {
				b.(*array.BinaryBuilder).Append(raw)
				return nil
			}
		}
	case *arrow.Date32Type:
		if oid == pgtype.DateOID {
			return func(b array.Builder, raw []byte) error {
				if len(raw) != 4 {
					return wrongLength(oid, raw)
				}
				d := int32(binary.BigEndian.Uint32(raw))
				if d == math.MaxInt32 || d == math.MinInt32 {
					return errInfinity
				}
				b.(*array.Date32Builder).Append(arrow.Date32(d + pgEpochDays))
				return nil
			}
		}
	case *arrow.TimestampType:
		// Both carry microseconds since 2000-01-01: UTC for timestamptz, the wall-clock time for
		// timestamp, which is stored as if it were UTC.
		if (t.TimeZone == "" && oid == pgtype.TimestampOID) || (t.TimeZone != "" && oid == pgtype.TimestamptzOID) {
			return func(b array.Builder, raw []byte) error {
				if len(raw) != 8 {
					return wrongLength(oid, raw)
				}
				us := int64(binary.BigEndian.Uint64(raw))
				if us == math.MaxInt64 || us == math.MinInt64 {
					return errInfinity
				}
				b.(*array.TimestampBuilder).Append(arrow.Timestamp(us + pgEpochMicros))
				return nil
			}
		}
	case *arrow.Time64Type:
		if oid == pgtype.TimeOID {
			return func(b array.Builder, raw []byte) error {
				if len(raw) != 8 {
					return wrongLength(oid, raw)
				}
				b.(*array.Time64Builder).Append(arrow.Time64(int64(binary.BigEndian.Uint64(raw))))
				return nil
			}
		}
	case *arrow.Decimal128Type:
		if oid == pgtype.NumericOID {
			return func(b array.Builder, raw []byte) error {
				n, err := decodeNumeric(raw, t.Precision, t.Scale)
				if err != nil {
					return err
				}
				b.(*array.Decimal128Builder).Append(n)
				return nil
			}
		}
	}
	return nil
}

// Sign words of PostgreSQL's binary numeric.
const (
	numericPos  = 0x0000
	numericNeg  = 0x4000
	numericNaN  = 0xC000
	numericPInf = 0xD000
	numericNInf = 0xF000
)

// decodeNumeric decodes PostgreSQL's binary numeric (ndigits, weight, sign, dscale, then ndigits
// base-10000 digits, the first worth 10000^weight) into a decimal of the given precision and
// scale. A value that needs more scale or precision than the column has is an error, never a
// silent rounding.
func decodeNumeric(raw []byte, precision, scale int32) (decimal128.Num, error) {
	if len(raw) < 8 {
		return decimal128.Num{}, fmt.Errorf("numeric: %d bytes in binary format", len(raw))
	}
	ndigits := int(binary.BigEndian.Uint16(raw))
	weight := int(int16(binary.BigEndian.Uint16(raw[2:])))
	sign := binary.BigEndian.Uint16(raw[4:])
	if len(raw) != 8+2*ndigits {
		return decimal128.Num{}, fmt.Errorf("numeric: %d digits in %d bytes", ndigits, len(raw))
	}
	switch sign {
	case numericPos, numericNeg:
	case numericNaN, numericPInf, numericNInf:
		return decimal128.Num{}, errors.New("numeric: NaN or infinity has no decimal value")
	default:
		return decimal128.Num{}, fmt.Errorf("numeric: sign word %#x", sign)
	}
	digits := raw[8:]
	// The digits read as one integer are the value times 10^have.
	have := 4 * (ndigits - 1 - weight)
	if ndigits == 0 {
		return decimal128.Num{}, nil
	}
	var n decimal128.Num
	if ndigits <= 4 && have >= 0 && have-int(scale) <= 16 { // at most 16 decimal digits: uint64
		var u uint64
		for i := range ndigits {
			u = u*10000 + uint64(binary.BigEndian.Uint16(digits[2*i:]))
		}
		if have > int(scale) {
			p := pow10u64[have-int(scale)]
			if u%p != 0 {
				return decimal128.Num{}, fmt.Errorf("numeric: more than %d decimal places", scale)
			}
			u /= p
		} else if int(scale)-have+digitCount(u) > int(precision) {
			return decimal128.Num{}, fmt.Errorf("numeric: value does not fit numeric(%d,%d)", precision, scale)
		}
		n = decimal128.FromU64(u)
		if have < int(scale) {
			n = n.Mul(decimal128.GetScaleMultiplier(int(scale) - have))
		}
	} else {
		var err error
		if n, err = bigNumeric(digits, ndigits, have, precision, scale); err != nil {
			return decimal128.Num{}, err
		}
	}
	if sign == numericNeg {
		n = n.Negate()
	}
	if !n.FitsInPrecision(precision) {
		return decimal128.Num{}, fmt.Errorf("numeric: value does not fit numeric(%d,%d)", precision, scale)
	}
	return n, nil
}

// bigNumeric is decodeNumeric's path for values of more than 16 digits, in math/big.
func bigNumeric(digits []byte, ndigits, have int, precision, scale int32) (decimal128.Num, error) {
	var u, d big.Int
	tenK := big.NewInt(10000)
	for i := range ndigits {
		u.Mul(&u, tenK)
		u.Add(&u, d.SetUint64(uint64(binary.BigEndian.Uint16(digits[2*i:]))))
	}
	ten := big.NewInt(10)
	if have > int(scale) {
		var rem big.Int
		u.QuoRem(&u, d.Exp(ten, big.NewInt(int64(have-int(scale))), nil), &rem)
		if rem.Sign() != 0 {
			return decimal128.Num{}, fmt.Errorf("numeric: more than %d decimal places", scale)
		}
	} else if have < int(scale) {
		u.Mul(&u, d.Exp(ten, big.NewInt(int64(int(scale)-have)), nil))
	}
	if u.Cmp(d.Exp(ten, big.NewInt(int64(precision)), nil)) >= 0 {
		return decimal128.Num{}, fmt.Errorf("numeric: value does not fit numeric(%d,%d)", precision, scale)
	}
	return decimal128.FromBigInt(&u), nil
}

var pow10u64 = func() (p [20]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// digitCount is the number of decimal digits of u (1 for 0).
func digitCount(u uint64) int {
	n := 1
	for u >= 10 {
		u /= 10
		n++
	}
	return n
}
