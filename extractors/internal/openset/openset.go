// Package openset tracks what an extractor has open (its snapshots), so that closing the extractor
// closes them first: the state and the close-all sequence the database packages share.
package openset

import (
	"errors"
	"io"
	"sync"
)

// Set is the open members of an owner that can be closed. The zero value is an open, empty set.
// It is safe for concurrent use.
type Set[T interface {
	comparable
	io.Closer
}] struct {
	mu     sync.RWMutex
	closed bool
	open   map[T]struct{}
}

// Closed reports whether Close has been called.
func (s *Set[T]) Closed() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.closed
}

// Add records v as open; it returns false, recording nothing, once the set is closed.
func (s *Set[T]) Add(v T) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if s.open == nil {
		s.open = map[T]struct{}{}
	}
	s.open[v] = struct{}{}
	return true
}

// Remove forgets v, when it closes by itself.
func (s *Set[T]) Remove(v T) {
	s.mu.Lock()
	delete(s.open, v)
	s.mu.Unlock()
}

// Close marks the set closed and closes every member still open, outside the lock (a member's
// Close may call Remove), joining their errors. It returns false, doing nothing, when the set was
// already closed.
func (s *Set[T]) Close() (first bool, err error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false, nil
	}
	s.closed = true
	open := make([]T, 0, len(s.open))
	for v := range s.open {
		open = append(open, v)
	}
	s.mu.Unlock()
	var errs []error
	for _, v := range open {
		errs = append(errs, v.Close())
	}
	return true, errors.Join(errs...)
}

// Start starts a member with start and records it, unless the set is closed: then it returns
// errClosed, before start or, for a set closed while start ran, after ending the new member
// with end (nil: its Close). It is an extractor's Snapshot, but for how a snapshot begins.
func (s *Set[T]) Start(errClosed error, start func() (T, error), end func(T) error) (T, error) {
	var zero T
	if s.Closed() {
		return zero, errClosed
	}
	v, err := start()
	if err != nil {
		return zero, err
	}
	if !s.Add(v) {
		if end == nil {
			end = T.Close
		}
		_ = end(v)
		return zero, errClosed
	}
	return v, nil
}

// CloseAll is an extractor's Close: it closes the set's members, then each of then (the
// extractor's connections), joining the errors; errClosed when the set was already closed.
func (s *Set[T]) CloseAll(errClosed error, then ...func() error) error {
	first, err := s.Close()
	if !first {
		return errClosed
	}
	errs := []error{err}
	for _, f := range then {
		errs = append(errs, f())
	}
	return errors.Join(errs...)
}
