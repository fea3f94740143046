package iceberg_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	goiceberg "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/iceberg"
	"github.com/etlwatch/etlwatch/internal/testenv"
)

const postgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func openSQLite(t testing.TB) catalog.Catalog {
	t.Helper()
	cat, err := iceberg.OpenCatalog(t.Context(), configloader.Iceberg{Warehouse: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { closeCatalog(t, cat) })
	return cat
}

func closeCatalog(t testing.TB, cat catalog.Catalog) {
	if c, ok := cat.(catalog.Closer); ok {
		assert.NoError(t, c.Close())
	}
}

// ordersSchema is what an extractor would hand over: id is the primary key.
func ordersSchema(extra ...arrow.Field) *arrow.Schema {
	fields := []arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "customer", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "qty", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	}
	md := arrow.NewMetadata([]string{extract.PrimaryKeyMetadata}, []string{"id"})
	return arrow.NewSchema(append(fields, extra...), &md)
}

// seeded makes a manager and its orders table (ordersSchema) holding rows 0..n-1 (batch), in
// one commit.
func seeded(t *testing.T, n int) (*iceberg.TableManager, *arrow.Schema, *table.Table) {
	t.Helper()
	m := iceberg.NewTableManager(openSQLite(t), "raw")
	sc := ordersSchema()
	tbl, err := m.EnsureTable(t.Context(), "orders", sc)
	require.NoError(t, err)
	rec := batch(sc, 0, n)
	defer rec.Release()
	res, err := m.Write(t.Context(), tbl, sc, iceberg.Batches(rec), nil)
	require.NoError(t, err)
	return m, sc, res.Table
}

// batch builds rows first..first+n-1 of ordersSchema; every third customer is NULL.
func batch(sc *arrow.Schema, first, n int) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	for i := first; i < first+n; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		if i%3 == 0 {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("c%d", i))
		}
		switch q := b.Field(2).(type) {
		case *array.Int32Builder:
			q.Append(int32(i * 10))
		case *array.Int64Builder:
			q.Append(int64(i * 10))
		}
		for f := 3; f < sc.NumFields(); f++ {
			b.Field(f).AppendNull()
		}
	}
	return b.NewRecordBatch()
}

