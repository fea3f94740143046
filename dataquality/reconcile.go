package dataquality

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

const checksumWhat = "Checksum reconciliation"

// Defaults of [ReconcileOptions].
const (
	DefaultSegments   = 32
	DefaultThreshold  = 1000
	DefaultSampleSize = 100
	maxSegments       = 4096
	detailKeys        = 10
)

// ReconcileOptions configures [Checker.Reconcile].
type ReconcileOptions struct {
	// Key is the integer key column. Default: the source's primary key, when the source is a
	// [PrimaryKeyReader] and the key is one column.
	Key string
	// Columns are the columns compared, matched case-insensitively on both sides. Default: every
	// column of the source, which must then be a [SchemaReader].
	Columns []string
	// Segments is how many segments a differing range is split into: the bisection factor.
	// Default [DefaultSegments]; 2 to 4096.
	Segments int
	// Threshold is the largest number of rows a range may have for its keys and row hashes to be
	// fetched from both sides and compared; larger differing ranges are split again. Default
	// [DefaultThreshold].
	Threshold int64
	// SampleSize is how many keys of each kind of difference are kept. Default
	// [DefaultSampleSize].
	SampleSize int
}

func (o ReconcileOptions) withDefaults() (ReconcileOptions, error) {
	if o.Segments == 0 {
		o.Segments = DefaultSegments
	}
	if o.Threshold == 0 {
		o.Threshold = DefaultThreshold
	}
	if o.SampleSize == 0 {
		o.SampleSize = DefaultSampleSize
	}
	switch {
	case o.Segments < 2 || o.Segments > maxSegments:
		return o, fmt.Errorf("%w: Segments is %d, not within [2, %d]", ErrInvalidInput, o.Segments, maxSegments)
	case o.Threshold < 1:
		return o, fmt.Errorf("%w: Threshold is %d, not positive", ErrInvalidInput, o.Threshold)
	case o.SampleSize < 0:
		return o, fmt.Errorf("%w: SampleSize is %d, negative", ErrInvalidInput, o.SampleSize)
	}
	return o, nil
}

// Diff is what [Checker.Reconcile] found; its fields are also the Result's Observed values,
// under the snake_case names given.
type Diff struct {
	SourceRows      int64 // source_rows
	DestRows        int64 // dest_rows
	MissingInDest   int64 // missing_in_dest: keys the source has and the destination lacks
	MissingInSource int64 // missing_in_source: keys the destination has and the source lacks
	Changed         int64 // changed: keys both have with different values
	// Samples of the keys above, ascending, up to ReconcileOptions.SampleSize each:
	// missing_in_dest_keys, missing_in_source_keys, changed_keys.
	MissingInDestKeys, MissingInSourceKeys, ChangedKeys []int64
	// ChecksumQueries and RowHashQueries count the calls of Checksums and RowHashes made on each
	// side: checksum_queries, row_hash_queries.
	ChecksumQueries, RowHashQueries int64
}

// Equal reports whether no difference was found.
func (d Diff) Equal() bool { return d.MissingInDest == 0 && d.MissingInSource == 0 && d.Changed == 0 }

func (d Diff) observed(key string, columns []string) map[string]any {
	return map[string]any{
		"key":                    key,
		"columns":                columns,
		"source_rows":            d.SourceRows,
		"dest_rows":              d.DestRows,
		"missing_in_dest":        d.MissingInDest,
		"missing_in_source":      d.MissingInSource,
		"changed":                d.Changed,
		"missing_in_dest_keys":   nonNil(d.MissingInDestKeys),
		"missing_in_source_keys": nonNil(d.MissingInSourceKeys),
		"changed_keys":           nonNil(d.ChangedKeys),
		"checksum_queries":       d.ChecksumQueries,
		"row_hash_queries":       d.RowHashQueries,
	}
}

func nonNil(k []int64) []int64 {
	if k == nil {
		return []int64{}
	}
	return k
}

