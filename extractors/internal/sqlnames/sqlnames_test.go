package sqlnames_test

import (
	"database/sql"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/etlwatch/etlwatch/extractors/internal/sqlnames"
)

func TestStrings(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	require.NoError(t, err)
	defer db.Close()
	ctx := t.Context()
	_, err = db.ExecContext(ctx, `CREATE TABLE t (name TEXT, n INTEGER); INSERT INTO t VALUES ('b', 2), ('a', 1), ('c', 3)`)
	require.NoError(t, err)

	got, err := sqlnames.Strings(ctx, db, `SELECT name FROM t WHERE n >= ? ORDER BY n`, 2)
	require.NoError(t, err)
	assert.Equal(t, []string{"b", "c"}, got)

	got, err = sqlnames.Strings(ctx, db, `SELECT name FROM t WHERE n > 9`)
	require.NoError(t, err)
	assert.Empty(t, got)

	_, err = sqlnames.Strings(ctx, db, `SELECT nope FROM t`)
	assert.Error(t, err)
	_, err = sqlnames.Strings(ctx, db, `SELECT NULL FROM t`)
	assert.Error(t, err, "a NULL is not a name")
}
