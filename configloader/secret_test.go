package configloader_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/configloader"
)

// Recognisable secrets for these tests.
const (
	secretPassword = "Pa55w0rd-do-not-print"
	secretDSN      = "oracle://etl:dsn-pw-do-not-print@db:1521/ORCL"
	secretToken    = "dt0c01.token-do-not-print"
	secretAPIKey   = "ol-api-key-do-not-print"
)

// assertNoSecret fails when s shows any of the secrets, or a part of one.
func assertNoSecret(t *testing.T, s string) {
	t.Helper()
	for _, secret := range []string{secretPassword, secretDSN, "dsn-pw-do-not-print", secretToken, secretAPIKey, "do-not-print"} {
		assert.NotContains(t, s, secret)
	}
}

// verbs are the fmt verbs a value may be printed with. %p is left out: on a value that is not a
// pointer it is a mistake go vet reports, and fmt then prints the value without calling any of
// its methods, so no type can redact it (see the Secret documentation).
var verbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s", "%-20v", "%T"}

// printAll prints v with every verb, marshals it to JSON and logs it with slog's text and JSON
// handlers, as an attribute and inside a group.
func printAll(t *testing.T, v any) string {
	t.Helper()
	var b strings.Builder
	for _, verb := range verbs {
		fmt.Fprintf(&b, verb+"\n", v)
	}
	fmt.Fprintln(&b, v)
	js, err := json.Marshal(v)
	require.NoError(t, err)
	b.Write(js)
	var logs bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&logs, nil), slog.NewJSONHandler(&logs, nil)} {
		log := slog.New(h)
		log.Info("config", slog.Any("cfg", v))
		log.Info("config", "v", v)
		log.Info("config", slog.Group("g", slog.Any("cfg", v)))
	}
	b.Write(logs.Bytes())
	return b.String()
}

func secretConfig(t *testing.T) *configloader.Config {
	t.Helper()
	t.Setenv("ETLWATCH_TEST_PASSWORD", secretPassword)
	t.Setenv("ETLWATCH_TEST_API_KEY", secretAPIKey)
	cfg, err := configloader.Parse("sources.yaml", []byte(`sources:
  dev_mydb:
    database_type: oracle
    connection:
      username: etl
      password: ${ETLWATCH_TEST_PASSWORD}
      dsn: '`+secretDSN+`'
    monitoring:
      dynatrace:
        api_token: `+secretToken+`
    lineage:
      url: http://etl:`+secretPassword+`@marquez:5000
      api_key: ${ETLWATCH_TEST_API_KEY}
`))
	require.NoError(t, err)
	s := cfg.Sources["dev_mydb"]
	require.Equal(t, secretPassword, s.Connection.Password.Reveal())
	require.Equal(t, secretDSN, s.Connection.DSN.Reveal())
	require.Equal(t, secretToken, s.Monitoring.Dynatrace.APIToken.Reveal())
	require.Equal(t, secretAPIKey, s.Lineage.APIKey.Reveal())
	return cfg
}

func TestSecretsAreRedacted(t *testing.T) {
	cfg := secretConfig(t)
	src := cfg.Sources["dev_mydb"]
	tests := []struct {
		name string
		v    any
	}{
		{"*Config", cfg},
		{"Config", *cfg},
		{"*Source", src},
		{"Source", *src},
		{"Connection", src.Connection},
		{"*Connection", &src.Connection},
		{"Dynatrace", src.Monitoring.Dynatrace},
		{"Lineage", src.Lineage},
		{"*Lineage", &src.Lineage},
		{"Lineage.APIKey", src.Lineage.APIKey},
		{"Secret", src.Connection.Password},
		{"*Secret", &src.Connection.Password},
		{"[]Secret", []configloader.Secret{src.Connection.DSN}},
		{"map", map[string]any{"s": src.Monitoring.Dynatrace.APIToken}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := printAll(t, tt.v)
			assertNoSecret(t, out)
			if tt.name != "*Secret" { // %T and %p aside, a *Secret prints as an address
				assert.Contains(t, out, configloader.Redacted)
			}
		})
	}
	t.Run("String", func(t *testing.T) {
		assertNoSecret(t, cfg.String()+src.String())
		assert.Contains(t, cfg.String(), "password: '[REDACTED]'")
	})
	t.Run("slog JSON shows the fields", func(t *testing.T) {
		var logs bytes.Buffer
		slog.New(slog.NewJSONHandler(&logs, nil)).Info("loaded", slog.Any("cfg", cfg))
		assert.Contains(t, logs.String(), `"Password":"[REDACTED]"`)
		assert.Contains(t, logs.String(), `"Username":"etl"`)
	})
}

