package dataquality_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/dataquality"
)

func customers(t testing.TB, rows ...map[string]any) *dataquality.MemoryDataset {
	t.Helper()
	ds, err := dataquality.NewMemoryDataset(dataquality.MemoryTable{
		Columns: []dataquality.Column{
			{Name: "CUSTOMER_ID", Type: dataquality.TypeInteger},
			{Name: "EMAIL", Type: dataquality.TypeString},
			{Name: "BALANCE", Type: dataquality.TypeDecimal},
			{Name: "CREATED", Type: dataquality.TypeTimestamp},
		},
		PrimaryKey: []string{"CUSTOMER_ID"},
		Rows:       rows,
	})
	require.NoError(t, err)
	return ds
}

var t0 = time.Date(2025, 1, 27, 10, 0, 0, 0, time.UTC)

func row(id int64, email any, balance any, created any) map[string]any {
	return map[string]any{"CUSTOMER_ID": id, "EMAIL": email, "BALANCE": balance, "CREATED": created}
}

func TestRequiredColumns(t *testing.T) {
	c := dataquality.NewChecker()
	ctx := context.Background()
	ds := customers(t, row(1, "a@x", "1.00", t0), row(2, nil, "2.50", t0), row(3, nil, nil, t0))

	r := c.RequiredColumns(ctx, "CUSTOMERS", ds, []string{"CUSTOMER_ID", "created"})
	assert.True(t, r.Passed)
	assert.Equal(t, "Required columns validation PASSED - no nulls in CUSTOMER_ID, created", r.Details)
	assert.Equal(t, map[string]int64{"CUSTOMER_ID": 0, "created": 0}, r.Observed["null_counts"])

	r = c.RequiredColumns(ctx, "CUSTOMERS", ds, []string{"CUSTOMER_ID", "EMAIL", "BALANCE"})
	assert.False(t, r.Passed)
	require.NoError(t, r.Err)
	assert.Equal(t, "Required columns validation FAILED - nulls in EMAIL: 2, BALANCE: 1", r.Details)
	assert.Equal(t, int64(3), r.Observed["null_rows"])

	r = c.RequiredColumns(ctx, "CUSTOMERS", ds, []string{"NOPE"})
	assert.False(t, r.Passed)
	assert.ErrorContains(t, r.Err, `no column "NOPE"`)

	r = c.RequiredColumns(ctx, "CUSTOMERS", countOnly{n: 3}, []string{"EMAIL"})
	assert.False(t, r.Passed)
	assert.ErrorIs(t, r.Err, dataquality.ErrUnsupported)
	assert.Contains(t, r.Details, "is not a dataquality.NullCounter")

	r = c.RequiredColumns(ctx, "CUSTOMERS", ds, nil)
	assert.ErrorIs(t, r.Err, dataquality.ErrInvalidInput)
}

func TestUniqueness(t *testing.T) {
	c := dataquality.NewChecker()
	ctx := context.Background()
	r := c.Uniqueness(ctx, "CUSTOMERS", customers(t, row(1, "a", nil, nil), row(2, "b", nil, nil)), []string{"CUSTOMER_ID"})
	assert.True(t, r.Passed, r.Details)
	assert.Equal(t, "Uniqueness validation PASSED - no duplicate values of (CUSTOMER_ID)", r.Details)

	ds := customers(t, row(9, "a", nil, nil), row(7, "b", nil, nil), row(9, "c", nil, nil), row(7, "d", nil, nil),
		row(9, "e", nil, nil), row(1, "a", nil, nil))
	r = c.Uniqueness(ctx, "CUSTOMERS", ds, []string{"CUSTOMER_ID"})
	assert.False(t, r.Passed)
	assert.Equal(t, "Uniqueness validation FAILED - 2 values of (CUSTOMER_ID) held by more than one row (3 extra rows): 7 (2 rows), 9 (3 rows)", r.Details)
	assert.Equal(t, int64(2), r.Observed["duplicate_keys"])
	assert.Equal(t, int64(3), r.Observed["extra_rows"])

	// A composite key; rows with a NULL in the key are not counted.
	ds = customers(t, row(1, "a", nil, nil), row(1, "a", nil, nil), row(1, "b", nil, nil), row(2, nil, nil, nil), row(2, nil, nil, nil))
	r = c.Uniqueness(ctx, "CUSTOMERS", ds, []string{"CUSTOMER_ID", "EMAIL"})
	assert.False(t, r.Passed)
	assert.Equal(t, []string{"(1, a) (2 rows)"}, r.Observed["sample"])

	r = c.Uniqueness(ctx, "CUSTOMERS", countOnly{}, []string{"ID"})
	assert.ErrorIs(t, r.Err, dataquality.ErrUnsupported)
}

