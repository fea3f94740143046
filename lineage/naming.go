package lineage

import (
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
)

// The default ports the naming functions use when none is given.
const (
	PostgresPort = 5432
	MySQLPort    = 3306
	OraclePort   = 1521
)

func hostPort(scheme, host string, port, def int) string {
	if host == "" {
		host = "localhost"
	}
	if port == 0 {
		port = def
	}
	return scheme + "://" + net.JoinHostPort(host, strconv.Itoa(port))
}

// Postgres names a PostgreSQL table: postgres://host:port and database.schema.table (schema
// public when empty), as the OpenLineage clients do.
func Postgres(host string, port int, database, schema, table string) DatasetID {
	if schema == "" {
		schema = "public"
	}
	return DatasetID{hostPort("postgres", host, port, PostgresPort), database + "." + schema + "." + table}
}

// MySQL names a MySQL or MariaDB table: mysql://host:port and database.table.
func MySQL(host string, port int, database, table string) DatasetID {
	return DatasetID{hostPort("mysql", host, port, MySQLPort), database + "." + table}
}

// Oracle names an Oracle table: oracle://host:port and service.schema.table.
func Oracle(host string, port int, service, schema, table string) DatasetID {
	return DatasetID{hostPort("oracle", host, port, OraclePort), service + "." + schema + "." + table}
}

// Kafka names a Kafka topic: kafka://host:port of the first bootstrap broker, and the topic.
func Kafka(bootstrap, topic string) DatasetID {
	b, _, _ := strings.Cut(bootstrap, ",")
	return DatasetID{"kafka://" + strings.TrimSpace(b), topic}
}

// SQLite names a table of a SQLite database file: namespace file, and the file's absolute path
// and the table joined by a dot, as MySQL joins database and table.
func SQLite(path, table string) DatasetID {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return DatasetID{"file", filepath.ToSlash(path) + "." + table}
}

// Location names a dataset by its storage location, as OpenLineage names files and Iceberg
// tables: a local path or file:// URL is namespace file and the absolute path; a URL with a host
// (s3://bucket/key, gs://, hdfs://host:port/path, file://host/path) is scheme://host and the
// path without its leading slash.
func Location(loc string) DatasetID {
	u, err := url.Parse(loc)
	if err != nil || u.Scheme == "" || len(u.Scheme) == 1 { // a path, or a Windows drive letter
		return DatasetID{"file", filepath.ToSlash(mustAbs(loc))}
	}
	if u.Scheme == "file" && (u.Host == "" || u.Host == "localhost") {
		return DatasetID{"file", u.Path}
	}
	return DatasetID{u.Scheme + "://" + u.Host, strings.TrimPrefix(u.Path, "/")}
}

func mustAbs(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// IcebergTable returns the facets of an Iceberg table named by [Location]: its catalog name
// (catalogNamespace, such as the warehouse or the REST catalog's URL, and namespace.table) as
// a symlinks entry of type TABLE, and the storage facet (iceberg, parquet).
func IcebergTable(catalogNamespace, identifier string) DatasetFacets {
	return DatasetFacets{
		Symlinks: &SymlinksDatasetFacet{Identifiers: []SymlinkIdentifier{
			{Namespace: catalogNamespace, Name: identifier, Type: "TABLE"},
		}},
		Storage: &StorageDatasetFacet{StorageLayer: "iceberg", FileFormat: "parquet"},
	}
}

// Column is a column of a dataset for [SchemaOf]: its name and its type as the source
// declares it.
type Column struct {
	Name string
	Type string
}

// SchemaOf returns the schema facet of columns, with their ordinal positions from 1.
func SchemaOf(columns []Column) *SchemaDatasetFacet {
	f := &SchemaDatasetFacet{Fields: make([]SchemaField, len(columns))}
	for i, c := range columns {
		f.Fields[i] = SchemaField{Name: c.Name, Type: c.Type, OrdinalPosition: i + 1}
	}
	return f
}

// IdentityColumnLineage returns the column lineage of a copy: each column of the output comes
// unchanged from the column of the same name of input (DIRECT, IDENTITY).
func IdentityColumnLineage(input DatasetID, columns []string) *ColumnLineageDatasetFacet {
	f := &ColumnLineageDatasetFacet{Fields: make(map[string]ColumnLineageField, len(columns))}
	masking := false
	for _, c := range columns {
		f.Fields[c] = ColumnLineageField{
			InputFields: []InputField{{Namespace: input.Namespace, Name: input.Name, Field: c,
				Transformations: []Transformation{{Type: "DIRECT", Subtype: "IDENTITY", Masking: &masking}}}},
		}
	}
	return f
}
