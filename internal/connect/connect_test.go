package connect_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/etlwatch/etlwatch/internal/blackhole"
	"github.com/etlwatch/etlwatch/internal/connect"
)

func TestChoose(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		option, source, driver time.Duration
		want                   time.Duration
		setting                string
	}{
		{"option wins", 1, 2, 3, 1, "pg.WithConnectTimeout (or connection.connect_timeout in sources.yaml)"},
		{"then sources.yaml", 0, 2, 3, 2, "connection.connect_timeout in sources.yaml (or pg.WithConnectTimeout)"},
		{"then the driver's", 0, 0, 3, 3, "connect_timeout in options (or connection.connect_timeout in sources.yaml, which wins)"},
		{"then the default", 0, 0, 0, 10 * time.Second, "connection.connect_timeout in sources.yaml (default 10s), or pg.WithConnectTimeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := connect.Choose("pg", tc.option, tc.source, tc.driver, "connect_timeout in options")
			assert.Equal(t, connect.Timeout{D: tc.want, Setting: tc.setting}, got)
		})
	}
}

func TestTracker(t *testing.T) {
	var tr connect.Tracker
	addr := blackhole.Silent(t)
	c, err := tr.Dial(context.Background(), "tcp", addr, time.Second)
	if assert.NoError(t, err) {
		_ = c.Close()
	}
	got, accepted := tr.Last()
	assert.Equal(t, addr, got)
	assert.True(t, accepted)

	full := blackhole.Unaccepting(t)
	_, err = tr.Dial(context.Background(), "tcp", full, 200*time.Millisecond)
	assert.True(t, connect.TimedOut(context.Background(), err), "%v", err)
	got, accepted = tr.Last()
	assert.Equal(t, full, got)
	assert.False(t, accepted)
}

func TestTimedOut(t *testing.T) {
	live := context.Background()
	done, cancel := context.WithCancel(live)
	cancel()
	assert.True(t, connect.TimedOut(live, context.DeadlineExceeded))
	assert.False(t, connect.TimedOut(done, context.DeadlineExceeded), "the caller's context ended")
	assert.False(t, connect.TimedOut(live, errors.New("password authentication failed")))
	assert.False(t, connect.TimedOut(live, nil))
}
