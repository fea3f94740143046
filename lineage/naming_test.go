package lineage_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/lineage"
)

func TestNaming(t *testing.T) {
	abs, _ := filepath.Abs("shop.db")
	for name, tc := range map[string]struct{ got, want lineage.DatasetID }{
		"postgres":         {lineage.Postgres("db.internal", 5433, "shop", "sales", "orders"), lineage.DatasetID{"postgres://db.internal:5433", "shop.sales.orders"}},
		"postgres default": {lineage.Postgres("", 0, "shop", "", "orders"), lineage.DatasetID{"postgres://localhost:5432", "shop.public.orders"}},
		"mysql":            {lineage.MySQL("10.0.0.5", 0, "shop", "orders"), lineage.DatasetID{"mysql://10.0.0.5:3306", "shop.orders"}},
		"oracle":           {lineage.Oracle("ora", 1522, "ORCLPDB1", "SALES", "ORDERS"), lineage.DatasetID{"oracle://ora:1522", "ORCLPDB1.SALES.ORDERS"}},
		"ipv6":             {lineage.Postgres("::1", 5432, "d", "s", "t"), lineage.DatasetID{"postgres://[::1]:5432", "d.s.t"}},
		"kafka":            {lineage.Kafka("b1:9092,b2:9092", "dbserver1.public.orders"), lineage.DatasetID{"kafka://b1:9092", "dbserver1.public.orders"}},
		"sqlite":           {lineage.SQLite("shop.db", "orders"), lineage.DatasetID{"file", filepath.ToSlash(abs) + ".orders"}},
		"iceberg local":    {lineage.Location("file:///data/warehouse/shop.db/orders"), lineage.DatasetID{"file", "/data/warehouse/shop.db/orders"}},
		"iceberg path":     {lineage.Location("/data/warehouse/shop.db/orders"), lineage.DatasetID{"file", "/data/warehouse/shop.db/orders"}},
		"iceberg s3":       {lineage.Location("s3://lake/warehouse/shop/orders"), lineage.DatasetID{"s3://lake", "warehouse/shop/orders"}},
		"iceberg hdfs":     {lineage.Location("hdfs://nn:8020/wh/orders"), lineage.DatasetID{"hdfs://nn:8020", "wh/orders"}},
	} {
		assert.Equal(t, tc.want, tc.got, name)
	}
}

func TestIdentityColumnLineage(t *testing.T) {
	in := lineage.Postgres("db", 5432, "shop", "public", "orders")
	f := lineage.IdentityColumnLineage(in, []string{"id", "total"})
	assert.Len(t, f.Fields, 2)
	fld := f.Fields["total"].InputFields[0]
	assert.Equal(t, "total", fld.Field)
	assert.Equal(t, in.Namespace, fld.Namespace)
	assert.Equal(t, in.Name, fld.Name)
	assert.Equal(t, "DIRECT", fld.Transformations[0].Type)
	assert.Equal(t, "IDENTITY", fld.Transformations[0].Subtype)
}

func TestSourceDataset(t *testing.T) {
	cfg, err := configloader.Parse("sources.yaml", []byte(`sources:
  pg: {database_type: postgres, connection: {host: db, port: 5433, database: shop}}
  my: {database_type: mysql, connection: {host: db, database: shop}}
  ora: {database_type: oracle, connection: {host: ora, service_name: ORCLPDB1, username: etl}}
  lite: {database_type: sqlite, connection: {database: /data/shop.db}}
`))
	require.NoError(t, err)
	for name, want := range map[string]lineage.DatasetID{
		"pg":   {"postgres://db:5433", "shop.public.orders"},
		"my":   {"mysql://db:3306", "shop.orders"},
		"ora":  {"oracle://ora:1521", "ORCLPDB1.ETL.orders"},
		"lite": {"file", "/data/shop.db.orders"},
	} {
		src := cfg.Sources[name]
		got := lineage.SourceDataset(src, "orders")
		assert.Equal(t, want, got, name)
		ds := lineage.DataSource(src, got)
		assert.Equal(t, name, ds.Name)
	}
	assert.Equal(t, "file:///data/shop.db", lineage.DataSource(cfg.Sources["lite"], lineage.SourceDataset(cfg.Sources["lite"], "orders")).URI)
}
