package mysql_test

import (
	"testing"

	"github.com/etlwatch/etlwatch/extractors/internal/connecttest"
	"github.com/etlwatch/etlwatch/extractors/mysql"
)

// TestConnectTimeout opens sources whose server never answers: Open fails with a
// ConnectTimeoutError that names host:port, what did not answer and the setting to raise.
func TestConnectTimeout(t *testing.T) {
	connecttest.Run(t, connecttest.Driver{
		Type: "mysql", Product: "MySQL", DriverOption: [2]string{"timeout", "1s"},
		Open: connecttest.Opener(mysql.Open, mysql.WithConnectTimeout),
	})
}
