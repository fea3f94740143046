package arrowdataset

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/etlwatch/etlwatch/dataquality"
)

// ErrReleased is returned by every method of a [Dataset] called after [Dataset.Release].
var ErrReleased = errors.New("arrowdataset: dataset released")

// PrimaryKeyMetadataKey is the key of the schema metadata that names the primary key's columns,
// separated by commas, such as "ORDER_ID" or "REGION, ORDER_ID". [WithPrimaryKey] takes
// precedence over it.
const PrimaryKeyMetadataKey = "etlwatch.primary_key"

// Dataset is a table held as Arrow record batches, as a [dataquality.Dataset]. It implements
// every optional capability of package dataquality: [dataquality.NullCounter],
// [dataquality.DuplicateFinder], [dataquality.MaxTimeReader], [dataquality.SchemaReader],
// [dataquality.PrimaryKeyReader] and [dataquality.Checksummer].
//
// A Dataset retains the record batches it was given until [Dataset.Release]. Its data does not
// change; it is safe for concurrent use, Release included (which waits for the methods that are
// running).
type Dataset struct {
	mu       sync.RWMutex // read-locked by every method, locked by Release
	released bool

	batches []arrow.RecordBatch
	rows    int64
	fields  []arrow.Field
	columns []dataquality.Column
	index   map[string]int // lower-case name -> column
	pk      []string
	keys    []keySlot // per column, its sorted key index once built
}

type config struct {
	pk    []string
	pkSet bool
}

// Option configures a [Dataset].
type Option func(*config)

// WithPrimaryKey sets the columns [Dataset.PrimaryKey] returns, which [dataquality.Checker.Run]
// uses as the reconciliation key. Default: the columns named by the schema's metadata under
// [PrimaryKeyMetadataKey], else none. The option takes precedence over the metadata;
// WithPrimaryKey() with no column says there is no key, whatever the metadata.
func WithPrimaryKey(columns ...string) Option {
	return func(c *config) { c.pk, c.pkSet = slices.Clone(columns), true }
}

// New returns a dataset of the record batches records, whose schemas must have the fields of
// schema (the same names and types, in the same order; metadata and nullability may differ).
// It retains each record; the caller may release its own references at once, and calls
// [Dataset.Release] when done with the dataset.
//
// It is an error for schema to be nil or to name a column twice (names are case-insensitive) or
// not at all, for a record to be nil, to hold more than 2^31-1 rows or not to match schema, or
// for the primary key to name a column not in schema. Columns of unsupported types are
// accepted: see the package documentation.
func New(schema *arrow.Schema, records []arrow.RecordBatch, opts ...Option) (*Dataset, error) {
	if schema == nil {
		return nil, errors.New("arrowdataset: nil schema")
	}
	d, err := newDataset(schema, opts)
	if err != nil {
		return nil, err
	}
	for r, rec := range records {
		if rec == nil {
			return nil, fmt.Errorf("arrowdataset: record %d is nil", r)
		}
		if err := matchSchema(schema, rec.Schema()); err != nil {
			return nil, fmt.Errorf("arrowdataset: record %d: %w", r, err)
		}
		if rec.NumRows() > math.MaxInt32 {
			return nil, fmt.Errorf("arrowdataset: record %d has %d rows, more than 2^31-1", r, rec.NumRows())
		}
	}
	for _, rec := range records {
		rec.Retain()
		d.batches = append(d.batches, rec)
		d.rows += rec.NumRows()
	}
	return d, nil
}

