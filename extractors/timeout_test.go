package extractors_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/extractors"
	"github.com/etlwatch/etlwatch/extractors/internal/connecttest"
	"github.com/etlwatch/etlwatch/internal/blackhole"
)

// TestOpenConnectTimeout shows that WithConnectTimeout reaches every networked database: a
// server that accepts and never answers fails Open with a ConnectTimeoutError.
func TestOpenConnectTimeout(t *testing.T) {
	for _, typ := range []string{"postgres", "mysql", "oracle"} {
		t.Run(typ, func(t *testing.T) {
			addr := blackhole.Silent(t)
			src := connecttest.Source(t, typ, addr)
			_, err := extractors.Open(context.Background(), src, extractors.WithConnectTimeout(time.Second))
			var cte *extractors.ConnectTimeoutError
			require.True(t, errors.As(err, &cte), "%v", err)
			assert.Equal(t, addr, cte.Address)
			assert.True(t, cte.Accepted)
			assert.Equal(t, time.Second, cte.Timeout)
			assert.Contains(t, err.Error(), typ+".WithConnectTimeout (or connection.connect_timeout in sources.yaml)")
		})
	}
}
