// Package healthcheck is the -healthcheck mode of the example programs: it GETs the program's own
// /health over HTTP with a short, bounded timeout and turns the answer into an exit code, 0 when
// healthy (a 2xx status) and 1 when not (any other status, a refused connection, a timeout).
//
// It exists because the container images are built FROM scratch: there is no curl or wget in
// them, so a container health check runs the program itself:
//
//	healthcheck:
//	  test: ["CMD", "/usr/local/bin/etlwatch", "-healthcheck"]
//
// A program adds a -healthcheck flag and, when it is set, returns [Run]'s code instead of
// starting:
//
//	if o.healthcheck {
//		return healthcheck.Run(ctx, o.listen, stderr)
//	}
//
// The address is the one the program serves on (its -listen flag): a wildcard host such as
// ":8083" or "0.0.0.0:8083" is checked on the loopback interface ([URL]).
package healthcheck
