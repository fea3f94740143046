//go:build !unix

package testenv

import "time"

// ProcessCPU is 0 here: the platform's CPU time is not read.
func ProcessCPU() time.Duration { return 0 }
