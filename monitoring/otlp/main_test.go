package otlp_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a test or example leaves a goroutine behind: an exporter, a batch span
// processor or a connection that was not shut down. It ignores net/http's dial to a peer that
// never accepts (TestBackendThatNeverAnswers): the transport finishes a dial whose request gave up,
// to keep the connection for later, until its dialer's own timeout.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("net/http.(*Transport).dialConnFor"))
}
