package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/extractors/internal/fanin"
	"github.com/etlwatch/etlwatch/extractors/internal/firstrow"
)

// ErrSnapshotClosed is returned by the methods of a snapshot used after Close.
var ErrSnapshotClosed = errors.New("postgres: snapshot closed")

// snapshot holds the exporting transaction open until Close.
type snapshot struct {
	e    *Extractor
	conn *pgxpool.Conn
	tx   pgx.Tx
	id   string
	pos  extract.Position

	closeOnce sync.Once
	mu        sync.RWMutex
	closed    bool
}

var readTx = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}

func newSnapshot(ctx context.Context, e *Extractor) (*snapshot, error) {
	conn, err := e.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: snapshot: acquire connection: %w", err)
	}
	tx, err := conn.BeginTx(ctx, readTx)
	if err != nil {
		conn.Release()
		return nil, fmt.Errorf("postgres: snapshot: begin: %w", err)
	}
	var id, lsn, txs string
	// pg_current_snapshot() is PostgreSQL 13+; txid_current_snapshot() prints the same before.
	q := `SELECT pg_export_snapshot(), pg_current_wal_lsn()::text, pg_current_snapshot()::text`
	if major(conn.Conn().PgConn().ParameterStatus("server_version")) < 13 {
		q = `SELECT pg_export_snapshot(), pg_current_wal_lsn()::text, txid_current_snapshot()::text`
	}
	if err := tx.QueryRow(ctx, q).Scan(&id, &lsn, &txs); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		conn.Release()
		return nil, fmt.Errorf("postgres: snapshot: export: %w", err)
	}
	return &snapshot{e: e, conn: conn, tx: tx, id: id, pos: extract.Position{Kind: extract.PositionLSN, Value: lsn, Transactions: txs}}, nil
}

// major is the major version of a server_version such as "15.20 (Debian ...)" or "9.6.24".
func major(v string) int {
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// Position returns the WAL LSN current when the snapshot was taken.
func (s *snapshot) Position() extract.Position { return s.pos }

// Close rolls back the exporting transaction and releases its connection. Later calls return
// ErrSnapshotClosed.
func (s *snapshot) Close() error {
	err := ErrSnapshotClosed
	s.closeOnce.Do(func() {
		s.e.snaps.Remove(s)
		err = s.end()
	})
	return err
}

// end marks the snapshot closed, rolls back the exporting transaction and releases its connection.
func (s *snapshot) end() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	err := s.tx.Rollback(context.Background())
	s.conn.Release()
	if err != nil {
		return fmt.Errorf("postgres: snapshot: close: %w", err)
	}
	return nil
}

// inSnapshot runs fn in a REPEATABLE READ, READ ONLY transaction of its own that imports the
// snapshot; the transaction is rolled back afterwards.
func (s *snapshot) inSnapshot(ctx context.Context, fn func(tx pgx.Tx) error) error {
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return ErrSnapshotClosed
	}
	tx, err := s.e.pool.BeginTx(ctx, readTx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	// The identifier comes from pg_export_snapshot(); SET TRANSACTION takes no parameters.
	if _, err := tx.Exec(ctx, "SET TRANSACTION SNAPSHOT '"+strings.ReplaceAll(s.id, "'", "''")+"'"); err != nil {
		return fmt.Errorf("import snapshot %s: %w", s.id, err)
	}
	return fn(tx)
}

func (s *snapshot) qualified(table string) string {
	return pgx.Identifier{s.e.schema, table}.Sanitize()
}

// RowCount counts table's rows in the snapshot.
func (s *snapshot) RowCount(ctx context.Context, table string) (int64, error) {
	var n int64
	err := s.inSnapshot(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, "SELECT count(*) FROM "+s.qualified(table)).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("postgres: %s: row count: %w", table, err)
	}
	return n, nil
}

// keyRange is an inclusive range of an integer key; all is true for a reader of the whole table.
type keyRange struct {
	lo, hi int64
	all    bool
}