// readIDs scans tbl and returns the sorted ids and the qty of each id.
func readIDs(t *testing.T, tbl *table.Table) ([]int64, map[int64]int64) {
	t.Helper()
	at, err := tbl.Scan().ToArrowTable(t.Context())
	require.NoError(t, err)
	defer at.Release()
	var ids []int64
	qty := map[int64]int64{}
	tr := array.NewTableReader(at, 0)
	defer tr.Release()
	for tr.Next() {
		rec := tr.RecordBatch()
		idCol := rec.Column(rec.Schema().FieldIndices("id")[0]).(*array.Int64)
		qCol := rec.Column(rec.Schema().FieldIndices("qty")[0])
		for i := 0; i < int(rec.NumRows()); i++ {
			id := idCol.Value(i)
			ids = append(ids, id)
			switch q := qCol.(type) {
			case *array.Int32:
				qty[id] = int64(q.Value(i))
			case *array.Int64:
				qty[id] = q.Value(i)
			}
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids, qty
}

func TestOpenCatalogErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  configloader.Iceberg
		want string
	}{
		{"unknown catalog", configloader.Iceberg{Catalog: "hive"}, "iceberg.catalog is \"hive\""},
		{"rest without uri", configloader.Iceberg{Catalog: "rest"}, "iceberg.uri is required"},
		{"sql with a mysql uri", configloader.Iceberg{URI: "mysql://x", Warehouse: t.TempDir()}, "iceberg.uri \"mysql://x\""},
		{"sql with an s3 warehouse", configloader.Iceberg{Warehouse: "s3://bucket/wh"}, "iceberg.warehouse \"s3://bucket/wh\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := iceberg.OpenCatalog(t.Context(), tt.cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestOpenCatalogDefaultWarehouse(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	cat, err := iceberg.OpenCatalog(t.Context(), configloader.Iceberg{Catalog: "sql"})
	require.NoError(t, err)
	defer closeCatalog(t, cat)
	assert.FileExists(t, filepath.Join(dir, "warehouse", "catalog.db"))

	tbl, err := iceberg.NewTableManager(cat, "raw").EnsureTable(t.Context(), "orders", ordersSchema())
	require.NoError(t, err)
	assert.Contains(t, tbl.Location(), "file://"+filepath.Join(dir, "warehouse"))
}

func TestEnsureTableCreatesWithPrimaryKey(t *testing.T) {
	cat := openSQLite(t)
	m := iceberg.NewTableManager(cat, "raw.sales")
	tbl, err := m.EnsureTable(t.Context(), "orders", ordersSchema())
	require.NoError(t, err)
	assert.Equal(t, table.Identifier{"raw", "sales", "orders"}, tbl.Identifier())

	sc := tbl.Schema()
	require.Len(t, sc.IdentifierFieldIDs, 1)
	id, ok := sc.FindFieldByName("id")
	require.True(t, ok)
	assert.Equal(t, sc.IdentifierFieldIDs[0], id.ID)
	assert.True(t, id.Required)
	assert.Equal(t, "long", id.Type.String())
	cust, _ := sc.FindFieldByName("customer")
	assert.False(t, cust.Required)

	// A second call loads the same table and changes nothing.
	again, err := m.EnsureTable(t.Context(), "orders", ordersSchema())
	require.NoError(t, err)
	assert.Equal(t, sc.ID, again.Schema().ID)

	pk, err := m.Dataset("orders").PrimaryKey(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []string{"id"}, pk)
}

func TestWriteThreeBatchesOneSnapshot(t *testing.T) {
	ctx := t.Context()
	cat := openSQLite(t)
	m := iceberg.NewTableManager(cat, "raw")
	sc := ordersSchema()
	tbl, err := m.EnsureTable(ctx, "orders", sc)
	require.NoError(t, err)
	before := len(tbl.Metadata().Snapshots())

	recs := []arrow.RecordBatch{batch(sc, 0, 100), batch(sc, 100, 50), batch(sc, 150, 25)}
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	props := map[string]string{"etlwatch.source": "pg", "etlwatch.position": "postgres_lsn:0/16B3748", "etlwatch.correlation_id": "c-1"}
	res, err := m.Write(ctx, tbl, sc, iceberg.Batches(recs...), props)
	require.NoError(t, err)
	assert.Equal(t, int64(175), res.Rows)
	assert.Equal(t, 1, res.Attempts)
	assert.GreaterOrEqual(t, res.DataFiles, 1)

	loaded, err := cat.LoadTable(ctx, m.Identifier("orders"))
	require.NoError(t, err)
	assert.Len(t, loaded.Metadata().Snapshots(), before+1, "one Write makes one snapshot")
	assert.Equal(t, res.SnapshotID, loaded.CurrentSnapshot().SnapshotID)

	got := iceberg.SnapshotProperties(loaded)
	for k, v := range props {
		assert.Equal(t, v, got[k], k)
	}
	assert.Equal(t, "175", got["total-records"])

	ids, qty := readIDs(t, loaded)
	require.Len(t, ids, 175)
	for i, id := range ids {
		assert.Equal(t, int64(i), id)
		assert.Equal(t, id*10, qty[id])
	}

	pos, ok, err := m.LastProperty(ctx, "orders", "etlwatch.position")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "postgres_lsn:0/16B3748", pos)

	// A later write without the position: LastProperty still finds the bulk load's.
	res2, err := m.Write(ctx, res.Table, sc, iceberg.Batches(recs[2]), nil)
	require.NoError(t, err)
	assert.NotEqual(t, res.SnapshotID, res2.SnapshotID)
	pos, ok, err = m.LastProperty(ctx, "orders", "etlwatch.position")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "postgres_lsn:0/16B3748", pos)
	_, ok, err = m.LastProperty(ctx, "orders", "no.such.key")
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestWriteEmptyAndFailingSource(t *testing.T) {
	ctx := t.Context()
	cat := openSQLite(t)
	m := iceberg.NewTableManager(cat, "raw")
	sc := ordersSchema()
	tbl, err := m.EnsureTable(ctx, "orders", sc)
	require.NoError(t, err)

	res, err := m.Write(ctx, tbl, sc, iceberg.Batches(), nil)
	require.NoError(t, err)
	assert.Zero(t, res.SnapshotID)
	assert.Nil(t, tbl.CurrentSnapshot())

	boom := errors.New("extractor broke")
	failing := func(yield func(arrow.RecordBatch, error) bool) {
		if !yield(batch(sc, 0, 10), nil) {
			return
		}
		yield(nil, boom)
	}
	_, err = m.Write(ctx, tbl, sc, failing, nil)
	require.ErrorIs(t, err, boom)
	loaded, err := cat.LoadTable(ctx, m.Identifier("orders"))
	require.NoError(t, err)
	assert.Nil(t, loaded.CurrentSnapshot(), "a failed write commits nothing")
}

func TestSchemaEvolution(t *testing.T) {
	ctx := t.Context()
	cat := openSQLite(t)
	var changes []iceberg.SchemaChange
	m := iceberg.NewTableManager(cat, "raw", iceberg.WithSchemaChangeHook(func(_ context.Context, c iceberg.SchemaChange) {
		changes = append(changes, c)
	}))
	sc := ordersSchema()
	tbl, err := m.EnsureTable(ctx, "orders", sc)
	require.NoError(t, err)
	r := batch(sc, 0, 10)
	defer r.Release()
	_, err = m.Write(ctx, tbl, sc, iceberg.Batches(r), nil)
	require.NoError(t, err)

	// The source gained a column and widened qty from int to long.
	md := sc.Metadata()
	wider := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "customer", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "qty", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "region", Type: arrow.BinaryTypes.String, Nullable: true},
	}, &md)
	tbl, err = m.EnsureTable(ctx, "orders", wider)
	require.NoError(t, err)
	require.Len(t, changes, 1)
	c := changes[0]
	assert.Equal(t, "raw.orders", c.Table)
	assert.Equal(t, []iceberg.ColumnChange{{Name: "region", To: "string"}}, c.Added)
	assert.Equal(t, []iceberg.ColumnChange{{Name: "qty", From: "int", To: "long"}}, c.Widened)
	assert.Equal(t, tbl.Schema().ID, c.SchemaID)
	assert.Equal(t, "added region (string); widened qty int -> long", c.String())
	qty, _ := tbl.Schema().FindFieldByName("qty")
	assert.Equal(t, "long", qty.Type.String())

	r2 := batch(wider, 10, 5)
	defer r2.Release()
	_, err = m.Write(ctx, tbl, wider, iceberg.Batches(r2), nil)
	require.NoError(t, err)
	n, err := m.Dataset("orders").RowCount(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(15), n)

	// Rows written before the column existed hold NULL there; the manifests say so.
	nulls, err := m.Dataset("orders").NullCounts(ctx, []string{"REGION", "customer"})
	require.NoError(t, err)
	assert.Equal(t, map[string]int64{"REGION": 15, "customer": 5}, nulls)

	// The old, narrower schema still writes, and changes nothing.
	tbl, err = m.EnsureTable(ctx, "orders", sc)
	require.NoError(t, err)
	assert.Len(t, changes, 1)

	// string -> int is not a widening.
	bad := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "customer", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	}, &md)
	_, err = m.EnsureTable(ctx, "orders", bad)
	var incompatible *iceberg.IncompatibleSchemaError
	require.ErrorAs(t, err, &incompatible)
	assert.Equal(t, "customer", incompatible.Column)
	assert.Equal(t, "string", incompatible.TableType)
	assert.Equal(t, "int", incompatible.SourceType)
	assert.Contains(t, err.Error(), `column "customer"`)
}

