package dataquality_test

import (
	"encoding/hex"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/dataquality"
)

func enc(t *testing.T, typ dataquality.Type, v any) string {
	t.Helper()
	b, err := dataquality.AppendCanonical(nil, typ, v)
	require.NoError(t, err, "%s %#v", typ, v)
	return string(b)
}

func TestCanonicalDecimal(t *testing.T) {
	groups := []struct {
		want   string // the normal form
		values []any
	}{
		{"1.5", []any{"1.50", "1.5", "001.500", "15e-1", "+1.5", []byte("1.5000"), 1.5, float32(1.5), "0.15E1"}},
		{"7", []any{int64(7), 7, int8(7), uint64(7), "7.00", "0007", "7.", "0.7e1", 7.0, []byte("7")}},
		{"0", []any{"0", "0.00", "-0.0", "-0", "+0", ".0", "0e10", int64(0), 0.0, math.Copysign(0, -1)}},
		{"-12.34", []any{"-12.340", "-012.34", int64(-1234) /* not equal: see below */}},
		{"1000", []any{"1e3", "1E+3", "1000.000", int64(1000), uint16(1000)}},
		{"0.5", []any{".5", "0.50", "5e-1"}},
		{"0.000123", []any{"1.23e-4", "0.000123000", "123e-6"}},
		{"123000", []any{"123e3", "123000"}},
		{"9223372036854775808", []any{uint64(1 << 63), "9223372036854775808.0"}},
		{"NaN", []any{"NaN", "nan"}},
		{"-Infinity", []any{"-Infinity", "-inf"}},
		{"1234567.89", []any{1234567.89, "1234567.890"}},
	}
	for _, g := range groups {
		want := "N" + string(rune(len(g.want))) + g.want
		for _, v := range g.values {
			if v == int64(-1234) {
				assert.NotEqual(t, want, enc(t, dataquality.TypeDecimal, v))
				continue
			}
			assert.Equal(t, want, enc(t, dataquality.TypeDecimal, v), "%#v", v)
			assert.Equal(t, want, enc(t, dataquality.TypeInteger, v), "integers and decimals encode alike: %#v", v)
		}
	}
	for _, bad := range []string{"abc", "1.2.3", "", "-", "+", ".", "1e", "e5", "1e+", "12a", " 1 2", "1e99999"} {
		_, err := dataquality.AppendCanonical(nil, dataquality.TypeDecimal, bad)
		assert.Error(t, err, "%q", bad)
	}
	_, err := dataquality.AppendCanonical(nil, dataquality.TypeDecimal, struct{}{})
	assert.Error(t, err)
}

func TestCanonicalTimestamp(t *testing.T) {
	utc := time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.UTC)
	plus2 := time.FixedZone("+02:00", 2*3600)
	want := enc(t, dataquality.TypeTimestamp, utc)
	same := []any{
		utc.In(plus2),
		utc.In(time.FixedZone("-07:30", -(7*3600 + 1800))),
		time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC), // nanoseconds below a microsecond are dropped
		"2024-01-02T05:04:05.123456+02:00",
		"2024-01-02 03:04:05.123456",  // no zone: UTC
		"2024-01-02 03:04:05.123456Z", // SQL form with a zone
		[]byte("2024-01-02T03:04:05.123456789Z"),
		"2024-01-02 04:04:05.123456 +0100 CET",                   // time.Time.String
		"2024-01-02 03:04:05.123456789 +0000 UTC m=+0.000000001", // with the monotonic reading
	}
	for _, v := range same {
		assert.Equal(t, want, enc(t, dataquality.TypeTimestamp, v), "%v", v)
	}
	assert.NotEqual(t, want, enc(t, dataquality.TypeTimestamp, "2024-01-02 03:04:05.123457"))
	// Before 1970, microseconds are rounded down, not toward zero.
	pre := time.Date(1969, 12, 31, 23, 59, 59, 999999500, time.UTC)
	assert.Equal(t, enc(t, dataquality.TypeTimestamp, time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC)), enc(t, dataquality.TypeTimestamp, pre))
	assert.Equal(t, "T\xff\xff\xff\xff\xff\xff\xff\xff", enc(t, dataquality.TypeTimestamp, pre))
	// Unix seconds (SQLite's unixepoch()).
	assert.Equal(t, enc(t, dataquality.TypeTimestamp, time.Unix(1700000000, 0)), enc(t, dataquality.TypeTimestamp, int64(1700000000)))
	_, err := dataquality.AppendCanonical(nil, dataquality.TypeTimestamp, "yesterday")
	assert.Error(t, err)
}

func TestCanonicalDate(t *testing.T) {
	want := enc(t, dataquality.TypeDate, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC))
	assert.Equal(t, "D"+string([]byte{0, 0, 0, 0, 0, 0, 0x4d, 0x46}), want) // 19782 days since 1970-01-01
	for _, v := range []any{
		time.Date(2024, 2, 29, 23, 59, 0, 0, time.FixedZone("+14", 14*3600)), // the calendar date, not the UTC one
		"2024-02-29",
		[]byte("2024-02-29 00:00:00"),
	} {
		assert.Equal(t, want, enc(t, dataquality.TypeDate, v), "%v", v)
	}
	assert.Equal(t, "D\xff\xff\xff\xff\xff\xff\xff\xff", enc(t, dataquality.TypeDate, "1969-12-31"))
}

