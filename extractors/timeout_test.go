package extractors_test

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
	"github.com/etlwatch/etlwatch/extractors"
	"github.com/etlwatch/etlwatch/internal/blackhole"
)

// TestOpenConnectTimeout shows that WithConnectTimeout reaches every networked database: a
// server that accepts and never answers fails Open with a ConnectTimeoutError.
func TestOpenConnectTimeout(t *testing.T) {
	for _, typ := range []string{"postgres", "mysql", "oracle"} {
		t.Run(typ, func(t *testing.T) {
			addr := blackhole.Silent(t)
			host, port, err := net.SplitHostPort(addr)
			require.NoError(t, err)
			p, err := strconv.Atoi(port)
			require.NoError(t, err)
			src := &configloader.Source{Name: "stuck", DatabaseType: typ, Connection: configloader.Connection{
				Host: host, Port: p, Database: "test", ServiceName: "FREEPDB1", Username: "etl"}}
			_, err = extractors.Open(context.Background(), src, extractors.WithConnectTimeout(time.Second))
			var cte *extractors.ConnectTimeoutError
			require.True(t, errors.As(err, &cte), "%v", err)
			assert.Equal(t, addr, cte.Address)
			assert.True(t, cte.Accepted)
			assert.Equal(t, time.Second, cte.Timeout)
			assert.Contains(t, err.Error(), typ+".WithConnectTimeout (or connection.connect_timeout in sources.yaml)")
		})
	}
}
