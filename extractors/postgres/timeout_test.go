package postgres_test

import (
	"testing"

	"github.com/etlwatch/etlwatch/extractors/internal/connecttest"
	"github.com/etlwatch/etlwatch/extractors/postgres"
)

// TestConnectTimeout opens sources whose server never answers: Open fails with a
// ConnectTimeoutError that names host:port, what did not answer and the setting to raise.
func TestConnectTimeout(t *testing.T) {
	connecttest.Run(t, connecttest.Driver{
		Type: "postgres", Product: "PostgreSQL", DriverOption: [2]string{"connect_timeout", "1"},
		Open: connecttest.Opener(postgres.Open, postgres.WithConnectTimeout),
	})
}
