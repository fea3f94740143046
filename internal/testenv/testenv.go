package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// RequireServicesVariable is the environment variable that turns skips into failures.
const RequireServicesVariable = "ETLWATCH_REQUIRE_SERVICES"

// Required reports whether missing services and tools must fail tests rather than skip them.
func Required() bool { return os.Getenv(RequireServicesVariable) == "1" }

// Unavailable skips t with why, or fails it when services are required.
func Unavailable(t testing.TB, why string) {
	t.Helper()
	if Required() {
		t.Fatalf("%s (and %s=1, so this fails instead of skipping)", why, RequireServicesVariable)
	}
	t.Skipf("skipped: %s (set %s=1 to make this a failure)", why, RequireServicesVariable)
}

// Tool returns the path of the program name on $PATH, or skips or fails t (see [Unavailable]) with
// a message saying how to install it (hint, such as "apt-get install -y prometheus").
func Tool(t testing.TB, name, hint string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Unavailable(t, name+" is not installed; install it with: "+hint)
	}
	return p
}
