package mysql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/extractors/internal/arrowappend"
	"github.com/etlwatch/etlwatch/extractors/internal/firstrow"
)

// ErrSnapshotClosed is returned by the methods of a snapshot used after Close, or after a read
// whose context ended (which ends the snapshot).
var ErrSnapshotClosed = errors.New("mysql: snapshot closed")

// snapshot holds the consistent-snapshot transaction open on conn until Close. MySQL cannot
// share a snapshot between connections, so every read runs on conn, one at a time (mu).
type snapshot struct {
	e    *Extractor
	conn *sql.Conn
	pos  extract.Position

	closeOnce sync.Once
	mu        sync.Mutex // held by a read, and by end
	closed    bool
	// ended says why the snapshot ended before Close: a read whose context ended, after which
	// the connection's state depends on how far the driver got (it may have killed it).
	ended error
}

func newSnapshot(ctx context.Context, e *Extractor) (*snapshot, error) {
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("mysql: snapshot: acquire connection: %w", err)
	}
	fail := func(what string, err error) (*snapshot, error) {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		_ = conn.Close()
		return nil, fmt.Errorf("mysql: snapshot: %s: %w", what, err)
	}
	// Read before the snapshot starts, a commit in between is both in the snapshot and after the
	// position: replayed, never lost.
	pos, posErr := position(ctx, conn)
	if _, err := conn.ExecContext(ctx, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"); err != nil {
		return fail("set isolation level", err)
	}
	if _, err := conn.ExecContext(ctx, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"); err != nil {
		return fail("begin", err)
	}
	if posErr != nil || pos.Kind != extract.PositionNone {
		exact, ok, err := mariaDBSnapshotPosition(ctx, conn)
		switch {
		case err != nil:
			return fail("position", err)
		case ok:
			pos = exact
		case posErr != nil:
			return fail("position", posErr)
		}
	}
	return &snapshot{e: e, conn: conn, pos: pos}, nil
}

// position reads where the binary log stands: the GTID position when the server has one
// (MariaDB @@gtid_binlog_pos, MySQL @@gtid_executed with gtid_mode ON), else the binlog file and
// offset, or PositionNone when binary logging is off.
func position(ctx context.Context, conn *sql.Conn) (extract.Position, error) {
	var logBin sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT @@GLOBAL.log_bin").Scan(&logBin); err != nil {
		return extract.Position{}, fmt.Errorf("read @@log_bin: %w", err)
	}
	if logBin.Int64 == 0 {
		return extract.Position{Kind: extract.PositionNone}, nil
	}
	var gtid sql.NullString
	// MariaDB; MySQL has no such variable and fails, which falls through.
	if err := conn.QueryRowContext(ctx, "SELECT @@GLOBAL.gtid_binlog_pos").Scan(&gtid); err == nil && gtid.String != "" {
		return extract.Position{Kind: extract.PositionGTID, Value: gtid.String}, nil
	}
	var mode sql.NullString
	if err := conn.QueryRowContext(ctx, "SELECT @@GLOBAL.gtid_mode, @@GLOBAL.gtid_executed").Scan(&mode, &gtid); err == nil &&
		strings.EqualFold(mode.String, "ON") && gtid.String != "" {
		return extract.Position{Kind: extract.PositionGTID, Value: strings.ReplaceAll(gtid.String, "\n", "")}, nil
	}
	for _, q := range []string{"SHOW MASTER STATUS", "SHOW BINARY LOG STATUS"} { // the latter from MySQL 8.4
		file, offset, err := binlogStatus(ctx, conn, q)
		if err != nil {
			continue
		}
		if file == "" {
			break
		}
		return extract.Position{Kind: extract.PositionBinlog, Value: file + ":" + offset}, nil
	}
	return extract.Position{}, errors.New("binary logging is on but SHOW MASTER STATUS returned no file; " +
		"the user needs the REPLICATION CLIENT (MySQL) or BINLOG MONITOR (MariaDB) privilege")
}

