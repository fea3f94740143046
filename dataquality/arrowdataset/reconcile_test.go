package arrowdataset_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/dataquality"
)

// TestReconcileWithMemoryDataset reconciles an Arrow dataset with a MemoryDataset holding the
// same rows, written differently (decimal scale, time zones), in both directions and with
// several bisection settings; then with rows inserted, deleted and changed on either side, and
// checks that exactly those keys are reported.
func TestReconcileWithMemoryDataset(t *testing.T) {
	ctx := context.Background()
	c := dataquality.NewChecker()
	rows := orders(3000)
	mem := checked(t)
	arrowDS := arrowOrders(t, mem, rows, 5)
	memDS := memoryOrders(t, rows)

	settings := []dataquality.ReconcileOptions{{}, {Segments: 2, Threshold: 1}, {Segments: 4, Threshold: 50}}
	for _, o := range settings {
		r := c.Reconcile(ctx, "ORDERS", arrowDS, memDS, o)
		require.NoError(t, r.Err)
		assert.True(t, r.Passed, r.Details)
		assert.Equal(t, int64(3000), r.Observed["source_rows"])
		r = c.Reconcile(ctx, "ORDERS", memDS, arrowDS, o)
		require.NoError(t, r.Err)
		assert.True(t, r.Passed, r.Details)
	}

	// The destination (the Arrow side) lost rows 5 and 2999, gained 3001 and 3500, and rows 7,
	// 1000 and 2000 changed: an amount's last cent, a name's case, a timestamp by one
	// microsecond.
	changed := slices.Clone(rows)
	changed = slices.DeleteFunc(changed, func(o order) bool { return o.id == 5 || o.id == 2999 })
	extra := orders(3500)
	changed = append(changed, extra[3000], extra[3499])
	for i := range changed {
		switch changed[i].id {
		case 7:
			changed[i].cents = changed[i].cents.(int64) + 1
		case 1000:
			changed[i].name = "ORDER 1000 ünïcødé"
		case 2000:
			changed[i].created = changed[i].created.(time.Time).Add(time.Microsecond)
		}
	}
	dest := arrowOrders(t, mem, changed, 3)

	for _, o := range settings {
		r := c.Reconcile(ctx, "ORDERS", memDS, dest, o)
		require.NoError(t, r.Err)
		assert.False(t, r.Passed)
		assert.Equal(t, []int64{5, 2999}, r.Observed["missing_in_dest_keys"], r.Details)
		assert.Equal(t, []int64{3001, 3500}, r.Observed["missing_in_source_keys"], r.Details)
		assert.Equal(t, []int64{7, 1000, 2000}, r.Observed["changed_keys"], r.Details)
		assert.Equal(t, int64(3000), r.Observed["source_rows"])
		assert.Equal(t, int64(3000), r.Observed["dest_rows"])

		// And the other way round: the Arrow dataset as the source, its key from the metadata.
		r = c.Reconcile(ctx, "ORDERS", dest, memDS, o)
		require.NoError(t, r.Err)
		assert.Equal(t, []int64{3001, 3500}, r.Observed["missing_in_dest_keys"], r.Details)
		assert.Equal(t, []int64{5, 2999}, r.Observed["missing_in_source_keys"], r.Details)
		assert.Equal(t, []int64{7, 1000, 2000}, r.Observed["changed_keys"], r.Details)
	}
	assert.Equal(t, "Checksum reconciliation FAILED - source: 3000 rows, dest: 3000 rows; "+
		"missing in dest: 2 (5, 2999); missing in source: 2 (3001, 3500); changed: 3 (7, 1000, 2000)",
		c.Reconcile(ctx, "ORDERS", memDS, dest, dataquality.ReconcileOptions{}).Details)

	// A column subset that leaves the changed columns out finds only the missing rows.
	r := c.Reconcile(ctx, "ORDERS", memDS, dest, dataquality.ReconcileOptions{Key: "ID", Columns: []string{"id", "QTY"}})
	require.NoError(t, r.Err)
	assert.Equal(t, []int64{}, r.Observed["changed_keys"])
	assert.Equal(t, int64(2), r.Observed["missing_in_dest"])
}

// TestArrowAgainstArrow reconciles two Arrow datasets of the same rows in different batches.
func TestArrowAgainstArrow(t *testing.T) {
	ctx := context.Background()
	mem := checked(t)
	rows := orders(1200)
	a := arrowOrders(t, mem, rows, 1)
	b := arrowOrders(t, mem, rows, 7)
	r := dataquality.NewChecker().Reconcile(ctx, "ORDERS", a, b, dataquality.ReconcileOptions{Threshold: 10})
	require.NoError(t, r.Err)
	assert.True(t, r.Passed, r.Details)
}