func TestConcurrentWritersRetry(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	// Two catalogs on one warehouse, as two processes would have.
	open := func() catalog.Catalog {
		cat, err := iceberg.OpenCatalog(ctx, configloader.Iceberg{Warehouse: dir})
		require.NoError(t, err)
		t.Cleanup(func() { closeCatalog(t, cat) })
		return cat
	}
	cats := []catalog.Catalog{open(), open()}
	sc := ordersSchema()
	m0 := iceberg.NewTableManager(cats[0], "raw", iceberg.WithRetryBackoff(5*time.Millisecond), iceberg.WithCommitRetries(20))
	tbl, err := m0.EnsureTable(ctx, "orders", sc)
	require.NoError(t, err)
	first := batch(sc, 0, 10)
	defer first.Release()
	_, err = m0.Write(ctx, tbl, sc, iceberg.Batches(first), nil)
	require.NoError(t, err)

	const writers, writes, rows = 2, 4, 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	attempts := 0
	errs := make(chan error, writers*writes)
	for w := range writers {
		m := iceberg.NewTableManager(cats[w], "raw", iceberg.WithRetryBackoff(5*time.Millisecond), iceberg.WithCommitRetries(20))
		// Both start from the same, soon stale, table.
		stale, err := cats[w].LoadTable(ctx, m.Identifier("orders"))
		require.NoError(t, err)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range writes {
				r := batch(sc, 1000*(w+1)+i*rows, rows)
				res, err := m.Write(ctx, stale, sc, iceberg.Batches(r), map[string]string{"writer": fmt.Sprint(w)})
				r.Release()
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				attempts += res.Attempts
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Greater(t, attempts, writers*writes, "stale writers must have retried")

	loaded, err := cats[0].LoadTable(ctx, m0.Identifier("orders"))
	require.NoError(t, err)
	ids, _ := readIDs(t, loaded)
	assert.Len(t, ids, 10+writers*writes*rows, "no write is lost")
	n, err := m0.Dataset("orders").RowCount(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(10+writers*writes*rows), n)
}

func TestStaleWriterWithoutRetriesFails(t *testing.T) {
	ctx := t.Context()
	cat := openSQLite(t)
	m := iceberg.NewTableManager(cat, "raw", iceberg.WithCommitRetries(0))
	sc := ordersSchema()
	tbl, err := m.EnsureTable(ctx, "orders", sc)
	require.NoError(t, err)
	r := batch(sc, 0, 5)
	defer r.Release()
	_, err = m.Write(ctx, tbl, sc, iceberg.Batches(r), nil)
	require.NoError(t, err)
	_, err = m.Write(ctx, tbl, sc, iceberg.Batches(r), nil) // tbl is stale now
	require.Error(t, err)
	assert.True(t, iceberg.IsCommitConflict(err), err.Error())
	n, err := m.Dataset("orders").RowCount(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(5), n)
}

func TestDataset(t *testing.T) {
	ctx := t.Context()
	cat := openSQLite(t)
	m := iceberg.NewTableManager(cat, "raw")
	d := m.Dataset("orders")
	sc := ordersSchema()
	tbl, err := m.EnsureTable(ctx, "orders", sc)
	require.NoError(t, err)

	n, err := d.RowCount(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)

	r1, r2 := batch(sc, 0, 30), batch(sc, 30, 30)
	defer r1.Release()
	defer r2.Release()
	res, err := m.Write(ctx, tbl, sc, iceberg.Batches(r1), nil)
	require.NoError(t, err)
	_, err = m.Write(ctx, res.Table, sc, iceberg.Batches(r2), nil)
	require.NoError(t, err)

	n, err = d.RowCount(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(60), n)

	nulls, err := d.NullCounts(ctx, []string{"customer", "qty", "id"})
	require.NoError(t, err)
	assert.Equal(t, map[string]int64{"customer": 20, "qty": 0, "id": 0}, nulls)
	_, err = d.NullCounts(ctx, []string{"nope"})
	assert.ErrorContains(t, err, `no column "nope"`)

	cols, err := d.Schema(ctx)
	require.NoError(t, err)
	assert.Equal(t, []dataquality.Column{
		{Name: "id", Type: dataquality.TypeInteger, DatabaseType: "long"},
		{Name: "customer", Type: dataquality.TypeString, DatabaseType: "string"},
		{Name: "qty", Type: dataquality.TypeInteger, DatabaseType: "int"},
	}, cols)
}

func TestPostgresCatalog(t *testing.T) {
	ctx := t.Context()
	db, err := sql.Open("pgx", postgresURL)
	require.NoError(t, err)
	pingCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	err = db.PingContext(pingCtx)
	cancel()
	_ = db.Close()
	if err != nil {
		testenv.Unavailable(t, "PostgreSQL at 127.0.0.1:5432 is not reachable: "+err.Error())
	}

	cat, err := iceberg.OpenCatalog(ctx, configloader.Iceberg{URI: postgresURL, Warehouse: t.TempDir()})
	require.NoError(t, err)
	defer closeCatalog(t, cat)
	ns := fmt.Sprintf("etlwatch_test_%d_%d", os.Getpid(), time.Now().UnixNano())
	m := iceberg.NewTableManager(cat, ns)
	t.Cleanup(func() {
		ctx := context.Background()
		_ = cat.DropTable(ctx, m.Identifier("orders"))
		_ = cat.DropNamespace(ctx, catalog.ToIdentifier(ns))
	})

	sc := ordersSchema()
	tbl, err := m.EnsureTable(ctx, "orders", sc)
	require.NoError(t, err)
	r := batch(sc, 0, 42)
	defer r.Release()
	res, err := m.Write(ctx, tbl, sc, iceberg.Batches(r), map[string]string{"etlwatch.position": "postgres_lsn:0/1"})
	require.NoError(t, err)
	assert.Equal(t, int64(42), res.Rows)

	pos, ok, err := m.LastProperty(ctx, "orders", "etlwatch.position")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "postgres_lsn:0/1", pos)
	n, err := m.Dataset("orders").RowCount(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(42), n)
}

func TestOpenCatalogREST(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/config" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"defaults":{},"overrides":{}}`)
	}))
	defer srv.Close()
	cat, err := iceberg.OpenCatalog(t.Context(), configloader.Iceberg{Catalog: "rest", URI: srv.URL})
	require.NoError(t, err)
	defer closeCatalog(t, cat)
	assert.Equal(t, catalog.REST, cat.CatalogType())

	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer broken.Close()
	_, err = iceberg.OpenCatalog(t.Context(), configloader.Iceberg{Catalog: "rest", URI: broken.URL})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "iceberg.uri")
}

