package connecttest

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
	"github.com/etlwatch/etlwatch/internal/blackhole"
)

// Password is the source's password, which no error may contain.
const Password = "hunter2-secret"

// Source returns a source named "stuck" of database type typ at addr (host:port), with a
// database, an Oracle service name, a user and [Password].
func Source(t testing.TB, typ, addr string) *configloader.Source {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	p, err := strconv.Atoi(port)
	require.NoError(t, err)
	return &configloader.Source{Name: "stuck", DatabaseType: typ, Connection: configloader.Connection{
		Host: host, Port: p, Database: "test", ServiceName: "FREEPDB1", Username: "etl", Password: Password}}
}

// Opener adapts a package's Open and one of its With*Timeout options to what [Driver] and
// [FirstRowDriver] call: the option is passed when set.
func Opener[O any, E extract.Extractor](open func(context.Context, *configloader.Source, ...O) (E, error), with func(time.Duration) O) func(ctx context.Context, src *configloader.Source, d time.Duration, set bool) (extract.Extractor, error) {
	return func(ctx context.Context, src *configloader.Source, d time.Duration, set bool) (extract.Extractor, error) {
		var opts []O
		if set {
			opts = append(opts, with(d))
		}
		return open(ctx, src, opts...)
	}
}

// Driver is what [Run] needs to know of one extractor.
type Driver struct {
	Type    string // database_type and the errors' prefix: "postgres"
	Product string // the server in the errors: "PostgreSQL"
	// Open opens src; with set it passes the package's WithConnectTimeout(timeout): an
	// [Opener].
	Open func(ctx context.Context, src *configloader.Source, timeout time.Duration, set bool) (extract.Extractor, error)
	// DriverOption is the driver's own connect timeout in connection.options, set to one
	// second: {"connect_timeout", "1"}.
	DriverOption [2]string
}

// Run checks that Open fails within a second with an [*extract.ConnectTimeoutError] naming
// host:port, what did not answer and the setting to raise, set in each of the three ways, and
// that a caller's own deadline is reported as the context's error instead.
func Run(t *testing.T, d Driver) {
	option := d.Type + ".WithConnectTimeout"
	for _, tc := range []struct {
		name     string
		addr     func(testing.TB) string
		accepted bool
		set      func(*configloader.Source) time.Duration
		setting  string
	}{
		{"accepts and never answers, connection.connect_timeout", blackhole.Silent, true,
			func(s *configloader.Source) time.Duration { s.Connection.ConnectTimeout = time.Second; return 0 },
			"raise connection.connect_timeout in sources.yaml (or " + option + ")"},
		{"never accepts, WithConnectTimeout", blackhole.Unaccepting, false,
			func(*configloader.Source) time.Duration { return time.Second },
			"raise " + option + " (or connection.connect_timeout in sources.yaml)"},
		{"accepts and never answers, the driver's own option", blackhole.Silent, true,
			func(s *configloader.Source) time.Duration {
				s.Connection.Options = map[string]string{d.DriverOption[0]: d.DriverOption[1]}
				return 0
			},
			"raise " + d.DriverOption[0] + " in connection.options or connection.dsn (or connection.connect_timeout in sources.yaml, which wins)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := tc.addr(t)
			src := Source(t, d.Type, addr)
			timeout := tc.set(src)
			ext, err := d.Open(context.Background(), src, timeout, timeout > 0)
			if err == nil {
				_ = ext.Close()
			}
			require.Error(t, err)
			var cte *extract.ConnectTimeoutError
			require.ErrorAs(t, err, &cte, "%v", err)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			assert.Equal(t, addr, cte.Address)
			assert.Equal(t, tc.accepted, cte.Accepted)
			assert.Equal(t, time.Second, cte.Timeout)
			msg := err.Error()
			assert.Contains(t, msg, d.Type+`: source "stuck": `+addr)
			assert.Contains(t, msg, tc.setting)
			if tc.accepted {
				assert.Contains(t, msg, "accepted the TCP connection but the "+d.Product+" server did not answer the handshake within 1s")
			} else {
				assert.Contains(t, msg, "did not accept a TCP connection within 1s")
			}
			assert.NotContains(t, msg, Password)
		})
	}
	t.Run("the caller's deadline is not the connect timeout", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		ext, err := d.Open(ctx, Source(t, d.Type, blackhole.Silent(t)), 0, false)
		if err == nil {
			_ = ext.Close()
		}
		require.Error(t, err)
		var cte *extract.ConnectTimeoutError
		assert.False(t, errors.As(err, &cte), "not a ConnectTimeoutError: %v", err)
	})
}
