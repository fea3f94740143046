package main

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etlwatch/etlwatch/cdc"
)

// Names of the demo's Kafka side: Debezium's default topics are server.schema.table.
const (
	topicServer    = "shop"
	topicSchema    = "main"
	topicPrefix    = topicServer + "." + topicSchema + "."
	deadLetter     = topicServer + ".dead_letter"
	truncatedTable = "orders"
	evolvedTable   = "customers"
	addedColumn    = "loyalty_points"
)

// demoTables are the tables of the quickstart sample, in the order the generator touches them.
var demoTables = []string{"customers", "orders", "order_items"}

// produced is what the generator sent.
type produced struct {
	Ops        map[string]int // change events by op
	Tombstones int
	Records    int
	// End is the next offset after the last record produced, by topic and partition.
	End cdc.Offsets
	// Reinserted is how many rows the truncated table got after its truncate.
	Reinserted int
}

// Events is the change events produced, tombstones not included.
func (p *produced) Events() int {
	n := 0
	for _, c := range p.Ops {
		n += c
	}
	return n
}

// generator applies random changes to the SQLite sample and produces the Debezium message of
// each: what a Debezium connector for this database would send.
type generator struct {
	db     *sql.DB
	prod   *kgo.Client
	rng    *rand.Rand
	tables map[string]*tableSpec
	out    produced
	buf    []*kgo.Record
}

func newGenerator(ctx context.Context, db *sql.DB, prod *kgo.Client, seed uint64) (*generator, error) {
	g := &generator{db: db, prod: prod, rng: rand.New(rand.NewPCG(seed, 6)), tables: map[string]*tableSpec{},
		out: produced{Ops: map[string]int{}, End: cdc.Offsets{}}}
	for _, name := range demoTables {
		spec, err := describeTable(ctx, db, topicServer, topicSchema, name)
		if err != nil {
			return nil, err
		}
		g.tables[name] = spec
	}
	return g, nil
}

// run makes n change events: three fifths random inserts, updates and deletes over the three
// tables; then a truncate of orders followed by re-inserts; then ALTER TABLE customers ADD COLUMN
// and changes of customers, carrying the new column, and of order_items.
func (g *generator) run(ctx context.Context, n int) (*produced, error) {
	phase1 := n * 3 / 5
	reinserts := max(5, n/10)
	for i := 0; i < phase1; i++ {
		if err := g.random(ctx, demoTables[g.rng.IntN(len(demoTables))]); err != nil {
			return nil, err
		}
	}
	// Truncate, then re-insert rows with ids starting at 1 again.
	if err := g.truncate(ctx, truncatedTable); err != nil {
		return nil, err
	}
	for i := 1; i <= reinserts; i++ {
		if err := g.insert(ctx, truncatedTable, int64(i)); err != nil {
			return nil, err
		}
	}
	g.out.Reinserted = reinserts
	// The schema change.
	if _, err := g.db.ExecContext(ctx, fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s INTEGER", evolvedTable, addedColumn)); err != nil {
		return nil, fmt.Errorf("alter table %s: %w", evolvedTable, err)
	}
	spec, err := describeTable(ctx, g.db, topicServer, topicSchema, evolvedTable)
	if err != nil {
		return nil, err
	}
	g.tables[evolvedTable] = spec
	for g.out.Events() < n {
		// The truncated table keeps exactly its re-inserted rows.
		table := evolvedTable
		if g.rng.IntN(3) == 0 {
			table = "order_items"
		}
		if err := g.random(ctx, table); err != nil {
			return nil, err
		}
	}
	if err := g.flush(ctx); err != nil {
		return nil, err
	}
	return &g.out, nil
}

// random makes one insert (1 in 4), update (1 in 2) or delete (1 in 4) in table.
func (g *generator) random(ctx context.Context, table string) error {
	switch r := g.rng.IntN(4); {
	case r == 0:
		return g.insert(ctx, table, 0)
	case r <= 2:
		return g.update(ctx, table)
	default:
		return g.delete(ctx, table)
	}
}