func TestOpenCatalogGlue(t *testing.T) {
	// Building the client needs no network; credentials are resolved on the first call.
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	cat, err := iceberg.OpenCatalog(t.Context(), configloader.Iceberg{Catalog: "glue"})
	require.NoError(t, err)
	defer closeCatalog(t, cat)
	assert.Equal(t, catalog.Glue, cat.CatalogType())
}

func TestNullablePrimaryKeyIsWrittenAsRequired(t *testing.T) {
	ctx := t.Context()
	cat := openSQLite(t)
	m := iceberg.NewTableManager(cat, "raw")
	md := arrow.NewMetadata([]string{extract.PrimaryKeyMetadata}, []string{"id"})
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "customer", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "qty", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	}, &md)
	tbl, err := m.EnsureTable(ctx, "orders", sc)
	require.NoError(t, err)
	id, _ := tbl.Schema().FindFieldByName("id")
	assert.True(t, id.Required)

	r := batch(sc, 0, 7)
	defer r.Release()
	res, err := m.Write(ctx, tbl, sc, iceberg.Batches(r), nil)
	require.NoError(t, err)
	ids, _ := readIDs(t, res.Table)
	assert.Len(t, ids, 7)
	assert.True(t, sc.Field(0).Nullable, "the caller's schema is not modified")

	// A nullable key in the source does not relax the table's identifier field.
	again, err := m.EnsureTable(ctx, "orders", sc)
	require.NoError(t, err)
	assert.Equal(t, tbl.Schema().ID, again.Schema().ID)
}

