package sqldataset_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/dataquality/sqldataset"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/monitoringtest"
)

var backends = []struct {
	name string
	open func(testing.TB) backend
}{{"postgres", postgres}, {"mariadb", mariadb}, {"sqlite", sqlite}}

// TestDataset runs every capability of a Table against each database and compares it with a
// MemoryDataset holding the same rows.
func TestDataset(t *testing.T) {
	rows := testRows(1500)
	mem := memoryOf(t, rows)
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			b := be.open(t)
			{
				ctx := context.Background()
				name := b.createTable(t, "dq_test_dataset", rows)
				// The catalog is searched case-insensitively: the upper-case name finds the table.
				tbl := b.table(t, strings.ToUpper(name))

				n, err := tbl.RowCount(ctx)
				require.NoError(t, err)
				assert.Equal(t, int64(1500), n)

				cols, err := tbl.Schema(ctx)
				require.NoError(t, err)
				var gotNames []string
				var gotTypes []dataquality.Type
				for _, c := range cols {
					gotNames = append(gotNames, c.Name)
					gotTypes = append(gotTypes, c.Type)
				}
				assert.Equal(t, testColumns, gotNames)
				assert.Equal(t, testTypes, gotTypes, "%+v", cols)

				pk, err := tbl.PrimaryKey(ctx)
				require.NoError(t, err)
				assert.Equal(t, []string{"id"}, pk)

				nulls, err := tbl.NullCounts(ctx, []string{"ID", "qty", "amount", "name", "note", "created", "active"})
				require.NoError(t, err)
				want, err := mem.NullCounts(ctx, []string{"ID", "qty", "amount", "name", "note", "created", "active"})
				require.NoError(t, err)
				assert.Equal(t, want, nulls)

				dups, err := tbl.DuplicateKeys(ctx, []string{"qty"}, 5)
				require.NoError(t, err)
				wantDups, err := mem.DuplicateKeys(ctx, []string{"qty"}, 5)
				require.NoError(t, err)
				assert.Equal(t, wantDups.Keys, dups.Keys)
				assert.Equal(t, wantDups.ExtraRows, dups.ExtraRows)
				require.Len(t, dups.Sample, 5)
				for i := range dups.Sample {
					k, err := dataquality.ConvertKey(dups.Sample[i].Key[0])
					require.NoError(t, err)
					assert.Equal(t, wantDups.Sample[i].Key[0], k)
					assert.Equal(t, wantDups.Sample[i].Count, dups.Sample[i].Count)
				}

				latest, ok, err := tbl.MaxTime(ctx, "CREATED")
				require.NoError(t, err)
				require.True(t, ok)
				wantLatest, _, _ := mem.MaxTime(ctx, "created")
				assert.True(t, wantLatest.Equal(latest), "%v != %v", latest, wantLatest)

				// The same rows hash alike in the database and in memory, in both directions.
				c := dataquality.NewChecker()
				r := c.Reconcile(ctx, name, tbl, mem, dataquality.ReconcileOptions{})
				require.NoError(t, r.Err)
				assert.True(t, r.Passed, r.Details)
				r = c.Reconcile(ctx, name, mem, tbl, dataquality.ReconcileOptions{Segments: 4, Threshold: 50})
				require.NoError(t, r.Err)
				assert.True(t, r.Passed, r.Details)

				kb, ok, err := tbl.KeyBounds(ctx, "id")
				require.NoError(t, err)
				assert.True(t, ok)
				assert.Equal(t, dataquality.KeyRange{Lo: 1, Hi: 1500}, kb)
			}
		})
	}
}