// Reconcile compares the rows of source and dest, both [Checksummer]s possibly on different
// database systems, by checksums of key ranges, and reports the keys that differ: missing in
// the destination, missing in the source, and changed.
//
// It follows the data-diff algorithm. It reads the key bounds of both sides, splits their union
// into segments and asks each side for the segments' checksums (row count and order-independent
// sum of row hashes) in one pass. Equal tables cost that one pass per side. A segment whose
// checksums differ is split into [ReconcileOptions.Segments] segments and their checksums asked
// for, recursively, until a differing segment holds at most [ReconcileOptions.Threshold] rows;
// the keys and row hashes of such segments (neighbours merged while within the threshold) are
// then fetched from both sides and compared. The first split is finer than the later ones: as
// many segments as it takes for each to span about Threshold keys (at least Segments, at most
// 4096), since one pass computes any number of segment checksums. With dense keys a difference
// then costs one small row-hash query per side and no further pass; with sparse keys (or more
// than 4 million of them) each differing segment costs a pass over that segment, 1/4096 of the
// key range or less, then smaller ones. The two sides are always queried at the same time.
//
// The key must be a single integer column (composite and text keys are not supported yet).
// Rows whose checksums collide are not told apart: with 64-bit hashes the chance is about 2^-64
// per compared range.
//
// Observed keys: key (string), columns ([]string), and those of [Diff].
//
//	CUSTOMERS: Checksum reconciliation PASSED - source: 1000 rows, dest: 1000 rows, all match
//	CUSTOMERS: Checksum reconciliation FAILED - source: 1000 rows, dest: 1001 rows; missing in dest: 1 (5); missing in source: 2 (1001, 1002); changed: 1 (7)
func (c *Checker) Reconcile(ctx context.Context, table string, source, dest Dataset, opts ReconcileOptions) Result {
	start := time.Now()
	return c.report(ctx, runReconcile(ctx, table, source, dest, opts, start))
}

func runReconcile(ctx context.Context, table string, source, dest Dataset, opts ReconcileOptions, start time.Time) Result {
	observed := map[string]any{}
	fail := func(err error) Result {
		return failed(CheckChecksum, table, checksumWhat, err, start, observed)
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return fail(err)
	}
	src, ok := source.(Checksummer)
	if !ok {
		return fail(fmt.Errorf("source: %w", unsupported(source, "Checksummer", "compute checksums")))
	}
	dst, ok := dest.(Checksummer)
	if !ok {
		return fail(fmt.Errorf("dest: %w", unsupported(dest, "Checksummer", "compute checksums")))
	}
	spec, err := resolveSpec(ctx, source, dest, opts)
	if err != nil {
		return fail(err)
	}
	observed["key"] = spec.Key
	observed["columns"] = spec.Columns

	rc := &reconciler{src: src, dst: dst, spec: spec, opts: opts}
	if err := rc.run(ctx); err != nil {
		for k, v := range rc.diff.observed(spec.Key, spec.Columns) {
			observed[k] = v
		}
		return fail(err)
	}
	d := rc.diff
	res := Result{Check: CheckChecksum, Table: table, Observed: d.observed(spec.Key, spec.Columns), Passed: d.Equal()}
	if res.Passed {
		res.Details = fmt.Sprintf("%s PASSED - source: %d rows, dest: %d rows, all match", checksumWhat, d.SourceRows, d.DestRows)
	} else {
		var parts []string
		add := func(what string, n int64, keys []int64) {
			if n > 0 {
				parts = append(parts, fmt.Sprintf("%s: %d (%s)", what, n, keyList(keys, n)))
			}
		}
		add("missing in dest", d.MissingInDest, d.MissingInDestKeys)
		add("missing in source", d.MissingInSource, d.MissingInSourceKeys)
		add("changed", d.Changed, d.ChangedKeys)
		res.Details = fmt.Sprintf("%s FAILED - source: %d rows, dest: %d rows; %s", checksumWhat, d.SourceRows, d.DestRows, strings.Join(parts, "; "))
	}
	res.Duration = time.Since(start)
	return res
}