func TestDatasetWithDeleteFiles(t *testing.T) {
	ctx := t.Context()
	cat := openSQLite(t)
	m := iceberg.NewTableManager(cat, "raw")
	sc := ordersSchema()
	tbl, err := m.EnsureTable(ctx, "orders", sc)
	require.NoError(t, err)
	tx := tbl.NewTransaction()
	require.NoError(t, tx.SetProperties(goiceberg.Properties{table.WriteDeleteModeKey: table.WriteModeMergeOnRead}))
	tbl, err = tx.Commit(ctx)
	require.NoError(t, err)
	r := batch(sc, 0, 30)
	defer r.Release()
	res, err := m.Write(ctx, tbl, sc, iceberg.Batches(r), nil)
	require.NoError(t, err)

	// Position deletes for ids 0..9: the summary's total-records still says 30.
	tbl, err = res.Table.Delete(ctx, goiceberg.LessThan(goiceberg.Reference("id"), int64(10)), nil)
	require.NoError(t, err)
	require.NotEqual(t, "0", iceberg.SnapshotProperties(tbl)["total-delete-files"])

	d := m.Dataset("orders")
	n, err := d.RowCount(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(20), n)
	nulls, err := d.NullCounts(ctx, []string{"customer"})
	require.NoError(t, err)
	assert.Equal(t, map[string]int64{"customer": 6}, nulls) // ids 12, 15, ..., 27
}

