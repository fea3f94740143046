package dataquality_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/dataquality"
)

// counting wraps a Checksummer and counts its queries and the rows they read.
type counting struct {
	*dataquality.MemoryDataset
	checksums, rowHashes atomic.Int64
	rowsRead             atomic.Int64
	failChecksums        error
}

func (c *counting) Checksums(ctx context.Context, spec dataquality.ChecksumSpec, segs []dataquality.KeyRange) ([]dataquality.Checksum, error) {
	c.checksums.Add(1)
	if c.failChecksums != nil {
		return nil, c.failChecksums
	}
	out, err := c.MemoryDataset.Checksums(ctx, spec, segs)
	for _, s := range out {
		c.rowsRead.Add(s.Count)
	}
	return out, err
}

func (c *counting) RowHashes(ctx context.Context, spec dataquality.ChecksumSpec, r dataquality.KeyRange) ([]dataquality.RowHash, error) {
	c.rowHashes.Add(1)
	out, err := c.MemoryDataset.RowHashes(ctx, spec, r)
	c.rowsRead.Add(int64(len(out)))
	return out, err
}

type orderRow struct {
	id     int64
	name   string
	amount string
}

func orders(t testing.TB, rows []orderRow) *dataquality.MemoryDataset {
	t.Helper()
	maps := make([]map[string]any, len(rows))
	for i, r := range rows {
		maps[i] = map[string]any{"ID": r.id, "NAME": r.name, "AMOUNT": r.amount}
	}
	ds, err := dataquality.NewMemoryDataset(dataquality.MemoryTable{
		Columns: []dataquality.Column{
			{Name: "ID", Type: dataquality.TypeInteger},
			{Name: "NAME", Type: dataquality.TypeString},
			{Name: "AMOUNT", Type: dataquality.TypeDecimal},
		},
		PrimaryKey: []string{"ID"},
		Rows:       maps,
	})
	require.NoError(t, err)
	return ds
}

func makeOrders(n int) []orderRow {
	rows := make([]orderRow, n)
	for i := range rows {
		rows[i] = orderRow{id: int64(i + 1), name: fmt.Sprintf("customer %d", i), amount: fmt.Sprintf("%d.%02d", i%1000, i%100)}
	}
	return rows
}

func TestReconcileEqualCostsOnePass(t *testing.T) {
	const n = 50_000
	rows := makeOrders(n)
	// The destination holds the same rows in another order, with decimals at another scale.
	shuffled := slices.Clone(rows)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for i := range shuffled {
		shuffled[i].amount += "00"
	}
	src, dst := &counting{MemoryDataset: orders(t, rows)}, &counting{MemoryDataset: orders(t, shuffled)}

	r := dataquality.NewChecker().Reconcile(context.Background(), "ORDERS", src, dst, dataquality.ReconcileOptions{})
	require.NoError(t, r.Err)
	assert.True(t, r.Passed, r.Details)
	assert.Equal(t, "Checksum reconciliation PASSED - source: 50000 rows, dest: 50000 rows, all match", r.Details)
	for _, side := range []*counting{src, dst} {
		assert.Equal(t, int64(1), side.checksums.Load(), "one checksum query per side")
		assert.Equal(t, int64(0), side.rowHashes.Load())
		assert.Equal(t, int64(n), side.rowsRead.Load(), "one pass per side")
	}
	assert.Equal(t, int64(1), r.Observed["checksum_queries"])
	assert.Equal(t, "ID", r.Observed["key"])
	assert.Equal(t, []string{"ID", "NAME", "AMOUNT"}, r.Observed["columns"])
}

