package postgres_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/extractors/postgres"
	"github.com/etlwatch/etlwatch/internal/blackhole"
)

// blackholeSource is a postgres source at addr, a peer that never answers.
func blackholeSource(t *testing.T, addr string) *configloader.Source {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	p, err := strconv.Atoi(port)
	require.NoError(t, err)
	return &configloader.Source{Name: "stuck", DatabaseType: "postgres", Connection: configloader.Connection{
		Host: host, Port: p, Database: "test", Username: "etl", Password: "hunter2-secret"}}
}

// TestConnectTimeout opens sources whose server never answers: Open fails with a
// ConnectTimeoutError that names host:port, what did not answer and the setting to raise.
func TestConnectTimeout(t *testing.T) {
	for _, tc := range []struct {
		name     string
		addr     func(testing.TB) string
		accepted bool
		set      func(*configloader.Source) []postgres.Option
		setting  string
	}{
		{"accepts and never answers, connection.connect_timeout", blackhole.Silent, true,
			func(s *configloader.Source) []postgres.Option { s.Connection.ConnectTimeout = time.Second; return nil },
			"raise connection.connect_timeout in sources.yaml (or postgres.WithConnectTimeout)"},
		{"never accepts, WithConnectTimeout", blackhole.Unaccepting, false,
			func(*configloader.Source) []postgres.Option {
				return []postgres.Option{postgres.WithConnectTimeout(time.Second)}
			},
			"raise postgres.WithConnectTimeout (or connection.connect_timeout in sources.yaml)"},
		{"accepts and never answers, the driver's connect_timeout option", blackhole.Silent, true,
			func(s *configloader.Source) []postgres.Option {
				s.Connection.Options = map[string]string{"connect_timeout": "1"}
				return nil
			},
			"raise connect_timeout in connection.options or connection.dsn (or connection.connect_timeout in sources.yaml, which wins)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := tc.addr(t)
			src := blackholeSource(t, addr)
			opts := tc.set(src)
			_, err := postgres.Open(context.Background(), src, opts...)
			require.Error(t, err)
			var cte *extract.ConnectTimeoutError
			require.ErrorAs(t, err, &cte, "%v", err)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			assert.Equal(t, addr, cte.Address)
			assert.Equal(t, tc.accepted, cte.Accepted)
			assert.Equal(t, time.Second, cte.Timeout)
			msg := err.Error()
			assert.Contains(t, msg, `postgres: source "stuck": `+addr)
			assert.Contains(t, msg, tc.setting)
			assert.Contains(t, msg, "connect_timeout")
			if tc.accepted {
				assert.Contains(t, msg, "accepted the TCP connection but the PostgreSQL server did not answer the handshake within 1s")
			} else {
				assert.Contains(t, msg, "did not accept a TCP connection within 1s")
			}
			assert.NotContains(t, msg, "hunter2-secret")
		})
	}
}

// TestConnectTimeoutCallerContext shows that the caller's own deadline is not reported as the
// connect timeout: the error is the context's.
func TestConnectTimeoutCallerContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := postgres.Open(ctx, blackholeSource(t, blackhole.Silent(t)))
	require.Error(t, err)
	var cte *extract.ConnectTimeoutError
	assert.False(t, errors.As(err, &cte), "not a ConnectTimeoutError: %v", err)
}
