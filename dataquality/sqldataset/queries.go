package sqldataset

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/etlwatch/etlwatch/dataquality"
)

// The capabilities a Table offers.
var (
	_ dataquality.NullCounter      = (*Table)(nil)
	_ dataquality.DuplicateFinder  = (*Table)(nil)
	_ dataquality.MaxTimeReader    = (*Table)(nil)
	_ dataquality.SchemaReader     = (*Table)(nil)
	_ dataquality.PrimaryKeyReader = (*Table)(nil)
	_ dataquality.Checksummer      = (*Table)(nil)
)

// RowCount returns count(*) of the table: exact, and a full scan (or index scan) in most
// databases. See [Table.EstimatedRowCount] for the cheap estimate.
func (t *Table) RowCount(ctx context.Context) (int64, error) {
	m, err := t.resolve(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := t.db.QueryRowContext(ctx, countSQL(m.qt)).Scan(&n); err != nil {
		return 0, t.errorf("count rows", err)
	}
	return n, nil
}

// EstimatedRowCount returns the planner's estimate of the number of rows, read from the catalog
// without touching the table: PostgreSQL's pg_class.reltuples (or pg_stat_user_tables.n_live_tup
// for a table never analyzed), MySQL's information_schema.tables.table_rows (an estimate for
// InnoDB), Oracle's ALL_TABLES.NUM_ROWS (as of the last statistics gathering). It is an
// ESTIMATE, as stale as the last ANALYZE, VACUUM or statistics run, and can be far off after a
// bulk load: the row-count check never uses it. SQLite keeps no estimate
// ([dataquality.ErrUnsupported]); a table with no statistics yet is an error.
func (t *Table) EstimatedRowCount(ctx context.Context) (int64, error) {
	q := t.dialect.estimateSQL()
	if q == "" {
		return 0, t.errorf("estimate rows", fmt.Errorf("%w: %s keeps no row estimate", dataquality.ErrUnsupported, t.dialect))
	}
	m, err := t.resolve(ctx)
	if err != nil {
		return 0, err
	}
	var est, live int64
	if err := t.db.QueryRowContext(ctx, q, m.schema, m.name).Scan(&est, &live); err != nil {
		return 0, t.errorf("estimate rows", err)
	}
	switch {
	case est >= 0:
		return est, nil
	case live >= 0:
		return live, nil
	}
	return 0, t.errorf("estimate rows", fmt.Errorf("no statistics yet (run ANALYZE)"))
}

// NullCounts counts the NULLs of every column in one query:
// SELECT count(*) - count(c1), count(*) - count(c2), ... FROM t.
func (t *Table) NullCounts(ctx context.Context, columns []string) (map[string]int64, error) {
	m, err := t.resolve(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(columns))
	if len(columns) == 0 {
		return out, nil
	}
	qcols, _, err := t.quoteColumns(m, columns)
	if err != nil {
		return nil, t.errorf("count nulls", err)
	}
	counts := make([]int64, len(columns))
	dest := make([]any, len(columns))
	for i := range counts {
		dest[i] = &counts[i]
	}
	if err := t.db.QueryRowContext(ctx, nullCountsSQL(m.qt, qcols)).Scan(dest...); err != nil {
		return nil, t.errorf("count nulls", err)
	}
	for i, c := range columns {
		out[c] = counts[i]
	}
	return out, nil
}

// DuplicateKeys finds duplicated key values with GROUP BY key HAVING count(*) > 1: one query
// for the totals, one for the sample.
func (t *Table) DuplicateKeys(ctx context.Context, key []string, sample int) (dataquality.Duplicates, error) {
	var d dataquality.Duplicates
	m, err := t.resolve(ctx)
	if err != nil {
		return d, err
	}
	if len(key) == 0 {
		return d, t.errorf("find duplicates", fmt.Errorf("%w: no key columns", dataquality.ErrInvalidInput))
	}
	qkey, _, err := t.quoteColumns(m, key)
	if err != nil {
		return d, t.errorf("find duplicates", err)
	}
	totals, sampleSQL := t.dialect.duplicatesSQL(m.qt, qkey, max(sample, 1))
	var rowsInDups int64
	if err := t.db.QueryRowContext(ctx, totals).Scan(&d.Keys, &rowsInDups); err != nil {
		return d, t.errorf("find duplicates", err)
	}
	d.ExtraRows = rowsInDups - d.Keys
	if d.Keys == 0 || sample <= 0 {
		return d, nil
	}
	rows, err := t.db.QueryContext(ctx, sampleSQL)
	if err != nil {
		return d, t.errorf("sample duplicates", err)
	}
	defer rows.Close()
	vals := make([]any, len(key)+1)
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return d, t.errorf("sample duplicates", err)
		}
		k := make([]any, len(key))
		for i := range k {
			if b, ok := vals[i].([]byte); ok {
				k[i] = string(b)
			} else {
				k[i] = vals[i]
			}
		}
		n, err := dataquality.ConvertKey(vals[len(key)])
		if err != nil {
			return d, t.errorf("sample duplicates", err)
		}
		d.Sample = append(d.Sample, dataquality.DuplicateKey{Key: k, Count: n})
	}
	if err := rows.Err(); err != nil {
		return d, t.errorf("sample duplicates", err)
	}
	return d, nil
}

// MaxTime returns SELECT max(column), read with [dataquality.ConvertTime].
func (t *Table) MaxTime(ctx context.Context, column string) (time.Time, bool, error) {
	m, err := t.resolve(ctx)
	if err != nil {
		return time.Time{}, false, err
	}
	qcol, _, err := t.quoteColumns(m, []string{column})
	if err != nil {
		return time.Time{}, false, t.errorf("read latest", err)
	}
	var v any
	if err := t.db.QueryRowContext(ctx, maxSQL(m.qt, qcol[0])).Scan(&v); err != nil {
		return time.Time{}, false, t.errorf("read latest", err)
	}
	if v == nil {
		return time.Time{}, false, nil
	}
	tm, err := dataquality.ConvertTime(v)
	if err != nil {
		return time.Time{}, false, t.errorf("read latest", err)
	}
	return tm, true, nil
}

// Schema returns the columns as the catalog lists them, with normalised types.
func (t *Table) Schema(ctx context.Context) ([]dataquality.Column, error) {
	m, err := t.resolve(ctx)
	if err != nil {
		return nil, err
	}
	return slices.Clone(m.columns), nil
}

// PrimaryKey returns the [WithPrimaryKey] columns, or the catalog's primary key.
func (t *Table) PrimaryKey(ctx context.Context) ([]string, error) {
	m, err := t.resolve(ctx)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	known, pk := m.pkKnown, m.pk
	t.mu.Unlock()
	if known {
		return slices.Clone(pk), nil
	}
	rows, err := t.db.QueryContext(ctx, t.dialect.primaryKeySQL(), m.schema, m.name)
	if err != nil {
		return nil, t.errorf("read primary key", err)
	}
	defer rows.Close()
	pk = nil
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, t.errorf("read primary key", err)
		}
		pk = append(pk, c)
	}
	if err := rows.Err(); err != nil {
		return nil, t.errorf("read primary key", err)
	}
	t.mu.Lock()
	m.pk, m.pkKnown = pk, true
	t.mu.Unlock()
	return slices.Clone(pk), nil
}

// KeyBounds returns SELECT min(key), max(key).
func (t *Table) KeyBounds(ctx context.Context, key string) (dataquality.KeyRange, bool, error) {
	var r dataquality.KeyRange
	m, err := t.resolve(ctx)
	if err != nil {
		return r, false, err
	}
	qkey, _, err := t.quoteColumns(m, []string{key})
	if err != nil {
		return r, false, t.errorf("key bounds", err)
	}
	var lo, hi any
	if err := t.db.QueryRowContext(ctx, boundsSQL(m.qt, qkey[0])).Scan(&lo, &hi); err != nil {
		return r, false, t.errorf("key bounds", err)
	}
	if lo == nil || hi == nil {
		return r, false, nil
	}
	if r.Lo, err = dataquality.ConvertKey(lo); err == nil {
		r.Hi, err = dataquality.ConvertKey(hi)
	}
	if err != nil {
		return r, false, t.errorf("key bounds", err)
	}
	return r, true, nil
}

