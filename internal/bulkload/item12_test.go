package bulkload

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/extractors/sqlite"
)

// TestItem12SecretsRedactedInEvents runs the bulk load with each form of credential iceberg.uri
// and connection.options can hold (issue 11, item 12), where the catalog cannot be opened, and
// checks the JSON events on stdout and the message on stderr: the URI is named with the
// credential masked.
func TestItem12SecretsRedactedInEvents(t *testing.T) {
	db := filepath.Join(t.TempDir(), "sample.db")
	require.NoError(t, sqlite.CreateSample(t.Context(), db, 10))
	tests := []struct {
		name    string
		iceberg string // the iceberg: mapping
		secrets []string
		want    string // the masked URI
	}{
		{"REST userinfo password and token", `{catalog: rest, uri: "http://etl:bl-pw-1@127.0.0.1:1/cat?token=bl-tok-1"}`,
			[]string{"bl-pw-1", "bl-tok-1"}, "http://etl:[REDACTED]@127.0.0.1:1/cat?token=[REDACTED]"},
		{"REST userinfo user only", `{catalog: rest, uri: "http://bl-user-tok-2@127.0.0.1:1/cat"}`,
			[]string{"bl-user-tok-2"}, "http://[REDACTED]@127.0.0.1:1/cat"},
		{"sql password and sslpassword", `{uri: "postgres://etl:bl-pw-2@127.0.0.1:1/cat?sslpassword=bl-pw-3&sslmode=disable"}`,
			[]string{"bl-pw-2", "bl-pw-3"}, "postgres://etl:[REDACTED]@127.0.0.1:1/cat?sslpassword=[REDACTED]&sslmode=disable"},
		{"sql unparseable", `{uri: "postgres://etl:bad%zzbl-pw-4@127.0.0.1:1/cat"}`,
			[]string{"bl-pw-4"}, "postgres://[REDACTED]"},
		{"unsupported key=value DSN", `{uri: "host=db user=etl password=bl-pw-5"}`,
			[]string{"bl-pw-5"}, "host=db user=etl password=[REDACTED]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeConfig(t, fmt.Sprintf(`sources:
  src:
    database_type: sqlite
    connection:
      database: %q
      options: {sslpassword: bl-opt-pw-1, token: bl-opt-tok-1}
    iceberg: %s
`, db, tt.iceberg))
			var stdout, stderr bytes.Buffer
			code := Run(t.Context(), []string{"--source", "src", "--config-dir", dir}, &stdout, &stderr)
			assert.Equal(t, 1, code)
			out := stdout.String() + stderr.String()
			for _, s := range append(tt.secrets, "bl-opt-pw-1", "bl-opt-tok-1") {
				assert.NotContains(t, out, s)
			}
			assert.Contains(t, stderr.String(), `iceberg.uri "`+tt.want+`"`)
			assert.Contains(t, stdout.String(), `"event_type":"job_failed"`)
			assert.Contains(t, stdout.String(), `bulk load could not start`)
			assert.Contains(t, stdout.String(), `iceberg.uri \"`+tt.want+`\"`, "the JSON event")
		})
	}
}
