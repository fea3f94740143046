package oracle

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/extractors/internal/firstrow"
)

func TestReadSCN(t *testing.T) {
	ctx := context.Background()
	answers := func(m map[string]string) (func(context.Context, string) (string, error), *[]string) {
		var asked []string
		return func(_ context.Context, q string) (string, error) {
			asked = append(asked, q)
			if v, ok := m[q]; ok {
				return v, nil
			}
			return "", errors.New("ORA-00942: table or view does not exist")
		}, &asked
	}

	read, asked := answers(map[string]string{currentSCNSQL: "5000123", flashbackSCNSQL: "1"})
	scn, err := readSCN(ctx, read)
	require.NoError(t, err)
	assert.Equal(t, int64(5000123), scn)
	assert.Equal(t, []string{currentSCNSQL}, *asked, "V$DATABASE first, no fallback needed")

	read, asked = answers(map[string]string{flashbackSCNSQL: "77"})
	scn, err = readSCN(ctx, read)
	require.NoError(t, err)
	assert.Equal(t, int64(77), scn)
	assert.Equal(t, []string{currentSCNSQL, flashbackSCNSQL}, *asked, "DBMS_FLASHBACK when V$DATABASE is not readable")

	read, _ = answers(nil)
	_, err = readSCN(ctx, read)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "V$DATABASE: ORA-00942")
	assert.Contains(t, err.Error(), "grant SELECT on V_$DATABASE or EXECUTE on DBMS_FLASHBACK")

	read, _ = answers(map[string]string{currentSCNSQL: "12.5"})
	_, err = readSCN(ctx, read)
	assert.EqualError(t, err, `oracle: snapshot: SCN "12.5" is not a positive integer`)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	read, asked = answers(nil)
	_, err = readSCN(cancelled, func(ctx context.Context, q string) (string, error) {
		_, _ = read(ctx, q)
		return "", ctx.Err()
	})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Len(t, *asked, 1, "no fallback once the context is done")
}

func TestPositionAndClose(t *testing.T) {
	e := &Extractor{logger: slog.New(slog.DiscardHandler)}
	s := &snapshot{e: e, scn: 9007199254740993} // above 2^53: kept exact
	require.True(t, e.snaps.Add(s))
	assert.Equal(t, extract.Position{Kind: extract.PositionSCN, Value: "9007199254740993"}, s.Position())
	assert.Equal(t, "oracle_scn:9007199254740993", s.Position().String())
	require.NoError(t, s.Close())
	assert.ErrorIs(t, s.Close(), ErrSnapshotClosed)
	_, err := s.RowCount(context.Background(), "T")
	assert.ErrorIs(t, err, ErrSnapshotClosed)
	_, err = s.Extract(context.Background(), extract.NewTable("T", []arrow.Field{{Name: "A", Type: arrow.BinaryTypes.String}}, nil, nil),
		extract.ReadOptions{}, func(context.Context, arrow.RecordBatch) error { return nil })
	assert.ErrorIs(t, err, ErrSnapshotClosed)
}

func TestHint(t *testing.T) {
	assert.Empty(t, hint(nil))
	assert.Empty(t, hint(errors.New("ORA-00001: unique constraint violated")))
	assert.Contains(t, hint(errors.New("ORA-01555: snapshot too old: rollback segment number 9")), "UNDO_RETENTION")
	assert.Contains(t, hint(errors.New("ORA-08181: specified number is not a valid system change number")), "outside the range")
	assert.Contains(t, hint(errors.New("ORA-01466: unable to read data - table definition has changed")), "definition changed")
	assert.Contains(t, hint(errors.New("ORA-01031: insufficient privileges")), "FLASHBACK ANY TABLE")
}

// The tests below run Extract and RowCount through database/sql against a fake driver that
// answers the extractor's statements the way go-ora would (NUMBER as text): they check the
// statements and bind parameters each reader sends, and the concurrency, without Oracle.

// fakeDB holds rows of (ID NUMBER(10) PRIMARY KEY, AMOUNT NUMBER(12,2), NAME VARCHAR2(20)) with
// IDs 1..n; reads check that they are AS OF scn.
type fakeDB struct {
	n, scn   int64
	failRead bool // make every row read fail
	stall    bool // make every read wait for its context to end

	mu      sync.Mutex
	queries []string
}

var (
	betweenRE = regexp.MustCompile(`^SELECT "ID", "AMOUNT", "NAME" FROM "APP"\."T" AS OF SCN :scn WHERE "ID" BETWEEN :lo AND :hi$`)
	hashRE    = regexp.MustCompile(`^SELECT "ID", "AMOUNT", "NAME" FROM "APP"\."T" AS OF SCN :scn WHERE ORA_HASH\(ROWID, (\d+)\) = (\d+)$`)
)

