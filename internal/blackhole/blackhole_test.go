package blackhole_test

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/internal/blackhole"
)

func TestSilent(t *testing.T) {
	c, err := net.Dial("tcp", blackhole.Silent(t))
	require.NoError(t, err, "the connection is accepted")
	defer c.Close()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(200*time.Millisecond)))
	_, err = c.Read(make([]byte, 1))
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout(), "nothing is ever written: %v", err)
}

func TestUnaccepting(t *testing.T) {
	_, err := net.DialTimeout("tcp", blackhole.Unaccepting(t), 300*time.Millisecond)
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout(), "the dial waits for its timeout: %v", err)
}
