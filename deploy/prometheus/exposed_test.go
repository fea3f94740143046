package prometheus_test

import (
	"net"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/deploy/internal/exposed"
)

// What etlwatch jobs, the simulator and the log exporter really expose is collected by
// deploy/internal/exposed, which the Grafana dashboards' tests share.
var newSimulator = exposed.NewSimulator

// freePort returns a free TCP port on 127.0.0.1.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