// Extract streams table as record batches; see [extract.Snapshot]. A table with a single
// smallint, integer or bigint primary key is split into opts.Partitions ranges of equal width
// between its smallest and largest key; any other table is read by one reader.
func (s *snapshot) Extract(ctx context.Context, table *extract.Table, opts extract.ReadOptions, fn func(ctx context.Context, rec arrow.RecordBatch) error) (int64, error) {
	if table == nil || table.Schema == nil {
		return 0, errors.New("postgres: extract: table and its schema are required")
	}
	if fn == nil {
		return 0, fmt.Errorf("postgres: %s: extract: fn is nil", table.Name)
	}
	opts, err := opts.WithDefaults()
	if err != nil {
		return 0, fmt.Errorf("postgres: %s: %w", table.Name, err)
	}
	fields := table.Schema.Fields()
	exprs := make([]string, len(fields))
	for i, f := range fields {
		source := ""
		if len(table.SourceTypes) == len(fields) {
			source = table.SourceTypes[i]
		}
		exprs[i] = selectExpr(pgx.Identifier{f.Name}.Sanitize(), f.Type, source)
	}
	base := "SELECT " + strings.Join(exprs, ", ") + " FROM " + s.qualified(table.Name)

	ranges := []keyRange{{all: true}}
	var key string
	if opts.Partitions > 1 && len(table.PrimaryKey) == 1 {
		if f, ok := table.Schema.FieldsByName(table.PrimaryKey[0]); ok && len(f) == 1 {
			switch f[0].Type.ID() {
			case arrow.INT16, arrow.INT32, arrow.INT64:
				key = pgx.Identifier{table.PrimaryKey[0]}.Sanitize()
			}
		}
	}
	if key != "" {
		var lo, hi *int64
		err := s.inSnapshot(ctx, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, "SELECT min("+key+")::int8, max("+key+")::int8 FROM "+s.qualified(table.Name)).Scan(&lo, &hi)
		})
		if err != nil {
			return 0, fmt.Errorf("postgres: %s: key bounds: %w", table.Name, err)
		}
		if lo == nil {
			return 0, nil // empty table
		}
		ranges = splitRange(*lo, *hi, opts.Partitions)
	}
	s.e.logf(ctx, table.Name, "extracting with %d reader(s) at %s", len(ranges), s.pos)

	total, fnErr, err := fanin.Run(ctx, ranges, opts.Partitions, func(ctx context.Context, r keyRange, out chan<- arrow.RecordBatch) error {
		q, args := base, []any(nil)
		if !r.all {
			q += " WHERE " + key + " BETWEEN $1 AND $2"
			args = []any{r.lo, r.hi}
		}
		return s.inSnapshot(ctx, func(tx pgx.Tx) error {
			return readRows(ctx, tx, q, args, table.Schema, opts, out, s.e.firstRow)
		})
	}, fn)
	if fnErr != nil {
		return total, fnErr
	}
	if err != nil {
		return total, fmt.Errorf("postgres: %s: extract: %w", table.Name, err)
	}
	s.e.logf(ctx, table.Name, "extracted %d rows", total)
	return total, nil
}

// splitRange splits [lo, hi] into at most n inclusive ranges; see [extract.SplitKeyRange].
func splitRange(lo, hi int64, n int) []keyRange {
	parts := extract.SplitKeyRange(lo, hi, n)
	out := make([]keyRange, len(parts))
	for i, p := range parts {
		out[i] = keyRange{lo: p.Lo, hi: p.Hi}
	}
	return out
}

// readRows runs q and sends its rows as record batches of at most opts.BatchRows rows to out.
// Values are decoded from the wire straight into the builders (see decoderFor). The wait for
// the first row is bounded by limit.
func readRows(ctx context.Context, tx pgx.Tx, q string, args []any, schema *arrow.Schema, opts extract.ReadOptions, out chan<- arrow.RecordBatch, limit firstrow.Limit) (err error) {
	qctx, w := firstrow.Start(ctx, limit)
	defer w.Stop()
	defer func() { err = w.Err(err) }()
	rows, err := tx.Query(qctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	fds := rows.FieldDescriptions()
	if len(fds) != schema.NumFields() {
		return fmt.Errorf("query returned %d columns for %d fields", len(fds), schema.NumFields())
	}
	decs := make([]decoder, len(fds))
	for i, fd := range fds {
		decs[i] = decoderFor(schema.Field(i).Type, fd, rows.TypeMap())
	}
	b := array.NewRecordBuilder(opts.Allocator, schema)
	defer b.Release()
	builders := b.Fields()
	n := 0
	send := func() error {
		rec := b.NewRecordBatch()
		n = 0
		select {
		case out <- rec:
			return nil
		case <-ctx.Done():
			rec.Release()
			return ctx.Err()
		}
	}
	for rows.Next() {
		w.Arrived()
		for i, raw := range rows.RawValues() {
			fb := builders[i]
			if raw == nil {
				fb.AppendNull()
				continue
			}
			if err := decs[i](fb, raw); err != nil {
				return fmt.Errorf("column %s: %w", schema.Field(i).Name, err)
			}
		}
		n++
		if n == opts.BatchRows {
			if err := send(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if n > 0 {
		return send()
	}
	return nil
}
