package monitoring

import (
	"context"
	"hash/maphash"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// Kind is the kind of a metric.
type Kind uint8

// The kinds of metric.
const (
	KindCounter  Kind = iota + 1 // a monotonic sum
	KindGauge                    // a last value
	KindDuration                 // a histogram of durations, in seconds
)

var kindNames = [...]string{KindCounter: "counter", KindGauge: "gauge", KindDuration: "duration"}

// String returns "counter", "gauge" or "duration".
func (k Kind) String() string {
	if k == 0 || int(k) >= len(kindNames) {
		return "unknown"
	}
	return kindNames[k]
}

// MarshalText encodes the kind as its [Kind.String] name.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

type pair struct{ k, v string }

// series is one metric name with one set of dimensions. Counters live in atomics that the OpenTelemetry
// SDK reads through an observable instrument; gauges and durations keep their statistics under mu.
type series struct {
	fam   *family
	pairs []pair     // the caller's dimensions, sorted by key, for matching
	dims  Dimensions // every dimension (standard ones included), never modified
	attrs attribute.Set

	observe []metric.ObserveOption
	record  []metric.RecordOption

	// counter state
	ints   atomic.Int64
	floats atomic.Uint64 // float64 bits of the fractional increments

	// gauge and duration state
	mu                  sync.Mutex
	count               int64
	sum, min, max, last float64
}

func (s *series) counterValue() float64 {
	return float64(s.ints.Load()) + math.Float64frombits(s.floats.Load())
}

func (s *series) addFloat(v float64) {
	if v == math.Trunc(v) && v < 1<<53 {
		s.ints.Add(int64(v))
		return
	}
	for {
		old := s.floats.Load()
		if s.floats.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

func (s *series) observeValue(v float64) {
	s.mu.Lock()
	if s.count == 0 || v < s.min {
		s.min = v
	}
	if s.count == 0 || v > s.max {
		s.max = v
	}
	s.count++
	s.sum += v
	s.last = v
	s.mu.Unlock()
}

func (s *series) recordDuration(ctx context.Context, secs float64) {
	s.observeValue(secs)
	s.fam.hist.Record(ctx, secs, s.record...)
}

func (s *series) matches(name string, dims Dimensions) bool {
	if s.fam.name != name || len(s.pairs) != len(dims) {
		return false
	}
	for _, p := range s.pairs {
		if v, ok := dims[p.k]; !ok || v != p.v {
			return false
		}
	}
	return true
}

// family is every series of one metric name: one OpenTelemetry instrument.
type family struct {
	name     string
	kind     Kind
	unit     Unit
	series   atomic.Pointer[[]*series] // copy on write, read by the observable callback
	n        int                       // series count, guarded by the collector's mu
	overflow *series
	hist     metric.Float64Histogram
	reg      metric.Registration
}

func (f *family) add(s *series) {
	old := f.series.Load()
	var next []*series
	if old != nil {
		next = make([]*series, len(*old), len(*old)+1)
		copy(next, *old)
	}
	next = append(next, s)
	f.series.Store(&next)
	f.n++
}

func (f *family) observeCounters(_ context.Context, o metric.Float64Observer) error {
	if p := f.series.Load(); p != nil {
		for _, s := range *p {
			o.Observe(s.counterValue(), s.observe...)
		}
	}
	return nil
}

func (f *family) observeGauges(_ context.Context, o metric.Float64Observer) error {
	if p := f.series.Load(); p != nil {
		for _, s := range *p {
			s.mu.Lock()
			v, ok := s.last, s.count > 0
			s.mu.Unlock()
			if ok {
				o.Observe(v, s.observe...)
			}
		}
	}
	return nil
}

// index finds a series by name and dimensions without locks or allocations on the hit path: an
// immutable map read through an atomic pointer, with a locked dirty map for new entries that is
// promoted once it has absorbed as many misses as it has entries (the sync.Map scheme).
type index struct {
	seed   maphash.Seed
	read   atomic.Pointer[map[uint64][]*series]
	mu     sync.Mutex
	dirty  map[uint64][]*series // nil when read holds everything
	misses int
}

func newIndex() *index {
	ix := &index{seed: maphash.MakeSeed()}
	m := map[uint64][]*series{}
	ix.read.Store(&m)
	return ix
}

func (ix *index) hash(name string, dims Dimensions) uint64 {
	var acc uint64
	for k, v := range dims {
		a := maphash.String(ix.seed, k)
		b := maphash.String(ix.seed, v)
		acc += (a ^ (b * 0x9E3779B97F4A7C15)) * 0xBF58476D1CE4E5B9
	}
	return maphash.String(ix.seed, name) ^ acc
}

func find(list []*series, name string, dims Dimensions) *series {
	for _, s := range list {
		if s.matches(name, dims) {
			return s
		}
	}
	return nil
}

func (ix *index) load(h uint64, name string, dims Dimensions) *series {
	return find((*ix.read.Load())[h], name, dims)
}

// loadSlow looks in the dirty map, under the lock.
func (ix *index) loadSlow(h uint64, name string, dims Dimensions) *series {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if s := find((*ix.read.Load())[h], name, dims); s != nil {
		return s
	}
	if ix.dirty == nil {
		return nil
	}
	s := find(ix.dirty[h], name, dims)
	if s != nil {
		ix.missLocked()
	}
	return s
}

func (ix *index) store(h uint64, s *series) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.dirty == nil {
		read := *ix.read.Load()
		ix.dirty = make(map[uint64][]*series, len(read)+1)
		for k, v := range read {
			ix.dirty[k] = v
		}
	}
	ix.dirty[h] = append(slices.Clip(ix.dirty[h]), s)
	ix.missLocked()
}

func (ix *index) missLocked() {
	ix.misses++
	if ix.misses >= len(ix.dirty) {
		d := ix.dirty
		ix.read.Store(&d)
		ix.dirty = nil
		ix.misses = 0
	}
}

// sortedPairs returns dims as pairs sorted by key.
func sortedPairs(dims Dimensions) []pair {
	ps := make([]pair, 0, len(dims))
	for k, v := range dims {
		ps = append(ps, pair{k, v})
	}
	slices.SortFunc(ps, func(a, b pair) int { return strings.Compare(a.k, b.k) })
	return ps
}

// validName reports whether name is an OpenTelemetry instrument name: a letter, then up to 254
// letters, digits, '_', '.', '-' or '/'.
func validName(name string) bool {
	if name == "" || len(name) > 255 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-' || c == '/'):
		default:
			return false
		}
	}
	return true
}
