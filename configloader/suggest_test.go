package configloader

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSuggest(t *testing.T) {
	tests := []struct {
		got     string
		options []string
		want    string
	}{
		{"check_row_cont", dataQualityKeys, "check_row_count"},
		{"databse_type", sourceKeys, "database_type"},
		{"dtaabase_type", sourceKeys, "database_type"}, // a transposition is one edit
		{"Database_Type", sourceKeys, "database_type"},
		{"databaseType", sourceKeys, "database_type"},
		{"bulk-load", sourceKeys, "bulk_load"},
		{"url", icebergKeys, "uri"},
		{"dns", connectionKeys, "dsn"},
		{"postgresql", databaseTypes, "postgres"},
		{"prometeus", sinkNames, "prometheus"},
		{"tolerance", dataQualityKeys, ""},
		{"x", sourceKeys, ""},
		{"", sourceKeys, ""},
		{strings.Repeat("a", maxSuggestLen+1), sourceKeys, ""},
	}
	for _, tt := range tests {
		t.Run(tt.got, func(t *testing.T) {
			want := ""
			if tt.want != "" {
				want = `did you mean "` + tt.want + `"?`
			}
			assert.Equal(t, want, suggest(tt.got, tt.options))
		})
	}
}

func TestOSADistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "", 3},
		{"", "abc", 3},
		{"abc", "abc", 0},
		{"abc", "acb", 1},
		{"ca", "abc", 3}, // OSA, unlike unrestricted Damerau-Levenshtein (2), edits no substring twice
		{"kitten", "sitting", 3},
		{"héllo", "hello", 1}, // runes, not bytes
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, osaDistance(tt.a, tt.b), "%q %q", tt.a, tt.b)
		assert.Equal(t, tt.want, osaDistance(tt.b, tt.a), "%q %q", tt.b, tt.a)
	}
}
