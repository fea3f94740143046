package configloader_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	yaml "go.yaml.in/yaml/v3"

	"github.com/etlwatch/etlwatch/configloader"
)

// item12Secrets are the credentials of item12YAML; none may be printed.
var item12Secrets = []string{"uri-pw-1", "uri-user-token-1", "uri-pw-2", "uri-tok-1", "uri-pw-3", "uri-pw-4", "uri-pw-5",
	"uri-pw-6", "opt-pw-1", "opt-pw-2", "opt-tok-1", "opt-ak-1", "opt-proxy-pw-1"}

// item12YAML holds each form of credential in iceberg.uri and connection.options.
const item12YAML = `sources:
  userinfo_password:
    database_type: sqlite
    iceberg: {catalog: rest, uri: "https://etl:uri-pw-1@catalog.internal/v1"}
  userinfo_user_only:
    database_type: sqlite
    iceberg: {catalog: rest, uri: "https://uri-user-token-1@catalog.internal/v1"}
  password_parameter:
    database_type: sqlite
    iceberg: {uri: "postgres://db/cat?user=etl&password=uri-pw-2&sslmode=require"}
  token_parameter:
    database_type: sqlite
    iceberg: {catalog: rest, uri: "https://catalog.internal/v1?token=uri-tok-1"}
  unsupported:
    database_type: sqlite
    iceberg: {uri: "etl:uri-pw-3@tcp(db:3306)/cat"}
  unparseable:
    database_type: sqlite
    iceberg: {uri: "postgres://etl:bad%zzuri-pw-4@db/cat"}
  key_value_dsn:
    database_type: sqlite
    iceberg: {uri: "host=db user=etl password=uri-pw-5 dbname=cat"}
  key_value_dsn_quoted:
    database_type: sqlite
    iceberg: {uri: "host=db password='uri-pw-6 x' dbname=cat"}
  options:
    database_type: postgres
    connection:
      host: db
      options:
        sslpassword: opt-pw-1
        password: opt-pw-2
        token: opt-tok-1
        access_key: opt-ak-1
        proxy: "http://etl:opt-proxy-pw-1@proxy:3128"
        sslmode: require
`

func assertNoItem12Secret(t *testing.T, s string) {
	t.Helper()
	for _, secret := range item12Secrets {
		assert.NotContains(t, s, secret)
	}
}

// TestItem12SecretsRedactedInConfig feeds each form of credential in iceberg.uri and
// connection.options (issue 11, item 12) through every printer of a configuration: String, every
// fmt verb, encoding/json, YAML, slog's text and JSON handlers, and the loader's errors.
func TestItem12SecretsRedactedInConfig(t *testing.T) {
	cfg, err := configloader.Parse("sources.yaml", []byte(item12YAML))
	require.NoError(t, err)
	require.Equal(t, "https://etl:uri-pw-1@catalog.internal/v1", cfg.Sources["userinfo_password"].Iceberg.URI, "the value is kept")
	require.Equal(t, "opt-pw-1", cfg.Sources["options"].Connection.Options["sslpassword"])

	printers := map[string]any{"*Config": cfg, "Config": *cfg}
	for name, s := range cfg.Sources {
		printers[name+" *Source"] = s
		printers[name+" Source"] = *s
		printers[name+" Iceberg"] = s.Iceberg
		printers[name+" *Iceberg"] = &s.Iceberg
		printers[name+" Connection"] = s.Connection
		printers[name+" *Connection"] = &s.Connection
	}
	for name, v := range printers {
		t.Run(name, func(t *testing.T) {
			out := printAll(t, v)
			y, err := yaml.Marshal(v)
			require.NoError(t, err)
			assertNoItem12Secret(t, out+string(y))
		})
	}

	t.Run("String keeps what is not a credential", func(t *testing.T) {
		text := cfg.String()
		assertNoItem12Secret(t, text)
		for _, want := range []string{
			"uri: https://etl:[REDACTED]@catalog.internal/v1",
			"uri: https://[REDACTED]@catalog.internal/v1",
			"uri: postgres://db/cat?user=etl&password=[REDACTED]&sslmode=require",
			"uri: https://catalog.internal/v1?token=[REDACTED]",
			"uri: etl:[REDACTED]",
			"uri: postgres://[REDACTED]",
			"uri: host=db user=etl password=[REDACTED] dbname=cat",
			"uri: host=db password=[REDACTED] dbname=cat",
			"sslpassword: '[REDACTED]'",
			"password: '[REDACTED]'",
			"token: '[REDACTED]'",
			"access_key: '[REDACTED]'",
			"proxy: http://etl:[REDACTED]@proxy:3128",
			"sslmode: require",
		} {
			assert.Contains(t, text, want)
		}
	})

	t.Run("%+v of a Source shows the masked URI", func(t *testing.T) {
		s := cfg.Sources["token_parameter"]
		assert.Contains(t, printAll(t, s.Iceberg), "https://catalog.internal/v1?token=[REDACTED]")
		assert.Contains(t, printAll(t, *s), "https://catalog.internal/v1?token=[REDACTED]")
	})

	t.Run("load errors", func(t *testing.T) {
		// Another mistake in the same file, and a uri of the wrong type holding a secret.
		bad := strings.Replace(item12YAML, "sslmode: require\n", "sslmode: require\n    bulk_load: {parallel_workers: 0}\n", 1) +
			"  wrong_type:\n    database_type: sqlite\n    iceberg: {uri: [uri-pw-1, {token: uri-tok-1}]}\n"
		_, err := configloader.Parse("sources.yaml", []byte(bad))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "parallel_workers")
		assert.Contains(t, err.Error(), "sources.wrong_type.iceberg.uri: found a list")
		assertNoItem12Secret(t, err.Error())
		assertNoItem12Secret(t, printAll(t, err))
	})
}