// mariaDBSnapshotPosition returns the binary log position MariaDB recorded atomically with
// START TRANSACTION WITH CONSISTENT SNAPSHOT (status binlog_snapshot_file and
// binlog_snapshot_position), as a GTID position when BINLOG_GTID_POS gives one. ok is false on
// MySQL, which has no such status.
func mariaDBSnapshotPosition(ctx context.Context, conn *sql.Conn) (pos extract.Position, ok bool, err error) {
	rows, err := conn.QueryContext(ctx, "SHOW SESSION STATUS LIKE 'binlog_snapshot_%'")
	if err != nil {
		return pos, false, nil
	}
	var file, offset string
	for rows.Next() {
		var name, value string
		if err := rows.Scan(&name, &value); err != nil {
			_ = rows.Close()
			return pos, false, err
		}
		switch strings.ToLower(name) {
		case "binlog_snapshot_file":
			file = value
		case "binlog_snapshot_position":
			offset = value
		}
	}
	if err := rows.Err(); err != nil {
		_ = rows.Close()
		return pos, false, err
	}
	if err := rows.Close(); err != nil {
		return pos, false, err
	}
	if file == "" || offset == "" {
		return pos, false, nil
	}
	var gtid sql.NullString
	if err := conn.QueryRowContext(ctx, "SELECT BINLOG_GTID_POS(?, ?)", file, offset).Scan(&gtid); err == nil && gtid.String != "" {
		return extract.Position{Kind: extract.PositionGTID, Value: gtid.String}, true, nil
	}
	return extract.Position{Kind: extract.PositionBinlog, Value: file + ":" + offset}, true, nil
}

// binlogStatus runs SHOW MASTER STATUS (or its MySQL 8.4 name) and returns File and Position.
func binlogStatus(ctx context.Context, conn *sql.Conn, q string) (file, offset string, err error) {
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return "", "", err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", "", err
	}
	if !rows.Next() {
		return "", "", rows.Err()
	}
	vals := make([]sql.NullString, len(cols))
	dest := make([]any, len(cols))
	for i := range vals {
		dest[i] = &vals[i]
	}
	if err := rows.Scan(dest...); err != nil {
		return "", "", err
	}
	for i, c := range cols {
		switch strings.ToLower(c) {
		case "file":
			file = vals[i].String
		case "position":
			offset = vals[i].String
		}
	}
	return file, offset, rows.Err()
}

// Position returns the snapshot's binary log position; see the package documentation.
func (s *snapshot) Position() extract.Position { return s.pos }

// Close rolls back the snapshot transaction and returns its connection. Later calls return
// ErrSnapshotClosed.
func (s *snapshot) Close() error {
	err := ErrSnapshotClosed
	s.closeOnce.Do(func() {
		s.e.snaps.Remove(s)
		err = s.end()
	})
	return err
}

// end marks the snapshot closed, once any read in progress is done, rolls back and returns the
// connection.
func (s *snapshot) end() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	_, err := s.conn.ExecContext(context.Background(), "ROLLBACK")
	if cerr := s.conn.Close(); err == nil {
		err = cerr
	}
	if err != nil && !errors.Is(err, sql.ErrConnDone) && !errors.Is(err, driver.ErrBadConn) { // a cancelled read ended the connection
		return fmt.Errorf("mysql: snapshot: close: %w", err)
	}
	return nil
}

// lock takes the snapshot's connection for one read.
func (s *snapshot) lock() error {
	s.mu.Lock()
	if s.ended != nil {
		s.mu.Unlock()
		return fmt.Errorf("%w: a read was cancelled (%w), which ends the snapshot", ErrSnapshotClosed, s.ended)
	}
	if s.closed {
		s.mu.Unlock()
		return ErrSnapshotClosed
	}
	return nil
}

// abandon ends the snapshot after a read whose context ended (s.mu held): whether the driver
// killed the connection depends on how far the read had got, so the snapshot always ends, its
// transaction rolled back, and later reads fail the same way every time.
func (s *snapshot) abandon(why error) {
	s.ended = why
	_, _ = s.conn.ExecContext(context.Background(), "ROLLBACK")
	_ = s.conn.Close()
}

func quote(name string) string { return "`" + strings.ReplaceAll(name, "`", "``") + "`" }

func (s *snapshot) qualified(table string) string {
	return quote(s.e.database) + "." + quote(table)
}

// RowCount counts table's rows in the snapshot.
func (s *snapshot) RowCount(ctx context.Context, table string) (int64, error) {
	if err := s.lock(); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	var n int64
	if err := s.conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+s.qualified(table)).Scan(&n); err != nil {
		return 0, fmt.Errorf("mysql: %s: row count: %w", table, err)
	}
	return n, nil
}

// keyRange is an inclusive range of an integer key; all is true for a reader of the whole table.
type keyRange struct {
	lo, hi int64
	all    bool
}

