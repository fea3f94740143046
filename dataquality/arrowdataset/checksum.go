package arrowdataset

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/etlwatch/etlwatch/dataquality"
)

// keyEntry locates the row that holds a key.
type keyEntry struct {
	key        int64
	batch, row int32
}

// keySlot holds the key index of one column, built once on first use.
type keySlot struct {
	once    sync.Once
	entries []keyEntry // sorted by key, then position; NULL keys left out
	err     error
}

// keyIndex returns the rows of the integer column i sorted by key, building the index on first
// use: 16 bytes a non-NULL row, kept until Release. It lets Checksums and RowHashes read only the
// rows of the ranges asked for. The caller holds the read lock.
func (d *Dataset) keyIndex(i int) ([]keyEntry, error) {
	slot := &d.keys[i]
	slot.once.Do(func() {
		var n int64
		for _, rec := range d.batches {
			n += rec.NumRows() - int64(rec.Column(i).NullN())
		}
		entries := make([]keyEntry, 0, n)
		for b, rec := range d.batches {
			read, ok := newKeyReader(rec.Column(i))
			if !ok {
				f := d.fields[i]
				slot.err = &UnsupportedTypeError{Column: f.Name, Type: f.Type, Need: needKey}
				return
			}
			for r := range int(rec.NumRows()) {
				k, null, err := read(r)
				if err != nil {
					slot.err = fmt.Errorf("arrowdataset: record %d, row %d: column %q: %w", b, r, d.fields[i].Name, err)
					return
				}
				if !null {
					entries = append(entries, keyEntry{key: k, batch: int32(b), row: int32(r)})
				}
			}
		}
		slices.SortFunc(entries, func(a, b keyEntry) int {
			if c := cmp.Compare(a.key, b.key); c != 0 {
				return c
			}
			if c := cmp.Compare(a.batch, b.batch); c != 0 {
				return c
			}
			return cmp.Compare(a.row, b.row)
		})
		slot.entries = entries
	})
	return slot.entries, slot.err
}

// keyColumn resolves the key column, which must be of an integer type.
func (d *Dataset) keyColumn(name string) (int, error) {
	i, err := d.column(name)
	if err != nil {
		return 0, err
	}
	if f := d.fields[i]; !isIntegerType(f.Type) {
		return 0, &UnsupportedTypeError{Column: f.Name, Type: f.Type, Need: needKey}
	}
	return i, nil
}

// KeyBounds returns the smallest and largest value of the integer column key. It is safe for
// concurrent use.
func (d *Dataset) KeyBounds(ctx context.Context, key string) (dataquality.KeyRange, bool, error) {
	unlock, err := d.read(ctx)
	defer unlock()
	if err != nil {
		return dataquality.KeyRange{}, false, err
	}
	i, err := d.keyColumn(key)
	if err != nil {
		return dataquality.KeyRange{}, false, err
	}
	entries, err := d.keyIndex(i)
	if err != nil || len(entries) == 0 {
		return dataquality.KeyRange{}, false, err
	}
	return dataquality.KeyRange{Lo: entries[0].key, Hi: entries[len(entries)-1].key}, true, nil
}

// hashPlan is a ChecksumSpec resolved against the dataset.
type hashPlan struct {
	d       *Dataset
	key     int
	cols    []int
	hasher  *dataquality.RowHasher
	getters [][]getter // per batch, per column; built when first needed
	vals    []any
}

func (d *Dataset) plan(spec dataquality.ChecksumSpec) (*hashPlan, error) {
	key, err := d.keyColumn(spec.Key)
	if err != nil {
		return nil, err
	}
	p := &hashPlan{d: d, key: key, cols: make([]int, len(spec.Columns)), getters: make([][]getter, len(d.batches)), vals: make([]any, len(spec.Columns))}
	types := make([]dataquality.Type, len(spec.Columns))
	for k, name := range spec.Columns {
		i, err := d.column(name)
		if err != nil {
			return nil, err
		}
		t, ok := normalise(d.fields[i].Type)
		if !ok {
			return nil, &UnsupportedTypeError{Column: d.fields[i].Name, Type: d.fields[i].Type, Need: needEncoding}
		}
		p.cols[k], types[k] = i, t
	}
	p.hasher = dataquality.NewRowHasher(types)
	return p, nil
}

