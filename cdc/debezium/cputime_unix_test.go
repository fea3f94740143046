//go:build unix

package debezium

import (
	"syscall"
	"time"
)

// processCPU returns the user and system CPU time of the process, so that benchmarks can report
// a rate per CPU-second that does not drop when other processes compete for the cores.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
