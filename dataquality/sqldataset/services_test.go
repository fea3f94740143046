package sqldataset_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/dataquality/sqldataset"
	"github.com/etlwatch/etlwatch/internal/testenv"
)

// The databases of the integration tests and benchmarks: the services on loopback, or
// $ETLWATCH_TEST_POSTGRES_DSN and $ETLWATCH_TEST_MYSQL_DSN.
var (
	postgresDSN = envOr("ETLWATCH_TEST_POSTGRES_DSN", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	mysqlDSN    = envOr("ETLWATCH_TEST_MYSQL_DSN", "root@tcp(127.0.0.1:3306)/test?parseTime=true")
)

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// backend is one database under test.
type backend struct {
	name    string
	dialect sqldataset.Dialect
	db      *sql.DB
	ddl     string // CREATE TABLE %s (...) with the test columns
}

func openDB(t testing.TB, driver, dsn, what string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		testenv.Unavailable(t, fmt.Sprintf("%s is not reachable: %v", what, err))
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func postgres(t testing.TB) backend {
	return backend{name: "postgres", dialect: sqldataset.PostgreSQL, db: openDB(t, "pgx", postgresDSN, "PostgreSQL at 127.0.0.1:5432"),
		ddl: `CREATE TABLE %s (id bigint PRIMARY KEY, qty integer, big bigint, amount numeric(12,2), name varchar(100), note text,
			created timestamp, day date, active boolean)`}
}

func mariadb(t testing.TB) backend {
	return backend{name: "mariadb", dialect: sqldataset.MySQL, db: openDB(t, "mysql", mysqlDSN, "MariaDB at 127.0.0.1:3306"),
		ddl: `CREATE TABLE %s (id bigint PRIMARY KEY, qty int, big bigint, amount decimal(12,2), name varchar(100), note text,
			created datetime(6), day date, active boolean)`}
}

func sqlite(t testing.TB) backend {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "dq.db"))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return backend{name: "sqlite", dialect: sqldataset.SQLite, db: db,
		ddl: `CREATE TABLE %s (id INTEGER PRIMARY KEY, qty INTEGER, big BIGINT, amount NUMERIC(12,2), name VARCHAR(100), note TEXT,
			created TIMESTAMP, day DATE, active BOOLEAN)`}
}

var testColumns = []string{"id", "qty", "big", "amount", "name", "note", "created", "day", "active"}

var testTypes = []dataquality.Type{dataquality.TypeInteger, dataquality.TypeInteger, dataquality.TypeInteger,
	dataquality.TypeDecimal, dataquality.TypeString, dataquality.TypeString, dataquality.TypeTimestamp,
	dataquality.TypeDate, dataquality.TypeBoolean}

// testRows returns n rows of the test columns, the same on every call, with NULLs, empty
// strings, non-ASCII text, negative numbers and microsecond timestamps.
func testRows(n int) [][]any {
	base := time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)
	rows := make([][]any, n)
	for i := 1; i <= n; i++ {
		r := []any{
			int64(i),
			int64(i % 1000),
			int64(i) * 1_000_000_007 * int64(1-2*(i%2)),
			fmt.Sprintf("%d.%02d", (i*37)%100000, i%100),
			fmt.Sprintf("name %d ünïcødé", i),
			strings.Repeat("note ", i%7) + fmt.Sprint(i),
			base.Add(time.Duration(i) * 1_234_567 * time.Microsecond),
			base.AddDate(0, 0, i%3000).Format(time.DateOnly),
			i%3 == 0,
		}
		switch {
		case i%50 == 0:
			r[1] = nil
		case i%37 == 0:
			r[3] = nil
		case i%41 == 0:
			r[4] = ""
		case i%43 == 0:
			r[5] = nil
		case i%47 == 0:
			r[6] = nil
		case i%53 == 0:
			r[8] = nil
		}
		if i%11 == 0 {
			r[3] = fmt.Sprintf("-%d.10", i) // negative, and a trailing zero in the scale
		}
		rows[i-1] = r
	}
	return rows
}

// memoryOf returns the rows as a MemoryDataset.
func memoryOf(t testing.TB, rows [][]any) *dataquality.MemoryDataset {
	t.Helper()
	cols := make([]dataquality.Column, len(testColumns))
	for i, c := range testColumns {
		cols[i] = dataquality.Column{Name: c, Type: testTypes[i]}
	}
	maps := make([]map[string]any, len(rows))
	for r, row := range rows {
		maps[r] = make(map[string]any, len(row))
		for i, v := range row {
			maps[r][testColumns[i]] = v
		}
	}
	ds, err := dataquality.NewMemoryDataset(dataquality.MemoryTable{Columns: cols, PrimaryKey: []string{"id"}, Rows: maps})
	require.NoError(t, err)
	return ds
}

// createTable creates a uniquely named test table holding rows, dropped at cleanup, and
// returns its name.
func (b backend) createTable(t testing.TB, prefix string, rows [][]any) string {
	t.Helper()
	name := fmt.Sprintf("%s_%d", prefix, rand.Uint32())
	b.createNamed(t, name, rows)
	return name
}

func (b backend) createNamed(t testing.TB, name string, rows [][]any) {
	t.Helper()
	ctx := context.Background()
	qt, err := b.dialect.QuoteIdentifier(name)
	require.NoError(t, err)
	_, err = b.db.ExecContext(ctx, fmt.Sprintf(b.ddl, qt))
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = b.db.ExecContext(context.Background(), "DROP TABLE "+qt) })
	b.insert(t, qt, rows)
}

// insert adds rows to the quoted table qt in multi-row INSERTs.
func (b backend) insert(t testing.TB, qt string, rows [][]any) {
	t.Helper()
	const batch = 500
	for start := 0; start < len(rows); start += batch {
		chunk := rows[start:min(start+batch, len(rows))]
		var sb strings.Builder
		sb.WriteString("INSERT INTO " + qt + " (" + strings.Join(testColumns, ", ") + ") VALUES ")
		args := make([]any, 0, len(chunk)*len(testColumns))
		for r, row := range chunk {
			if r > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(")
			for i, v := range row {
				if i > 0 {
					sb.WriteString(", ")
				}
				args = append(args, v)
				if b.dialect == sqldataset.PostgreSQL {
					fmt.Fprintf(&sb, "$%d", len(args))
				} else {
					sb.WriteString("?")
				}
			}
			sb.WriteString(")")
		}
		_, err := b.db.ExecContext(context.Background(), sb.String(), args...)
		require.NoError(t, err)
	}
}

func (b backend) exec(t testing.TB, query string, args ...any) {
	t.Helper()
	if b.dialect == sqldataset.PostgreSQL {
		n := 0
		query = replaceEach(query, "?", func() string { n++; return fmt.Sprintf("$%d", n) })
	}
	_, err := b.db.ExecContext(context.Background(), query, args...)
	require.NoError(t, err, query)
}

func replaceEach(s, old string, repl func() string) string {
	var sb strings.Builder
	for {
		i := strings.Index(s, old)
		if i < 0 {
			sb.WriteString(s)
			return sb.String()
		}
		sb.WriteString(s[:i] + repl())
		s = s[i+len(old):]
	}
}

func (b backend) table(t testing.TB, name string, opts ...sqldataset.Option) *sqldataset.Table {
	t.Helper()
	tbl, err := sqldataset.New(b.db, b.dialect, name, opts...)
	require.NoError(t, err)
	return tbl
}
