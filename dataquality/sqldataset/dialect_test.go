package sqldataset

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/dataquality"
)

func TestQuoteIdentifier(t *testing.T) {
	tests := []struct {
		d          Dialect
		name, want string
	}{
		{PostgreSQL, "customers", `"customers"`},
		{PostgreSQL, `we"ird`, `"we""ird"`},
		{PostgreSQL, `x"; DROP TABLE y; --`, `"x""; DROP TABLE y; --"`},
		{Oracle, "CUSTOMERS", `"CUSTOMERS"`},
		{Oracle, `A"B`, `"A""B"`},
		{SQLite, `a"b`, `"a""b"`},
		{MySQL, "customers", "`customers`"},
		{MySQL, "we`ird", "`we``ird`"},
		{MySQL, "x`; DROP TABLE y; --", "`x``; DROP TABLE y; --`"},
		{MySQL, `dq"x`, "`dq\"x`"},
	}
	for _, tt := range tests {
		got, err := tt.d.QuoteIdentifier(tt.name)
		require.NoError(t, err)
		assert.Equal(t, tt.want, got, "%s %q", tt.d, tt.name)
		assert.Equal(t, tt.want, tt.d.quote(tt.name))
	}
	_, err := PostgreSQL.QuoteIdentifier("a\x00b")
	assert.ErrorContains(t, err, "NUL")
	_, err = MySQL.QuoteIdentifier("")
	assert.Error(t, err)
}

func TestParseDialect(t *testing.T) {
	for name, want := range map[string]Dialect{"postgres": PostgreSQL, "PGX": PostgreSQL, "mysql": MySQL, "mariadb": MySQL,
		"sqlite": SQLite, "sqlite3": SQLite, "oracle": Oracle, "godror": Oracle} {
		d, err := ParseDialect(name)
		require.NoError(t, err, name)
		assert.Equal(t, want, d)
	}
	_, err := ParseDialect("db2")
	assert.EqualError(t, err, `sqldataset: unknown dialect "db2"; allowed: postgres, mysql, sqlite, oracle`)
	assert.Equal(t, "oracle", Oracle.String())
}

// TestOracleSQL pins the Oracle statements, which are tested on their text only (there is no
// Oracle database in the test environment).
func TestOracleSQL(t *testing.T) {
	qt := Oracle.quote("APP") + "." + Oracle.quote("ORDERS")
	assert.Equal(t, `SELECT owner, table_name, column_name, data_type, data_type, data_precision, data_scale FROM all_tab_columns `+
		`WHERE owner = :1 AND UPPER(table_name) = UPPER(:2) ORDER BY table_name, column_id`, Oracle.columnsSQL(true))
	assert.Equal(t, `SELECT owner, table_name, column_name, data_type, data_type, data_precision, data_scale FROM all_tab_columns `+
		`WHERE owner = SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') AND UPPER(table_name) = UPPER(:1) ORDER BY table_name, column_id`, Oracle.columnsSQL(false))
	assert.Equal(t, `SELECT cc.column_name FROM all_constraints c JOIN all_cons_columns cc ON cc.owner = c.owner AND `+
		`cc.constraint_name = c.constraint_name WHERE c.constraint_type = 'P' AND c.owner = :1 AND c.table_name = :2 ORDER BY cc.position`,
		Oracle.primaryKeySQL())
	assert.Equal(t, `SELECT NVL(num_rows, -1), -1 FROM all_tables WHERE owner = :1 AND table_name = :2`, Oracle.estimateSQL())
	assert.Equal(t, `SELECT count(*) FROM "APP"."ORDERS"`, countSQL(qt))
	assert.Equal(t, `SELECT count(*) - count("ORDER_ID"), count(*) - count("ORDER_DATE") FROM "APP"."ORDERS"`,
		nullCountsSQL(qt, []string{`"ORDER_ID"`, `"ORDER_DATE"`}))
	totals, sample := Oracle.duplicatesSQL(qt, []string{`"ORDER_ID"`, `"LINE"`}, 100)
	assert.Equal(t, `SELECT count(*), COALESCE(sum(n), 0) FROM (SELECT count(*) AS n FROM "APP"."ORDERS" `+
		`WHERE "ORDER_ID" IS NOT NULL AND "LINE" IS NOT NULL GROUP BY "ORDER_ID", "LINE" HAVING count(*) > 1) d`, totals)
	assert.Equal(t, `SELECT "ORDER_ID", "LINE", count(*) FROM "APP"."ORDERS" WHERE "ORDER_ID" IS NOT NULL AND "LINE" IS NOT NULL `+
		`GROUP BY "ORDER_ID", "LINE" HAVING count(*) > 1 ORDER BY "ORDER_ID", "LINE" FETCH FIRST 100 ROWS ONLY`, sample)
	assert.Equal(t, `SELECT max("UPDATED_AT") FROM "APP"."ORDERS"`, maxSQL(qt, `"UPDATED_AT"`))
	assert.Equal(t, `SELECT min("ORDER_ID"), max("ORDER_ID") FROM "APP"."ORDERS"`, boundsSQL(qt, `"ORDER_ID"`))
	assert.Equal(t, `SELECT "ORDER_ID", "AMOUNT" FROM "APP"."ORDERS" WHERE "ORDER_ID" BETWEEN :1 AND :2`,
		Oracle.rangeSQL(qt, `"ORDER_ID"`, []string{`"ORDER_ID"`, `"AMOUNT"`}))
}