// hash returns the row hash of the row at e.
func (p *hashPlan) hash(e keyEntry) (uint64, error) {
	gs := p.getters[e.batch]
	if gs == nil {
		rec := p.d.batches[e.batch]
		gs = make([]getter, len(p.cols))
		for k, i := range p.cols {
			var err error
			if gs[k], err = p.d.getter(rec, i); err != nil {
				return 0, err
			}
		}
		p.getters[e.batch] = gs
	}
	for k, g := range gs {
		p.vals[k] = g(int(e.row))
	}
	h, err := p.hasher.Hash(p.vals)
	if err != nil {
		return 0, fmt.Errorf("arrowdataset: record %d, row %d: %w", e.batch, e.row, err)
	}
	return h, nil
}

// each calls f with the row hash of every row whose key is within r, in key order.
func (p *hashPlan) each(ctx context.Context, entries []keyEntry, r dataquality.KeyRange, f func(e keyEntry, hash uint64)) error {
	start := sort.Search(len(entries), func(n int) bool { return entries[n].key >= r.Lo })
	for n := start; n < len(entries) && entries[n].key <= r.Hi; n++ {
		if (n-start)%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		h, err := p.hash(entries[n])
		if err != nil {
			return err
		}
		f(entries[n], h)
	}
	return nil
}

// Checksums returns the checksum of each segment. The first call for a key sorts the keys (see
// the package documentation); each call then reads only the rows within the segments. It is
// safe for concurrent use.
func (d *Dataset) Checksums(ctx context.Context, spec dataquality.ChecksumSpec, segments []dataquality.KeyRange) ([]dataquality.Checksum, error) {
	unlock, err := d.read(ctx)
	defer unlock()
	if err != nil {
		return nil, err
	}
	p, err := d.plan(spec)
	if err != nil {
		return nil, err
	}
	out := make([]dataquality.Checksum, len(segments))
	if len(segments) == 0 {
		return out, nil
	}
	entries, err := d.keyIndex(p.key)
	if err != nil {
		return nil, err
	}
	all := dataquality.KeyRange{Lo: segments[0].Lo, Hi: segments[len(segments)-1].Hi}
	seg := 0
	err = p.each(ctx, entries, all, func(e keyEntry, h uint64) {
		// The keys ascend, and so do the segments: the segment of a key is the current one or
		// a later one.
		for seg < len(segments) && segments[seg].Hi < e.key {
			seg++
		}
		if seg < len(segments) && segments[seg].Lo <= e.key {
			out[seg].Add(h)
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RowHashes returns the key and hash of every row in r, sorted by key (then hash). It is safe
// for concurrent use.
func (d *Dataset) RowHashes(ctx context.Context, spec dataquality.ChecksumSpec, r dataquality.KeyRange) ([]dataquality.RowHash, error) {
	unlock, err := d.read(ctx)
	defer unlock()
	if err != nil {
		return nil, err
	}
	p, err := d.plan(spec)
	if err != nil {
		return nil, err
	}
	entries, err := d.keyIndex(p.key)
	if err != nil {
		return nil, err
	}
	var out []dataquality.RowHash
	err = p.each(ctx, entries, r, func(e keyEntry, h uint64) {
		out = append(out, dataquality.RowHash{Key: e.key, Hash: h})
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b dataquality.RowHash) int {
		if c := cmp.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		return cmp.Compare(a.Hash, b.Hash)
	})
	return out, nil
}

// Compile-time checks that Dataset has every capability.
var (
	_ dataquality.NullCounter      = (*Dataset)(nil)
	_ dataquality.DuplicateFinder  = (*Dataset)(nil)
	_ dataquality.MaxTimeReader    = (*Dataset)(nil)
	_ dataquality.SchemaReader     = (*Dataset)(nil)
	_ dataquality.PrimaryKeyReader = (*Dataset)(nil)
	_ dataquality.Checksummer      = (*Dataset)(nil)
)
