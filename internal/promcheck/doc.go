// Package promcheck runs Prometheus' promtool over a /metrics page in tests, the check every
// program's /metrics must pass with no output at all (issue 12):
//
//	body := fetch("http://" + addr + "/metrics")
//	promcheck.Silent(t, body)
//
// Without promtool on $PATH the test is skipped, or fails when ETLWATCH_REQUIRE_SERVICES=1
// ([github.com/etlwatch/etlwatch/internal/testenv]).
package promcheck
