package sqldataset

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/etlwatch/etlwatch/dataquality"
)

// Dialect is the SQL dialect of a database: how identifiers are quoted, how parameters are
// written, and where the catalog describes tables.
type Dialect uint8

// The supported dialects.
const (
	// PostgreSQL: "quoted" identifiers, $1 parameters, information_schema and pg_class.
	PostgreSQL Dialect = iota + 1
	// MySQL and MariaDB: `quoted` identifiers, ? parameters, information_schema.
	MySQL
	// SQLite: "quoted" identifiers, ? parameters, sqlite_master and pragma_table_info.
	SQLite
	// Oracle (12c or later): "quoted" identifiers, :1 parameters, ALL_TAB_COLUMNS and
	// ALL_CONSTRAINTS. Its SQL is tested on the generated text only, not against a database.
	Oracle
)

// String returns the dialect's name: "postgres", "mysql", "sqlite" or "oracle".
func (d Dialect) String() string {
	switch d {
	case PostgreSQL:
		return "postgres"
	case MySQL:
		return "mysql"
	case SQLite:
		return "sqlite"
	case Oracle:
		return "oracle"
	}
	return "Dialect(" + strconv.Itoa(int(d)) + ")"
}

// ParseDialect returns the dialect a name denotes: a sources.yaml database_type (postgres,
// mysql, sqlite, oracle) or a database/sql driver name (pgx, postgresql, mariadb, sqlite3,
// godror, oci8), in any case.
func ParseDialect(name string) (Dialect, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "postgres", "postgresql", "pgx", "pg":
		return PostgreSQL, nil
	case "mysql", "mariadb":
		return MySQL, nil
	case "sqlite", "sqlite3":
		return SQLite, nil
	case "oracle", "godror", "oci8", "go-ora":
		return Oracle, nil
	}
	return 0, fmt.Errorf("sqldataset: unknown dialect %q; allowed: postgres, mysql, sqlite, oracle", name)
}

func (d Dialect) valid() bool { return d >= PostgreSQL && d <= Oracle }

// QuoteIdentifier quotes name as an identifier of the dialect, doubling the quote character
// inside it, so that any name (with spaces, quotes or semicolons) is read as one identifier.
// A NUL character, which no database allows in a name, is an error.
func (d Dialect) QuoteIdentifier(name string) (string, error) {
	if strings.IndexByte(name, 0) >= 0 {
		return "", fmt.Errorf("sqldataset: identifier %q holds a NUL character", name)
	}
	if name == "" {
		return "", fmt.Errorf("sqldataset: empty identifier")
	}
	q := `"`
	if d == MySQL {
		q = "`"
	}
	return q + strings.ReplaceAll(name, q, q+q) + q, nil
}

// quote quotes a name read from the catalog (or checked by New), which holds no NUL.
func (d Dialect) quote(name string) string {
	q := `"`
	if d == MySQL {
		q = "`"
	}
	return q + strings.ReplaceAll(name, q, q+q) + q
}

// valueExpr is how the quoted column c is selected for hashing. MySQL's text protocol prints a
// FLOAT with 6 significant digits (16777215 as 1.67772e+07), so FLOAT is read as DOUBLE, whose
// text gives back the stored float exactly.
func (d Dialect) valueExpr(quoted string, c dataquality.Column) string {
	if d == MySQL && strings.HasPrefix(strings.ToLower(c.DatabaseType), "float") {
		return "CAST(" + quoted + " AS DOUBLE)"
	}
	return quoted
}

// placeholder returns the n-th (from 1) parameter marker.
func (d Dialect) placeholder(n int) string {
	switch d {
	case PostgreSQL:
		return "$" + strconv.Itoa(n)
	case Oracle:
		return ":" + strconv.Itoa(n)
	}
	return "?"
}