func keyList(keys []int64, total int64) string {
	shown := keys[:min(len(keys), detailKeys)]
	parts := make([]string, len(shown))
	for i, k := range shown {
		parts[i] = itoa(k)
	}
	s := strings.Join(parts, ", ")
	if int64(len(shown)) < total {
		s += ", ..."
	}
	return s
}

// resolveSpec finds the key and the columns to compare.
func resolveSpec(ctx context.Context, source, dest Dataset, opts ReconcileOptions) (ChecksumSpec, error) {
	spec := ChecksumSpec{Key: opts.Key, Columns: opts.Columns}
	if spec.Key == "" {
		pk, ok := source.(PrimaryKeyReader)
		if !ok {
			return spec, fmt.Errorf("%w: no key: set ReconcileOptions.Key (the source is not a dataquality.PrimaryKeyReader)", ErrInvalidInput)
		}
		cols, err := pk.PrimaryKey(ctx)
		if err != nil {
			return spec, fmt.Errorf("source: read primary key: %w", err)
		}
		if len(cols) != 1 {
			return spec, fmt.Errorf("%w: the source's primary key has %d columns %v; reconciliation needs a single integer key: set ReconcileOptions.Key", ErrInvalidInput, len(cols), cols)
		}
		spec.Key = cols[0]
	}
	if len(spec.Columns) == 0 {
		cols, err := readSchema(ctx, "source", source)
		if err != nil {
			return spec, fmt.Errorf("choose columns (or set ReconcileOptions.Columns): %w", err)
		}
		for _, col := range cols {
			spec.Columns = append(spec.Columns, col.Name)
		}
	}
	if len(spec.Columns) == 0 {
		return spec, fmt.Errorf("%w: no columns to compare", ErrInvalidInput)
	}
	// A destination that describes itself must have every column; say which it lacks rather
	// than fail on the first checksum query.
	if sr, ok := dest.(SchemaReader); ok {
		cols, err := sr.Schema(ctx)
		if err != nil {
			return spec, fmt.Errorf("dest: read schema: %w", err)
		}
		have := make(map[string]bool, len(cols))
		for _, col := range cols {
			have[strings.ToLower(col.Name)] = true
		}
		var missing []string
		for _, col := range spec.Columns {
			if !have[strings.ToLower(col)] {
				missing = append(missing, col)
			}
		}
		if !have[strings.ToLower(spec.Key)] {
			missing = append(missing, spec.Key)
		}
		if len(missing) > 0 {
			return spec, fmt.Errorf("dest lacks the columns %s", strings.Join(missing, ", "))
		}
	}
	return spec, nil
}

// reconciler holds the state of one reconciliation.
type reconciler struct {
	src, dst Checksummer
	spec     ChecksumSpec
	opts     ReconcileOptions
	diff     Diff
}

func (rc *reconciler) run(ctx context.Context) error {
	var sr, dr KeyRange
	var sok, dok bool
	err := both(ctx,
		func(ctx context.Context) (err error) {
			sr, sok, err = rc.src.KeyBounds(ctx, rc.spec.Key)
			if err != nil {
				err = fmt.Errorf("source: key bounds: %w", err)
			}
			return err
		},
		func(ctx context.Context) (err error) {
			dr, dok, err = rc.dst.KeyBounds(ctx, rc.spec.Key)
			if err != nil {
				err = fmt.Errorf("dest: key bounds: %w", err)
			}
			return err
		})
	if err != nil {
		return err
	}
	var all KeyRange
	switch {
	case !sok && !dok:
		return nil // both empty
	case !sok:
		all = dr
	case !dok:
		all = sr
	default:
		all = KeyRange{Lo: min(sr.Lo, dr.Lo), Hi: max(sr.Hi, dr.Hi)}
	}
	segs := SplitRange(all, firstSegments(all, rc.opts))
	ss, ds, err := rc.checksums(ctx, segs)
	if err != nil {
		return err
	}
	for i := range segs {
		rc.diff.SourceRows += ss[i].Count
		rc.diff.DestRows += ds[i].Count
	}
	return rc.compare(ctx, segs, ss, ds)
}