func TestDialectSQL(t *testing.T) {
	assert.Equal(t, `SELECT "id", "name" FROM "public"."t" WHERE "id" BETWEEN $1 AND $2`,
		PostgreSQL.rangeSQL(`"public"."t"`, `"id"`, []string{`"id"`, `"name"`}))
	assert.Equal(t, "SELECT `id` FROM `test`.`t` WHERE `id` BETWEEN ? AND ?",
		MySQL.rangeSQL("`test`.`t`", "`id`", []string{"`id`"}))
	_, sample := MySQL.duplicatesSQL("`t`", []string{"`k`"}, 5)
	assert.Equal(t, "SELECT `k`, count(*) FROM `t` WHERE `k` IS NOT NULL GROUP BY `k` HAVING count(*) > 1 ORDER BY `k` LIMIT 5", sample)
	assert.Contains(t, PostgreSQL.primaryKeySQL(), "tc.table_schema = $1 AND tc.table_name = $2")
	assert.Contains(t, MySQL.primaryKeySQL(), "tc.table_schema = ? AND tc.table_name = ?")
	assert.Equal(t, "", SQLite.estimateSQL())
	assert.Equal(t, `SELECT name FROM "aux".sqlite_master WHERE type IN ('table', 'view') AND lower(name) = lower(?) ORDER BY name`,
		sqliteTablesSQL("aux"))
}

func TestNormaliseType(t *testing.T) {
	tests := []struct {
		d                Dialect
		typ, detail      string
		precision, scale int64
		want             dataquality.Type
		wantDB           string
	}{
		{PostgreSQL, "numeric", "numeric", 12, 2, dataquality.TypeDecimal, "numeric(12,2)"},
		{PostgreSQL, "numeric", "numeric", -1, -1, dataquality.TypeDecimal, "numeric"},
		{PostgreSQL, "bigint", "int8", 64, 0, dataquality.TypeInteger, "bigint"},
		{PostgreSQL, "timestamp with time zone", "timestamptz", -1, -1, dataquality.TypeTimestamp, "timestamp with time zone"},
		{PostgreSQL, "boolean", "bool", -1, -1, dataquality.TypeBoolean, "boolean"},
		{PostgreSQL, "USER-DEFINED", "citext", -1, -1, dataquality.TypeString, "citext"},
		{PostgreSQL, "jsonb", "jsonb", -1, -1, dataquality.TypeUnknown, "jsonb"},
		{MySQL, "tinyint", "tinyint(1)", 3, 0, dataquality.TypeBoolean, "tinyint(1)"},
		{MySQL, "tinyint", "tinyint(4)", 3, 0, dataquality.TypeInteger, "tinyint(4)"},
		{MySQL, "decimal", "decimal(12,2)", 12, 2, dataquality.TypeDecimal, "decimal(12,2)"},
		{MySQL, "datetime", "datetime(6)", -1, -1, dataquality.TypeTimestamp, "datetime(6)"},
		{MySQL, "longtext", "longtext", -1, -1, dataquality.TypeString, "longtext"},
		{SQLite, "NUMERIC(12,2)", "", -1, -1, dataquality.TypeDecimal, "numeric(12,2)"},
		{SQLite, "BIGINT", "", -1, -1, dataquality.TypeInteger, "bigint"},
		{SQLite, "BOOLEAN", "", -1, -1, dataquality.TypeBoolean, "boolean"},
		{SQLite, "TIMESTAMP", "", -1, -1, dataquality.TypeTimestamp, "timestamp"},
		{SQLite, "DATE", "", -1, -1, dataquality.TypeDate, "date"},
		{SQLite, "", "", -1, -1, dataquality.TypeUnknown, ""},
		{Oracle, "NUMBER", "", 10, 0, dataquality.TypeInteger, "NUMBER(10,0)"},
		{Oracle, "NUMBER", "", 38, 0, dataquality.TypeDecimal, "NUMBER(38,0)"},
		{Oracle, "NUMBER", "", 12, 2, dataquality.TypeDecimal, "NUMBER(12,2)"},
		{Oracle, "NUMBER", "", -1, -1, dataquality.TypeDecimal, "NUMBER"},
		{Oracle, "DATE", "", -1, -1, dataquality.TypeTimestamp, "DATE"},
		{Oracle, "TIMESTAMP(6) WITH TIME ZONE", "", -1, 6, dataquality.TypeTimestamp, "TIMESTAMP(6) WITH TIME ZONE"},
		{Oracle, "VARCHAR2", "", -1, -1, dataquality.TypeString, "VARCHAR2"},
		{Oracle, "BLOB", "", -1, -1, dataquality.TypeBytes, "BLOB"},
	}
	for _, tt := range tests {
		got, db := tt.d.normaliseType(tt.typ, tt.detail, tt.precision, tt.scale)
		assert.Equal(t, tt.want, got, "%s %s", tt.d, tt.typ)
		assert.Equal(t, tt.wantDB, db, "%s %s", tt.d, tt.typ)
	}
}