func TestFreshness(t *testing.T) {
	now := t0.Add(90 * time.Minute)
	c := dataquality.NewChecker(dataquality.WithClock(func() time.Time { return now }))
	ctx := context.Background()
	ds := customers(t, row(1, "a", nil, t0), row(2, "b", nil, t0.Add(time.Hour)), row(3, "c", nil, nil))

	r := c.Freshness(ctx, "CUSTOMERS", ds, "CREATED", time.Hour)
	assert.True(t, r.Passed, r.Details)
	assert.Equal(t, "Freshness validation PASSED - latest CREATED: 2025-01-27T11:00:00Z, age: 30m0s, max age: 1h0m0s", r.Details)
	assert.Equal(t, 1800.0, r.Observed["age_seconds"])

	r = c.Freshness(ctx, "CUSTOMERS", ds, "CREATED", 10*time.Minute)
	assert.False(t, r.Passed)
	require.NoError(t, r.Err)
	assert.Contains(t, r.Details, "FAILED - latest CREATED")

	r = c.Freshness(ctx, "CUSTOMERS", customers(t, row(1, "a", nil, nil)), "CREATED", time.Hour)
	assert.False(t, r.Passed)
	require.NoError(t, r.Err)
	assert.Equal(t, "Freshness validation FAILED - no row has a value in CREATED", r.Details)

	r = c.Freshness(ctx, "CUSTOMERS", ds, "EMAIL", time.Hour)
	assert.False(t, r.Passed)
	assert.ErrorContains(t, r.Err, `"a" is not a timestamp`)

	r = c.Freshness(ctx, "CUSTOMERS", ds, "CREATED", 0)
	assert.ErrorIs(t, r.Err, dataquality.ErrInvalidInput)
	r = c.Freshness(ctx, "CUSTOMERS", countOnly{}, "CREATED", time.Hour)
	assert.ErrorIs(t, r.Err, dataquality.ErrUnsupported)
}

func TestSchemaCompare(t *testing.T) {
	c := dataquality.NewChecker()
	ctx := context.Background()
	src := customers(t)
	mk := func(cols ...dataquality.Column) *dataquality.MemoryDataset {
		ds, err := dataquality.NewMemoryDataset(dataquality.MemoryTable{Columns: cols})
		require.NoError(t, err)
		return ds
	}
	lower := mk(
		dataquality.Column{Name: "customer_id", Type: dataquality.TypeInteger},
		dataquality.Column{Name: "email", Type: dataquality.TypeString},
		dataquality.Column{Name: "balance", Type: dataquality.TypeDecimal},
		dataquality.Column{Name: "created", Type: dataquality.TypeTimestamp},
		dataquality.Column{Name: "_loaded_at", Type: dataquality.TypeTimestamp},
	)
	r := c.SchemaCompare(ctx, "CUSTOMERS", src, lower)
	assert.True(t, r.Passed, r.Details)
	assert.Equal(t, "Schema validation PASSED - 4 columns match; extra in dest: _loaded_at", r.Details)

	bad := mk(
		dataquality.Column{Name: "customer_id", Type: dataquality.TypeInteger},
		dataquality.Column{Name: "balance", Type: dataquality.TypeFloat, DatabaseType: "double"},
		dataquality.Column{Name: "created", Type: dataquality.TypeUnknown},
	)
	r = c.SchemaCompare(ctx, "CUSTOMERS", src, bad)
	assert.False(t, r.Passed)
	assert.Equal(t, "Schema validation FAILED - missing in dest: EMAIL; type mismatches: BALANCE decimal (decimal) vs float (double)", r.Details)
	assert.Equal(t, []string{"EMAIL"}, r.Observed["missing_in_dest"])

	r = c.SchemaCompare(ctx, "CUSTOMERS", src, countOnly{})
	assert.ErrorIs(t, r.Err, dataquality.ErrUnsupported)
	assert.Contains(t, r.Details, "dest: ")
}

func TestMemoryDatasetValidation(t *testing.T) {
	_, err := dataquality.NewMemoryDataset(dataquality.MemoryTable{
		Columns: []dataquality.Column{{Name: "ID"}, {Name: "id"}},
	})
	assert.ErrorContains(t, err, `column "id" is given twice`)
	_, err = dataquality.NewMemoryDataset(dataquality.MemoryTable{
		Columns: []dataquality.Column{{Name: "ID"}},
		Rows:    []map[string]any{{"ID": 1}, {"NAME": "x"}},
	})
	assert.ErrorContains(t, err, `row 1: column "NAME" is not in the schema`)
	_, err = dataquality.NewMemoryDataset(dataquality.MemoryTable{
		Columns: []dataquality.Column{{Name: "AMOUNT", Type: dataquality.TypeDecimal}},
		Rows:    []map[string]any{{"AMOUNT": "1.5"}, {"AMOUNT": "one"}},
	})
	assert.ErrorContains(t, err, `row 1, column "AMOUNT": dataquality: "one" is not a decimal number`)
	_, err = dataquality.NewMemoryDataset(dataquality.MemoryTable{
		Columns:    []dataquality.Column{{Name: "ID"}},
		PrimaryKey: []string{"KEY"},
	})
	assert.ErrorContains(t, err, `primary key column "KEY" is not a column`)

	// Types are inferred from the first non-nil value.
	ds, err := dataquality.NewMemoryDataset(dataquality.MemoryTable{
		Columns: []dataquality.Column{{Name: "A"}, {Name: "B"}, {Name: "C"}, {Name: "D"}, {Name: "E"}},
		Rows:    []map[string]any{{"A": nil, "B": 1.5}, {"A": 7, "C": "x", "D": t0, "E": true}},
	})
	require.NoError(t, err)
	cols, err := ds.Schema(context.Background())
	require.NoError(t, err)
	var types []dataquality.Type
	for _, c := range cols {
		types = append(types, c.Type)
	}
	assert.Equal(t, []dataquality.Type{dataquality.TypeInteger, dataquality.TypeFloat, dataquality.TypeString,
		dataquality.TypeTimestamp, dataquality.TypeBoolean}, types)
}
