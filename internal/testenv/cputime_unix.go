//go:build unix

package testenv

import (
	"syscall"
	"time"
)

// ProcessCPU returns the user and system CPU time the process has used, so that benchmarks can
// report CPU per unit of work, which does not drop when other processes compete for the cores.
// It is 0 where the platform does not say.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