// Iceberg has no unsigned types: uint64 is stored as long, and a value above 2^63-1 is an error
// naming the column, whichever batch it is in; the largest long goes through.
func TestWriteUint64(t *testing.T) {
	ctx := t.Context()
	m := iceberg.NewTableManager(openSQLite(t), "raw")
	sc := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "big_u", Type: arrow.PrimitiveTypes.Uint64, Nullable: true}}, nil)
	tbl, err := m.EnsureTable(ctx, "unsigned", sc)
	require.NoError(t, err)
	mk := func(id int64, v uint64) arrow.RecordBatch {
		b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
		defer b.Release()
		b.Field(0).(*array.Int64Builder).Append(id)
		b.Field(1).(*array.Uint64Builder).Append(v)
		return b.NewRecordBatch()
	}
	ok1, ok2 := mk(1, 1<<63-1), mk(2, 0)
	res, err := m.Write(ctx, tbl, sc, iceberg.Batches(ok1, ok2), nil)
	require.NoError(t, err)
	assert.EqualValues(t, 2, res.Rows)

	good, bad := mk(3, 5), mk(4, 1<<63)
	_, err = m.Write(ctx, res.Table, sc, iceberg.Batches(good, bad), nil)
	require.ErrorContains(t, err, "column big_u: value 9223372036854775808 is above the largest Iceberg long")
	n, err := m.Dataset("unsigned").RowCount(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 2, n, "nothing of the failed write was committed")
}

// An empty source table still records its position: a write of no rows makes no snapshot but sets
// the properties on the table, where LastProperty finds them; a later snapshot carrying the key
// wins.
func TestWriteNoRowsRecordsProperties(t *testing.T) {
	ctx := t.Context()
	cat := openSQLite(t)
	m := iceberg.NewTableManager(cat, "raw")
	sc := ordersSchema()
	tbl, err := m.EnsureTable(ctx, "orders", sc)
	require.NoError(t, err)

	res, err := m.Write(ctx, tbl, sc, iceberg.Batches(), map[string]string{"etlwatch.position": "postgres_lsn:0/10"})
	require.NoError(t, err)
	assert.Zero(t, res.SnapshotID)
	assert.Nil(t, res.Table.CurrentSnapshot(), "no snapshot for no rows")
	v, ok, err := m.LastProperty(ctx, "orders", "etlwatch.position")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "postgres_lsn:0/10", v)

	rec := batch(sc, 0, 5)
	defer rec.Release()
	_, err = m.Write(ctx, res.Table, sc, iceberg.Batches(rec), map[string]string{"etlwatch.position": "postgres_lsn:0/20"})
	require.NoError(t, err)
	v, _, err = m.LastProperty(ctx, "orders", "etlwatch.position")
	require.NoError(t, err)
	assert.Equal(t, "postgres_lsn:0/20", v)
	_, ok, err = m.LastProperty(ctx, "orders", "nothing.here")
	require.NoError(t, err)
	assert.False(t, ok)
}

// Replace swaps the table's rows in one commit: a bulk load run twice does not double the table,
// and a replace with no rows empties it.
func TestWriteReplace(t *testing.T) {
	ctx := t.Context()
	m := iceberg.NewTableManager(openSQLite(t), "raw")
	sc := ordersSchema()
	tbl, err := m.EnsureTable(ctx, "orders", sc)
	require.NoError(t, err)
	for range 2 {
		rec := batch(sc, 0, 20)
		res, err := m.Write(ctx, tbl, sc, iceberg.Batches(rec), map[string]string{"etlwatch.position": "p"}, iceberg.Replace())
		rec.Release()
		require.NoError(t, err)
		tbl = res.Table
	}
	ids, _ := readIDs(t, tbl)
	assert.Len(t, ids, 20)
	n, err := m.Dataset("orders").RowCount(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 20, n)

	res, err := m.Write(ctx, tbl, sc, iceberg.Batches(), map[string]string{"etlwatch.position": "q"}, iceberg.Replace())
	require.NoError(t, err)
	ids, _ = readIDs(t, res.Table)
	assert.Empty(t, ids)
	v, ok, err := m.LastProperty(ctx, "orders", "etlwatch.position")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "q", v)
}
