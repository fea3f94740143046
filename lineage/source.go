package lineage

import (
	"cmp"
	"strings"

	"github.com/etlwatch/etlwatch/configloader"
)

// SourceDataset names table of the source database src describes by the OpenLineage
// conventions: postgres://host:port and database.schema.table, mysql://host:port and
// database.table, oracle://host:port and service.schema.table (schema: connection.schema, else
// the user's own), SQLite as [SQLite]. A connection given only as a DSN has no host and port
// here: localhost and the database's default port stand in.
func SourceDataset(src *configloader.Source, table string) DatasetID {
	c := src.Connection
	switch src.DatabaseType {
	case "postgres":
		return Postgres(c.Host, c.Port, c.Database, c.Schema, table)
	case "mysql":
		return MySQL(c.Host, c.Port, c.Database, table)
	case "oracle":
		return Oracle(c.Host, c.Port, cmp.Or(c.ServiceName, c.Database), cmp.Or(c.Schema, strings.ToUpper(c.Username)), table)
	case "sqlite":
		return SQLite(c.Database, table)
	}
	return DatasetID{Namespace: src.DatabaseType + "://" + c.Host, Name: table}
}

// DataSource returns the dataSource facet of a dataset named by [SourceDataset]: the
// namespace as its URI and the source's name.
func DataSource(src *configloader.Source, id DatasetID) *DatasourceDatasetFacet {
	uri := id.Namespace
	if uri == "file" {
		uri = "file://" + strings.TrimSuffix(id.Name, "."+lastPart(id.Name))
	}
	return &DatasourceDatasetFacet{Name: src.Name, URI: uri}
}

func lastPart(s string) string { return s[strings.LastIndex(s, ".")+1:] }
