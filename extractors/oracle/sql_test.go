package oracle

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/extractors/extract"
)

// There is no Oracle database where these tests run: the statements are pinned as text.

func TestQuote(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"ORDERS", `"ORDERS"`},
		{"orders", `"orders"`},
		{"Mixed Case", `"Mixed Case"`},
		{`A"B`, `"A""B"`},
		{`"; DROP TABLE X; --`, `"""; DROP TABLE X; --"`},
		{"$SYS#1", `"$SYS#1"`},
	} {
		assert.Equal(t, tc.want, quote(tc.in), tc.in)
	}
}

func TestCatalogSQL(t *testing.T) {
	assert.Equal(t, `SELECT t.table_name FROM all_tables t
WHERE t.owner = :owner
  AND (t.iot_type IS NULL OR t.iot_type = 'IOT')
  AND t.nested = 'NO' AND t.temporary = 'N' AND t.secondary = 'N' AND t.dropped = 'NO'
  AND NOT EXISTS (SELECT 1 FROM all_external_tables x WHERE x.owner = t.owner AND x.table_name = t.table_name)`, tablesSQL)
	assert.Equal(t, `SELECT column_name, data_type, data_type_owner, data_length, data_precision, data_scale, char_length, nullable
FROM all_tab_columns
WHERE owner = :owner AND table_name = :table_name
ORDER BY column_id`, columnsSQL)
	assert.Equal(t, `SELECT cc.column_name FROM all_constraints c
JOIN all_cons_columns cc ON cc.owner = c.owner AND cc.constraint_name = c.constraint_name AND cc.table_name = c.table_name
WHERE c.constraint_type = 'P' AND c.owner = :owner AND c.table_name = :table_name
ORDER BY cc.position`, primaryKeySQL)
	assert.Equal(t, "SELECT CURRENT_SCN FROM V$DATABASE", currentSCNSQL)
	assert.Equal(t, "SELECT DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER FROM DUAL", flashbackSCNSQL)
	// Names are parameters, never text: the catalog queries bind owner and table.
	for _, q := range []string{tablesSQL, columnsSQL, primaryKeySQL} {
		assert.NotContains(t, q, "'%", q)
		assert.Contains(t, q, ":owner")
	}
}

func TestSnapshotReadSQL(t *testing.T) {
	assert.Equal(t, `SELECT COUNT(*) FROM "APP"."ORDERS" AS OF SCN :scn`, countSQL("APP", "ORDERS"))
	assert.Equal(t, `SELECT MIN("ORDER_ID"), MAX("ORDER_ID") FROM "APP"."ORDERS" AS OF SCN :scn`, boundsSQL("APP", "ORDERS", "ORDER_ID"))
	assert.Equal(t, `SELECT COUNT(*) FROM "a""b"."c d" AS OF SCN :scn`, countSQL(`a"b`, "c d"))

	exprs := []string{`"ID"`, `"AMOUNT"`, `SYS_EXTRACT_UTC("AT") AS "AT"`}
	const scn = int64(1234567890123)
	for _, tc := range []struct {
		name      string
		share     share
		wantSQL   string
		wantArgs  []any
		wantWhere string
	}{
		{"whole table", share{kind: wholeTable},
			`SELECT "ID", "AMOUNT", SYS_EXTRACT_UTC("AT") AS "AT" FROM "APP"."ORDERS" AS OF SCN :scn`,
			[]any{scn}, ""},
		{"key range", share{kind: keyRange, lo: -5, hi: 9223372036854775807},
			`SELECT "ID", "AMOUNT", SYS_EXTRACT_UTC("AT") AS "AT" FROM "APP"."ORDERS" AS OF SCN :scn WHERE "ID" BETWEEN :lo AND :hi`,
			[]any{scn, int64(-5), int64(9223372036854775807)}, `"ID" BETWEEN :lo AND :hi`},
		{"rowid hash", share{kind: rowidHash, bucket: 2, buckets: 4},
			`SELECT "ID", "AMOUNT", SYS_EXTRACT_UTC("AT") AS "AT" FROM "APP"."ORDERS" AS OF SCN :scn WHERE ORA_HASH(ROWID, 3) = 2`,
			[]any{scn}, "ORA_HASH(ROWID, 3) = 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, args := readSQL("APP", "ORDERS", exprs, "ID", scn, tc.share)
			assert.Equal(t, tc.wantSQL, q)
			assert.Equal(t, tc.wantArgs, args)
			// The SCN is a bind parameter, never text, and comes first.
			assert.NotContains(t, q, "1234567890123")
			assert.Equal(t, 1, strings.Count(q, ":scn"))
			assert.Less(t, strings.Index(q, ":scn"), max(strings.Index(q, ":lo"), len(q)))
		})
	}
}

func TestHashShares(t *testing.T) {
	assert.Equal(t, []share{{kind: wholeTable}}, hashShares(1))
	assert.Equal(t, []share{{kind: wholeTable}}, hashShares(0))
	got := hashShares(4)
	require.Len(t, got, 4)
	var where []string
	for i, s := range got {
		assert.Equal(t, share{kind: rowidHash, bucket: i, buckets: 4}, s)
		q, _ := readSQL("O", "T", []string{`"X"`}, "", 1, s)
		where = append(where, q[strings.Index(q, "WHERE"):])
	}
	// ORA_HASH(expr, max_bucket) returns 0..max_bucket: the four predicates cover every row once.
	assert.Equal(t, []string{
		"WHERE ORA_HASH(ROWID, 3) = 0", "WHERE ORA_HASH(ROWID, 3) = 1",
		"WHERE ORA_HASH(ROWID, 3) = 2", "WHERE ORA_HASH(ROWID, 3) = 3",
	}, where)
}

func TestKeyShares(t *testing.T) {
	for _, tc := range []struct {
		lo, hi int64
		n      int
	}{
		{1, 100, 4}, {1, 3, 8}, {-9223372036854775808, 9223372036854775807, 3}, {7, 7, 4}, {-10, 10, 1},
	} {
		got := keyShares(tc.lo, tc.hi, tc.n)
		require.NotEmpty(t, got)
		assert.LessOrEqual(t, len(got), tc.n)
		assert.Equal(t, tc.lo, got[0].lo)
		assert.Equal(t, tc.hi, got[len(got)-1].hi)
		for i, s := range got {
			assert.Equal(t, keyRange, s.kind)
			assert.LessOrEqual(t, s.lo, s.hi)
			if i > 0 {
				assert.Equal(t, got[i-1].hi+1, s.lo, "contiguous")
			}
		}
	}
}

func TestIntKey(t *testing.T) {
	mk := func(pk []string, types ...arrow.DataType) *extract.Table {
		fields := make([]arrow.Field, len(types))
		for i, dt := range types {
			fields[i] = arrow.Field{Name: string(rune('A' + i)), Type: dt}
		}
		return extract.NewTable("T", fields, nil, pk)
	}
	i64 := arrow.PrimitiveTypes.Int64
	dec := &arrow.Decimal128Type{Precision: 38, Scale: 0}
	assert.Equal(t, "A", intKey(mk([]string{"A"}, i64, arrow.BinaryTypes.String)))
	assert.Empty(t, intKey(mk([]string{"A", "B"}, i64, i64)), "composite key")
	assert.Empty(t, intKey(mk(nil, i64)), "no key")
	assert.Empty(t, intKey(mk([]string{"A"}, dec)), "NUMBER(38) is hashed by ROWID")
	assert.Empty(t, intKey(mk([]string{"A"}, arrow.BinaryTypes.String)))
}

func TestSelectExpr(t *testing.T) {
	for _, tc := range []struct{ name, source, want string }{
		{"ID", "NUMBER(10)", `"ID"`},
		{"DOC", "JSON", `JSON_SERIALIZE("DOC" RETURNING CLOB) AS "DOC"`},
		{"AT", "TIMESTAMP(6) WITH TIME ZONE", `SYS_EXTRACT_UTC("AT") AS "AT"`},
		{"SEEN", "TIMESTAMP(9) WITH LOCAL TIME ZONE", `SYS_EXTRACT_UTC(CAST("SEEN" AS TIMESTAMP(9) WITH TIME ZONE)) AS "SEEN"`},
		{"TS", "TIMESTAMP(3)", `"TS"`},
		{"D", "DATE", `"D"`},
		{`Q"T`, "VARCHAR2(10)", `"Q""T"`},
		{"X", "", `"X"`}, // a table described elsewhere: read as it is
	} {
		assert.Equal(t, tc.want, selectExpr(tc.name, tc.source), tc.source)
	}
}