func TestReconcileRandomDifferences(t *testing.T) {
	for seed := uint64(1); seed <= 12; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 99))
			n := 1000 + rng.IntN(30_000)
			// Dense keys for some seeds, sparse ones (a stride up to a million) for others, so
			// that both a first pass that locates the differences and deeper bisection run.
			stride := int64(1)
			if seed%2 == 0 {
				stride = 1 + rng.Int64N(1_000_000)
			}
			rows := makeOrders(n)
			have := make(map[int64]bool, n)
			for i := range rows {
				rows[i].id *= stride
				have[rows[i].id] = true
			}
			dest := slices.Clone(rows)
			deleted, inserted, changed := []int64{}, []int64{}, []int64{}
			// Change, delete and insert a few rows each, at random places.
			for _, i := range rng.Perm(n)[:1+rng.IntN(12)] {
				dest[i].name += " (changed)"
				changed = append(changed, dest[i].id)
			}
			for _, i := range rng.Perm(n)[:1+rng.IntN(12)] {
				if slices.Contains(changed, dest[i].id) {
					continue
				}
				deleted = append(deleted, dest[i].id)
				dest[i].id = math.MinInt64
			}
			dest = slices.DeleteFunc(dest, func(r orderRow) bool { return r.id == math.MinInt64 })
			for range 1 + rng.IntN(12) {
				id := 1 + rng.Int64N(int64(n+100)*stride) // within and beyond the source's keys
				if have[id] || slices.Contains(inserted, id) {
					continue
				}
				inserted = append(inserted, id)
				dest = append(dest, orderRow{id: id, name: "new", amount: "1"})
			}
			slices.Sort(deleted)
			slices.Sort(inserted)
			slices.Sort(changed)

			opts := dataquality.ReconcileOptions{Segments: 2 + rng.IntN(30), Threshold: 1 + rng.Int64N(300)}
			if stride > 1 {
				// More rows than the threshold in each of the first pass's 4096 segments.
				opts.Threshold = 1 + rng.Int64N(4)
			}
			src, dst := &counting{MemoryDataset: orders(t, rows)}, &counting{MemoryDataset: orders(t, dest)}
			r := dataquality.NewChecker().Reconcile(context.Background(), "ORDERS", src, dst, opts)
			require.NoError(t, r.Err)
			assert.False(t, r.Passed)
			assert.Equal(t, deleted, r.Observed["missing_in_dest_keys"])
			assert.Equal(t, inserted, r.Observed["missing_in_source_keys"])
			assert.Equal(t, changed, r.Observed["changed_keys"])
			assert.Equal(t, int64(len(deleted)), r.Observed["missing_in_dest"])
			assert.Equal(t, int64(len(inserted)), r.Observed["missing_in_source"])
			assert.Equal(t, int64(len(changed)), r.Observed["changed"])
			assert.Equal(t, int64(n), r.Observed["source_rows"])
			assert.Equal(t, int64(len(dest)), r.Observed["dest_rows"])
			t.Logf("stride %d, %+v: %d checksum and %d row hash queries, %.2f passes", stride, opts,
				r.Observed["checksum_queries"], r.Observed["row_hash_queries"], float64(src.rowsRead.Load())/float64(n))
		})
	}
}

func TestReconcileFewDifferencesCostLittle(t *testing.T) {
	const n = 200_000
	rows := makeOrders(n)
	dest := slices.Clone(rows)
	for _, i := range []int{17, 70_001, 150_000} {
		dest[i].amount = "999999.99"
	}
	src, dst := &counting{MemoryDataset: orders(t, rows)}, &counting{MemoryDataset: orders(t, dest)}
	r := dataquality.NewChecker().Reconcile(context.Background(), "ORDERS", src, dst, dataquality.ReconcileOptions{})
	require.NoError(t, r.Err)
	assert.Equal(t, []int64{18, 70_002, 150_001}, r.Observed["changed_keys"])
	assert.Equal(t, "Checksum reconciliation FAILED - source: 200000 rows, dest: 200000 rows; changed: 3 (18, 70002, 150001)", r.Details)
	// The first pass splits the dense keys into 200 segments of 1000: each difference then
	// costs the row hashes of one segment, and no further pass.
	for _, side := range []*counting{src, dst} {
		assert.Equal(t, int64(1), side.checksums.Load())
		assert.Equal(t, int64(3), side.rowHashes.Load())
		extra := side.rowsRead.Load() - n
		assert.LessOrEqual(t, extra, int64(3*dataquality.DefaultThreshold))
		t.Logf("rows read per side: %d (%.3f passes)", side.rowsRead.Load(), float64(side.rowsRead.Load())/n)
	}
}