func TestCanonicalOthers(t *testing.T) {
	// NULL is distinct from the empty string, 0, false and the empty bytes.
	null := enc(t, dataquality.TypeString, nil)
	assert.Equal(t, "\x00", null)
	assert.NotEqual(t, null, enc(t, dataquality.TypeString, ""))
	assert.NotEqual(t, null, enc(t, dataquality.TypeInteger, 0))
	assert.NotEqual(t, null, enc(t, dataquality.TypeBoolean, false))
	assert.NotEqual(t, null, enc(t, dataquality.TypeBytes, []byte{}))
	assert.Equal(t, null, enc(t, dataquality.TypeTimestamp, nil))

	// Strings: string and []byte alike, UTF-8 bytes, length prefixed.
	assert.Equal(t, "S\x05héé"[:0]+"S\x05h\xc3\xa9\xc3\xa9", enc(t, dataquality.TypeString, "héé"))
	assert.Equal(t, enc(t, dataquality.TypeString, "abc"), enc(t, dataquality.TypeString, []byte("abc")))
	assert.Equal(t, enc(t, dataquality.TypeString, "42"), enc(t, dataquality.TypeUnknown, 42))
	assert.NotEqual(t, enc(t, dataquality.TypeString, "1"), enc(t, dataquality.TypeInteger, 1))

	// Booleans: MySQL's tinyint(1) and PostgreSQL's text forms.
	yes := enc(t, dataquality.TypeBoolean, true)
	for _, v := range []any{int64(1), int64(2), "t", "TRUE", []byte("1"), "yes"} {
		assert.Equal(t, yes, enc(t, dataquality.TypeBoolean, v), "%v", v)
	}
	for _, v := range []any{false, int64(0), "f", "False", []byte("0")} {
		assert.Equal(t, "B\x00", enc(t, dataquality.TypeBoolean, v), "%v", v)
	}
	_, err := dataquality.AppendCanonical(nil, dataquality.TypeBoolean, "maybe")
	assert.Error(t, err)

	// Floats: widened float32, one zero, one NaN.
	assert.Equal(t, enc(t, dataquality.TypeFloat, 0.0), enc(t, dataquality.TypeFloat, math.Copysign(0, -1)))
	assert.Equal(t, enc(t, dataquality.TypeFloat, math.NaN()), enc(t, dataquality.TypeFloat, math.Float64frombits(0x7ff8000000000abc)))
	assert.Equal(t, enc(t, dataquality.TypeFloat, 1.5), enc(t, dataquality.TypeFloat, float32(1.5)))
	assert.Equal(t, enc(t, dataquality.TypeFloat, 2.25), enc(t, dataquality.TypeFloat, "2.25"))
	assert.Equal(t, enc(t, dataquality.TypeFloat, float64(float32(0.1))), enc(t, dataquality.TypeFloat, float32(0.1)))

	// Bytes and times of day.
	assert.Equal(t, "X\x03\x00\x01\x02", enc(t, dataquality.TypeBytes, []byte{0, 1, 2}))
	assert.Equal(t, enc(t, dataquality.TypeTime, 13*time.Hour+5*time.Minute+500*time.Millisecond), enc(t, dataquality.TypeTime, "13:05:00.5"))
	assert.Equal(t, enc(t, dataquality.TypeTime, "13:05:00"), enc(t, dataquality.TypeTime, []byte("13:05")))
}

func TestRowHasherLengthPrefix(t *testing.T) {
	h := dataquality.NewRowHasher([]dataquality.Type{dataquality.TypeString, dataquality.TypeString})
	a, err := h.Hash([]any{"a", "bc"})
	require.NoError(t, err)
	b, err := h.Hash([]any{"ab", "c"})
	require.NoError(t, err)
	assert.NotEqual(t, a, b)
	c, err := h.Hash([]any{"", nil})
	require.NoError(t, err)
	d, err := h.Hash([]any{nil, ""})
	require.NoError(t, err)
	assert.NotEqual(t, c, d)
	_, err = h.Hash([]any{"only one"})
	assert.Error(t, err)
}

// TestRowHashGolden pins the encoding and the hash: a change here breaks reconciliation against
// checksums computed by an earlier version (or another implementation).
func TestRowHashGolden(t *testing.T) {
	types := []dataquality.Type{dataquality.TypeInteger, dataquality.TypeDecimal, dataquality.TypeString,
		dataquality.TypeTimestamp, dataquality.TypeDate, dataquality.TypeBoolean, dataquality.TypeFloat, dataquality.TypeString}
	row := []any{int64(42), "12.50", "Ada", time.Date(2025, 1, 27, 10, 30, 45, 123456000, time.UTC),
		time.Date(2025, 1, 27, 0, 0, 0, 0, time.UTC), true, 0.5, nil}
	var buf []byte
	for i, v := range row {
		var err error
		buf, err = dataquality.AppendCanonical(buf, types[i], v)
		require.NoError(t, err)
	}
	// N "42" | N "12.5" | S "Ada" | T 0x00062cad91aae180 (1737973845123456 us) |
	// D 0x4e93 (20115 days) | B 1 | F 0x3fe0000000000000 (0.5) | NULL
	assert.Equal(t, "4e02"+"3432"+"4e04"+"31322e35"+"5303"+"416461"+"54"+"00062cad91aae180"+
		"44"+"0000000000004e93"+"4201"+"46"+"3fe0000000000000"+"00", hex.EncodeToString(buf))
	h, err := dataquality.NewRowHasher(types).Hash(row)
	require.NoError(t, err)
	assert.Equal(t, uint64(0xa6bf6345da0f49be), h, "XXH3-64 (seed 0) of the bytes above")
}

func TestRowHasherAllocs(t *testing.T) {
	h := dataquality.NewRowHasher([]dataquality.Type{dataquality.TypeInteger, dataquality.TypeDecimal, dataquality.TypeString,
		dataquality.TypeTimestamp, dataquality.TypeBoolean, dataquality.TypeFloat, dataquality.TypeDate})
	row := []any{int64(-42), "12345.50", "some text", time.Now(), true, 1.25, time.Now()}
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := h.Hash(row); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}
