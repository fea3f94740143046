package correlation_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/correlation"
)

func TestNewID(t *testing.T) {
	t.Run("uuid v4 in canonical form", func(t *testing.T) {
		id := correlation.NewID()
		require.Len(t, id, 36)
		u, err := uuid.Parse(id)
		require.NoError(t, err)
		assert.Equal(t, uuid.Version(4), u.Version())
		assert.Equal(t, uuid.RFC4122, u.Variant())
		assert.Equal(t, id, u.String(), "lower-case hyphenated form")
		assert.True(t, correlation.Valid(id))
	})
	t.Run("unique", func(t *testing.T) {
		const n = 10000
		seen := make(map[string]struct{}, n)
		for range n {
			id := correlation.NewID()
			_, dup := seen[id]
			require.False(t, dup, "duplicate ID %q", id)
			seen[id] = struct{}{}
		}
	})
}

func TestValid(t *testing.T) {
	tests := []struct {
		name string
		id   string
		want bool
	}{
		{"empty", "", false},
		{"single char", "x", true},
		{"uuid", "0b7e1c52-6f4a-4d3e-9a51-2c8f0e4b7d19", true},
		{"space only", " ", true},
		{"all printable ASCII", printableASCII(), true},
		{"128 chars", strings.Repeat("a", 128), true},
		{"129 chars", strings.Repeat("a", 129), false},
		{"NUL", "job\x00-1", false},
		{"tab", "job\t1", false},
		{"newline", "job-1\n", false},
		{"carriage return", "job-1\r", false},
		{"escape", "\x1b[31mjob", false},
		{"unit separator 0x1f", "job\x1f", false},
		{"DEL 0x7f", "job\x7f", false},
		{"non-ASCII UTF-8", "job-é", false},
		{"emoji", "job-🚀", false},
		{"invalid UTF-8", "job-\xff", false},
		{"128 bytes with non-ASCII", strings.Repeat("a", 126) + "é", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, correlation.Valid(tt.id))
		})
	}
}

func printableASCII() string {
	var b strings.Builder
	for c := byte(0x20); c <= 0x7e; c++ {
		b.WriteByte(c)
	}
	return b.String()
}
