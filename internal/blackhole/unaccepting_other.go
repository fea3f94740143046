//go:build !linux

package blackhole

import "testing"

// Unaccepting returns the host:port of a listener that never accepts. It needs Linux, where a
// full accept queue makes the kernel drop further SYNs; elsewhere it skips the test.
func Unaccepting(t testing.TB) string {
	t.Helper()
	t.Skip("blackhole: Unaccepting needs Linux, where a listener with a full accept queue drops SYNs")
	return ""
}