func TestReconcileEdgeCases(t *testing.T) {
	c := dataquality.NewChecker()
	ctx := context.Background()
	empty := orders(t, nil)

	r := c.Reconcile(ctx, "T", empty, empty, dataquality.ReconcileOptions{})
	assert.True(t, r.Passed, r.Details)
	assert.Equal(t, "Checksum reconciliation PASSED - source: 0 rows, dest: 0 rows, all match", r.Details)

	r = c.Reconcile(ctx, "T", orders(t, makeOrders(3)), empty, dataquality.ReconcileOptions{})
	assert.False(t, r.Passed)
	assert.Equal(t, "Checksum reconciliation FAILED - source: 3 rows, dest: 0 rows; missing in dest: 3 (1, 2, 3)", r.Details)

	// Keys at both ends of int64: no overflow in splitting.
	extreme := []orderRow{{id: math.MinInt64, name: "min", amount: "1"}, {id: 0, name: "zero", amount: "1"}, {id: math.MaxInt64, name: "max", amount: "1"}}
	changedMax := slices.Clone(extreme)
	changedMax[2].name = "MAX"
	r = c.Reconcile(ctx, "T", orders(t, extreme), orders(t, changedMax), dataquality.ReconcileOptions{Threshold: 1, Segments: 2})
	require.NoError(t, r.Err)
	assert.Equal(t, []int64{math.MaxInt64}, r.Observed["changed_keys"])

	// Samples are capped, totals are not.
	many := makeOrders(500)
	r = c.Reconcile(ctx, "T", orders(t, many), empty, dataquality.ReconcileOptions{SampleSize: 3})
	assert.Equal(t, int64(500), r.Observed["missing_in_dest"])
	assert.Equal(t, []int64{1, 2, 3}, r.Observed["missing_in_dest_keys"])
	assert.Contains(t, r.Details, "missing in dest: 500 (1, 2, 3, ...)")

	// Duplicate keys (a key column that is not unique) are compared as multisets.
	dup := []orderRow{{1, "a", "1"}, {1, "b", "1"}, {2, "c", "1"}}
	dupSwapped := []orderRow{{1, "b", "1"}, {1, "a", "1"}, {2, "c", "1"}}
	dupChanged := []orderRow{{1, "a", "1"}, {1, "a", "1"}, {2, "c", "1"}}
	assert.True(t, c.Reconcile(ctx, "T", orders(t, dup), orders(t, dupSwapped), dataquality.ReconcileOptions{}).Passed)
	r = c.Reconcile(ctx, "T", orders(t, dup), orders(t, dupChanged), dataquality.ReconcileOptions{})
	assert.Equal(t, []int64{1}, r.Observed["changed_keys"])

	// Column names are matched case-insensitively on each side.
	lower, err := dataquality.NewMemoryDataset(dataquality.MemoryTable{
		Columns: []dataquality.Column{{Name: "id", Type: dataquality.TypeInteger}, {Name: "name", Type: dataquality.TypeString},
			{Name: "amount", Type: dataquality.TypeDecimal}},
		Rows: []map[string]any{{"id": 1, "name": "customer 0", "amount": "0.000"}},
	})
	require.NoError(t, err)
	r = c.Reconcile(ctx, "T", orders(t, makeOrders(1)), lower, dataquality.ReconcileOptions{})
	assert.True(t, r.Passed, r.Details)
}

