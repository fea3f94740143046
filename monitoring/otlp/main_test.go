package otlp_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a test or example leaves a goroutine behind: an exporter, a batch span
// processor or a connection that was not shut down.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
