package debezium

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// digits returns a JSON number of n digits.
func digits(n int) string { return "1" + strings.Repeat("7", n-1) }

// longNumberMessages places a number of n characters where a hostile or broken producer could:
// a schemaless column, a Decimal column with a schema, the source block, and a member the
// decoder skips.
func longNumberMessages(n int) map[string][]byte {
	num := digits(n)
	return map[string][]byte{
		"schemaless column": []byte(`{"op":"c","source":{"table":"t"},"after":{"id":1,"a":` + num + `}}`),
		"decimal column": []byte(`{"schema":{"type":"struct","fields":[{"field":"after","type":"struct","optional":true,"fields":[` +
			`{"field":"a","type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}}]},` +
			`{"field":"op","type":"string"},{"field":"source","type":"struct","fields":[{"field":"table","type":"string"}]}]},` +
			`"payload":{"op":"c","source":{"table":"t"},"after":{"a":` + num + `}}}`),
		"source block":   []byte(`{"op":"c","source":{"table":"t","ts_ms":` + num + `},"after":{"id":1}}`),
		"skipped member": []byte(`{"op":"c","source":{"table":"t"},"after":{"id":1},"extra":[{"x":` + num + `}]}`),
	}
}

// TestItem15LongNumberRejected: a number longer than MaxNumberLength, up to 1 MiB of digits, is
// a DecodeError with ReasonNumberTooLong wherever it is (the consumer dead-letters it), and one of
// MaxNumberLength characters still decodes.
func TestItem15LongNumberRejected(t *testing.T) {
	d, err := NewDecoder()
	require.NoError(t, err)
	for _, n := range []int{MaxNumberLength + 1, 64 << 10, 1 << 20} {
		for place, msg := range longNumberMessages(n) {
			t.Run(fmt.Sprintf("%s/%d", place, n), func(t *testing.T) {
				_, err := d.Decode(nil, msg)
				var de *DecodeError
				require.ErrorAs(t, err, &de, "%d digits", n)
				assert.Equal(t, ReasonNumberTooLong, de.Reason)
				assert.Equal(t, bytes.Index(msg, []byte(digits(8))), de.Offset, "the offset of the number")
				assert.Less(t, len(err.Error()), 300, "the error quotes none of the number")
			})
		}
	}

	ev, err := d.Decode(nil, longNumberMessages(MaxNumberLength)["schemaless column"])
	require.NoError(t, err, "a number of MaxNumberLength characters decodes")
	i, ok := ev.After.Columns().Index("a")
	require.True(t, ok)
	assert.Equal(t, KindDecimal, ev.After.Value(i).Kind())
}

// TestItem15LongNumberWorkIsBounded compares the work of decoding 64 KiB and 1 MiB of digits:
// the same allocations, and a few hundred bytes, where converting the number to a decimal
// allocated in proportion to it and took time quadratic in it (1 MiB: 2-8 s of CPU).
func TestItem15LongNumberWorkIsBounded(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	d, err := NewDecoder()
	require.NoError(t, err)
	work := func(msg []byte) (allocs float64, bytesPerOp uint64) {
		const runs = 3
		allocs = testing.AllocsPerRun(runs, func() {
			if _, err := d.Decode(nil, msg); ReasonOf(err) != ReasonNumberTooLong {
				t.Errorf("got %v, want a %s error", err, ReasonNumberTooLong)
			}
		})
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range runs {
			_, _ = d.Decode(nil, msg)
		}
		runtime.ReadMemStats(&after)
		return allocs, (after.TotalAlloc - before.TotalAlloc) / runs
	}
	for place, small := range longNumberMessages(64 << 10) {
		t.Run(place, func(t *testing.T) {
			big := longNumberMessages(1 << 20)[place]
			smallAllocs, _ := work(small)
			bigAllocs, bigBytes := work(big)
			assert.Equal(t, smallAllocs, bigAllocs, "allocations for 64 KiB and for 1 MiB of digits")
			assert.LessOrEqual(t, bigAllocs, 16.0)
			assert.Less(t, bigBytes, uint64(16<<10), "bytes allocated to reject 1 MiB of digits")
		})
	}
}

// TestItem15ReasonOf checks that the new reason reaches callers through wrapping.
func TestItem15ReasonOf(t *testing.T) {
	d, err := NewDecoder()
	require.NoError(t, err)
	_, err = d.Decode(nil, longNumberMessages(1 << 20)["schemaless column"])
	wrapped := errors.Join(errors.New("batch 7"), err)
	assert.Equal(t, ReasonNumberTooLong, ReasonOf(wrapped))
	assert.Contains(t, err.Error(), "decode value.after (byte ")
}