func TestReconcileFailures(t *testing.T) {
	c := dataquality.NewChecker()
	ctx := context.Background()
	src := orders(t, makeOrders(10))

	r := c.Reconcile(ctx, "T", src, countOnly{n: 10}, dataquality.ReconcileOptions{})
	assert.False(t, r.Passed)
	assert.ErrorIs(t, r.Err, dataquality.ErrUnsupported)
	assert.Contains(t, r.Details, "dest: dataquality: not supported by the dataset: dataquality_test.countOnly cannot compute checksums")

	narrow, err := dataquality.NewMemoryDataset(dataquality.MemoryTable{
		Columns: []dataquality.Column{{Name: "ID", Type: dataquality.TypeInteger}, {Name: "NAME", Type: dataquality.TypeString}},
	})
	require.NoError(t, err)
	r = c.Reconcile(ctx, "T", src, narrow, dataquality.ReconcileOptions{})
	assert.EqualError(t, r.Err, "dest lacks the columns AMOUNT")

	noKey, err := dataquality.NewMemoryDataset(dataquality.MemoryTable{Columns: []dataquality.Column{{Name: "ID", Type: dataquality.TypeInteger}}})
	require.NoError(t, err)
	r = c.Reconcile(ctx, "T", noKey, noKey, dataquality.ReconcileOptions{})
	assert.ErrorIs(t, r.Err, dataquality.ErrInvalidInput)
	assert.Contains(t, r.Err.Error(), "primary key has 0 columns")
	r = c.Reconcile(ctx, "T", noKey, noKey, dataquality.ReconcileOptions{Key: "ID"})
	assert.True(t, r.Passed, r.Details)

	r = c.Reconcile(ctx, "T", src, src, dataquality.ReconcileOptions{Segments: 1})
	assert.ErrorIs(t, r.Err, dataquality.ErrInvalidInput)
	r = c.Reconcile(ctx, "T", src, src, dataquality.ReconcileOptions{Key: "NAME"})
	assert.ErrorContains(t, r.Err, `key "customer 0" is not a 64-bit integer`)

	lost := errors.New("connection lost")
	r = c.Reconcile(ctx, "T", src, &counting{MemoryDataset: src, failChecksums: lost}, dataquality.ReconcileOptions{})
	assert.False(t, r.Passed)
	assert.ErrorIs(t, r.Err, lost)
	assert.Contains(t, r.Details, "could not run: dest: checksums of keys 1 to 10: connection lost")

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	r = c.Reconcile(cancelled, "T", src, src, dataquality.ReconcileOptions{})
	assert.ErrorIs(t, r.Err, context.Canceled)
}

func TestSplitRange(t *testing.T) {
	check := func(r dataquality.KeyRange, n int) {
		segs := dataquality.SplitRange(r, n)
		require.NotEmpty(t, segs)
		assert.LessOrEqual(t, len(segs), n)
		assert.Equal(t, r.Lo, segs[0].Lo)
		assert.Equal(t, r.Hi, segs[len(segs)-1].Hi)
		for i, s := range segs {
			assert.LessOrEqual(t, s.Lo, s.Hi)
			if i > 0 {
				assert.Equal(t, segs[i-1].Hi+1, s.Lo, "contiguous")
			}
			assert.Equal(t, i, dataquality.FindSegment(segs, s.Lo))
			assert.Equal(t, i, dataquality.FindSegment(segs, s.Hi))
		}
	}
	for _, r := range []dataquality.KeyRange{{1, 1}, {1, 2}, {1, 31}, {1, 32}, {1, 33}, {-5, 5}, {0, 1_000_000},
		{math.MinInt64, math.MaxInt64}, {math.MaxInt64 - 3, math.MaxInt64}, {math.MinInt64, math.MinInt64 + 100}} {
		for _, n := range []int{2, 3, 16, 32, 4096} {
			check(r, n)
		}
	}
	assert.Len(t, dataquality.SplitRange(dataquality.KeyRange{Lo: 1, Hi: 3}, 32), 3)
	assert.Equal(t, []dataquality.KeyRange{{1, 25}, {26, 50}, {51, 75}, {76, 100}}, dataquality.SplitRange(dataquality.KeyRange{Lo: 1, Hi: 100}, 4))
	assert.Equal(t, -1, dataquality.FindSegment([]dataquality.KeyRange{{1, 5}}, 6))
}
