package arrowdataset_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a test leaves a goroutine behind (Reconcile queries both sides
// from two goroutines, and the PostgreSQL test opens a connection pool).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