// columnsSQL returns the catalog query that lists the columns of the tables whose name matches
// the parameter case-insensitively, in the given schema (the parameter before it) or, when
// schema is false, the current one. Its rows are: schema, table, column, type, type detail,
// precision, scale.
func (d Dialect) columnsSQL(schema bool) string {
	switch d {
	case PostgreSQL:
		where := "table_schema = current_schema() AND lower(table_name) = lower($1)"
		if schema {
			where = "table_schema = $1 AND lower(table_name) = lower($2)"
		}
		return "SELECT table_schema, table_name, column_name, data_type, udt_name, numeric_precision, numeric_scale " +
			"FROM information_schema.columns WHERE " + where + " ORDER BY table_name, ordinal_position"
	case MySQL:
		where := "table_schema = DATABASE() AND lower(table_name) = lower(?)"
		if schema {
			where = "table_schema = ? AND lower(table_name) = lower(?)"
		}
		return "SELECT table_schema, table_name, column_name, data_type, column_type, numeric_precision, numeric_scale " +
			"FROM information_schema.columns WHERE " + where + " ORDER BY table_name, ordinal_position"
	case Oracle:
		where := "owner = SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') AND UPPER(table_name) = UPPER(:1)"
		if schema {
			where = "owner = :1 AND UPPER(table_name) = UPPER(:2)"
		}
		return "SELECT owner, table_name, column_name, data_type, data_type, data_precision, data_scale " +
			"FROM all_tab_columns WHERE " + where + " ORDER BY table_name, column_id"
	}
	return ""
}

// sqliteTablesSQL lists the tables and views of an SQLite schema whose name matches the
// parameter case-insensitively.
func sqliteTablesSQL(schema string) string {
	master := "sqlite_master"
	if schema != "" {
		master = SQLite.quote(schema) + ".sqlite_master"
	}
	return "SELECT name FROM " + master + " WHERE type IN ('table', 'view') AND lower(name) = lower(?) ORDER BY name"
}

// sqliteColumnsSQL lists name, declared type and primary key position of an SQLite table's
// columns; the parameters are the table and, when schema is true, the schema.
func sqliteColumnsSQL(schema bool) string {
	if schema {
		return "SELECT name, type, pk FROM pragma_table_info(?, ?) ORDER BY cid"
	}
	return "SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid"
}

// primaryKeySQL returns the catalog query that lists the primary key's columns in key order;
// its parameters are the schema and the table, as the catalog spells them.
func (d Dialect) primaryKeySQL() string {
	switch d {
	case PostgreSQL, MySQL:
		return "SELECT kcu.column_name FROM information_schema.table_constraints tc " +
			"JOIN information_schema.key_column_usage kcu ON kcu.constraint_schema = tc.constraint_schema " +
			"AND kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema AND kcu.table_name = tc.table_name " +
			"WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = " + d.placeholder(1) +
			" AND tc.table_name = " + d.placeholder(2) + " ORDER BY kcu.ordinal_position"
	case Oracle:
		return "SELECT cc.column_name FROM all_constraints c " +
			"JOIN all_cons_columns cc ON cc.owner = c.owner AND cc.constraint_name = c.constraint_name " +
			"WHERE c.constraint_type = 'P' AND c.owner = :1 AND c.table_name = :2 ORDER BY cc.position"
	}
	return ""
}

// estimateSQL returns the query of the planner's row estimate; its parameters are the schema
// and the table. SQLite keeps none.
func (d Dialect) estimateSQL() string {
	switch d {
	case PostgreSQL:
		// reltuples is -1 for a table never vacuumed or analyzed (PostgreSQL 14 and later); the
		// statistics collector's n_live_tup is the fallback.
		return "SELECT c.reltuples::bigint, COALESCE(s.n_live_tup, -1) FROM pg_catalog.pg_class c " +
			"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace " +
			"LEFT JOIN pg_catalog.pg_stat_user_tables s ON s.relid = c.oid " +
			"WHERE n.nspname = $1 AND c.relname = $2"
	case MySQL:
		return "SELECT COALESCE(table_rows, -1), -1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?"
	case Oracle:
		return "SELECT NVL(num_rows, -1), -1 FROM all_tables WHERE owner = :1 AND table_name = :2"
	}
	return ""
}

