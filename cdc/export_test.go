package cdc

// SetFailpointHook makes the consumer call h at each failpoint, for the kill and zombie tests.
func SetFailpointHook(h func(name string)) { failpointHook = h }
