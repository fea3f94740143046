//go:build !unix

package cdc_test

import "time"

// processCPU is not measured here: the CPU figures of the benchmarks read 0.
func processCPU() time.Duration { return 0 }