func (f *fakeDB) Connect(context.Context) (driver.Conn, error) { return fakeConn{f}, nil }
func (f *fakeDB) Driver() driver.Driver                        { return nil }

type fakeConn struct{ f *fakeDB }

func (fakeConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("fake: no Prepare") }
func (fakeConn) Close() error                        { return nil }
func (fakeConn) Begin() (driver.Tx, error)           { return nil, errors.New("fake: no transactions") }

func (c fakeConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	f := c.f
	if f.stall {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	f.mu.Lock()
	f.queries = append(f.queries, q)
	f.mu.Unlock()
	if len(args) == 0 || args[0].Value != f.scn {
		return nil, fmt.Errorf("fake: the first bind parameter must be the SCN %d, got %v", f.scn, args)
	}
	row := func(id int64) []driver.Value {
		return []driver.Value{strconv.FormatInt(id, 10), strconv.FormatInt(id, 10) + ".5", "name " + strconv.FormatInt(id, 10)}
	}
	var out [][]driver.Value
	switch {
	case q == `SELECT COUNT(*) FROM "APP"."T" AS OF SCN :scn`:
		return &fakeRows{cols: []string{"COUNT(*)"}, rows: [][]driver.Value{{strconv.FormatInt(f.n, 10)}}}, nil
	case q == `SELECT MIN("ID"), MAX("ID") FROM "APP"."T" AS OF SCN :scn`:
		if f.n == 0 {
			return &fakeRows{cols: []string{"MIN", "MAX"}, rows: [][]driver.Value{{nil, nil}}}, nil
		}
		return &fakeRows{cols: []string{"MIN", "MAX"}, rows: [][]driver.Value{{"1", strconv.FormatInt(f.n, 10)}}}, nil
	case q == `SELECT "ID", "AMOUNT", "NAME" FROM "APP"."T" AS OF SCN :scn`:
		for id := int64(1); id <= f.n; id++ {
			out = append(out, row(id))
		}
	case betweenRE.MatchString(q):
		if len(args) != 3 {
			return nil, fmt.Errorf("fake: want 3 bind parameters, got %v", args)
		}
		lo, hi := args[1].Value.(int64), args[2].Value.(int64)
		for id := max(lo, 1); id <= min(hi, f.n); id++ {
			out = append(out, row(id))
		}
	case hashRE.MatchString(q):
		m := hashRE.FindStringSubmatch(q)
		maxBucket, _ := strconv.ParseInt(m[1], 10, 64)
		bucket, _ := strconv.ParseInt(m[2], 10, 64)
		for id := int64(1); id <= f.n; id++ {
			if id*7919%(maxBucket+1) == bucket { // a stand-in for ORA_HASH(ROWID)
				out = append(out, row(id))
			}
		}
	default:
		return nil, fmt.Errorf("fake: unexpected statement %q", q)
	}
	return &fakeRows{cols: []string{"ID", "AMOUNT", "NAME"}, rows: out, fail: f.failRead}, nil
}

type fakeRows struct {
	cols []string
	rows [][]driver.Value
	i    int
	fail bool
}

func (r *fakeRows) Columns() []string { return r.cols }
func (r *fakeRows) Close() error      { return nil }
func (r *fakeRows) Next(dest []driver.Value) error {
	if r.fail {
		return errors.New("ORA-01555: snapshot too old")
	}
	if r.i == len(r.rows) {
		return io.EOF
	}
	copy(dest, r.rows[r.i])
	r.i++
	return nil
}

func fakeSnapshot(t *testing.T, f *fakeDB) (*snapshot, *extract.Table) {
	t.Helper()
	db := sql.OpenDB(f)
	t.Cleanup(func() { _ = db.Close() })
	e := &Extractor{db: db, owner: "APP", logger: slog.New(slog.DiscardHandler)}
	tbl, err := newTable("T", []column{
		{name: "ID", dataType: "NUMBER", precision: 10, scale: 0},
		{name: "AMOUNT", dataType: "NUMBER", precision: 12, scale: 2, nullable: true},
		{name: "NAME", dataType: "VARCHAR2", precision: -1, scale: -1, charLength: 20, nullable: true},
	}, []string{"ID"})
	require.NoError(t, err)
	return &snapshot{e: e, scn: f.scn}, tbl
}

func TestExtractThroughDriver(t *testing.T) {
	for _, tc := range []struct {
		name       string
		partitions int
		keyless    bool
		wantSQL    int // statements sent: readers, plus the bounds query for key ranges
	}{
		{"one reader", 1, false, 1},
		{"key ranges", 4, false, 5},
		{"rowid hash", 3, true, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeDB{n: 1000, scn: 4242}
			s, tbl := fakeSnapshot(t, f)
			if tc.keyless {
				tbl = extract.NewTable(tbl.Name, tbl.Schema.Fields(), tbl.SourceTypes, nil)
			}
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			seen := map[int64]int{}
			var inFn atomic.Int32
			n, err := s.Extract(context.Background(), tbl, extract.ReadOptions{Partitions: tc.partitions, BatchRows: 64, Allocator: mem},
				func(_ context.Context, rec arrow.RecordBatch) error {
					require.Equal(t, int32(1), inFn.Add(1), "fn is called by one goroutine at a time")
					defer inFn.Add(-1)
					assert.LessOrEqual(t, rec.NumRows(), int64(64))
					ids := rec.Column(0).(*array.Int64)
					amounts := rec.Column(1).(*array.Decimal128)
					names := rec.Column(2).(*array.String)
					for i := 0; i < ids.Len(); i++ {
						seen[ids.Value(i)]++
						assert.Equal(t, fmt.Sprintf("%d.50", ids.Value(i)), amounts.Value(i).ToString(2))
						assert.Equal(t, fmt.Sprintf("name %d", ids.Value(i)), names.Value(i))
					}
					return nil
				})
			require.NoError(t, err)
			assert.Equal(t, int64(1000), n)
			assert.Len(t, seen, 1000)
			for id, c := range seen {
				assert.Equal(t, 1, c, "row %d read once", id)
			}
			assert.Len(t, f.queries, tc.wantSQL)
			rows, err := s.RowCount(context.Background(), "T")
			require.NoError(t, err)
			assert.Equal(t, int64(1000), rows)
		})
	}
}

