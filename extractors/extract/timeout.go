package extract

import (
	"context"
	"fmt"
	"time"
)

// ConnectTimeoutError is the error of opening a database that did not answer within the
// connect timeout: either it never accepted the TCP connection (a host that is down or
// firewalled, a listener whose backlog is full) or it accepted it and never answered the
// database's handshake (a server that is stuck, a proxy with nothing behind it). Every database
// package returns it for both, so that a job fails within seconds instead of hanging.
// errors.Is(err, context.DeadlineExceeded) is true for it.
type ConnectTimeoutError struct {
	Package  string        // the package that reports it: postgres, mysql, oracle, iceberg
	Source   string        // the source's name in sources.yaml; may be empty
	Address  string        // host:port that did not answer
	Server   string        // what did not answer, such as "PostgreSQL server"
	Accepted bool          // the TCP connection was accepted, and then nothing was answered
	Timeout  time.Duration // the timeout that ran out
	// Setting names how to raise Timeout, such as
	// "connection.connect_timeout in sources.yaml, or postgres.WithConnectTimeout".
	Setting string
	Err     error // what the driver returned
}

// Error says what did not answer, where, within how long, and which setting to raise.
func (e *ConnectTimeoutError) Error() string {
	src := ""
	if e.Source != "" {
		src = fmt.Sprintf(" source %q:", e.Source)
	}
	what := fmt.Sprintf("%s did not accept a TCP connection within %s (host down, firewalled or overloaded)", e.Address, e.Timeout)
	if e.Accepted {
		what = fmt.Sprintf("%s accepted the TCP connection but the %s did not answer the handshake within %s", e.Address, e.Server, e.Timeout)
	}
	return fmt.Sprintf("%s:%s %s; if it is only slow, raise %s", e.Package, src, what, e.Setting)
}

// Unwrap returns the driver's error.
func (e *ConnectTimeoutError) Unwrap() error { return e.Err }

// Is reports whether target is context.DeadlineExceeded, whatever the driver returned.
func (e *ConnectTimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }
