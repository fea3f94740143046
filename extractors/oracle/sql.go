package oracle

import (
	"fmt"
	"strings"

	"github.com/etlwatch/etlwatch/extractors/extract"
)

// The SQL text is built by the pure functions of this file, so that it is tested without a
// database. Values (owner, table name, SCN, key bounds) are bind parameters; identifiers are
// quoted with quote.

// tablesSQL lists the tables of the owner (:owner) that hold rows a flashback query can read:
// not the overflow or mapping segments of an index-organized table, nested tables, temporary
// tables (flashback queries cannot read them), secondary tables of domain indexes, tables in
// the recycle bin, or external tables.
const tablesSQL = `SELECT t.table_name FROM all_tables t
WHERE t.owner = :owner
  AND (t.iot_type IS NULL OR t.iot_type = 'IOT')
  AND t.nested = 'NO' AND t.temporary = 'N' AND t.secondary = 'N' AND t.dropped = 'NO'
  AND NOT EXISTS (SELECT 1 FROM all_external_tables x WHERE x.owner = t.owner AND x.table_name = t.table_name)`

// columnsSQL lists a table's columns in table order.
const columnsSQL = `SELECT column_name, data_type, data_type_owner, data_length, data_precision, data_scale, char_length, nullable
FROM all_tab_columns
WHERE owner = :owner AND table_name = :table_name
ORDER BY column_id`

// primaryKeySQL lists a table's primary key columns in key order.
const primaryKeySQL = `SELECT cc.column_name FROM all_constraints c
JOIN all_cons_columns cc ON cc.owner = c.owner AND cc.constraint_name = c.constraint_name AND cc.table_name = c.table_name
WHERE c.constraint_type = 'P' AND c.owner = :owner AND c.table_name = :table_name
ORDER BY cc.position`

// The queries of the current SCN: V$DATABASE needs SELECT on it (SELECT_CATALOG_ROLE, for
// one); DBMS_FLASHBACK needs EXECUTE on the package.
const (
	currentSCNSQL   = "SELECT CURRENT_SCN FROM V$DATABASE"
	flashbackSCNSQL = "SELECT DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER FROM DUAL"
)

// quote returns name as a quoted Oracle identifier, doubling any double quote in it. (Oracle
// allows none in a name, so such a name fails in the database rather than changing the
// statement.) Quoted names are case-sensitive: "ORDERS" is the table created as orders.
func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// fromAsOf returns the FROM clause that reads owner.table as of the SCN bound to :scn.
func fromAsOf(owner, table string) string {
	return quote(owner) + "." + quote(table) + " AS OF SCN :scn"
}

// countSQL counts a table's rows as of :scn.
func countSQL(owner, table string) string {
	return "SELECT COUNT(*) FROM " + fromAsOf(owner, table)
}

// boundsSQL returns the smallest and largest value of the key column as of :scn.
func boundsSQL(owner, table, key string) string {
	k := quote(key)
	return "SELECT MIN(" + k + "), MAX(" + k + ") FROM " + fromAsOf(owner, table)
}

// share is the part of a table one reader reads: all of it, a key range, or a hash bucket of
// its rows.
type share struct {
	kind            shareKind
	lo, hi          int64 // keyRange: lo <= key <= hi
	bucket, buckets int   // rowidHash: ORA_HASH(ROWID, buckets-1) = bucket
}

type shareKind uint8

const (
	wholeTable shareKind = iota
	keyRange
	rowidHash
)

// keyShares splits [lo, hi] into at most n key ranges; see [extract.SplitKeyRange].
func keyShares(lo, hi int64, n int) []share {
	parts := extract.SplitKeyRange(lo, hi, n)
	out := make([]share, len(parts))
	for i, p := range parts {
		out[i] = share{kind: keyRange, lo: p.Lo, hi: p.Hi}
	}
	return out
}

// hashShares returns n buckets that between them hold every row once: a row is in bucket
// ORA_HASH(ROWID, n-1).
func hashShares(n int) []share {
	n = max(n, 1)
	if n == 1 {
		return []share{{kind: wholeTable}}
	}
	out := make([]share, n)
	for i := range out {
		out[i] = share{kind: rowidHash, bucket: i, buckets: n}
	}
	return out
}

// readSQL returns the query of one reader and its bind parameters: the SCN, then the key
// bounds for a key range. exprs are the select-list expressions (see selectExpr); key is the
// key column of a key range.
func readSQL(owner, table string, exprs []string, key string, scn int64, s share) (string, []any) {
	q := "SELECT " + strings.Join(exprs, ", ") + " FROM " + fromAsOf(owner, table)
	args := []any{scn}
	switch s.kind {
	case keyRange:
		q += " WHERE " + quote(key) + " BETWEEN :lo AND :hi"
		args = append(args, s.lo, s.hi)
	case rowidHash:
		// Both numbers are the extractor's own integers, not input: written into the text.
		q += fmt.Sprintf(" WHERE ORA_HASH(ROWID, %d) = %d", s.buckets-1, s.bucket)
	}
	return q, args
}
