package openset_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/etlwatch/etlwatch/extractors/internal/openset"
)

// member is closed once however many times and goroutines call Close, as a snapshot is (its
// closeOnce): the set's Close may close a member that is closing by itself.
type member struct {
	set    *openset.Set[*member]
	err    error
	once   sync.Once
	closed int
}

func (m *member) Close() error {
	m.once.Do(func() {
		m.closed++
		m.set.Remove(m) // as a snapshot does when it closes
	})
	return m.err
}

func TestSet(t *testing.T) {
	var s openset.Set[*member]
	boom := errors.New("boom")
	a, b, c := &member{set: &s}, &member{set: &s, err: boom}, &member{set: &s}
	assert.True(t, s.Add(a))
	assert.True(t, s.Add(b))
	assert.True(t, s.Add(c))
	assert.NoError(t, c.Close()) // closed by itself: not closed again
	assert.False(t, s.Closed())

	first, err := s.Close()
	assert.True(t, first)
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, 1, a.closed)
	assert.Equal(t, 1, b.closed)
	assert.Equal(t, 1, c.closed)
	assert.True(t, s.Closed())
	assert.False(t, s.Add(&member{set: &s}))
	first, err = s.Close()
	assert.False(t, first)
	assert.NoError(t, err)
}

func TestSetConcurrent(t *testing.T) {
	var s openset.Set[*member]
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			m := &member{set: &s}
			if s.Add(m) {
				_ = m.Close()
			}
		})
	}
	wg.Go(func() { _, _ = s.Close() })
	wg.Wait()
	assert.True(t, s.Closed())
}

// TestStartAndCloseAll: Start records what it starts until the set closes, then refuses and
// ends a member it started meanwhile; CloseAll closes the members, then the owner's connections.
func TestStartAndCloseAll(t *testing.T) {
	errClosed := errors.New("closed")
	var s openset.Set[*member]
	m, err := s.Start(errClosed, func() (*member, error) { return &member{set: &s}, nil }, nil)
	assert.NoError(t, err)
	_, err = s.Start(errClosed, func() (*member, error) { return nil, errors.New("refused") }, nil)
	assert.EqualError(t, err, "refused")

	var order []string
	err = s.CloseAll(errClosed, func() error { order = append(order, "db"); return errors.New("db") })
	assert.EqualError(t, err, "db")
	assert.Equal(t, 1, m.closed)
	assert.Equal(t, []string{"db"}, order)
	assert.Same(t, errClosed, s.CloseAll(errClosed), "a second close")

	started := false
	_, err = s.Start(errClosed, func() (*member, error) { started = true; return &member{set: &s}, nil }, nil)
	assert.Same(t, errClosed, err)
	assert.False(t, started, "nothing starts once the set is closed")
}
