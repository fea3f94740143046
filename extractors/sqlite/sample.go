package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// SampleSchema is the DDL [CreateSample] runs.
const SampleSchema = `
CREATE TABLE customers (
	id           INTEGER PRIMARY KEY,
	name         TEXT NOT NULL,
	email        VARCHAR(120),
	birth_date   DATE,
	created_at   TIMESTAMP NOT NULL,
	credit_limit NUMERIC(12,2),
	active       BOOLEAN NOT NULL
);
CREATE TABLE orders (
	id          INTEGER PRIMARY KEY,
	customer_id INTEGER NOT NULL REFERENCES customers(id),
	ordered_at  DATETIME NOT NULL,
	status      TEXT NOT NULL,
	total       DECIMAL(12,2) NOT NULL,
	note        TEXT
);
CREATE TABLE order_items (
	order_id   INTEGER NOT NULL REFERENCES orders(id),
	line       INTEGER NOT NULL,
	product    TEXT NOT NULL,
	quantity   INTEGER NOT NULL,
	unit_price DECIMAL(10,2) NOT NULL,
	discount   REAL,
	PRIMARY KEY (order_id, line)
);`

// SampleSeed seeds the generator of [CreateSample]: the same rows give the same database.
const SampleSeed = 20260101

// CreateSample creates a new SQLite database file at path in WAL mode with the tables of
// [SampleSchema] (customers, orders, order_items) and about rows rows in all: a tenth customers,
// three tenths orders, the rest order items. Values are deterministic (seeded with
// [SampleSeed]); about one customer in five has no email, one in four no birth date, one order in
// three no note. Timestamps are stored as ISO-8601 text in UTC, decimals as SQLite numbers. It
// writes in one transaction with prepared statements. It is an error for rows to be below 3 or
// for path to hold the tables already.
func CreateSample(ctx context.Context, path string, rows int) (err error) {
	if rows < 3 {
		return fmt.Errorf("sqlite: create sample: rows is %d, want at least 3", rows)
	}
	if path == "" {
		return errors.New("sqlite: create sample: empty path")
	}
	db, err := sql.Open(DriverName, fileDSN(path, "rwc")+"&_pragma=journal_mode(WAL)")
	if err != nil {
		return fmt.Errorf("sqlite: create sample: %w", err)
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: create sample: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if _, err = tx.ExecContext(ctx, SampleSchema); err != nil {
		return fmt.Errorf("sqlite: create sample: schema: %w", err)
	}
	if err = fillSample(ctx, tx, rows); err != nil {
		return fmt.Errorf("sqlite: create sample: %w", err)
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: create sample: commit: %w", err)
	}
	return nil
}

func fillSample(ctx context.Context, tx *sql.Tx, rows int) error {
	nCust := max(1, rows/10)
	nOrd := max(1, rows*3/10)
	nItem := max(1, rows-nCust-nOrd)
	rng := rand.New(rand.NewPCG(SampleSeed, uint64(rows)))
	cents := func(lo, hi float64) float64 { return math.Round((lo+rng.Float64()*(hi-lo))*100) / 100 }
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	firsts := []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Dennis", "Margaret"}
	lasts := []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Ritchie", "Hamilton"}
	statuses := []string{"new", "paid", "shipped", "delivered", "cancelled"}
	products := []string{"widget", "gadget", "sprocket", "gizmo", "doohickey", "thingamajig"}

	cust, err := tx.PrepareContext(ctx, `INSERT INTO customers (id, name, email, birth_date, created_at, credit_limit, active) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer cust.Close()
	for i := 1; i <= nCust; i++ {
		first, last := firsts[rng.IntN(len(firsts))], lasts[rng.IntN(len(lasts))]
		var email, birth, limit any
		if rng.IntN(5) != 0 {
			email = fmt.Sprintf("%s.%s%d@example.com", first, last, i)
		}
		if rng.IntN(4) != 0 {
			birth = time.Date(1950+rng.IntN(55), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		}
		if rng.IntN(6) != 0 {
			limit = cents(100, 10000)
		}
		created := base.Add(time.Duration(rng.IntN(365*24*3600)) * time.Second).Format(time.DateTime)
		if _, err := cust.ExecContext(ctx, i, first+" "+last, email, birth, created, limit, rng.IntN(10) != 0); err != nil {
			return fmt.Errorf("customers: %w", err)
		}
	}
	ord, err := tx.PrepareContext(ctx, `INSERT INTO orders (id, customer_id, ordered_at, status, total, note) VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer ord.Close()
	item, err := tx.PrepareContext(ctx, `INSERT INTO order_items (order_id, line, product, quantity, unit_price, discount) VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer item.Close()
	for o := 1; o <= nOrd; o++ {
		// Spread the items evenly over the orders, the remainder to the first ones.
		lines := nItem / nOrd
		if o <= nItem%nOrd {
			lines++
		}
		var total float64
		for l := 1; l <= lines; l++ {
			qty, price := 1+rng.IntN(5), cents(1, 250)
			var discount any
			if rng.IntN(3) == 0 {
				discount = float64(rng.IntN(30)) / 100
			}
			if _, err := item.ExecContext(ctx, o, l, products[rng.IntN(len(products))], qty, price, discount); err != nil {
				return fmt.Errorf("order_items: %w", err)
			}
			total += float64(qty) * price
		}
		var note any
		if rng.IntN(3) != 0 {
			note = fmt.Sprintf("order %d, %d lines", o, lines)
		}
		at := base.Add(time.Duration(rng.IntN(365*24*3600)) * time.Second).Format(time.DateTime)
		if _, err := ord.ExecContext(ctx, o, 1+rng.IntN(nCust), at, statuses[rng.IntN(len(statuses))], math.Round(total*100)/100, note); err != nil {
			return fmt.Errorf("orders: %w", err)
		}
	}
	return nil
}