func TestExtractEmptyAndErrors(t *testing.T) {
	ctx := context.Background()
	noop := func(context.Context, arrow.RecordBatch) error { return nil }

	f := &fakeDB{n: 0, scn: 7}
	s, tbl := fakeSnapshot(t, f)
	n, err := s.Extract(ctx, tbl, extract.ReadOptions{Partitions: 4}, noop)
	require.NoError(t, err)
	assert.Zero(t, n, "MIN/MAX NULL: an empty table, no reader")
	assert.Len(t, f.queries, 1)

	f = &fakeDB{n: 5000, scn: 7}
	s, tbl = fakeSnapshot(t, f)
	stop := errors.New("stop")
	calls := 0
	_, err = s.Extract(ctx, tbl, extract.ReadOptions{Partitions: 4, BatchRows: 10}, func(context.Context, arrow.RecordBatch) error {
		calls++
		return stop
	})
	assert.ErrorIs(t, err, stop, "fn's error is returned as it is")
	assert.Equal(t, 1, calls, "fn is not called again after it failed")

	f = &fakeDB{n: 100, scn: 7, failRead: true}
	s, tbl = fakeSnapshot(t, f)
	_, err = s.Extract(ctx, tbl, extract.ReadOptions{Partitions: 2}, noop)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "oracle: T: extract: ORA-01555: snapshot too old")
	assert.Contains(t, err.Error(), "UNDO_RETENTION")

	_, err = s.Extract(ctx, nil, extract.ReadOptions{}, noop)
	assert.EqualError(t, err, "oracle: extract: table and its schema are required")
	_, err = s.Extract(ctx, tbl, extract.ReadOptions{}, nil)
	assert.EqualError(t, err, "oracle: T: extract: fn is nil")
	_, err = s.Extract(ctx, tbl, extract.ReadOptions{Partitions: -1}, noop)
	assert.ErrorContains(t, err, "must not be negative")

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	f = &fakeDB{n: 100, scn: 7}
	s, tbl = fakeSnapshot(t, f)
	_, err = s.Extract(cancelled, tbl, extract.ReadOptions{Partitions: 2}, noop)
	assert.ErrorIs(t, err, context.Canceled)
	assert.True(t, strings.HasPrefix(err.Error(), "oracle: T: key bounds:"), err.Error())
}

// TestExtractFirstRowTimeout reads from a database that never sends a row: the read fails after
// the first-row timeout with an error naming the address and the setting to raise.
func TestExtractFirstRowTimeout(t *testing.T) {
	f := &fakeDB{n: 10, scn: 7, stall: true}
	snap, tbl := fakeSnapshot(t, f)
	snap.e.firstRow = firstrow.Choose("oracle", 200*time.Millisecond, true, 0)
	snap.e.firstRow.Address, snap.e.firstRow.Server = "db:1521", "Oracle database"
	_, err := snap.Extract(context.Background(), tbl, extract.ReadOptions{}, func(context.Context, arrow.RecordBatch) error { return nil })
	var fre *extract.FirstRowTimeoutError
	require.ErrorAs(t, err, &fre, "%v", err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "oracle: T: extract: the Oracle database at db:1521 sent no row within 200ms")
	assert.Contains(t, err.Error(), "raise oracle.WithFirstRowTimeout (or connection.first_row_timeout in sources.yaml)")
}
