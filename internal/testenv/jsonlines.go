package testenv

import (
	"encoding/json"
	"strings"
	"testing"
)

// JSONLines fails t for each line of out, a program's stdout when piped, that is not JSON:
// piped, the example programs write their JSON events there and nothing else.
func JSONLines(t testing.TB, out string) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line != "" && !json.Valid([]byte(line)) {
			t.Errorf("stdout holds a line that is not JSON: %.200s", line)
		}
	}
}
