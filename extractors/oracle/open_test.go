package oracle_test

import (
	"context"
	"net"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors/oracle"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	return port
}

func TestOpenUnreachable(t *testing.T) {
	const password = "Sup3r$ecret/pw@x"
	port := closedPort(t)
	for _, tc := range []struct {
		name string
		conn configloader.Connection
	}{
		{"fields", configloader.Connection{Host: "127.0.0.1", Port: port, ServiceName: "FREEPDB1", Username: "etl", Password: password}},
		{"dsn", configloader.Connection{DSN: configloader.Secret("oracle://etl:" + url.PathEscape(password) + "@127.0.0.1:" + strconv.Itoa(port) + "/FREEPDB1")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			start := time.Now()
			ext, err := oracle.Open(ctx, &configloader.Source{Name: "erp", DatabaseType: "oracle", Connection: tc.conn})
			require.Error(t, err)
			assert.Nil(t, ext)
			assert.Less(t, time.Since(start), 15*time.Second, "a refused connection fails fast")
			msg := err.Error()
			assert.Contains(t, msg, `oracle: source "erp": ping 127.0.0.1:`+strconv.Itoa(port)+`/FREEPDB1: `)
			assert.Contains(t, msg, "refused")
			assert.NotContains(t, msg, password)
			assert.NotContains(t, msg, "Sup3r")
			assert.NotContains(t, msg, "ecret")
			t.Log(msg)
		})
	}
}

func TestOpenRejects(t *testing.T) {
	ctx := context.Background()
	// An unescaped "/" in the password breaks the URL; the parser's message would quote part of it.
	_, err := oracle.Open(ctx, &configloader.Source{Name: "erp", Connection: configloader.Connection{DSN: "oracle://etl:Sup3r$ecret/pw@127.0.0.1:1521/X"}})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "ecret")
	assert.Contains(t, err.Error(), "connection.dsn is not a valid URL")
	_, err = oracle.Open(ctx, nil)
	assert.EqualError(t, err, "oracle: open: source is nil")
	_, err = oracle.Open(ctx, &configloader.Source{Name: "erp", DatabaseType: "oracle", Connection: configloader.Connection{Host: "h"}})
	assert.EqualError(t, err, `oracle: source "erp": connection.service_name is required when connection.dsn is not set`)
	_, err = oracle.Open(ctx, &configloader.Source{Name: "erp", Connection: configloader.Connection{Host: "h", ServiceName: "s"}}, oracle.WithSchema("A\x00B"))
	assert.EqualError(t, err, `oracle: open: schema "A\x00B" holds a NUL character`)
}
