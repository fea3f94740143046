package secrets_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/etlwatch/etlwatch/extractors/internal/secrets"
)

func TestRedact(t *testing.T) {
	dsn := "postgres://etl:pw@db:5432/x"
	tests := []struct {
		name    string
		err     error
		secrets []string
		want    string
	}{
		{"a DSN whole, before its password", errors.New("parse " + dsn + ": bad"), []string{"pw", dsn}, "parse [REDACTED]: bad"},
		{"a short password everywhere", errors.New("auth pw failed for pw"), []string{"pw"}, "auth [REDACTED] failed for [REDACTED]"},
		{"empty secrets are no secrets", errors.New("refused"), []string{""}, "refused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.EqualError(t, secrets.Redact(tc.err, tc.secrets), tc.want)
		})
	}
	plain := errors.New("nothing secret")
	assert.Same(t, plain, secrets.Redact(plain, []string{"pw"}), "an error without a secret is returned as it is")
	assert.NoError(t, secrets.Redact(nil, []string{"pw"}))
}

func TestRedactKeepsIs(t *testing.T) {
	err := secrets.Redact(fmt.Errorf("dial with pw: %w", context.DeadlineExceeded), []string{"pw"})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Nil(t, errors.Unwrap(err), "the original text, which holds the secret, is not reachable by Unwrap")
}