// countSQL counts the rows of the quoted table qt.
func countSQL(qt string) string { return "SELECT count(*) FROM " + qt }

// nullCountsSQL counts the NULLs of each of the quoted columns in one pass.
func nullCountsSQL(qt string, qcols []string) string {
	var b strings.Builder
	b.WriteString("SELECT ")
	for i, c := range qcols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("count(*) - count(" + c + ")")
	}
	b.WriteString(" FROM " + qt)
	return b.String()
}

// duplicatesSQL returns the queries of the duplicate totals (number of duplicated key values
// and rows holding them) and of a sample of up to n duplicated keys with their counts.
func (d Dialect) duplicatesSQL(qt string, qkey []string, n int) (totals, sample string) {
	notNull := make([]string, len(qkey))
	for i, k := range qkey {
		notNull[i] = k + " IS NOT NULL"
	}
	keys := strings.Join(qkey, ", ")
	groups := " FROM " + qt + " WHERE " + strings.Join(notNull, " AND ") + " GROUP BY " + keys + " HAVING count(*) > 1"
	totals = "SELECT count(*), COALESCE(sum(n), 0) FROM (SELECT count(*) AS n" + groups + ") d"
	sample = "SELECT " + keys + ", count(*)" + groups + " ORDER BY " + keys
	if d == Oracle {
		sample += " FETCH FIRST " + strconv.Itoa(n) + " ROWS ONLY"
	} else {
		sample += " LIMIT " + strconv.Itoa(n)
	}
	return totals, sample
}

// maxSQL returns the largest value of the quoted column.
func maxSQL(qt, qcol string) string { return "SELECT max(" + qcol + ") FROM " + qt }

// boundsSQL returns the smallest and largest key.
func boundsSQL(qt, qkey string) string {
	return "SELECT min(" + qkey + "), max(" + qkey + ") FROM " + qt
}

// rangeSQL selects the quoted columns of the rows whose key is within two parameters. It does
// not sort: the caller buckets or sorts the rows itself.
func (d Dialect) rangeSQL(qt, qkey string, qcols []string) string {
	return "SELECT " + strings.Join(qcols, ", ") + " FROM " + qt + " WHERE " + qkey +
		" BETWEEN " + d.placeholder(1) + " AND " + d.placeholder(2)
}

// normaliseType maps a catalog type to a [dataquality.Type]. typ is the catalog's data type,
// detail MySQL's column_type or PostgreSQL's udt_name; precision and scale are -1 when unknown.
func (d Dialect) normaliseType(typ, detail string, precision, scale int64) (dataquality.Type, string) {
	t := strings.ToLower(strings.TrimSpace(typ))
	switch d {
	case PostgreSQL:
		return postgresType(t, detail, precision, scale)
	case MySQL:
		return mysqlType(t, detail)
	case SQLite:
		return sqliteType(t)
	case Oracle:
		return oracleType(t, precision, scale)
	}
	return dataquality.TypeUnknown, t
}

// postgresType is normaliseType for PostgreSQL; t is the lower-case data type.
func postgresType(t, detail string, precision, scale int64) (dataquality.Type, string) {
	db := t
	if (t == "numeric" || t == "decimal") && precision >= 0 {
		db = fmt.Sprintf("%s(%d,%d)", t, precision, max(scale, 0))
	}
	switch t {
	case "smallint", "integer", "bigint":
		return dataquality.TypeInteger, db
	case "numeric", "decimal":
		return dataquality.TypeDecimal, db
	case "real", "double precision":
		return dataquality.TypeFloat, db
	case "boolean":
		return dataquality.TypeBoolean, db
	case "character varying", "character", "text", "uuid", "name", "citext":
		return dataquality.TypeString, db
	case "bytea":
		return dataquality.TypeBytes, db
	case "timestamp without time zone", "timestamp with time zone":
		return dataquality.TypeTimestamp, db
	case "date":
		return dataquality.TypeDate, db
	case "time without time zone":
		return dataquality.TypeTime, db
	case "user-defined":
		if strings.EqualFold(detail, "citext") {
			return dataquality.TypeString, detail
		}
		return dataquality.TypeUnknown, detail
	}
	return dataquality.TypeUnknown, db
}

