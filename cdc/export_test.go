package cdc

import (
	"time"

	"github.com/etlwatch/etlwatch/internal/failpoint"
)

// SetFailpointHook makes the consumer call h at each failpoint, for the kill and zombie tests.
func SetFailpointHook(h func(name string)) { failpoint.Set(h) }

// SetAllowEvery sets how often, at least, Run lets the group rebalance unasked (allowEvery) and
// returns a function that restores it.
func SetAllowEvery(d time.Duration) (restore func()) {
	old := allowEvery
	allowEvery = d
	return func() { allowEvery = old }
}
