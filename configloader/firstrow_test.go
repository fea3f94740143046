package configloader_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/configloader"
)

// TestFirstRowTimeout reads connection.first_row_timeout: a duration, 0 for no timeout (stored
// as a negative value), and an error naming file:line:column for anything else.
func TestFirstRowTimeout(t *testing.T) {
	tests := []struct {
		name, value string
		want        time.Duration
		err         string
	}{
		{"a duration", "first_row_timeout: 30s", 30 * time.Second, ""},
		{"not set: the default", "host: db", 0, ""},
		{"0: no timeout", "first_row_timeout: 0", -1, ""},
		{"0s: no timeout", "first_row_timeout: 0s", -1, ""},
		{"a number without unit", "first_row_timeout: 30", 0,
			`s.yaml:4:37: sources.src.connection.first_row_timeout: found 30 (did you mean "30s"?)`},
		{"0m: no timeout", "first_row_timeout: 0m", -1, ""},
		{"negative", "first_row_timeout: -5s", 0, `s.yaml:4:37: sources.src.connection.first_row_timeout: found the string "-5s"; ` +
			`allowed: a duration greater than zero, such as "60s", "5m" or "1m30s", or 0 for no limit`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			yaml := "sources:\n  src:\n    database_type: postgres\n    connection: {" + tc.value + "}\n"
			cfg, err := configloader.Parse("s.yaml", []byte(yaml))
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			src, err := cfg.Source("src")
			require.NoError(t, err)
			assert.Equal(t, tc.want, src.Connection.FirstRowTimeout)
		})
	}
}

// TestFirstRowTimeoutPrinted shows that the printed configuration reads back the same.
func TestFirstRowTimeoutPrinted(t *testing.T) {
	for _, value := range []string{"first_row_timeout: 90s", "first_row_timeout: 0"} {
		cfg, err := configloader.Parse("s.yaml", []byte("sources:\n  src:\n    database_type: postgres\n    connection: {"+value+"}\n"))
		require.NoError(t, err)
		again, err := configloader.Parse("again.yaml", []byte(cfg.String()))
		require.NoError(t, err, cfg.String())
		assert.Equal(t, cfg.Sources["src"].Connection.FirstRowTimeout, again.Sources["src"].Connection.FirstRowTimeout, value)
	}
}
