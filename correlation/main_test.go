package correlation_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if any test, including the Kafka round trip, leaves
// a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
