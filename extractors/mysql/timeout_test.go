package mysql_test

import (
	"context"
	"testing"
	"time"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors/internal/connecttest"
	"github.com/etlwatch/etlwatch/extractors/mysql"
)

// TestConnectTimeout opens sources whose server never answers: Open fails with a
// ConnectTimeoutError that names host:port, what did not answer and the setting to raise.
func TestConnectTimeout(t *testing.T) {
	connecttest.Run(t, connecttest.Driver{
		Type: "mysql", Product: "MySQL", DriverOption: [2]string{"timeout", "1s"},
		Open: func(ctx context.Context, src *configloader.Source, timeout time.Duration) error {
			var opts []mysql.Option
			if timeout > 0 {
				opts = append(opts, mysql.WithConnectTimeout(timeout))
			}
			_, err := mysql.Open(ctx, src, opts...)
			return err
		},
	})
}