// firstSegments returns how many segments the first pass splits r into: enough for each to span
// about Threshold keys, so that with dense keys a difference is found without a second pass,
// and at least Segments, at most 4096. All the segments' checksums come from one pass over each
// side, so the finer split costs nothing when the tables are equal.
func firstSegments(r KeyRange, o ReconcileOptions) int {
	keys := uint64(r.Hi) - uint64(r.Lo) // number of keys minus 1
	n := keys/uint64(o.Threshold) + 1
	switch {
	case n < uint64(o.Segments):
		return o.Segments
	case n > maxSegments:
		return maxSegments
	}
	return int(n)
}

// compare descends into the segments whose checksums differ, in key order.
func (rc *reconciler) compare(ctx context.Context, segs []KeyRange, ss, ds []Checksum) error {
	// Differing segments small enough are compared row by row; consecutive ones are fetched
	// together while the rows between stay within the threshold.
	var leaf *KeyRange
	var leafRows int64
	flush := func() error {
		if leaf == nil {
			return nil
		}
		r := *leaf
		leaf = nil
		return rc.compareRows(ctx, r)
	}
	for i, seg := range segs {
		rows := max(ss[i].Count, ds[i].Count)
		if ss[i] == ds[i] {
			if leaf != nil {
				leafRows += rows // may be absorbed into the pending leaf range
			}
			continue
		}
		if rows <= rc.opts.Threshold || seg.Lo == seg.Hi {
			if leaf != nil && leafRows+rows <= rc.opts.Threshold {
				leaf.Hi = seg.Hi
				leafRows += rows
				continue
			}
			if err := flush(); err != nil {
				return err
			}
			leaf, leafRows = &KeyRange{Lo: seg.Lo, Hi: seg.Hi}, rows
			continue
		}
		if err := flush(); err != nil {
			return err
		}
		sub := SplitRange(seg, rc.opts.Segments)
		subS, subD, err := rc.checksums(ctx, sub)
		if err != nil {
			return err
		}
		if err := rc.compare(ctx, sub, subS, subD); err != nil {
			return err
		}
	}
	return flush()
}

func (rc *reconciler) checksums(ctx context.Context, segs []KeyRange) (ss, ds []Checksum, err error) {
	rc.diff.ChecksumQueries++
	err = both(ctx,
		func(ctx context.Context) (err error) {
			ss, err = rc.src.Checksums(ctx, rc.spec, segs)
			if err == nil && len(ss) != len(segs) {
				err = fmt.Errorf("returned %d checksums for %d segments", len(ss), len(segs))
			}
			if err != nil {
				err = fmt.Errorf("source: checksums of keys %d to %d: %w", segs[0].Lo, segs[len(segs)-1].Hi, err)
			}
			return err
		},
		func(ctx context.Context) (err error) {
			ds, err = rc.dst.Checksums(ctx, rc.spec, segs)
			if err == nil && len(ds) != len(segs) {
				err = fmt.Errorf("returned %d checksums for %d segments", len(ds), len(segs))
			}
			if err != nil {
				err = fmt.Errorf("dest: checksums of keys %d to %d: %w", segs[0].Lo, segs[len(segs)-1].Hi, err)
			}
			return err
		})
	return ss, ds, err
}

