package connecttest

import (
	"context"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors/extract"
)

// FirstRowDriver is what [RunFirstRow] needs to know of one extractor and its test database.
type FirstRowDriver struct {
	Type    string // database_type and the errors' prefix: "postgres"
	Product string // the server in the errors: "PostgreSQL"
	Address string // the test server's host:port
	// Open opens src; with set it passes the package's WithFirstRowTimeout(timeout): an
	// [Opener].
	Open func(ctx context.Context, src *configloader.Source, timeout time.Duration, set bool) (extract.Extractor, error)
	// Source returns a source of the test database.
	Source func() *configloader.Source
	// Table creates a table of ten rows and returns its name.
	Table func(t *testing.T) string
	// Lock makes the reads of table wait, from another session, until unlock.
	Lock func(t *testing.T, table string) (unlock func())
}

// RunFirstRow reads a table another session has locked: the read fails after the first-row
// timeout, set in sources.yaml or by option, with an [*extract.FirstRowTimeoutError] naming
// host:port and the setting to raise; with no limit (0 either way) it waits for the lock to go.
func RunFirstRow(t *testing.T, d FirstRowDriver) {
	name := d.Table(t)
	option := d.Type + ".WithFirstRowTimeout"
	for _, tc := range []struct {
		name      string
		source    time.Duration
		option    time.Duration
		optionSet bool
		release   time.Duration // when the lock goes; 0: at the end
		setting   string        // "" for a read that succeeds
	}{
		{"connection.first_row_timeout", time.Second, 0, false, 0,
			"raise connection.first_row_timeout in sources.yaml (or " + option + "), or set it to 0"},
		{"WithFirstRowTimeout wins", time.Hour, time.Second, true, 0,
			"raise " + option + " (or connection.first_row_timeout in sources.yaml)"},
		{"WithFirstRowTimeout(0) waits without limit", time.Second, 0, true, 2 * time.Second, ""},
		{"first_row_timeout: 0 waits without limit", -1, 0, false, 2 * time.Second, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := d.Source()
			src.Connection.FirstRowTimeout = tc.source
			snap, table := d.snapshot(t, src, tc.option, tc.optionSet, name)
			unlock := d.Lock(t, name)
			if tc.release > 0 {
				go func() { time.Sleep(tc.release); unlock() }()
			}
			n, err := snap.Extract(context.Background(), table, extract.ReadOptions{}, func(context.Context, arrow.RecordBatch) error { return nil })
			unlock()
			if tc.setting == "" {
				require.NoError(t, err)
				assert.EqualValues(t, 10, n)
				return
			}
			var fre *extract.FirstRowTimeoutError
			require.ErrorAs(t, err, &fre, "%v", err)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			assert.Equal(t, d.Address, fre.Address)
			assert.Equal(t, time.Second, fre.Timeout)
			assert.Contains(t, err.Error(), d.Type+": "+name+": extract: the "+d.Product+" server at "+d.Address+" sent no row within 1s")
			assert.Contains(t, err.Error(), tc.setting)
		})
	}
	t.Run("only the first row is bounded", func(t *testing.T) {
		snap, table := d.snapshot(t, d.Source(), 300*time.Millisecond, true, name)
		n, err := snap.Extract(context.Background(), table, extract.ReadOptions{BatchRows: 2}, func(context.Context, arrow.RecordBatch) error {
			time.Sleep(200 * time.Millisecond) // five batches: a second in all
			return nil
		})
		require.NoError(t, err)
		assert.EqualValues(t, 10, n)
	})
}

// snapshot opens src with the first-row timeout and returns a snapshot and the described
// table, all closed when the test ends.
func (d FirstRowDriver) snapshot(t *testing.T, src *configloader.Source, timeout time.Duration, set bool, name string) (extract.Snapshot, *extract.Table) {
	t.Helper()
	ext, err := d.Open(context.Background(), src, timeout, set)
	require.NoError(t, err)
	t.Cleanup(func() { _ = ext.Close() })
	table, err := ext.Describe(context.Background(), name)
	require.NoError(t, err)
	snap, err := ext.Snapshot(context.Background())
	require.NoError(t, err)
	t.Cleanup(func() { _ = snap.Close() })
	return snap, table
}