// FromTable returns a dataset of the rows of tbl, whose columns may be chunked differently: the
// dataset holds zero-copy slices of the chunks, aligned into record batches, and retains them
// until [Dataset.Release]. The caller may release tbl at once. The errors are those of [New].
func FromTable(tbl arrow.Table, opts ...Option) (*Dataset, error) {
	if tbl == nil {
		return nil, errors.New("arrowdataset: nil table")
	}
	d, err := newDataset(tbl.Schema(), opts)
	if err != nil {
		return nil, err
	}
	tr := array.NewTableReader(tbl, math.MaxInt32)
	defer tr.Release()
	for tr.Next() {
		rec := tr.RecordBatch()
		rec.Retain()
		d.batches = append(d.batches, rec)
		d.rows += rec.NumRows()
	}
	if err := tr.Err(); err != nil {
		d.Release()
		return nil, fmt.Errorf("arrowdataset: read table: %w", err)
	}
	return d, nil
}

func newDataset(schema *arrow.Schema, opts []Option) (*Dataset, error) {
	var cfg config
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	d := &Dataset{
		fields:  schema.Fields(),
		columns: make([]dataquality.Column, schema.NumFields()),
		index:   make(map[string]int, schema.NumFields()),
		keys:    make([]keySlot, schema.NumFields()),
	}
	for i, f := range d.fields {
		if f.Name == "" {
			return nil, fmt.Errorf("arrowdataset: column %d has no name", i+1)
		}
		lc := strings.ToLower(f.Name)
		if j, dup := d.index[lc]; dup {
			return nil, fmt.Errorf("arrowdataset: columns %d and %d are both named %q (names are case-insensitive)", j+1, i+1, f.Name)
		}
		d.index[lc] = i
		t, _ := normalise(f.Type)
		d.columns[i] = dataquality.Column{Name: f.Name, Type: t, DatabaseType: f.Type.String()}
	}
	d.pk = cfg.pk
	what := "WithPrimaryKey"
	if !cfg.pkSet {
		what = "metadata " + PrimaryKeyMetadataKey
		pk, err := metadataKey(schema.Metadata())
		if err != nil {
			return nil, err
		}
		d.pk = pk
	}
	for _, k := range d.pk {
		if _, ok := d.index[strings.ToLower(k)]; !ok {
			return nil, fmt.Errorf("arrowdataset: primary key (%s): %q is not a column of the schema", what, k)
		}
	}
	return d, nil
}

// metadataKey reads the primary key from the schema metadata.
func metadataKey(md arrow.Metadata) ([]string, error) {
	i := md.FindKey(PrimaryKeyMetadataKey)
	if i < 0 {
		return nil, nil
	}
	v := md.Values()[i]
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var pk []string
	for part := range strings.SplitSeq(v, ",") {
		name := strings.TrimSpace(part)
		if name == "" {
			return nil, fmt.Errorf("arrowdataset: primary key (metadata %s): %q names an empty column", PrimaryKeyMetadataKey, v)
		}
		pk = append(pk, name)
	}
	return pk, nil
}

// matchSchema checks that a record's schema has the fields of the dataset's.
func matchSchema(want, got *arrow.Schema) error {
	if got.NumFields() != want.NumFields() {
		return fmt.Errorf("has %d columns, the schema %d", got.NumFields(), want.NumFields())
	}
	for i := range want.NumFields() {
		w, g := want.Field(i), got.Field(i)
		if w.Name != g.Name || !arrow.TypeEqual(w.Type, g.Type) {
			return fmt.Errorf("column %d is %q %s, the schema's is %q %s", i+1, g.Name, g.Type, w.Name, w.Type)
		}
	}
	return nil
}

// Release releases the record batches the dataset retained. It waits for the methods that are
// running; later calls of any method return [ErrReleased], and later calls of Release do nothing.
func (d *Dataset) Release() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.released {
		return
	}
	d.released = true
	for _, rec := range d.batches {
		rec.Release()
	}
	d.batches, d.keys = nil, nil
}

// read locks the dataset for reading, and returns the function that unlocks it and an error if
// the dataset was released or ctx is done.
func (d *Dataset) read(ctx context.Context) (unlock func(), err error) {
	d.mu.RLock()
	if d.released {
		d.mu.RUnlock()
		return func() {}, ErrReleased
	}
	if err := ctx.Err(); err != nil {
		d.mu.RUnlock()
		return func() {}, err
	}
	return d.mu.RUnlock, nil
}

// getter returns the getter of column i of rec.
func (d *Dataset) getter(rec arrow.RecordBatch, i int) (getter, error) {
	g, ok := newGetter(rec.Column(i))
	if !ok {
		return nil, &UnsupportedTypeError{Column: d.fields[i].Name, Type: rec.Column(i).DataType(), Need: needEncoding}
	}
	return g, nil
}

func (d *Dataset) column(name string) (int, error) {
	i, ok := d.index[strings.ToLower(name)]
	if !ok {
		return 0, fmt.Errorf("arrowdataset: no column %q", name)
	}
	return i, nil
}

// RowCount returns the number of rows, counted by [New]. It is safe for concurrent use.
func (d *Dataset) RowCount(ctx context.Context) (int64, error) {
	unlock, err := d.read(ctx)
	defer unlock()
	if err != nil {
		return 0, err
	}
	return d.rows, nil
}

// NullCounts returns the number of NULLs in each of columns (matched case-insensitively), keyed
// by the names as given. It reads each array's null count, without scanning rows (except for
// dictionary columns whose dictionary holds NULLs). It is safe for concurrent use.
func (d *Dataset) NullCounts(ctx context.Context, columns []string) (map[string]int64, error) {
	unlock, err := d.read(ctx)
	defer unlock()
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(columns))
	for _, name := range columns {
		i, err := d.column(name)
		if err != nil {
			return nil, err
		}
		var n int64
		for _, rec := range d.batches {
			n += nullCount(rec.Column(i))
		}
		out[name] = n
	}
	return out, nil
}

// DuplicateKeys finds the key values held by more than one row, comparing values by their
// canonical encoding, as [dataquality.MemoryDataset] does. The sampled keys are Go values that
// do not refer to Arrow memory: int64 for signed integers, uint64 for unsigned ones, float32 or
// float64, decimal text at the column's scale ("12.50"), bool, string, []byte, time.Time in UTC
// for timestamps and dates, time.Duration for times of day. It is safe for concurrent use.
func (d *Dataset) DuplicateKeys(ctx context.Context, key []string, sample int) (dataquality.Duplicates, error) {
	unlock, err := d.read(ctx)
	defer unlock()
	if err != nil {
		return dataquality.Duplicates{}, err
	}
	idx := make([]int, len(key))
	types := make([]dataquality.Type, len(key))
	for k, name := range key {
		i, err := d.column(name)
		if err != nil {
			return dataquality.Duplicates{}, err
		}
		t, ok := normalise(d.fields[i].Type)
		if !ok {
			return dataquality.Duplicates{}, &UnsupportedTypeError{Column: d.fields[i].Name, Type: d.fields[i].Type, Need: needEncoding}
		}
		idx[k], types[k] = i, t
	}
	type group struct {
		key   []any
		count int64
	}
	groups := map[string]*group{}
	var buf []byte
	getters := make([]getter, len(idx))
	for b, rec := range d.batches {
		for k, i := range idx {
			if getters[k], err = d.getter(rec, i); err != nil {
				return dataquality.Duplicates{}, err
			}
		}
	rows:
		for r := range int(rec.NumRows()) {
			if r%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return dataquality.Duplicates{}, err
				}
			}
			buf = buf[:0]
			for k, get := range getters {
				v := get(r)
				if v == nil {
					continue rows
				}
				if buf, err = dataquality.AppendCanonical(buf, types[k], v); err != nil {
					return dataquality.Duplicates{}, fmt.Errorf("arrowdataset: record %d, row %d, column %q: %w", b, r, d.fields[idx[k]].Name, err)
				}
			}
			g := groups[string(buf)]
			if g == nil {
				g = &group{key: make([]any, len(idx))}
				for k, get := range getters {
					g.key[k] = own(get(r))
				}
				groups[string(buf)] = g
			}
			g.count++
		}
	}
	var out dataquality.Duplicates
	var dups []*group
	for _, g := range groups {
		if g.count > 1 {
			out.Keys++
			out.ExtraRows += g.count - 1
			dups = append(dups, g)
		}
	}
	slices.SortFunc(dups, func(a, b *group) int {
		for k := range a.key {
			if c := compareValues(types[k], a.key[k], b.key[k]); c != 0 {
				return c
			}
		}
		return 0
	})
	for _, g := range dups[:min(len(dups), max(sample, 0))] {
		out.Sample = append(out.Sample, dataquality.DuplicateKey{Key: g.key, Count: g.count})
	}
	return out, nil
}

// MaxTime returns the latest value of column, which must be a timestamp (any unit, with or
// without a time zone), date32 or date64 column, as an instant in UTC; a date is its midnight
// UTC. A timestamp without a time zone is read as UTC, as [dataquality.AppendCanonical] does.
// It is safe for concurrent use.
func (d *Dataset) MaxTime(ctx context.Context, column string) (time.Time, bool, error) {
	unlock, err := d.read(ctx)
	defer unlock()
	if err != nil {
		return time.Time{}, false, err
	}
	i, err := d.column(column)
	if err != nil {
		return time.Time{}, false, err
	}
	f := d.fields[i]
	var toTime func(int64) time.Time
	switch dt := f.Type.(type) {
	case *arrow.TimestampType:
		toTime = func(v int64) time.Time { return arrow.Timestamp(v).ToTime(dt.Unit) }
	case *arrow.Date32Type:
		toTime = func(v int64) time.Time { return date64Time(v * msPerDay) }
	case *arrow.Date64Type:
		toTime = date64Time
	default:
		return time.Time{}, false, &UnsupportedTypeError{Column: f.Name, Type: f.Type, Need: needTime}
	}
	var latest int64
	found := false
	for _, rec := range d.batches {
		var v int64
		var ok bool
		switch a := rec.Column(i).(type) {
		case *array.Timestamp:
			v, ok = maxOf(a)
		case *array.Date32:
			v, ok = maxOf(a)
		case *array.Date64:
			v, ok = maxOf(a)
		}
		if ok && (!found || v > latest) {
			latest, found = v, true
		}
	}
	if !found {
		return time.Time{}, false, nil
	}
	return toTime(latest), true, nil
}

// maxOf returns the largest non-NULL value of a, widened to int64.
func maxOf[T arrow.Timestamp | arrow.Date32 | arrow.Date64](a interface {
	Len() int
	IsNull(int) bool
	Value(int) T
}) (int64, bool) {
	var m int64
	found := false
	for i := range a.Len() {
		if a.IsNull(i) {
			continue
		}
		if v := int64(a.Value(i)); !found || v > m {
			m, found = v, true
		}
	}
	return m, found
}

// Schema returns the columns in schema order, each with its normalised type and, as
// DatabaseType, the Arrow type's name (such as "decimal(12, 2)" or "timestamp[us, tz=UTC]").
// The package documentation lists the mapping; a type it does not list is
// [dataquality.TypeUnknown]. It is safe for concurrent use.
func (d *Dataset) Schema(ctx context.Context) ([]dataquality.Column, error) {
	unlock, err := d.read(ctx)
	defer unlock()
	if err != nil {
		return nil, err
	}
	return slices.Clone(d.columns), nil
}

// PrimaryKey returns the primary key's columns: those of [WithPrimaryKey], else those of the
// schema metadata [PrimaryKeyMetadataKey], else none. It is safe for concurrent use.
func (d *Dataset) PrimaryKey(ctx context.Context) ([]string, error) {
	unlock, err := d.read(ctx)
	defer unlock()
	if err != nil {
		return nil, err
	}
	return slices.Clone(d.pk), nil
}