// compareRows fetches the row hashes of r from both sides and records the differing keys.
func (rc *reconciler) compareRows(ctx context.Context, r KeyRange) error {
	rc.diff.RowHashQueries++
	var sh, dh []RowHash
	err := both(ctx,
		func(ctx context.Context) (err error) {
			if sh, err = rc.src.RowHashes(ctx, rc.spec, r); err != nil {
				err = fmt.Errorf("source: row hashes of keys %d to %d: %w", r.Lo, r.Hi, err)
			}
			return err
		},
		func(ctx context.Context) (err error) {
			if dh, err = rc.dst.RowHashes(ctx, rc.spec, r); err != nil {
				err = fmt.Errorf("dest: row hashes of keys %d to %d: %w", r.Lo, r.Hi, err)
			}
			return err
		})
	if err != nil {
		return err
	}
	sortRowHashes(sh)
	sortRowHashes(dh)
	i, j := 0, 0
	for i < len(sh) || j < len(dh) {
		switch {
		case j == len(dh) || (i < len(sh) && sh[i].Key < dh[j].Key):
			k := sh[i].Key
			for i < len(sh) && sh[i].Key == k {
				i++
			}
			rc.record(&rc.diff.MissingInDest, &rc.diff.MissingInDestKeys, k)
		case i == len(sh) || dh[j].Key < sh[i].Key:
			k := dh[j].Key
			for j < len(dh) && dh[j].Key == k {
				j++
			}
			rc.record(&rc.diff.MissingInSource, &rc.diff.MissingInSourceKeys, k)
		default: // same key; compare the (multi)sets of hashes
			k := sh[i].Key
			i0, j0 := i, j
			for i < len(sh) && sh[i].Key == k {
				i++
			}
			for j < len(dh) && dh[j].Key == k {
				j++
			}
			if !slices.Equal(sh[i0:i], dh[j0:j]) {
				rc.record(&rc.diff.Changed, &rc.diff.ChangedKeys, k)
			}
		}
	}
	return nil
}

func (rc *reconciler) record(total *int64, sample *[]int64, key int64) {
	*total++
	if len(*sample) < rc.opts.SampleSize {
		*sample = append(*sample, key)
	}
}

func sortRowHashes(h []RowHash) {
	slices.SortFunc(h, func(a, b RowHash) int {
		switch {
		case a.Key < b.Key:
			return -1
		case a.Key > b.Key:
			return 1
		case a.Hash < b.Hash:
			return -1
		case a.Hash > b.Hash:
			return 1
		}
		return 0
	})
}

// SplitRange splits r into at most n contiguous segments of equal width (the last may be
// narrower), fewer when r holds fewer than n keys. It never overflows, whatever r's bounds.
func SplitRange(r KeyRange, n int) []KeyRange {
	if r.Hi < r.Lo || n < 1 {
		return nil
	}
	width := uint64(r.Hi) - uint64(r.Lo) // number of keys minus 1
	step := width/uint64(n) + 1          // ceil(keys / n), without computing keys = width+1
	segs := make([]KeyRange, 0, n)
	lo := r.Lo
	for {
		if uint64(r.Hi)-uint64(lo) < step {
			segs = append(segs, KeyRange{Lo: lo, Hi: r.Hi})
			return segs
		}
		hi := int64(uint64(lo) + step - 1)
		segs = append(segs, KeyRange{Lo: lo, Hi: hi})
		lo = hi + 1
	}
}

// FindSegment returns the index of the segment of segs (sorted, contiguous) that holds key, or
// -1. It is how a [Checksummer] that hashes rows itself buckets them.
func FindSegment(segs []KeyRange, key int64) int {
	if len(segs) == 0 || key < segs[0].Lo || key > segs[len(segs)-1].Hi {
		return -1
	}
	i, _ := slices.BinarySearchFunc(segs, key, func(s KeyRange, k int64) int {
		switch {
		case s.Hi < k:
			return -1
		case s.Lo > k:
			return 1
		}
		return 0
	})
	if i < len(segs) && segs[i].Lo <= key && key <= segs[i].Hi {
		return i
	}
	return -1
}
