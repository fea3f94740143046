package promcheck

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/etlwatch/etlwatch/internal/testenv"
)

// Hint says how to install promtool, for the skip message.
const Hint = "apt-get install -y prometheus"

// Silent runs promtool check metrics over body (a /metrics page in the text format) and fails t
// when promtool says anything or exits non-zero. It skips t, or fails it when services are
// required, without promtool: call it after the test's other checks.
func Silent(t testing.TB, body string) {
	t.Helper()
	out, err := Check(t, body)
	assert.Empty(t, out, "promtool check metrics has something to say")
	assert.NoError(t, err, "promtool check metrics")
}

// Check runs promtool check metrics over body and returns what it printed, trimmed, and its
// exit error (nil when it exited 0). It fails t when promtool cannot be run at all.
func Check(t testing.TB, body string) (string, error) {
	t.Helper()
	promtool := testenv.Tool(t, "promtool", Hint)
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("promtool check metrics: %v", err)
	}
	return string(bytes.TrimSpace(out)), err
}
