package monitoring

import (
	"context"
	"fmt"
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

// UnmarshalText decodes a kind from its [Kind.String] name.
func (k *Kind) UnmarshalText(b []byte) error {
	for i, n := range kindNames {
		if i > 0 && n == string(b) {
			*k = Kind(i)
			return nil
		}
	}
	return fmt.Errorf("monitoring: unknown metric kind %q", b)
}

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

// family is every series of one metric name: one OpenTelemetry instrument.
type family struct {
	name     string
	kind     Kind
	unit     Unit
	seed     maphash.Seed
	schemas  atomic.Pointer[[]*keySchema] // copy on write
	series   atomic.Pointer[[]*series]    // copy on write, read by the observable callback
	n        int                          // series count, guarded by the collector's mu
	overflow *series
	hist     metric.Float64Histogram
	reg      metric.Registration // the observable callback, nil for durations
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

func (f *family) observeCounters(inst metric.Float64Observable, o metric.Observer) {
	if p := f.series.Load(); p != nil {
		for _, s := range *p {
			o.ObserveFloat64(inst, s.counterValue(), s.observe...)
		}
	}
}

func (f *family) observeGauges(inst metric.Float64Observable, o metric.Observer) {
	if p := f.series.Load(); p != nil {
		for _, s := range *p {
			s.mu.Lock()
			v, ok := s.last, s.count > 0
			s.mu.Unlock()
			if ok {
				o.ObserveFloat64(inst, v, s.observe...)
			}
		}
	}
}

// keySchema holds a family's series that share one set of dimension keys (most metrics have one).
type keySchema struct {
	keys []string // sorted
	ix   *index
}

// maxStackDims is how many dimension values find keeps on the stack.
const maxStackDims = 8

// find returns the series of dims, or nil when it is not in the lock-free index. It allocates
// nothing for up to maxStackDims dimensions: it looks each key of a known key set up in dims, rather
// than ranging over dims (a map iteration costs more than the rest of the lookup).
func (f *family) find(dims Dimensions) *series {
	p := f.schemas.Load()
	if p == nil {
		return nil
	}
	for _, ks := range *p {
		if len(ks.keys) != len(dims) {
			continue
		}
		var buf [maxStackDims]string
		vals := buf[:0]
		if len(ks.keys) > maxStackDims {
			vals = make([]string, 0, len(ks.keys))
		}
		h, vals, ok := f.hashValues(ks.keys, dims, vals)
		if !ok {
			continue
		}
		return ks.ix.load(h, vals)
	}
	return nil
}

// hashValues appends dims' values for keys, in order, to vals and hashes them; ok is false when dims
// lacks one of the keys.
func (f *family) hashValues(keys []string, dims Dimensions, vals []string) (uint64, []string, bool) {
	h := uint64(len(keys))
	for _, k := range keys {
		v, found := dims[k]
		if !found {
			return 0, nil, false
		}
		vals = append(vals, v)
		h = (h ^ maphash.String(f.seed, v)) * 0x9E3779B97F4A7C15
	}
	return h, vals, true
}

// schemaLocked returns the key schema of dims' keys, creating it; the collector's mu is held.
func (f *family) schemaLocked(dims Dimensions) *keySchema {
	keys := make([]string, 0, len(dims))
	for k := range dims {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var list []*keySchema
	if p := f.schemas.Load(); p != nil {
		list = *p
	}
	for _, ks := range list {
		if slices.Equal(ks.keys, keys) {
			return ks
		}
	}
	ks := &keySchema{keys: keys, ix: newIndex()}
	next := append(slices.Clip(list), ks)
	f.schemas.Store(&next)
	return ks
}

// index finds a series by the hash of its dimension values without locks or allocations on the hit
// path: an immutable map read through an atomic pointer, with a locked dirty map for new entries
// that is promoted once it has absorbed as many misses as it has entries (the sync.Map scheme).
type index struct {
	read   atomic.Pointer[map[uint64][]*series]
	mu     sync.Mutex
	dirty  map[uint64][]*series // nil when read holds everything
	misses int
}

func newIndex() *index {
	ix := &index{}
	m := map[uint64][]*series{}
	ix.read.Store(&m)
	return ix
}

// find returns the series in list whose dimension values, in key order, are vals.
func find(list []*series, vals []string) *series {
	for _, s := range list {
		if len(s.pairs) != len(vals) {
			continue
		}
		match := true
		for i, p := range s.pairs {
			if p.v != vals[i] {
				match = false
				break
			}
		}
		if match {
			return s
		}
	}
	return nil
}

func (ix *index) load(h uint64, vals []string) *series {
	if s := find((*ix.read.Load())[h], vals); s != nil {
		return s
	}
	return ix.loadSlow(h, vals)
}

// loadSlow looks in the dirty map, under the lock.
func (ix *index) loadSlow(h uint64, vals []string) *series {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if s := find((*ix.read.Load())[h], vals); s != nil {
		return s
	}
	if ix.dirty == nil {
		return nil
	}
	s := find(ix.dirty[h], vals)
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
