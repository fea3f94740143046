package debezium

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/etlwatch/etlwatch/internal/testenv"
)

// The benchmark envelope: an insert into a PostgreSQL table of 11 columns (bigint, int, text,
// numeric(12,2), timestamp, timestamptz, date, bool, double) with source and transaction blocks:
// 731 bytes of payload, 4,172 bytes with its schema.
func benchInputs(tb testing.TB) (cases []struct {
	name       string
	key, value []byte
}) {
	read := func(name string) []byte {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			tb.Fatal(err)
		}
		return b
	}
	return append(cases,
		struct {
			name       string
			key, value []byte
		}{"schemaless", read("bench-postgres-key-schemaless.json"), read("bench-postgres-schemaless.json")},
		struct {
			name       string
			key, value []byte
		}{"with-schema", read("bench-postgres-key-with-schema.json"), read("bench-postgres-with-schema.json")},
	)
}

// rate reports envelopes per wall-clock second and per CPU-second of the process (with -cpu 1 the
// latter is the rate of one core, GC included, however busy the machine is). Call it before the
// loop and call the returned function after it.
func rate(b *testing.B) func() {
	cpu0 := testenv.ProcessCPU()
	return func() {
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "envelopes/s")
		if cpu := testenv.ProcessCPU() - cpu0; cpu > 0 {
			b.ReportMetric(float64(b.N)/cpu.Seconds(), "envelopes/cpu-s")
		}
	}
}

// BenchmarkDecode measures this package; run with -cpu 1 for the per-core rate. Its chunked
// runs use WithChunkedAllocation, as the cdc consumer does.
func BenchmarkDecode(b *testing.B) {
	for _, c := range benchInputs(b) {
		for _, chunked := range []bool{false, true} {
			name := c.name
			var opts []Option
			if chunked {
				name += "/chunked"
				opts = append(opts, WithChunkedAllocation())
			}
			b.Run(name, func(b *testing.B) { benchDecode(b, c.key, c.value, opts...) })
		}
	}
}

func benchDecode(b *testing.B, key, value []byte, opts ...Option) {
	d, err := NewDecoder(opts...)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(key) + len(value)))
	b.ReportAllocs()
	done := rate(b)
	for b.Loop() {
		if _, err := d.Decode(key, value); err != nil {
			b.Fatal(err)
		}
	}
	done()
}

// BenchmarkDecodeInto reuses one Event, as a consumer loop that hands rows on at once would.
func BenchmarkDecodeInto(b *testing.B) {
	for _, c := range benchInputs(b) {
		b.Run(c.name, func(b *testing.B) {
			d, err := NewDecoder()
			if err != nil {
				b.Fatal(err)
			}
			var ev Event
			b.SetBytes(int64(len(c.key) + len(c.value)))
			b.ReportAllocs()
			done := rate(b)
			for b.Loop() {
				if err := d.DecodeInto(&ev, c.key, c.value); err != nil {
					b.Fatal(err)
				}
			}
			done()
		})
	}
}

// BenchmarkEncodingJSONMap is the anchor: encoding/json into a generic map, key and value,
// with no logical-type decoding at all.
func BenchmarkEncodingJSONMap(b *testing.B) {
	for _, c := range benchInputs(b) {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.key) + len(c.value)))
			b.ReportAllocs()
			done := rate(b)
			for b.Loop() {
				var k, v map[string]any
				if err := json.Unmarshal(c.key, &k); err != nil {
					b.Fatal(err)
				}
				if err := json.Unmarshal(c.value, &v); err != nil {
					b.Fatal(err)
				}
			}
			done()
		})
	}
}

// BenchmarkDecodeLongNumber measures the rejection of a value with a run of digits longer than
// MaxNumberLength in a schemaless column: one linear pass, so 1 MiB costs 16 times 64 KiB.
func BenchmarkDecodeLongNumber(b *testing.B) {
	for _, n := range []int{64 << 10, 1 << 20} {
		b.Run(fmt.Sprintf("digits=%dKiB", n>>10), func(b *testing.B) {
			d, err := NewDecoder()
			if err != nil {
				b.Fatal(err)
			}
			msg := longNumberMessages(n)["schemaless column"]
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.Decode(nil, msg); ReasonOf(err) != ReasonNumberTooLong {
					b.Fatalf("got %v, want a %s error", err, ReasonNumberTooLong)
				}
			}
		})
	}
}
