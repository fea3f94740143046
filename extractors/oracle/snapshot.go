package oracle

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/extractors/internal/arrowappend"
	"github.com/etlwatch/etlwatch/extractors/internal/fanin"
	"github.com/etlwatch/etlwatch/extractors/internal/firstrow"
)

// ErrSnapshotClosed is returned by the methods of a snapshot used after Close.
var ErrSnapshotClosed = errors.New("oracle: snapshot closed")

// snapshot is an SCN: every read through it is a flashback query AS OF that SCN, on any
// connection of the pool. It holds nothing in the database.
type snapshot struct {
	e   *Extractor
	scn int64

	closeOnce sync.Once
	closed    atomic.Bool
}

// currentSCN reads the database's current SCN, from V$DATABASE or else from DBMS_FLASHBACK.
func currentSCN(ctx context.Context, db *sql.DB) (int64, error) {
	return readSCN(ctx, func(ctx context.Context, query string) (string, error) {
		var s string
		err := db.QueryRowContext(ctx, query).Scan(&s)
		return s, err
	})
}

// readSCN runs currentSCNSQL with read and, when it fails (V$DATABASE not readable), falls back
// to flashbackSCNSQL.
func readSCN(ctx context.Context, read func(ctx context.Context, query string) (string, error)) (int64, error) {
	s, err := read(ctx, currentSCNSQL)
	if err != nil {
		if ctx.Err() != nil {
			return 0, fmt.Errorf("oracle: snapshot: read the current SCN: %w", err)
		}
		var err2 error
		if s, err2 = read(ctx, flashbackSCNSQL); err2 != nil {
			return 0, fmt.Errorf("oracle: snapshot: read the current SCN: %s: %v; %s: %w "+
				"(grant SELECT on V_$DATABASE or EXECUTE on DBMS_FLASHBACK to the user)", currentSCNSQL, err, flashbackSCNSQL, err2)
		}
	}
	scn, err := parseSCN(s)
	if err != nil {
		return 0, fmt.Errorf("oracle: snapshot: %w", err)
	}
	return scn, nil
}

// parseSCN parses an SCN as the driver returns a NUMBER: decimal digits.
func parseSCN(s string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("SCN %q is not a positive integer", s)
	}
	return n, nil
}

// Position returns the snapshot's SCN, Kind [extract.PositionSCN].
func (s *snapshot) Position() extract.Position {
	return extract.Position{Kind: extract.PositionSCN, Value: strconv.FormatInt(s.scn, 10)}
}

// Close forgets the snapshot; it holds nothing in the database. Later calls return
// ErrSnapshotClosed.
func (s *snapshot) Close() error {
	err := ErrSnapshotClosed
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		s.e.snaps.Remove(s)
		err = nil
	})
	return err
}

// RowCount counts table's rows as of the snapshot's SCN.
func (s *snapshot) RowCount(ctx context.Context, table string) (int64, error) {
	if s.closed.Load() {
		return 0, ErrSnapshotClosed
	}
	var n int64
	if err := s.e.db.QueryRowContext(ctx, countSQL(s.e.owner, table), s.scn).Scan(&n); err != nil {
		return 0, fmt.Errorf("oracle: %s: row count: %w%s", table, err, hint(err))
	}
	return n, nil
}

// intKey returns the table's primary key column when it is a single column read as int64
// (NUMBER(p,0) with p <= 18), else "".
func intKey(table *extract.Table) string {
	if len(table.PrimaryKey) != 1 {
		return ""
	}
	f, ok := table.Schema.FieldsByName(table.PrimaryKey[0])
	if !ok || len(f) != 1 || f[0].Type.ID() != arrow.INT64 {
		return ""
	}
	return table.PrimaryKey[0]
}

