package extract

import (
	"context"
	"fmt"
	"time"
)

// FirstRowTimeoutError is the error of a table's read whose first row did not come within the
// first-row timeout: the statement waits for a lock another session holds, the server stopped
// answering, or (rarely, for a read in key order) it sorts a big table before its first row.
// The rows after the first have no timeout: a big table may read for hours. errors.Is(err,
// context.DeadlineExceeded) is true for it.
type FirstRowTimeoutError struct {
	Address string        // host:port (or the file) of the database that sent no row
	Server  string        // what did not answer, such as "PostgreSQL server"
	Timeout time.Duration // the timeout that ran out
	// Setting names how to raise Timeout, such as
	// "connection.first_row_timeout in sources.yaml (or postgres.WithFirstRowTimeout)".
	Setting string
	Err     error // what the driver returned when the read was cancelled
}

// Error says what did not answer, where, within how long, and which setting to raise.
func (e *FirstRowTimeoutError) Error() string {
	return fmt.Sprintf("the %s at %s sent no row within %s of the read's start (a lock held by another session, or a server that stopped answering); if it is only slow, raise %s, or set it to 0 to wait without limit",
		e.Server, e.Address, e.Timeout, e.Setting)
}

// Unwrap returns the driver's error.
func (e *FirstRowTimeoutError) Unwrap() error { return e.Err }

// Is reports whether target is context.DeadlineExceeded, whatever the driver returned.
func (e *FirstRowTimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }
