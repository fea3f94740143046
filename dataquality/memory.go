package dataquality

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MemoryTable is the content of a [MemoryDataset].
type MemoryTable struct {
	// Columns is the schema, in table order. A column whose Type is [TypeUnknown] takes the type
	// of its first non-nil value: Go integers are [TypeInteger], floats [TypeFloat], bool
	// [TypeBoolean], string [TypeString], []byte [TypeBytes], time.Time [TypeTimestamp]. Give
	// [TypeDecimal] and [TypeDate] explicitly.
	Columns []Column
	// PrimaryKey names the primary key's columns, if any.
	PrimaryKey []string
	// Rows maps column names (as in Columns, matched case-insensitively) to values; a missing
	// column is NULL, as is nil.
	Rows []map[string]any
}

// MemoryDataset is a table held in memory: for unit tests of pipelines, and for small tables a
// program already holds. It implements every capability: [NullCounter], [DuplicateFinder],
// [MaxTimeReader], [SchemaReader], [PrimaryKeyReader] and [Checksummer], each by a scan of the
// rows.
//
// A MemoryDataset does not change after [NewMemoryDataset]; it is safe for concurrent use. It
// keeps the values it was given (slices are not copied): do not modify them.
type MemoryDataset struct {
	columns []Column
	index   map[string]int // lower-case name -> column
	pk      []string
	rows    [][]any // in column order
}

// NewMemoryDataset returns a dataset holding t. It is an error for t to name a column twice
// (names are case-insensitive), for a row or the primary key to name a column not in
// t.Columns, or for a value not to fit its column's type (text that is not a number in a
// [TypeDecimal] column); the error says which row and column.
func NewMemoryDataset(t MemoryTable) (*MemoryDataset, error) {
	m := &MemoryDataset{
		columns: slices.Clone(t.Columns),
		index:   make(map[string]int, len(t.Columns)),
		pk:      slices.Clone(t.PrimaryKey),
		rows:    make([][]any, len(t.Rows)),
	}
	for i, c := range m.columns {
		if c.Name == "" {
			return nil, fmt.Errorf("dataquality: memory dataset: column %d has no name", i+1)
		}
		lc := strings.ToLower(c.Name)
		if _, dup := m.index[lc]; dup {
			return nil, fmt.Errorf("dataquality: memory dataset: column %q is given twice", c.Name)
		}
		m.index[lc] = i
	}
	for _, k := range m.pk {
		if _, ok := m.index[strings.ToLower(k)]; !ok {
			return nil, fmt.Errorf("dataquality: memory dataset: primary key column %q is not a column", k)
		}
	}
	for r, row := range t.Rows {
		vals := make([]any, len(m.columns))
		for name, v := range row {
			i, ok := m.index[strings.ToLower(name)]
			if !ok {
				return nil, fmt.Errorf("dataquality: memory dataset: row %d: column %q is not in the schema", r, name)
			}
			vals[i] = v
		}
		m.rows[r] = vals
	}
	var buf []byte
	for i := range m.columns {
		if m.columns[i].Type == TypeUnknown {
			for _, row := range m.rows {
				if row[i] != nil {
					m.columns[i].Type = typeOfValue(row[i])
					break
				}
			}
		}
		if m.columns[i].DatabaseType == "" {
			m.columns[i].DatabaseType = m.columns[i].Type.String()
		}
		for r, row := range m.rows {
			var err error
			if buf, err = AppendCanonical(buf[:0], m.columns[i].Type, row[i]); err != nil {
				return nil, fmt.Errorf("dataquality: memory dataset: row %d, column %q: %w", r, m.columns[i].Name, err)
			}
		}
	}
	return m, nil
}

func typeOfValue(v any) Type {
	switch v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return TypeInteger
	case float32, float64:
		return TypeFloat
	case bool:
		return TypeBoolean
	case string:
		return TypeString
	case []byte:
		return TypeBytes
	case time.Time:
		return TypeTimestamp
	case time.Duration:
		return TypeTime
	}
	return TypeUnknown
}

func (m *MemoryDataset) column(name string) (int, error) {
	i, ok := m.index[strings.ToLower(name)]
	if !ok {
		return 0, fmt.Errorf("dataquality: memory dataset: no column %q", name)
	}
	return i, nil
}

// RowCount returns the number of rows.
func (m *MemoryDataset) RowCount(ctx context.Context) (int64, error) {
	return int64(len(m.rows)), ctx.Err()
}

// NullCounts counts the nil values of each of columns.
func (m *MemoryDataset) NullCounts(ctx context.Context, columns []string) (map[string]int64, error) {
	out := make(map[string]int64, len(columns))
	for _, name := range columns {
		i, err := m.column(name)
		if err != nil {
			return nil, err
		}
		var n int64
		for _, row := range m.rows {
			if row[i] == nil {
				n++
			}
		}
		out[name] = n
	}
	return out, ctx.Err()
}

// DuplicateKeys finds the key values held by more than one row.
func (m *MemoryDataset) DuplicateKeys(ctx context.Context, key []string, sample int) (Duplicates, error) {
	idx := make([]int, len(key))
	for k, name := range key {
		i, err := m.column(name)
		if err != nil {
			return Duplicates{}, err
		}
		idx[k] = i
	}
	type group struct {
		key   []any
		count int64
	}
	groups := map[string]*group{}
	var buf []byte
rows:
	for _, row := range m.rows {
		buf = buf[:0]
		for _, i := range idx {
			if row[i] == nil {
				continue rows
			}
			buf, _ = AppendCanonical(buf, m.columns[i].Type, row[i]) // checked by NewMemoryDataset
		}
		g := groups[string(buf)]
		if g == nil {
			g = &group{key: make([]any, len(idx))}
			for k, i := range idx {
				g.key[k] = row[i]
			}
			groups[string(buf)] = g
		}
		g.count++
	}
	var d Duplicates
	var dups []*group
	for _, g := range groups {
		if g.count > 1 {
			d.Keys++
			d.ExtraRows += g.count - 1
			dups = append(dups, g)
		}
	}
	slices.SortFunc(dups, func(a, b *group) int {
		for k := range a.key {
			if c := compareValues(a.key[k], b.key[k]); c != 0 {
				return c
			}
		}
		return 0
	})
	for _, g := range dups[:min(len(dups), max(sample, 0))] {
		d.Sample = append(d.Sample, DuplicateKey{Key: g.key, Count: g.count})
	}
	return d, ctx.Err()
}

// compareValues orders two non-nil values of one column: numbers by value, times, strings and
// bytes naturally, anything else by its text.
func compareValues(a, b any) int {
	if x, ok := numberOf(a); ok {
		if y, ok := numberOf(b); ok {
			return cmp.Compare(x, y)
		}
	}
	switch x := a.(type) {
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.Compare(y)
		}
	case []byte:
		if y, ok := b.([]byte); ok {
			return bytes.Compare(x, y)
		}
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y)
		}
	}
	return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

func numberOf(v any) (float64, bool) {
	switch x := v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32:
		f, err := floatOf(v)
		return f, err == nil
	case float64:
		return x, true
	}
	return 0, false
}

// MaxTime returns the latest value of column, read as by [ConvertTime].
func (m *MemoryDataset) MaxTime(ctx context.Context, column string) (time.Time, bool, error) {
	i, err := m.column(column)
	if err != nil {
		return time.Time{}, false, err
	}
	var latest time.Time
	found := false
	for r, row := range m.rows {
		if row[i] == nil {
			continue
		}
		t, err := ConvertTime(row[i])
		if err != nil {
			return time.Time{}, false, fmt.Errorf("dataquality: memory dataset: row %d, column %q: %w", r, column, err)
		}
		if !found || t.After(latest) {
			latest, found = t, true
		}
	}
	return latest, found, ctx.Err()
}

// Schema returns the columns, with the types inferred by [NewMemoryDataset].
func (m *MemoryDataset) Schema(ctx context.Context) ([]Column, error) {
	return slices.Clone(m.columns), ctx.Err()
}

// PrimaryKey returns [MemoryTable.PrimaryKey].
func (m *MemoryDataset) PrimaryKey(ctx context.Context) ([]string, error) {
	return slices.Clone(m.pk), ctx.Err()
}