// TestCrossSystem loads the same rows into two databases, reconciles them as equal, then
// changes, deletes and inserts a few rows on either side and checks that exactly those keys are
// reported.
func TestCrossSystem(t *testing.T) {
	pairs := []struct {
		name         string
		source, dest func(testing.TB) backend
	}{
		{"postgres_to_mariadb", postgres, mariadb},
		{"postgres_to_sqlite", postgres, sqlite},
		{"sqlite_to_mariadb", sqlite, mariadb},
	}
	for _, p := range pairs {
		t.Run(p.name, func(t *testing.T) {
			src, dst := p.source(t), p.dest(t)
			{
				ctx := context.Background()
				rows := testRows(5000)
				srcName := src.createTable(t, "dq_test_src", rows)
				dstName := dst.createTable(t, "dq_test_dst", rows)
				source, dest := src.table(t, srcName), dst.table(t, dstName)

				c := dataquality.NewChecker()
				opts := dataquality.ReconcileOptions{Segments: 8, Threshold: 100}
				r := c.Reconcile(ctx, "ORDERS", source, dest, opts)
				require.NoError(t, r.Err)
				require.True(t, r.Passed, r.Details)
				assert.Equal(t, int64(1), r.Observed["checksum_queries"])
				assert.Equal(t, int64(5000), r.Observed["dest_rows"])

				dq := func(b backend, name string) string { s, _ := b.dialect.QuoteIdentifier(name); return s }
				// dest: a changed name, a changed timestamp (1 µs), a NULL where there was a value,
				// an empty string where there was NULL-free text, two deleted rows, an inserted row.
				dst.exec(t, "UPDATE "+dq(dst, dstName)+" SET name = ? WHERE id = ?", "changed", 7)
				dst.exec(t, "UPDATE "+dq(dst, dstName)+" SET created = ? WHERE id = ?",
					rows[1999][6].(time.Time).Add(time.Microsecond), 2000)
				dst.exec(t, "UPDATE "+dq(dst, dstName)+" SET amount = NULL WHERE id = ?", 3001)
				dst.exec(t, "UPDATE "+dq(dst, dstName)+" SET note = ? WHERE id = ?", "", 4002)
				dst.exec(t, "DELETE FROM "+dq(dst, dstName)+" WHERE id IN (?, ?)", 500, 4999)
				extra := testRows(5003)[5002]
				dst.insert(t, dq(dst, dstName), [][]any{extra})
				// source: a decimal changed by one cent, a row the destination keeps.
				src.exec(t, "UPDATE "+dq(src, srcName)+" SET amount = ? WHERE id = ?", "1.01", 1234)
				src.exec(t, "DELETE FROM "+dq(src, srcName)+" WHERE id = ?", 2500)
				// A change of scale only is no change.
				src.exec(t, "UPDATE "+dq(src, srcName)+" SET amount = ? WHERE id = ?", "10.5", 10)
				dst.exec(t, "UPDATE "+dq(dst, dstName)+" SET amount = ? WHERE id = ?", "10.50", 10)

				r = c.Reconcile(ctx, "ORDERS", source, dest, opts)
				require.NoError(t, r.Err)
				assert.False(t, r.Passed)
				assert.Equal(t, []int64{7, 1234, 2000, 3001, 4002}, r.Observed["changed_keys"], r.Details)
				assert.Equal(t, []int64{500, 4999}, r.Observed["missing_in_dest_keys"])
				assert.Equal(t, []int64{2500, 5003}, r.Observed["missing_in_source_keys"])
				assert.Equal(t, int64(4999), r.Observed["source_rows"])
				assert.Equal(t, int64(4999), r.Observed["dest_rows"])
				t.Log(r.Details, " checksum queries:", r.Observed["checksum_queries"], " row hash queries:", r.Observed["row_hash_queries"])
			}
		})
	}
}

// TestRunAcrossSystems runs the configured checks from PostgreSQL to MariaDB and reads the
// metrics and events they report.
func TestRunAcrossSystems(t *testing.T) {
	src, dst := postgres(t), mariadb(t)
	ctx := context.Background()
	rows := testRows(2000)
	source := src.table(t, src.createTable(t, "dq_test_run", rows))
	dest := dst.table(t, dst.createTable(t, "dq_test_run", rows))

	sink := monitoringtest.NewSink()
	metrics, err := monitoring.NewMetricsCollector("bulk_load", "dev_pg", monitoring.WithSinks(sink))
	require.NoError(t, err)
	t.Cleanup(func() { _ = metrics.Shutdown(context.Background()) })
	capture := monitoringtest.NewLogCapture()
	logger := monitoring.NewStructuredLogger("bulk_load", "dev_pg", capture.Option())
	c := dataquality.NewChecker(dataquality.WithMetrics(metrics), dataquality.WithLogger(logger))

	cfg := configloader.DataQuality{
		CheckRowCount:   true,
		RequiredColumns: map[string][]string{"CUSTOMERS": {"ID", "DAY"}},
		ChecksumTables:  []string{"CUSTOMERS"},
		OnFailure:       "fail",
	}
	rep := c.Run(ctx, "CUSTOMERS", cfg, source, dest)
	require.NoError(t, rep.Err())
	require.Len(t, rep.Results, 3)

	// A NULL in a required column, and the row count off by one.
	qt, _ := dst.dialect.QuoteIdentifier(dest.String())
	dst.exec(t, "UPDATE "+qt+" SET day = NULL WHERE id = 5")
	dst.exec(t, "DELETE FROM "+qt+" WHERE id = 6")
	rep = c.Run(ctx, "CUSTOMERS", cfg, source, dest)
	require.Error(t, rep.Err())
	assert.Equal(t, "Row count validation FAILED - source: 2000, dest: 1999, difference: 1 (0.05%), tolerance: 0%", rep.Results[0].Details)
	assert.Equal(t, "Required columns validation FAILED - nulls in DAY: 1", rep.Results[1].Details)
	assert.Equal(t, "Checksum reconciliation FAILED - source: 2000 rows, dest: 1999 rows; missing in dest: 1 (6); changed: 1 (5)", rep.Results[2].Details)

	require.NoError(t, metrics.ForceFlush(ctx))
	for _, check := range []string{"row_count", "required_columns", "checksum"} {
		v, ok := sink.Value("dq_"+check+"_passed", monitoring.Dimensions{"table": "CUSTOMERS"})
		assert.True(t, ok, check)
		assert.Equal(t, 1.0, v, check)
		v, ok = sink.Value("dq_"+check+"_failed", monitoring.Dimensions{"table": "CUSTOMERS"})
		assert.True(t, ok, check)
		assert.Equal(t, 1.0, v, check)
	}
	capture.AssertWellFormed(t)
	events := capture.EventsOfType(dataquality.EventCheckComplete)
	require.Len(t, events, 6)
	assert.Equal(t, "INFO", events[2].Severity)
	assert.Equal(t, "checksum", events[5].Details["check"])
	assert.Equal(t, "WARNING", events[5].Severity)
	assert.Equal(t, []any{6.0}, events[5].Details["missing_in_dest_keys"])
}

