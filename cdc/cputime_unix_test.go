//go:build unix

package cdc_test

import (
	"syscall"
	"time"
)

// processCPU is the user and system CPU time the process has used (the in-process Kafka
// broker's included), for benchmarks that report CPU per unit of work.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