// pickKey returns the key of an existing row of table, near a random point of its first key
// column's range; ok is false when the table is empty.
func (g *generator) pickKey(ctx context.Context, t *tableSpec) (key []any, ok bool, err error) {
	first := t.cols[t.key[0]].name
	var lo, hi sql.NullInt64
	if err := g.db.QueryRowContext(ctx, fmt.Sprintf("SELECT MIN(%s), MAX(%s) FROM %s", first, first, t.name)).Scan(&lo, &hi); err != nil {
		return nil, false, fmt.Errorf("%s: key range: %w", t.name, err)
	}
	if !lo.Valid {
		return nil, false, nil
	}
	at := lo.Int64 + g.rng.Int64N(hi.Int64-lo.Int64+1)
	names := t.keyNames()
	row := g.db.QueryRowContext(ctx, fmt.Sprintf("SELECT %s FROM %s WHERE %s >= ? ORDER BY %s LIMIT 1",
		strings.Join(names, ", "), t.name, first, strings.Join(names, ", ")), at)
	key = make([]any, len(names))
	ptrs := make([]any, len(names))
	for i := range key {
		ptrs[i] = &key[i]
	}
	if err := row.Scan(ptrs...); err != nil {
		return nil, false, fmt.Errorf("%s: pick a row: %w", t.name, err)
	}
	return key, true, nil
}

func (t *tableSpec) keyNames() []string {
	names := make([]string, len(t.key))
	for i, k := range t.key {
		names[i] = t.cols[k].name
	}
	return names
}

// where returns the WHERE clause matching a key.
func (t *tableSpec) where() string {
	parts := make([]string, len(t.key))
	for i, n := range t.keyNames() {
		parts[i] = n + " = ?"
	}
	return strings.Join(parts, " AND ")
}

// readRow reads the full row of key, nil when there is none.
func (g *generator) readRow(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, t *tableSpec, key []any) ([]any, error) {
	names := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = c.name
	}
	row := make([]any, len(t.cols))
	ptrs := make([]any, len(row))
	for i := range row {
		ptrs[i] = &row[i]
	}
	err := q.QueryRowContext(ctx, fmt.Sprintf("SELECT %s FROM %s WHERE %s", strings.Join(names, ", "), t.name, t.where()), key...).Scan(ptrs...)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: read row: %w", t.name, err)
	}
	return row, nil
}

// keyOf returns the key values of a full row.
func (t *tableSpec) keyOf(row []any) []any {
	k := make([]any, len(t.key))
	for i, c := range t.key {
		k[i] = row[c]
	}
	return k
}

// insert adds a row to table with key id (the next free one when 0; for a composite key, a new
// last line of an existing first-key value).
func (g *generator) insert(ctx context.Context, table string, id int64) error {
	t := g.tables[table]
	row := make([]any, len(t.cols))
	for i, c := range t.cols {
		row[i] = g.randomValue(c)
	}
	first := t.cols[t.key[0]].name
	switch {
	case len(t.key) == 1 && id == 0:
		var hi sql.NullInt64
		if err := g.db.QueryRowContext(ctx, fmt.Sprintf("SELECT MAX(%s) FROM %s", first, t.name)).Scan(&hi); err != nil {
			return fmt.Errorf("%s: next key: %w", t.name, err)
		}
		row[t.key[0]] = hi.Int64 + 1
	case len(t.key) == 1:
		row[t.key[0]] = id
	default:
		key, ok, err := g.pickKey(ctx, t)
		if err != nil {
			return err
		}
		parent := int64(1)
		if ok {
			parent = key[0].(int64)
		}
		var hi sql.NullInt64
		second := t.cols[t.key[1]].name
		if err := g.db.QueryRowContext(ctx, fmt.Sprintf("SELECT MAX(%s) FROM %s WHERE %s = ?", second, t.name, first), parent).Scan(&hi); err != nil {
			return fmt.Errorf("%s: next key: %w", t.name, err)
		}
		row[t.key[0]], row[t.key[1]] = parent, hi.Int64+1
		for _, k := range t.key[2:] {
			row[k] = int64(1)
		}
	}
	names := make([]string, len(t.cols))
	marks := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i], marks[i] = c.name, "?"
	}
	return g.change(ctx, t, opCreate, t.keyOf(row), func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", t.name, strings.Join(names, ", "), strings.Join(marks, ", ")), row...)
		return err
	})
}

// update sets one or two random non-key columns of a random row of table.
func (g *generator) update(ctx context.Context, table string) error {
	t := g.tables[table]
	key, ok, err := g.pickKey(ctx, t)
	if err != nil || !ok {
		return err
	}
	var sets []string
	var args []any
	for n := 1 + g.rng.IntN(2); len(sets) < n; {
		i := g.rng.IntN(len(t.cols))
		if isKey(t, i) {
			continue
		}
		sets = append(sets, t.cols[i].name+" = ?")
		args = append(args, g.randomValue(t.cols[i]))
	}
	// The column a schema change added is set on every update, so that events carry it.
	if t.name == evolvedTable {
		for i, c := range t.cols {
			if c.name == addedColumn {
				sets = append(sets, c.name+" = ?")
				args = append(args, g.randomValue(t.cols[i]))
			}
		}
	}
	return g.change(ctx, t, opUpdate, key, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, fmt.Sprintf("UPDATE %s SET %s WHERE %s", t.name, strings.Join(sets, ", "), t.where()), append(args, key...)...)
		return err
	})
}

