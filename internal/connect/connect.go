package connect

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors/extract"
)

// Timeout is a connect timeout and the setting a person raises to change it.
type Timeout struct {
	D       time.Duration
	Setting string // such as "connection.connect_timeout in sources.yaml"
}

// Choose returns the first of option, source and driver that is set, else
// [configloader.DefaultConnectTimeout], with the setting that names it: pkg is the package's
// name (its option is pkg.WithConnectTimeout) and driverSetting names the driver's own option
// that gave driver.
func Choose(pkg string, option, source, driver time.Duration, driverSetting string) Timeout {
	yaml := "connection.connect_timeout in sources.yaml"
	switch {
	case option > 0:
		return Timeout{option, pkg + ".WithConnectTimeout (or " + yaml + ")"}
	case source > 0:
		return Timeout{source, yaml + " (or " + pkg + ".WithConnectTimeout)"}
	case driver > 0:
		return Timeout{driver, driverSetting + " (or " + yaml + ", which wins)"}
	}
	return Timeout{configloader.DefaultConnectTimeout, fmt.Sprintf("%s (default %s), or %s.WithConnectTimeout",
		yaml, configloader.DefaultConnectTimeout, pkg)}
}

// Tracker records the last address dialled and whether it ever accepted a TCP connection (a
// driver may dial the same address twice, such as PostgreSQL's TLS attempt and then its plain
// one). It is safe for concurrent use.
type Tracker struct {
	mu       sync.Mutex
	addr     string
	accepted bool
}

type trackerKey struct{}

// WithTracker returns a context that carries a new [Tracker], which [Dial] fills in.
func WithTracker(ctx context.Context) (context.Context, *Tracker) {
	t := &Tracker{}
	return context.WithValue(ctx, trackerKey{}, t), t
}

func (t *Tracker) dialing(addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if addr != t.addr {
		t.addr, t.accepted = addr, false
	}
}

func (t *Tracker) accept(addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.addr, t.accepted = addr, true
}

// Last returns the address of the last dial ("" when none was made) and whether it ever
// accepted a connection.
func (t *Tracker) Last() (addr string, accepted bool) {
	if t == nil {
		return "", false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.addr, t.accepted
}

// Dial connects to addr within timeout (and ctx), recording the attempt in the [Tracker] of
// ctx when it has one.
func Dial(ctx context.Context, network, addr string, timeout time.Duration) (net.Conn, error) {
	tr, _ := ctx.Value(trackerKey{}).(*Tracker)
	return tr.Dial(ctx, network, addr, timeout)
}

// Dial connects to addr within timeout (and ctx), recording the attempt in t. A nil t records
// nothing. The zero Tracker is ready to use.
func (t *Tracker) Dial(ctx context.Context, network, addr string, timeout time.Duration) (net.Conn, error) {
	if t != nil {
		t.dialing(addr)
	}
	d := net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	c, err := d.DialContext(ctx, network, addr)
	if err == nil && t != nil {
		t.accept(addr)
	}
	return c, err
}

// TimedOut reports whether err is a timeout while parent itself is still live: the connect
// timeout ran out, not the caller's context.
func TimedOut(parent context.Context, err error) bool {
	if err == nil || parent.Err() != nil {
		return false
	}
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout())
}

// Error returns base completed with what t recorded (the address, when a dial was made, and
// whether it was accepted) and err.
func Error(base extract.ConnectTimeoutError, t *Tracker, err error) *extract.ConnectTimeoutError {
	if addr, accepted := t.Last(); addr != "" {
		base.Address, base.Accepted = addr, accepted
	}
	base.Err = err
	return &base
}

// Connector bounds the Connect of a database/sql connector by a timeout: the driver's dial and
// handshake must end within it. The connection it returns has no deadline. Connect returns the
// error of OnTimeout when the timeout ran out (and the caller's context had not ended).
type Connector struct {
	driver.Connector
	Timeout time.Duration
	// OnTimeout makes the error to return; t holds the last dial when the driver dials with [Dial].
	OnTimeout func(t *Tracker, err error) error
}

// Connect implements driver.Connector.
func (c Connector) Connect(ctx context.Context) (driver.Conn, error) {
	cctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	cctx, tr := WithTracker(cctx)
	conn, err := c.Connector.Connect(cctx)
	if err != nil && ctx.Err() == nil && (cctx.Err() != nil || TimedOut(ctx, err)) {
		if conn != nil {
			_ = conn.Close()
		}
		return nil, c.OnTimeout(tr, err)
	}
	return conn, err
}
