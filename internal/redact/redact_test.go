package redact_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/etlwatch/etlwatch/internal/redact"
)

// TestItem12URI checks each form a URI or data source name can carry a credential in (issue 11,
// item 12): the credential is masked and the rest kept, so that the URI still says where it
// points.
func TestItem12URI(t *testing.T) {
	tests := []struct {
		name, in, want string
		secrets        []string // what must be listed by Secrets
	}{
		{"empty", "", "", nil},
		{"plain REST", "https://catalog.internal:8181/api/catalog", "https://catalog.internal:8181/api/catalog", nil},
		{"sqlite", "sqlite:///var/lib/etl/catalog.db", "sqlite:///var/lib/etl/catalog.db", nil},
		{"sqlite pragmas", "file:/w/catalog.db?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)",
			"file:/w/catalog.db?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)", nil},
		{"userinfo password", "https://etl:s3cr%40t-pw@catalog.internal/v1", "https://etl:[REDACTED]@catalog.internal/v1", []string{"s3cr%40t-pw", "s3cr@t-pw"}},
		{"userinfo user only", "https://ghp_tokenvalue@catalog.internal/v1", "https://[REDACTED]@catalog.internal/v1", []string{"ghp_tokenvalue"}},
		{"postgres password", "postgres://etl:pg-pw-1@db:5432/cat?sslmode=require", "postgres://etl:[REDACTED]@db:5432/cat?sslmode=require", []string{"pg-pw-1"}},
		{"password parameter", "postgresql://db/cat?user=etl&password=qp-pw-1&sslmode=disable",
			"postgresql://db/cat?user=etl&password=[REDACTED]&sslmode=disable", []string{"qp-pw-1"}},
		{"token parameter", "https://catalog.internal/v1?token=tok-123&region=eu", "https://catalog.internal/v1?token=[REDACTED]&region=eu", []string{"tok-123"}},
		{"secret and access key", "https://c/v1?credential=id%3Acred-1&client_secret=cs-1&access_key=ak-1&X-Amz-Security-Token=st-1",
			"https://c/v1?credential=[REDACTED]&client_secret=[REDACTED]&access_key=[REDACTED]&X-Amz-Security-Token=[REDACTED]",
			[]string{"id%3Acred-1", "id:cred-1", "cs-1", "ak-1", "st-1"}},
		{"sslpassword", "postgres://db/cat?sslpassword=ssl-pw-1", "postgres://db/cat?sslpassword=[REDACTED]", []string{"ssl-pw-1"}},
		{"SAS signature", "https://acct.blob/c?sv=2022&sig=sig-value-1", "https://acct.blob/c?sv=2022&sig=[REDACTED]", []string{"sig-value-1"}},
		{"fragment", "https://c/cb#access_token=frag-tok-1&x=1", "https://c/cb#access_token=[REDACTED]&x=1", []string{"frag-tok-1"}},
		{"unparseable", "postgres://etl:bad%zzpw@db/cat", "postgres://[REDACTED]", []string{"etl:bad%zzpw@db/cat", "bad%zzpw"}},
		{"mysql DSN", "etl:my-pw-1@tcp(db:3306)/cat", "etl:[REDACTED]", []string{"my-pw-1@tcp(db:3306)/cat"}},
		{"jdbc", "jdbc:postgresql://etl:jd-pw-1@db/cat", "jdbc:postgresql://etl:[REDACTED]@db/cat", []string{"jd-pw-1"}},
		{"key=value DSN", "host=db user=etl password=kv-pw-1 sslmode=disable", "host=db user=etl password=[REDACTED] sslmode=disable", []string{"kv-pw-1"}},
		{"key=value DSN quoted", "host=db password = 'kv pw\\' 2' dbname=cat", "host=db password = [REDACTED] dbname=cat", []string{"kv pw\\' 2"}},
		{"ODBC DSN", "Server=db;Uid=etl;Pwd=odbc-pw-1;", "Server=db;Uid=etl;Pwd=[REDACTED];", []string{"odbc-pw-1"}},
		{"key=value DSN unterminated", "host=db password='oops", "[REDACTED]", []string{"host=db password='oops"}},
		{"user at host", "etl@db", "[REDACTED]", []string{"etl@db"}},
		{"a path", "/var/lib/etl/catalog.db", "/var/lib/etl/catalog.db", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, redact.URI(tt.in))
			secrets := redact.Secrets(tt.in)
			if tt.secrets == nil {
				assert.Empty(t, secrets)
				return
			}
			assert.Equal(t, tt.in, secrets[0])
			for _, s := range tt.secrets {
				assert.Contains(t, secrets, s)
				assert.NotContains(t, tt.want, s)
			}
			for i := 2; i < len(secrets); i++ {
				assert.GreaterOrEqual(t, len(secrets[i-1]), len(secrets[i]), "longest first")
			}
		})
	}
}

func TestItem12Key(t *testing.T) {
	for _, name := range []string{"password", "PASSWORD", "sslpassword", "passwd", "PWD", "pw", "token", "auth_token",
		"access_key", "api-key", "AccessKeyId", "secret", "client_secret", "X-Amz-Security-Token", "X-Amz-Signature",
		"sig", "credential", "Authorization", "sslkey", "passfile", "jwt", "Cookie"} {
		assert.True(t, redact.Key(name), name)
	}
	for _, name := range []string{"host", "sslmode", "connect_timeout", "application_name", "user", "dbname",
		"region", "PREFETCH_ROWS", "keepalives", "sv", "timeout", "lob fetch"} {
		assert.False(t, redact.Key(name), name)
	}
}

func TestItem12Option(t *testing.T) {
	assert.Equal(t, redact.Mask, redact.Option("sslpassword", "x"))
	assert.Equal(t, "", redact.Option("password", ""))
	assert.Equal(t, "require", redact.Option("sslmode", "require"))
	assert.Equal(t, "http://u:[REDACTED]@proxy:3128", redact.Option("proxy", "http://u:pw@proxy:3128"))
}

func TestItem12Error(t *testing.T) {
	base := fmt.Errorf("dial postgres://etl:long-secret@db/x: %w", context.DeadlineExceeded)
	err := redact.Error(base, redact.Secrets("postgres://etl:long-secret@db/x"))
	assert.Equal(t, "dial [REDACTED]: context deadline exceeded", err.Error())
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Nil(t, errors.Unwrap(err), "the original text is not reachable")

	err = redact.Error(errors.New("refused for long-secret"), redact.Secrets("postgres://etl:long-secret@db/x"))
	assert.Equal(t, "refused for [REDACTED]", err.Error())

	plain := errors.New("connection refused")
	assert.Same(t, plain, redact.Error(plain, []string{"long-secret"}))
	assert.NoError(t, redact.Error(nil, []string{"x"}))
	assert.Equal(t, "a b", redact.Error(errors.New("a b"), []string{"a"}).Error(), "too short to look for")
}

func TestItem12URIError(t *testing.T) {
	uri := "http://tok-user-1@127.0.0.1:1/cat?token=tok-2"
	err := redact.URIError(fmt.Errorf(`Get "http://tok-user-1@127.0.0.1:1/cat?token=tok-2/v1/config": refused; tok-2 again`), uri)
	assert.Equal(t, `Get "http://[REDACTED]@127.0.0.1:1/cat?token=[REDACTED]/v1/config": refused; [REDACTED] again`, err.Error())
	plain := errors.New("refused")
	assert.Same(t, plain, redact.URIError(plain, "http://127.0.0.1:1/cat"))
}