// Checksums computes the segments' checksums in one query,
// SELECT key, columns FROM t WHERE key BETWEEN first.Lo AND last.Hi, hashing each row in Go
// (see the package documentation for why) and adding it to its segment's checksum.
func (t *Table) Checksums(ctx context.Context, spec dataquality.ChecksumSpec, segments []dataquality.KeyRange) ([]dataquality.Checksum, error) {
	out := make([]dataquality.Checksum, len(segments))
	if len(segments) == 0 {
		return out, nil
	}
	// Equal-width segments (as dataquality.SplitRange makes them) are found by division.
	uniform := len(segments) > 1
	width := uint64(segments[0].Hi) - uint64(segments[0].Lo) + 1
	for i, s := range segments[:len(segments)-1] {
		if uint64(s.Hi)-uint64(s.Lo)+1 != width || (i > 0 && s.Lo != segments[i-1].Hi+1) || width == 0 {
			uniform = false
			break
		}
	}
	lo := segments[0].Lo
	last := len(segments) - 1
	err := t.scanRange(ctx, spec, dataquality.KeyRange{Lo: lo, Hi: segments[last].Hi}, func(k int64, h uint64) {
		var i int
		if uniform {
			i = min(int((uint64(k)-uint64(lo))/width), last)
		} else if i = dataquality.FindSegment(segments, k); i < 0 {
			return
		}
		out[i].Add(h)
	})
	if err != nil {
		return nil, t.errorf("checksums", err)
	}
	return out, nil
}

// RowHashes returns the key and hash of every row in r, in one query, sorted by key (in Go).
func (t *Table) RowHashes(ctx context.Context, spec dataquality.ChecksumSpec, r dataquality.KeyRange) ([]dataquality.RowHash, error) {
	var out []dataquality.RowHash
	err := t.scanRange(ctx, spec, r, func(k int64, h uint64) {
		out = append(out, dataquality.RowHash{Key: k, Hash: h})
	})
	if err != nil {
		return nil, t.errorf("row hashes", err)
	}
	slices.SortFunc(out, func(a, b dataquality.RowHash) int {
		if a.Key != b.Key {
			if a.Key < b.Key {
				return -1
			}
			return 1
		}
		if a.Hash < b.Hash {
			return -1
		} else if a.Hash > b.Hash {
			return 1
		}
		return 0
	})
	return out, nil
}

// scanRange streams the key and spec's columns of the rows whose key is within r, and calls f
// with each row's key and hash.
func (t *Table) scanRange(ctx context.Context, spec dataquality.ChecksumSpec, r dataquality.KeyRange, f func(key int64, hash uint64)) error {
	m, err := t.resolve(ctx)
	if err != nil {
		return err
	}
	keyIdx, err := m.columnIndexes([]string{spec.Key})
	if err != nil {
		return err
	}
	colIdx, err := m.columnIndexes(spec.Columns)
	if err != nil {
		return err
	}
	// Select each table column once: the key first, then the spec's columns.
	sel := []int{keyIdx[0]}
	pos := make([]int, len(colIdx)) // spec column -> position in sel
	types := make([]dataquality.Type, len(colIdx))
	for i, j := range colIdx {
		types[i] = m.columns[j].Type
		p := slices.Index(sel, j)
		if p < 0 {
			p = len(sel)
			sel = append(sel, j)
		}
		pos[i] = p
	}
	qcols := make([]string, len(sel))
	exprs := make([]string, len(sel))
	for i, j := range sel {
		qcols[i] = t.dialect.quote(m.columns[j].Name)
		exprs[i] = t.dialect.valueExpr(qcols[i], m.columns[j])
	}
	rows, err := t.db.QueryContext(ctx, t.dialect.rangeSQL(m.qt, qcols[0], exprs), r.Lo, r.Hi)
	if err != nil {
		return err
	}
	defer rows.Close()
	vals := make([]any, len(sel))
	ptrs := make([]any, len(sel))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	hv := make([]any, len(colIdx))
	h := dataquality.NewRowHasher(types)
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		var k int64
		if x, ok := vals[0].(int64); ok {
			k = x
		} else if vals[0] == nil {
			continue
		} else if k, err = dataquality.ConvertKey(vals[0]); err != nil {
			return err
		}
		for i, p := range pos {
			hv[i] = vals[p]
		}
		hash, err := h.Hash(hv)
		if err != nil {
			return fmt.Errorf("key %d: %w", k, err)
		}
		f(k, hash)
	}
	return rows.Err()
}
