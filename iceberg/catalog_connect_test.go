package iceberg_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/iceberg"
	"github.com/etlwatch/etlwatch/internal/blackhole"
)

// TestOpenCatalogConnectTimeout opens catalogs whose server never answers: OpenCatalog fails
// with a ConnectTimeoutError naming host:port and the setting to raise, instead of hanging.
func TestOpenCatalogConnectTimeout(t *testing.T) {
	for _, tc := range []struct {
		name     string
		addr     func(testing.TB) string
		cfg      func(addr, dir string) configloader.Iceberg
		opts     []iceberg.CatalogOption
		accepted bool
		setting  string
	}{
		{"sql on PostgreSQL, accepts and never answers", blackhole.Silent,
			func(addr, dir string) configloader.Iceberg {
				return configloader.Iceberg{URI: "postgres://etl:cat-pw-1@" + addr + "/cat?connect_timeout=1", Warehouse: dir}
			}, nil, true, "raise connect_timeout in iceberg.uri (or iceberg.WithCatalogConnectTimeout, which wins)"},
		{"sql on PostgreSQL, never accepts", blackhole.Unaccepting,
			func(addr, dir string) configloader.Iceberg {
				return configloader.Iceberg{URI: "postgres://etl:cat-pw-1@" + addr + "/cat", Warehouse: dir}
			}, []iceberg.CatalogOption{iceberg.WithCatalogConnectTimeout(time.Second)}, false, "raise iceberg.WithCatalogConnectTimeout"},
		{"REST, accepts and never answers", blackhole.Silent,
			func(addr, _ string) configloader.Iceberg {
				return configloader.Iceberg{Catalog: "rest", URI: "http://" + addr + "/catalog?token=cat-pw-1"}
			}, []iceberg.CatalogOption{iceberg.WithCatalogConnectTimeout(time.Second)}, true, "raise iceberg.WithCatalogConnectTimeout"},
		{"REST, never accepts", blackhole.Unaccepting,
			func(addr, _ string) configloader.Iceberg {
				return configloader.Iceberg{Catalog: "rest", URI: "http://" + addr + "/catalog"}
			}, []iceberg.CatalogOption{iceberg.WithCatalogConnectTimeout(time.Second)}, false, "raise iceberg.WithCatalogConnectTimeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := tc.addr(t)
			_, err := iceberg.OpenCatalog(context.Background(), tc.cfg(addr, t.TempDir()), tc.opts...)
			var cte *extract.ConnectTimeoutError
			require.True(t, errors.As(err, &cte), "%v", err)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			assert.Equal(t, addr, cte.Address)
			assert.Equal(t, tc.accepted, cte.Accepted)
			assert.Equal(t, time.Second, cte.Timeout)
			assert.Contains(t, err.Error(), "iceberg: "+addr)
			assert.Contains(t, err.Error(), tc.setting)
			assert.NotContains(t, err.Error(), "cat-pw-1")
		})
	}
}