func isKey(t *tableSpec, i int) bool {
	for _, k := range t.key {
		if k == i {
			return true
		}
	}
	return false
}

// delete removes a random row of table; a tombstone follows its delete event.
func (g *generator) delete(ctx context.Context, table string) error {
	t := g.tables[table]
	key, ok, err := g.pickKey(ctx, t)
	if err != nil || !ok {
		return err
	}
	return g.change(ctx, t, opDelete, key, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, fmt.Sprintf("DELETE FROM %s WHERE %s", t.name, t.where()), key...)
		return err
	})
}

// truncate empties table; its truncate event has no key, as Debezium's.
func (g *generator) truncate(ctx context.Context, table string) error {
	t := g.tables[table]
	if _, err := g.db.ExecContext(ctx, "DELETE FROM "+t.name); err != nil {
		return fmt.Errorf("truncate %s: %w", t.name, err)
	}
	v, err := t.value(opTruncate, nil, nil, time.Now())
	if err != nil {
		return err
	}
	g.out.Ops[opTruncate]++
	return g.send(ctx, &kgo.Record{Topic: t.Topic(), Value: v})
}

// change runs apply in a transaction that also reads the row of key before and after it, and
// queues the change's messages: the images are what SQLite holds, so the Iceberg table can be
// reconciled with it.
func (g *generator) change(ctx context.Context, t *tableSpec, op string, key []any, apply func(*sql.Tx) error) error {
	tx, err := g.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit, a no-op
	before, err := g.readRow(ctx, tx, t, key)
	if err != nil {
		return err
	}
	if err := apply(tx); err != nil {
		return fmt.Errorf("%s %s: %w", op, t.name, err)
	}
	after, err := g.readRow(ctx, tx, t, key)
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	now := time.Now()
	keyRow := after
	if op == opDelete {
		keyRow = before
	}
	k, err := t.keyMessage(keyRow)
	if err != nil {
		return err
	}
	v, err := t.value(op, before, after, now)
	if err != nil {
		return err
	}
	g.out.Ops[op]++
	if err := g.send(ctx, &kgo.Record{Topic: t.Topic(), Key: k, Value: v}); err != nil {
		return err
	}
	if op == opDelete {
		g.out.Tombstones++
		return g.send(ctx, &kgo.Record{Topic: t.Topic(), Key: k})
	}
	return nil
}

// send queues r, producing the queue every 100 records.
func (g *generator) send(ctx context.Context, r *kgo.Record) error {
	g.buf = append(g.buf, r)
	if len(g.buf) >= 100 {
		return g.flush(ctx)
	}
	return nil
}

// flush produces the queued records, in order.
func (g *generator) flush(ctx context.Context) error {
	if len(g.buf) == 0 {
		return nil
	}
	res := g.prod.ProduceSync(ctx, g.buf...)
	g.buf = g.buf[:0]
	if err := res.FirstErr(); err != nil {
		return fmt.Errorf("produce: %w", err)
	}
	for _, pr := range res {
		r := pr.Record
		if n, _ := g.out.End.Get(r.Topic, r.Partition); r.Offset+1 > n {
			g.out.End.Set(r.Topic, r.Partition, r.Offset+1)
		}
		g.out.Records++
	}
	return nil
}

var (
	words = []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"}
	epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
)

// randomValue returns a random value for c as the sample database stores it: timestamps and
// dates as text, decimals as numbers rounded to their scale; NULL now and then when allowed.
func (g *generator) randomValue(c column) any {
	if !c.required && g.rng.IntN(8) == 0 {
		return nil
	}
	switch c.kind {
	case kindInt:
		return int64(1 + g.rng.IntN(500))
	case kindFloat:
		return float64(g.rng.IntN(30)) / 100
	case kindBool:
		return g.rng.IntN(2) == 0
	case kindDate:
		return epoch.AddDate(-g.rng.IntN(70), 0, -g.rng.IntN(365)).Format(time.DateOnly)
	case kindTimestamp:
		return epoch.Add(time.Duration(g.rng.IntN(2*365*24*3600)) * time.Second).Format(time.DateTime)
	case kindDecimal:
		limit := math.Min(math.Pow10(c.precision-c.scale)-1, 100000)
		p := math.Pow10(c.scale)
		return math.Round(g.rng.Float64()*limit*p) / p
	}
	return fmt.Sprintf("%s %s %d", words[g.rng.IntN(len(words))], words[g.rng.IntN(len(words))], g.rng.IntN(1000))
}