// mysqlType is normaliseType for MySQL and MariaDB; t is the lower-case data type.
func mysqlType(t, detail string) (dataquality.Type, string) {
	db := strings.ToLower(detail)
	if db == "" {
		db = t
	}
	if strings.HasPrefix(db, "tinyint(1)") {
		return dataquality.TypeBoolean, db
	}
	switch t {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "year":
		return dataquality.TypeInteger, db
	case "decimal", "numeric":
		return dataquality.TypeDecimal, db
	case "float", "double", "real":
		return dataquality.TypeFloat, db
	case "bool", "boolean":
		return dataquality.TypeBoolean, db
	case "char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set":
		return dataquality.TypeString, db
	case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "bit":
		return dataquality.TypeBytes, db
	case "datetime", "timestamp":
		return dataquality.TypeTimestamp, db
	case "date":
		return dataquality.TypeDate, db
	case "time":
		return dataquality.TypeTime, db
	}
	return dataquality.TypeUnknown, db
}

// sqliteType is normaliseType for SQLite; t is the lower-case declared type.
func sqliteType(t string) (dataquality.Type, string) {
	// The rules of SQLite's type affinity (sqlite.org/datatype3.html), after the names the
	// driver reads as dates and booleans.
	u := strings.ToUpper(t)
	switch {
	case strings.Contains(u, "BOOL"):
		return dataquality.TypeBoolean, t
	case strings.Contains(u, "DATETIME"), strings.Contains(u, "TIMESTAMP"):
		return dataquality.TypeTimestamp, t
	case u == "DATE":
		return dataquality.TypeDate, t
	case u == "TIME":
		return dataquality.TypeTime, t
	case strings.Contains(u, "INT"):
		return dataquality.TypeInteger, t
	case strings.Contains(u, "CHAR"), strings.Contains(u, "CLOB"), strings.Contains(u, "TEXT"):
		return dataquality.TypeString, t
	case strings.Contains(u, "BLOB"):
		return dataquality.TypeBytes, t
	case strings.Contains(u, "REAL"), strings.Contains(u, "FLOA"), strings.Contains(u, "DOUB"):
		return dataquality.TypeFloat, t
	case strings.Contains(u, "DEC"), strings.Contains(u, "NUMERIC"):
		return dataquality.TypeDecimal, t
	}
	return dataquality.TypeUnknown, t
}

// oracleType is normaliseType for Oracle; t is the lower-case data type.
func oracleType(t string, precision, scale int64) (dataquality.Type, string) {
	u := strings.ToUpper(t)
	db := u
	switch {
	case u == "NUMBER":
		if precision >= 0 {
			db = fmt.Sprintf("NUMBER(%d,%d)", precision, max(scale, 0))
		}
		if scale == 0 && precision >= 0 && precision <= 18 {
			return dataquality.TypeInteger, db
		}
		return dataquality.TypeDecimal, db
	case u == "INTEGER":
		return dataquality.TypeInteger, db
	case u == "FLOAT", u == "BINARY_FLOAT", u == "BINARY_DOUBLE":
		return dataquality.TypeFloat, db
	case u == "VARCHAR2", u == "NVARCHAR2", u == "CHAR", u == "NCHAR", u == "CLOB", u == "NCLOB", u == "LONG":
		return dataquality.TypeString, db
	case u == "RAW", u == "BLOB", u == "LONG RAW":
		return dataquality.TypeBytes, db
	case u == "DATE", strings.HasPrefix(u, "TIMESTAMP"):
		return dataquality.TypeTimestamp, db
	}
	return dataquality.TypeUnknown, db
}