// Extract streams table as record batches; see [extract.Snapshot] and the package
// documentation. Every reader runs a flashback query AS OF the snapshot's SCN on a connection of
// its own, at the same time as the others; fn is called by one goroutine at a time.
func (s *snapshot) Extract(ctx context.Context, table *extract.Table, opts extract.ReadOptions, fn func(ctx context.Context, rec arrow.RecordBatch) error) (int64, error) {
	if table == nil || table.Schema == nil {
		return 0, errors.New("oracle: extract: table and its schema are required")
	}
	if fn == nil {
		return 0, fmt.Errorf("oracle: %s: extract: fn is nil", table.Name)
	}
	opts, err := opts.WithDefaults()
	if err != nil {
		return 0, fmt.Errorf("oracle: %s: %w", table.Name, err)
	}
	if s.closed.Load() {
		return 0, ErrSnapshotClosed
	}
	fields := table.Schema.Fields()
	exprs := make([]string, len(fields))
	apps := make([]arrowappend.Func, len(fields))
	for i, f := range fields {
		source := ""
		if len(table.SourceTypes) == len(fields) {
			source = table.SourceTypes[i]
		}
		exprs[i] = selectExpr(f.Name, source)
		apps[i] = appenderFor(f.Type)
	}

	shares := []share{{kind: wholeTable}}
	key := intKey(table)
	if opts.Partitions > 1 {
		if key != "" {
			var lo, hi sql.NullString
			if err := s.e.db.QueryRowContext(ctx, boundsSQL(s.e.owner, table.Name, key), s.scn).Scan(&lo, &hi); err != nil {
				return 0, fmt.Errorf("oracle: %s: key bounds: %w%s", table.Name, err, hint(err))
			}
			if !lo.Valid {
				return 0, nil // empty table
			}
			l, err1 := strconv.ParseInt(lo.String, 10, 64)
			h, err2 := strconv.ParseInt(hi.String, 10, 64)
			if err := errors.Join(err1, err2); err != nil {
				return 0, fmt.Errorf("oracle: %s: key bounds %q, %q: %w", table.Name, lo.String, hi.String, err)
			}
			shares = keyShares(l, h, opts.Partitions)
		} else {
			shares = hashShares(opts.Partitions)
		}
	}
	s.e.logf(ctx, table.Name, "extracting with %d reader(s) as of SCN %d", len(shares), s.scn)

	total, fnErr, err := fanin.Run(ctx, shares, opts.Partitions, func(ctx context.Context, sh share, out chan<- arrow.RecordBatch) error {
		q, args := readSQL(s.e.owner, table.Name, exprs, key, s.scn, sh)
		return readRows(ctx, s.e.db, q, args, table.Schema, apps, opts, out, s.e.firstRow)
	}, fn)
	if fnErr != nil {
		return total, fnErr
	}
	if err != nil {
		return total, fmt.Errorf("oracle: %s: extract: %w%s", table.Name, err, hint(err))
	}
	s.e.logf(ctx, table.Name, "extracted %d rows", total)
	return total, nil
}

// readRows runs query and sends its rows as record batches of at most opts.BatchRows rows to
// out. The wait for the first row is bounded by limit.
func readRows(ctx context.Context, q querier, query string, args []any, schema *arrow.Schema, apps []arrowappend.Func, opts extract.ReadOptions, out chan<- arrow.RecordBatch, limit firstrow.Limit) (err error) {
	qctx, w := firstrow.Start(ctx, limit)
	defer w.Stop()
	defer func() { err = w.Err(err) }()
	rows, err := q.QueryContext(qctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	b := array.NewRecordBuilder(opts.Allocator, schema)
	defer b.Release()
	vals := make([]any, len(apps))
	dest := make([]any, len(vals))
	for i := range vals {
		dest[i] = &vals[i]
	}
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
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if err := arrowappend.AppendRow(b, apps, vals); err != nil {
			return err
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

// hint returns advice for the Oracle errors a flashback read meets, or "".
func hint(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "ORA-01555"):
		return " (the snapshot's SCN is older than the undo the database kept: raise UNDO_RETENTION, or take a new snapshot and read faster)"
	case strings.Contains(msg, "ORA-08181"), strings.Contains(msg, "ORA-08180"):
		return " (the snapshot's SCN is outside the range flashback queries can reach)"
	case strings.Contains(msg, "ORA-01466"):
		return " (the table's definition changed after the snapshot's SCN: take a new snapshot)"
	case strings.Contains(msg, "ORA-01031"):
		return " (reading another schema's table AS OF an SCN needs SELECT and FLASHBACK on it, or FLASHBACK ANY TABLE)"
	case strings.Contains(msg, "ORA-00942"):
		return " (no such table, or the user may not read it; names are case-sensitive)"
	}
	return ""
}