// Extract streams table as record batches; see [extract.Snapshot]. A table with a single
// integer primary key (not bigint unsigned) is split into opts.Partitions ranges of equal width
// between its smallest and largest key, read one after the other on the snapshot's connection;
// any other table is read in one query. fn is called from the calling goroutine.
func (s *snapshot) Extract(ctx context.Context, table *extract.Table, opts extract.ReadOptions, fn func(ctx context.Context, rec arrow.RecordBatch) error) (int64, error) {
	if table == nil || table.Schema == nil {
		return 0, errors.New("mysql: extract: table and its schema are required")
	}
	if fn == nil {
		return 0, fmt.Errorf("mysql: %s: extract: fn is nil", table.Name)
	}
	opts, err := opts.WithDefaults()
	if err != nil {
		return 0, fmt.Errorf("mysql: %s: %w", table.Name, err)
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("mysql: %s: extract: %w", table.Name, err)
	}
	fields := table.Schema.Fields()
	exprs := make([]string, len(fields))
	apps := make([]arrowappend.Func, len(fields))
	for i, f := range fields {
		exprs[i] = selectExpr(f.Name, f.Type)
		apps[i] = appenderFor(f.Type)
	}
	base := "SELECT " + strings.Join(exprs, ", ") + " FROM " + s.qualified(table.Name)

	if err := s.lock(); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()

	ranges := []keyRange{{all: true}}
	var key string
	if opts.Partitions > 1 && len(table.PrimaryKey) == 1 {
		if f, ok := table.Schema.FieldsByName(table.PrimaryKey[0]); ok && len(f) == 1 {
			switch f[0].Type.ID() {
			case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
				key = quote(table.PrimaryKey[0])
			}
		}
	}
	if key != "" {
		var lo, hi sql.NullInt64
		err := s.conn.QueryRowContext(ctx, "SELECT MIN("+key+"), MAX("+key+") FROM "+s.qualified(table.Name)).Scan(&lo, &hi)
		if err != nil {
			return 0, fmt.Errorf("mysql: %s: key bounds: %w", table.Name, err)
		}
		if !lo.Valid {
			return 0, nil // empty table
		}
		ranges = splitRange(lo.Int64, hi.Int64, opts.Partitions)
	}
	s.e.logf(ctx, table.Name, "extracting %d key range(s) at %s", len(ranges), s.pos)

	r := &reader{conn: s.conn, schema: table.Schema, apps: apps, opts: opts, fn: fn, limit: s.e.firstRow}
	for _, kr := range ranges {
		q, args := base, []any(nil)
		if !kr.all {
			q += " WHERE " + key + " BETWEEN ? AND ?"
			args = []any{kr.lo, kr.hi}
		}
		if err := r.run(ctx, q, args); err != nil {
			var fre *extract.FirstRowTimeoutError
			if ctx.Err() != nil {
				s.abandon(ctx.Err())
			} else if errors.As(err, &fre) {
				s.abandon(err)
			}
			if r.fnErr != nil {
				return r.total, r.fnErr
			}
			return r.total, fmt.Errorf("mysql: %s: extract: %w", table.Name, err)
		}
	}
	s.e.logf(ctx, table.Name, "extracted %d rows", r.total)
	return r.total, nil
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

// reader turns query results into record batches of at most opts.BatchRows rows and hands each
// to fn.
type reader struct {
	conn   *sql.Conn
	schema *arrow.Schema
	apps   []arrowappend.Func
	opts   extract.ReadOptions
	fn     func(ctx context.Context, rec arrow.RecordBatch) error
	total  int64
	fnErr  error
	limit  firstrow.Limit
}

// run reads q into batches for r.fn; the wait for its first row is bounded by r.limit.
func (r *reader) run(ctx context.Context, q string, args []any) (err error) {
	qctx, w := firstrow.Start(ctx, r.limit)
	defer w.Stop()
	defer func() { err = w.Err(err) }()
	rows, err := r.conn.QueryContext(qctx, q, args...)
	if err != nil {
		return err
	}
	// Close reads what is left of the result, so the connection (and the snapshot) stays usable
	// after fn fails.
	defer rows.Close()
	b := array.NewRecordBuilder(r.opts.Allocator, r.schema)
	defer b.Release()
	vals := make([]any, len(r.apps))
	dest := make([]any, len(vals))
	for i := range vals {
		dest[i] = &vals[i]
	}
	n := 0
	flush := func() error {
		rec := b.NewRecordBatch()
		defer rec.Release()
		n = 0
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := r.fn(ctx, rec); err != nil {
			r.fnErr = err
			return err
		}
		r.total += rec.NumRows()
		return nil
	}
	for rows.Next() {
		w.Arrived()
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if err := arrowappend.AppendRow(b, r.apps, vals); err != nil {
			return err
		}
		n++
		if n == r.opts.BatchRows {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if n > 0 {
		return flush()
	}
	return nil
}
