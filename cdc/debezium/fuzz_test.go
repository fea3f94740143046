package debezium

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode feeds arbitrary keys and values to a decoder (with hints, so that schemaless values
// go through every logical conversion) and checks that it never panics, that every error is a
// *DecodeError with a reason, that nothing invalid as JSON is accepted, and that decoded rows are
// consistent.
func FuzzDecode(f *testing.F) {
	var files []string
	for _, pattern := range []string{"testdata/*.json", "testdata/original/*.json"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		files = append(files, m...)
	}
	key, err := os.ReadFile("testdata/06-postgres-key-with-schema.json")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add([]byte(nil), b)
		f.Add(key, b)
		f.Add(b, []byte(nil))
	}
	f.Add([]byte(`{"id":1}`), []byte(`{"op":"c","source":{},"after":{"a":{"scale":2,"value":"/w=="},"bb":"2024-01-01T00:00:00Z","ccc":"AQ==","dddd":1.25}}`))
	logicals := []Logical{LogicalNone, LogicalDecimal, LogicalVariableScaleDecimal, LogicalDate, LogicalTime,
		LogicalMicroTime, LogicalNanoTime, LogicalZonedTime, LogicalTimestamp, LogicalMicroTimestamp,
		LogicalNanoTimestamp, LogicalZonedTimestamp, LogicalJSON, LogicalUUID, LogicalBytes}
	hints := WithHints(func(_ TableID, col string) (Hint, bool) {
		if col == "" {
			return Hint{}, false
		}
		return Hint{Logical: logicals[len(col)%len(logicals)], Scale: int32(col[0] % 5)}, true
	})
	d, err := NewDecoder(hints, WithSchemaCacheSize(8))
	if err != nil {
		f.Fatal(err)
	}
	plain, err := NewDecoder()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, key, value []byte) {
		for _, dec := range []*Decoder{d, plain} {
			ev, err := dec.Decode(key, value)
			if err != nil {
				var de *DecodeError
				if !errors.As(err, &de) || de.Reason == "" {
					t.Fatalf("error %v (%T) is not a *DecodeError with a reason", err, err)
				}
				_ = err.Error()
				continue
			}
			for _, part := range [][]byte{key, value} {
				if !isNull(part) && !json.Valid(part) {
					t.Fatalf("accepted invalid JSON %q", part)
				}
			}
			if ev.Op == OpUnknown {
				t.Fatal("decoded event without op")
			}
			for _, r := range []Row{ev.Key, ev.Before, ev.After} {
				if r.Present() && r.Len() != r.Columns().Len() {
					t.Fatalf("row has %d values for %d columns", r.Len(), r.Columns().Len())
				}
				_ = r.String()
			}
		}
	})
}
