package cdc

import "github.com/etlwatch/etlwatch/internal/failpoint"

// SetFailpointHook makes the consumer call h at each failpoint, for the kill and zombie tests.
func SetFailpointHook(h func(name string)) { failpoint.Set(h) }
