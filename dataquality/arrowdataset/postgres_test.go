package arrowdataset_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/dataquality/sqldataset"
	"github.com/etlwatch/etlwatch/internal/testenv"
)

// postgresDSN is the database of the integration test: the service on loopback, or
// $ETLWATCH_TEST_POSTGRES_DSN (as in package sqldataset's tests).
func postgresDSN() string {
	if v := os.Getenv("ETLWATCH_TEST_POSTGRES_DSN"); v != "" {
		return v
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// TestPostgreSQL loads the ORDERS rows into a real PostgreSQL table and checks that the Arrow
// dataset of the same rows has the same schema and reconciles as equal with it, in both
// directions; then changes, deletes and inserts rows in PostgreSQL and checks that exactly those
// keys are reported.
func TestPostgreSQL(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("pgx", postgresDSN())
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	pingCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		testenv.Unavailable(t, fmt.Sprintf("PostgreSQL at 127.0.0.1:5432 is not reachable: %v", err))
	}

	name := fmt.Sprintf("dq_arrow_orders_%d", rand.Uint32())
	_, err = db.ExecContext(ctx, `CREATE TABLE `+name+` (id bigint PRIMARY KEY, qty integer, amount numeric(12,2),
		price double precision, name text, data bytea, active boolean, day date, created timestamptz, at time)`)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = db.ExecContext(context.Background(), "DROP TABLE "+name) })

	rows := orders(2000)
	insert := func(rows []order) {
		const batch = 200
		for start := 0; start < len(rows); start += batch {
			var sb strings.Builder
			sb.WriteString("INSERT INTO " + name + " VALUES ")
			var args []any
			for r, o := range rows[start:min(start+batch, len(rows))] {
				if r > 0 {
					sb.WriteString(", ")
				}
				var amount, at any
				if o.cents != nil {
					amount = fmt.Sprintf("%.2f", float64(o.cents.(int64))/100)
				}
				if o.at != nil {
					d := o.at.(time.Duration)
					at = fmt.Sprintf("%02d:%02d:%02d.%06d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60, d.Microseconds()%1e6)
				}
				vals := []any{o.id, o.qty, amount, o.price, o.name, o.data, o.active, o.day, o.created, at}
				sb.WriteString("(")
				for i, v := range vals {
					if i > 0 {
						sb.WriteString(", ")
					}
					args = append(args, v)
					fmt.Fprintf(&sb, "$%d", len(args))
				}
				sb.WriteString(")")
			}
			_, err := db.ExecContext(ctx, sb.String(), args...)
			require.NoError(t, err)
		}
	}
	insert(rows)

	pg, err := sqldataset.New(db, sqldataset.PostgreSQL, name)
	require.NoError(t, err)
	ds := arrowOrders(t, checked(t), rows, 4)
	c := dataquality.NewChecker()

	r := c.SchemaCompare(ctx, "ORDERS", ds, pg)
	assert.True(t, r.Passed, r.Details)
	assert.Empty(t, r.Observed["extra_in_dest"])
	r = c.SchemaCompare(ctx, "ORDERS", pg, ds)
	assert.True(t, r.Passed, r.Details)

	for _, o := range []dataquality.ReconcileOptions{{}, {Segments: 4, Threshold: 50}} {
		r = c.Reconcile(ctx, "ORDERS", ds, pg, o)
		require.NoError(t, r.Err)
		assert.True(t, r.Passed, r.Details)
		r = c.Reconcile(ctx, "ORDERS", pg, ds, o)
		require.NoError(t, r.Err)
		assert.True(t, r.Passed, r.Details)
	}

	_, err = db.ExecContext(ctx, "DELETE FROM "+name+" WHERE id IN (5, 1999)")
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, "UPDATE "+name+" SET amount = amount + 0.01 WHERE id = 7")
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, "UPDATE "+name+" SET created = created + interval '1 microsecond' WHERE id = 1000")
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, "UPDATE "+name+" SET at = at + interval '1 microsecond' WHERE id = 1001")
	require.NoError(t, err)
	insert(orders(2500)[2400:2401])

	r = c.Reconcile(ctx, "ORDERS", ds, pg, dataquality.ReconcileOptions{})
	require.NoError(t, r.Err)
	assert.Equal(t, []int64{5, 1999}, r.Observed["missing_in_dest_keys"], r.Details)
	assert.Equal(t, []int64{2401}, r.Observed["missing_in_source_keys"], r.Details)
	assert.Equal(t, []int64{7, 1000, 1001}, r.Observed["changed_keys"], r.Details)
}
