package extract_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/etlwatch/etlwatch/extractors/extract"
)

func TestConnectTimeoutError(t *testing.T) {
	driverErr := errors.New("tls error: timeout")
	e := &extract.ConnectTimeoutError{Package: "postgres", Source: "orders", Address: "db:5432", Server: "PostgreSQL server",
		Accepted: true, Timeout: 10 * time.Second, Setting: "connection.connect_timeout in sources.yaml", Err: driverErr}
	assert.Equal(t, `postgres: source "orders": db:5432 accepted the TCP connection but the PostgreSQL server did not answer `+
		`the handshake within 10s; if it is only slow, raise connection.connect_timeout in sources.yaml`, e.Error())
	assert.ErrorIs(t, e, driverErr)
	assert.ErrorIs(t, e, context.DeadlineExceeded)

	e.Accepted, e.Source = false, ""
	assert.Equal(t, `postgres: db:5432 did not accept a TCP connection within 10s (host down, firewalled or overloaded); `+
		`if it is only slow, raise connection.connect_timeout in sources.yaml`, e.Error())
}