// TestIdentifiersAreQuoted creates tables and columns whose names would inject SQL if they were
// written into a statement unquoted, and checks that they are read as names.
func TestIdentifiersAreQuoted(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			b := be.open(t)
			{
				ctx := context.Background()
				sentinel := b.createTable(t, "dq_test_sentinel", testRows(3))
				evil := fmt.Sprintf(`dq_x"; DROP TABLE %s; --x`, sentinel)
				if b.dialect == sqldataset.MySQL {
					evil = fmt.Sprintf("dq_x`; DROP TABLE %s; --x", sentinel)
				}
				b.createNamed(t, evil, testRows(4))
				tbl := b.table(t, evil)
				n, err := tbl.RowCount(ctx)
				require.NoError(t, err)
				assert.Equal(t, int64(4), n)
				r := dataquality.NewChecker().Reconcile(ctx, evil, tbl, memoryOf(t, testRows(4)), dataquality.ReconcileOptions{})
				assert.True(t, r.Passed, r.Details)
				n, err = b.table(t, sentinel).RowCount(ctx)
				require.NoError(t, err, "the sentinel table survives")
				assert.Equal(t, int64(3), n)

				// A column name that is not in the table is rejected before any SQL is written.
				_, err = tbl.NullCounts(ctx, []string{"id) FROM x; DROP TABLE y; --"})
				assert.ErrorContains(t, err, "no column")
			}
		})
	}
}

func TestErrorsBecomeFailedResults(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			b := be.open(t)
			{
				ctx := context.Background()
				c := dataquality.NewChecker()
				missing := b.table(t, "dq_no_such_table_at_all")
				r := c.RowCount(ctx, "MISSING", missing, missing, 0)
				assert.False(t, r.Passed)
				assert.ErrorIs(t, r.Err, sqldataset.ErrTableNotFound)
				r = c.Reconcile(ctx, "MISSING", missing, missing, dataquality.ReconcileOptions{Key: "id"})
				assert.False(t, r.Passed)
				assert.ErrorIs(t, r.Err, sqldataset.ErrTableNotFound)

				// The connection is lost after the catalog was read.
				name := b.createTable(t, "dq_test_lost", testRows(10))
				tbl := b.table(t, name)
				_, err := tbl.Schema(ctx)
				require.NoError(t, err)
				cancelled, cancel := context.WithCancel(ctx)
				cancel()
				r = c.RequiredColumns(cancelled, name, tbl, []string{"id"})
				assert.False(t, r.Passed)
				assert.Error(t, r.Err)
				r = c.Reconcile(cancelled, name, tbl, tbl, dataquality.ReconcileOptions{})
				assert.False(t, r.Passed)
				assert.Error(t, r.Err)
			}
		})
	}
}

func TestEstimatedRowCount(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			b := be.open(t)
			{
				ctx := context.Background()
				name := b.createTable(t, "dq_test_estimate", testRows(3000))
				tbl := b.table(t, name)
				qt, _ := b.dialect.QuoteIdentifier(name)
				switch b.dialect {
				case sqldataset.PostgreSQL:
					b.exec(t, "ANALYZE "+qt)
				case sqldataset.MySQL:
					b.exec(t, "ANALYZE TABLE "+qt)
				case sqldataset.SQLite:
					_, err := tbl.EstimatedRowCount(ctx)
					assert.ErrorIs(t, err, dataquality.ErrUnsupported)
					return
				}
				est, err := tbl.EstimatedRowCount(ctx)
				require.NoError(t, err)
				assert.InDelta(t, 3000, est, 600, "an estimate")
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	_, err := sqldataset.New(nil, sqldataset.PostgreSQL, "t")
	assert.Error(t, err)
	b := sqlite(t)
	_, err = sqldataset.New(b.db, sqldataset.Dialect(99), "t")
	assert.ErrorContains(t, err, "unknown dialect")
	_, err = sqldataset.New(b.db, sqldataset.SQLite, "")
	assert.ErrorContains(t, err, "empty identifier")
	_, err = sqldataset.New(b.db, sqldataset.SQLite, "t", sqldataset.WithSchema("a\x00"))
	assert.ErrorContains(t, err, "NUL")

	// WithPrimaryKey overrides the catalog.
	ctx := context.Background()
	name := b.createTable(t, "dq_test_pk", testRows(5))
	tbl := b.table(t, name, sqldataset.WithPrimaryKey("qty"), sqldataset.WithSchema("main"))
	pk, err := tbl.PrimaryKey(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"qty"}, pk)
	n, err := tbl.RowCount(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(5), n)
	assert.Equal(t, "main."+name, tbl.String())
}