func TestSecret(t *testing.T) {
	s := configloader.Secret(secretPassword)
	assert.Equal(t, secretPassword, s.Reveal())
	assert.Equal(t, "[REDACTED]", s.String())
	assert.Equal(t, `"[REDACTED]"`, fmt.Sprintf("%q", s))
	assert.Equal(t, `"[REDACTED]"`, fmt.Sprintf("%#v", s))
	assert.Equal(t, "[REDACTED]", slog.AnyValue(s).Resolve().String())
	assertNoSecret(t, printAll(t, s))

	var empty configloader.Secret
	assert.Empty(t, empty.String(), "an empty secret shows that it is empty")
	assert.Equal(t, `""`, fmt.Sprintf("%q", empty))
	js, err := json.Marshal(struct{ S configloader.Secret }{})
	require.NoError(t, err)
	assert.JSONEq(t, `{"S":""}`, string(js))
}

// TestSecretsNotInErrors checks that a mistake in a secret field describes the value without
// showing it.
func TestSecretsNotInErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string // the connection: and monitoring: of a source
		want string
	}{
		{"password list", "connection:\n  password: [" + secretPassword + "]", "connection.password: found a list; allowed: a string"},
		{"dsn mapping", "connection:\n  dsn: {" + secretDSN + ": x}", "connection.dsn: found a mapping; allowed: a string"},
		{"token list", "monitoring:\n  dynatrace:\n    api_token: [" + secretToken + "]", "api_token: found a list"},
		{"lineage api key list", "lineage:\n  url: http://m:5000\n  api_key: [" + secretAPIKey + "]", "lineage.api_key: found a list; allowed: a string"},
		{"lineage url with a password", "lineage:\n  url: ftp://u:" + secretPassword + "@m:5000", "lineage.url: found"},
		{"an environment secret as a lineage url", "lineage:\n  url: ${ETLWATCH_TEST_PASSWORD}", "lineage.url: found a string of 21 characters"},
		{"malformed reference in a password", "connection:\n  password: 'pa${do-not-print}'",
			"connection.password: found a ${} reference whose name is not a variable name"},
		{"unterminated reference in a token", "monitoring:\n  dynatrace:\n    api_token: 'x${do-not-print'",
			"api_token: found a ${ without a closing }"},
		{"an environment secret in the wrong field", "connection:\n  port: ${ETLWATCH_TEST_PASSWORD}",
			`connection.port: found a string of 21 characters (from "${ETLWATCH_TEST_PASSWORD}"); allowed: an integer from 1 to 65535`},
		{"an environment secret as a name", "iceberg:\n  catalog: ${ETLWATCH_TEST_PASSWORD}",
			`iceberg.catalog: found a string of 21 characters (from "${ETLWATCH_TEST_PASSWORD}"); allowed: sql, rest or glue`},
		{"an environment secret in a listen address", "monitoring:\n  prometheus: {listen: '${ETLWATCH_TEST_PASSWORD}'}",
			`prometheus.listen: found a string of 21 characters (from "${ETLWATCH_TEST_PASSWORD}")`},
		{"a secret among other mistakes", "connection:\n  password: " + secretPassword + "\n  port: " + secretPassword,
			`connection.port: found the string "` + secretPassword + `"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("ETLWATCH_TEST_PASSWORD", secretPassword)
			_, err := configloader.Parse("sources.yaml", []byte("sources:\n  a:\n    database_type: oracle\n"+indent(tt.yaml, "    ")))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			if tt.name == "a secret among other mistakes" {
				// port is not a secret field, so its value is shown; the password line is not.
				assert.Equal(t, 1, strings.Count(err.Error(), secretPassword))
				return
			}
			assertNoSecret(t, err.Error())
			var le *configloader.LoadError
			require.True(t, errors.As(err, &le))
			for _, fe := range le.Errors {
				assertNoSecret(t, fmt.Sprintf("%+v %#v", fe, fe))
			}
		})
	}
}