// KeyBounds returns the smallest and largest value of the integer column key.
func (m *MemoryDataset) KeyBounds(ctx context.Context, key string) (KeyRange, bool, error) {
	ki, err := m.column(key)
	if err != nil {
		return KeyRange{}, false, err
	}
	var r KeyRange
	found := false
	for n, row := range m.rows {
		if row[ki] == nil {
			continue
		}
		k, err := ConvertKey(row[ki])
		if err != nil {
			return KeyRange{}, false, fmt.Errorf("dataquality: memory dataset: row %d: key: %w", n, err)
		}
		if !found {
			r, found = KeyRange{Lo: k, Hi: k}, true
		}
		r.Lo, r.Hi = min(r.Lo, k), max(r.Hi, k)
	}
	return r, found, ctx.Err()
}

// plan resolves a spec to column indexes and types.
func (m *MemoryDataset) plan(spec ChecksumSpec) (key int, cols []int, h *RowHasher, err error) {
	if key, err = m.column(spec.Key); err != nil {
		return 0, nil, nil, err
	}
	cols = make([]int, len(spec.Columns))
	types := make([]Type, len(spec.Columns))
	for k, name := range spec.Columns {
		if cols[k], err = m.column(name); err != nil {
			return 0, nil, nil, err
		}
		types[k] = m.columns[cols[k]].Type
	}
	return key, cols, NewRowHasher(types), nil
}

// scan calls f with the key and hash of every row whose key is within r.
func (m *MemoryDataset) scan(ctx context.Context, spec ChecksumSpec, r KeyRange, f func(key int64, hash uint64)) error {
	ki, cols, h, err := m.plan(spec)
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	for n, row := range m.rows {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if row[ki] == nil {
			continue
		}
		k, err := ConvertKey(row[ki])
		if err != nil {
			return fmt.Errorf("dataquality: memory dataset: row %d: key: %w", n, err)
		}
		if k < r.Lo || k > r.Hi {
			continue
		}
		for c, i := range cols {
			vals[c] = row[i]
		}
		hash, err := h.Hash(vals)
		if err != nil {
			return fmt.Errorf("dataquality: memory dataset: row %d: %w", n, err)
		}
		f(k, hash)
	}
	return ctx.Err()
}

// Checksums returns the checksum of each segment, in one scan of the rows.
func (m *MemoryDataset) Checksums(ctx context.Context, spec ChecksumSpec, segments []KeyRange) ([]Checksum, error) {
	out := make([]Checksum, len(segments))
	if len(segments) == 0 {
		return out, nil
	}
	all := KeyRange{Lo: segments[0].Lo, Hi: segments[len(segments)-1].Hi}
	err := m.scan(ctx, spec, all, func(k int64, h uint64) {
		if i := FindSegment(segments, k); i >= 0 {
			out[i].Add(h)
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RowHashes returns the key and hash of every row in r, sorted by key.
func (m *MemoryDataset) RowHashes(ctx context.Context, spec ChecksumSpec, r KeyRange) ([]RowHash, error) {
	var out []RowHash
	err := m.scan(ctx, spec, r, func(k int64, h uint64) { out = append(out, RowHash{Key: k, Hash: h}) })
	if err != nil {
		return nil, err
	}
	sortRowHashes(out)
	return out, nil
}

// ConvertKey converts a driver's value of an integer key column to an int64: Go integers (an
// uint64 above math.MaxInt64 is an error), integral floats, and decimal text without a fraction
// (Oracle's NUMBER arrives as text, or as a fmt.Stringer).
func ConvertKey(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case uint64:
		if x > math.MaxInt64 {
			return 0, fmt.Errorf("dataquality: key %d does not fit an int64", x)
		}
		return int64(x), nil
	case uint:
		if uint64(x) > math.MaxInt64 {
			return 0, fmt.Errorf("dataquality: key %d does not fit an int64", x)
		}
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint8:
		return int64(x), nil
	case float64:
		if x != math.Trunc(x) || x < math.MinInt64 || x >= math.MaxInt64 {
			return 0, fmt.Errorf("dataquality: key %v is not an integer", x)
		}
		return int64(x), nil
	case []byte:
		return parseKey(string(x))
	case string:
		return parseKey(x)
	case nil:
		return 0, fmt.Errorf("dataquality: key is NULL")
	case fmt.Stringer: // a driver's number type, such as godror.Number
		return parseKey(x.String())
	}
	return 0, fmt.Errorf("dataquality: key of type %T is not an integer", v)
}

func parseKey(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if before, after, ok := strings.Cut(t, "."); ok && strings.Trim(after, "0") == "" {
		t = before
	}
	k, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("dataquality: key %q is not a 64-bit integer", s)
	}
	return k, nil
}
