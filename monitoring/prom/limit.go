package prom

import (
	"net"
	"sync"
)

// limitListener is a net.Listener that holds at most cap(sem) accepted connections open at once:
// Accept waits for one of them to close before it accepts another, so that further clients wait
// in the kernel's backlog. It is golang.org/x/net/netutil.LimitListener's technique.
type limitListener struct {
	net.Listener
	sem       chan struct{}
	closeOnce sync.Once
	done      chan struct{}
}

func newLimitListener(ln net.Listener, n int) *limitListener {
	return &limitListener{Listener: ln, sem: make(chan struct{}, n), done: make(chan struct{})}
}

// acquire takes a slot, or reports false once the listener is closed.
func (l *limitListener) acquire() bool {
	select {
	case <-l.done:
		return false
	case l.sem <- struct{}{}:
		return true
	}
}

func (l *limitListener) release() { <-l.sem }

// Accept waits for a free slot, then accepts a connection that gives its slot back when closed.
func (l *limitListener) Accept() (net.Conn, error) {
	if !l.acquire() {
		// The listener is closed: let the inner listener say so, as http.Server expects.
		return l.Listener.Accept()
	}
	c, err := l.Listener.Accept()
	if err != nil {
		l.release()
		return nil, err
	}
	return &limitConn{Conn: c, release: l.release}, nil
}

// Close closes the listener and wakes an Accept waiting for a slot.
func (l *limitListener) Close() error {
	err := l.Listener.Close()
	l.closeOnce.Do(func() { close(l.done) })
	return err
}

// limitConn gives its slot back once, on its first Close.
type limitConn struct {
	net.Conn
	releaseOnce sync.Once
	release     func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.releaseOnce.Do(c.release)
	return err
}
