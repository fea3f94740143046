package postgres

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// encodeNumeric is s in PostgreSQL's binary numeric format, as pgx's own codec writes it.
func encodeNumeric(t *testing.T, s string) []byte {
	t.Helper()
	var n pgtype.Numeric
	require.NoError(t, n.Scan(s))
	raw, err := pgtype.NewMap().Encode(pgtype.NumericOID, pgtype.BinaryFormatCode, n, nil)
	require.NoError(t, err)
	return raw
}

func TestDecodeNumeric(t *testing.T) {
	cases := []struct {
		in         string
		prec, sc   int32
		want, fail string // want in decimal notation at scale sc; fail: the error expected instead
	}{
		{in: "0", prec: 12, sc: 2, want: "0.00"},
		{in: "1234567890.12", prec: 12, sc: 2, want: "1234567890.12"},
		{in: "-1234567890.12", prec: 12, sc: 2, want: "-1234567890.12"},
		{in: "0.5", prec: 3, sc: 1, want: "0.5"},
		{in: "-0.0001", prec: 10, sc: 4, want: "-0.0001"},
		{in: "10000", prec: 5, sc: 0, want: "10000"},
		{in: "1000000000000000000000000000000", prec: 38, sc: 0, want: "1000000000000000000000000000000"},
		{in: "12345678901234567890.1234567890", prec: 38, sc: 10, want: "12345678901234567890.1234567890"},
		{in: "-99999999999999999999999999999999999999", prec: 38, sc: 0, want: "-99999999999999999999999999999999999999"},
		{in: "9999999999999999999999999999999999999.9", prec: 38, sc: 1, want: "9999999999999999999999999999999999999.9"},
		{in: "123.456", prec: 10, sc: 6, want: "123.456000"},
		{in: "123.456", prec: 10, sc: 2, fail: "more than 2 decimal places"},
		{in: "123456", prec: 5, sc: 0, fail: "does not fit numeric(5,0)"},
		{in: "10000000000000000000000000000000000000000", prec: 38, sc: 0, fail: "does not fit"},
		{in: "NaN", prec: 10, sc: 2, fail: "NaN or infinity"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := decodeNumeric(encodeNumeric(t, c.in), c.prec, c.sc)
			if c.fail != "" {
				require.ErrorContains(t, err, c.fail)
				return
			}
			require.NoError(t, err)
			want, err := decimal128.FromString(c.want, c.prec, c.sc)
			require.NoError(t, err)
			assert.Equal(t, want, got, "got %s", got.ToString(c.sc))
			assert.Equal(t, c.want, got.ToString(c.sc))
		})
	}
}

// The server drops trailing zero digit groups: 10^28 is one digit, 1, of weight 7; 0.0001 is one
// digit, 1, of weight -1.
func TestDecodeNumericServerForms(t *testing.T) {
	n, err := decodeNumeric([]byte{0, 1, 0, 7, 0, 0, 0, 0, 0, 1}, 38, 2)
	require.NoError(t, err)
	assert.Equal(t, "10000000000000000000000000000.00", n.ToString(2))
	n, err = decodeNumeric([]byte{0, 1, 0xff, 0xff, 0x40, 0, 0, 4, 0, 1}, 10, 4)
	require.NoError(t, err)
	assert.Equal(t, "-0.0001", n.ToString(4))
}

func TestDecodeNumericMalformed(t *testing.T) {
	_, err := decodeNumeric([]byte{0, 1, 0}, 10, 2)
	assert.ErrorContains(t, err, "3 bytes")
	_, err = decodeNumeric([]byte{0, 2, 0, 0, 0, 0, 0, 0, 0, 1}, 10, 2)
	assert.ErrorContains(t, err, "2 digits in 10 bytes")
}
