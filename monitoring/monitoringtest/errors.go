package monitoringtest

import "sync"

// ErrorRecorder collects what a collector's error handler receives, for tests that check what was
// reported: pass its Handle to monitoring.WithErrorHandler. It is safe for concurrent use.
type ErrorRecorder struct {
	mu   sync.Mutex
	errs []error
}

// NewErrorRecorder returns an empty recorder.
func NewErrorRecorder() *ErrorRecorder { return &ErrorRecorder{} }

// Handle records err.
func (r *ErrorRecorder) Handle(err error) {
	r.mu.Lock()
	r.errs = append(r.errs, err)
	r.mu.Unlock()
}

// Errors returns a copy of the errors recorded so far, in order.
func (r *ErrorRecorder) Errors() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.errs...)
}
