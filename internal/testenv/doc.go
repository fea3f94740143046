// Package testenv lets tests that need a service or a tool skip with a clear message when it is
// absent, and fail instead when $ETLWATCH_REQUIRE_SERVICES=1 (set by .ci/run), so that CI never passes
// by skipping.
package testenv
