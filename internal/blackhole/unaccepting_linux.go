package blackhole

import (
	"net"
	"syscall"
	"testing"
	"time"
)

// Unaccepting returns the host:port of a listener on 127.0.0.1 that never accepts: its backlog
// is one connection long and already full, so the kernel drops the SYN of every further
// connection and a client's dial waits until its own timeout. It fails t when the kernel
// completes connections anyway (the queue could not be filled).
func Unaccepting(t testing.TB) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("blackhole: socket: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatalf("blackhole: bind: %v", err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatalf("blackhole: listen: %v", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatalf("blackhole: getsockname: %v", err)
	}
	addr := (&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: sa.(*syscall.SockaddrInet4).Port}).String()
	// Fill the accept queue: dials complete until it is full, then one waits for its timeout.
	var filled []net.Conn
	t.Cleanup(func() {
		for _, c := range filled {
			_ = c.Close()
		}
	})
	for range 16 {
		c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond)
		if err != nil {
			return addr
		}
		filled = append(filled, c)
	}
	t.Fatalf("blackhole: %s still completes connections after %d dials; cannot make a listener that never accepts", addr, len(filled))
	return ""
}
