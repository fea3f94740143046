package dataquality_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a test leaves a goroutine behind (Reconcile and RowCount query the
// two sides from two goroutines).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
