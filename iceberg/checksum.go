package iceberg

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	goiceberg "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"

	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/dataquality/arrowdataset"
)

var _ dataquality.Checksummer = (*Dataset)(nil)

// KeyBounds returns the smallest and largest non-NULL value of the integer column key, reading
// that column only.
func (d *Dataset) KeyBounds(ctx context.Context, key string) (dataquality.KeyRange, bool, error) {
	var (
		r     dataquality.KeyRange
		found bool
	)
	spec := dataquality.ChecksumSpec{Key: key}
	err := d.scanRange(ctx, spec, nil, func(ds *arrowdataset.Dataset, name string) error {
		b, ok, err := ds.KeyBounds(ctx, name)
		if err != nil || !ok {
			return err
		}
		if !found {
			r, found = b, true
			return nil
		}
		r.Lo, r.Hi = min(r.Lo, b.Lo), max(r.Hi, b.Hi)
		return nil
	})
	return r, found, err
}

// Checksums returns the checksum of each of segments (see [dataquality.Checksummer]) in one scan
// of the key and spec's columns, pruned to the files whose key bounds meet the segments. Memory
// is bounded by one record batch: each batch is hashed and released before the next is read.
func (d *Dataset) Checksums(ctx context.Context, spec dataquality.ChecksumSpec, segments []dataquality.KeyRange) ([]dataquality.Checksum, error) {
	out := make([]dataquality.Checksum, len(segments))
	if len(segments) == 0 {
		return out, nil
	}
	all := dataquality.KeyRange{Lo: segments[0].Lo, Hi: segments[len(segments)-1].Hi}
	err := d.scanRange(ctx, spec, &all, func(ds *arrowdataset.Dataset, _ string) error {
		cs, err := ds.Checksums(ctx, spec, segments)
		if err != nil {
			return err
		}
		for i, c := range cs {
			out[i].Count += c.Count
			out[i].Sum += c.Sum
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RowHashes returns the key and hash of every row in r, sorted by key (then hash), from a scan
// pruned to r.
func (d *Dataset) RowHashes(ctx context.Context, spec dataquality.ChecksumSpec, r dataquality.KeyRange) ([]dataquality.RowHash, error) {
	var out []dataquality.RowHash
	err := d.scanRange(ctx, spec, &r, func(ds *arrowdataset.Dataset, _ string) error {
		hs, err := ds.RowHashes(ctx, spec, r)
		out = append(out, hs...)
		return err
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

// scanRange scans spec's key and columns (names matched case-insensitively), keeping rows whose
// key is in r (all rows with a key when r is nil), and calls fn with each batch as an
// arrowdataset keyed on the key, under the key's name in the table.
func (d *Dataset) scanRange(ctx context.Context, spec dataquality.ChecksumSpec, r *dataquality.KeyRange, fn func(ds *arrowdataset.Dataset, key string) error) error {
	tbl, err := d.load(ctx)
	if err != nil {
		return err
	}
	if tbl.CurrentSnapshot() == nil {
		return nil
	}
	sc := tbl.Schema()
	resolve := func(name string) (goiceberg.NestedField, error) {
		f, ok := sc.FindFieldByNameCaseInsensitive(name)
		if !ok {
			return goiceberg.NestedField{}, fmt.Errorf("iceberg: %s: no column %q", dotted(d.ident), name)
		}
		return f, nil
	}
	keyField, err := resolve(spec.Key)
	if err != nil {
		return err
	}
	names := []string{keyField.Name}
	for _, c := range spec.Columns {
		f, err := resolve(c)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, f.Name) }) {
			names = append(names, f.Name)
		}
	}
	filter, err := keyFilter(keyField, r)
	if err != nil {
		return fmt.Errorf("iceberg: %s: %w", dotted(d.ident), err)
	}
	_, recs, err := tbl.Scan(table.WithSelectedFields(names...), table.WithRowFilter(filter)).ToArrowRecords(ctx)
	if err != nil {
		return fmt.Errorf("iceberg: scan %s: %w", dotted(tbl.Identifier()), err)
	}
	for rec, err := range recs {
		if err != nil {
			return fmt.Errorf("iceberg: scan %s: %w", dotted(tbl.Identifier()), err)
		}
		err = hashBatch(rec, keyField.Name, fn)
		rec.Release()
		if err != nil {
			return fmt.Errorf("iceberg: %s: %w", dotted(d.ident), err)
		}
	}
	return nil
}

func hashBatch(rec arrow.RecordBatch, key string, fn func(*arrowdataset.Dataset, string) error) error {
	ds, err := arrowdataset.New(rec.Schema(), []arrow.RecordBatch{rec}, arrowdataset.WithPrimaryKey(key))
	if err != nil {
		return err
	}
	defer ds.Release()
	return fn(ds, key)
}

// keyFilter is "key IS NOT NULL", and within r when r is set, with literals of the key's type.
func keyFilter(f goiceberg.NestedField, r *dataquality.KeyRange) (goiceberg.BooleanExpression, error) {
	ref := goiceberg.Reference(f.Name)
	notNull := goiceberg.NotNull(ref)
	if r == nil {
		return notNull, nil
	}
	switch f.Type.(type) {
	case goiceberg.Int64Type:
		return goiceberg.NewAnd(notNull, goiceberg.GreaterThanEqual(ref, r.Lo), goiceberg.LessThanEqual(ref, r.Hi)), nil
	case goiceberg.Int32Type:
		if r.Hi < math.MinInt32 || r.Lo > math.MaxInt32 {
			return goiceberg.AlwaysFalse{}, nil
		}
		lo := int32(max(r.Lo, math.MinInt32))
		hi := int32(min(r.Hi, math.MaxInt32))
		return goiceberg.NewAnd(notNull, goiceberg.GreaterThanEqual(ref, lo), goiceberg.LessThanEqual(ref, hi)), nil
	}
	return nil, fmt.Errorf("key column %s is %s, not an integer", f.Name, f.Type)
}
