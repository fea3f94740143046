package postgres_test

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/extractors/postgres"
)

// The extractor decodes the binary wire format itself. The simple protocol makes the server send
// text instead, which goes through pgx's own codecs: both reads of the same awkward values must
// give equal batches.
func TestWireDecodingMatchesPgxCodecs(t *testing.T) {
	conn := server(t)
	name := newTable(t, conn, `id bigint PRIMARY KEY, s smallint, i integer, n numeric(12,2), big numeric(38,10),
		whole numeric(20,0), r real, d double precision, ok boolean, tx text, ch char(4), by bytea,
		dt date, ts timestamp, tz timestamptz, tm time, u uuid, jb jsonb, nu numeric`)
	exec(t, conn, "INSERT INTO "+name+` VALUES
		(1, -32768, 2147483647, -9999999999.99, 1234567890123456789012345678.0123456789, 12345678901234567890,
		 -1.5e-30, 1e300, false, '', 'a', '', '1900-01-01', '1969-12-31 23:59:59.999999', '0001-01-01 00:00:00+00',
		 '00:00:00', '00000000-0000-0000-0000-000000000000', '[]', 'NaN'),
		(2, 32767, -2147483648, 0.01, -0.0000000001, -1, 3.4e38, -0.0, true, 'ünïcødé 🚀', 'abcd', '\xdeadbeef',
		 '2999-12-31', '2262-04-11 23:47:16.854775', '2000-01-01 00:00:00+00', '24:00:00',
		 'ffffffff-ffff-ffff-ffff-ffffffffffff', '{"k": null}', '-123456789012345678901234567890.5'),
		(3, 0, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`)
	ctx := context.Background()
	read := func(dsn string) arrow.RecordBatch {
		ext, err := postgres.Open(ctx, &configloader.Source{Name: "t", Connection: configloader.Connection{DSN: configloader.Secret(dsn)}})
		require.NoError(t, err)
		defer ext.Close()
		table, err := ext.Describe(ctx, name)
		require.NoError(t, err)
		snap, err := ext.Snapshot(ctx)
		require.NoError(t, err)
		defer snap.Close()
		recs, n := collect(t, snap, table, extract.ReadOptions{})
		require.EqualValues(t, 3, n)
		require.Len(t, recs, 1)
		return recs[0]
	}
	wire := read(testDSN)
	codecs := read(testDSN + "&default_query_exec_mode=simple_protocol")
	assert.Truef(t, array.RecordEqual(wire, codecs), "wire decoding:\n%v\npgx codecs:\n%v", wire, codecs)
	assert.Equal(t, "1234567890123456789012345678.0123456789",
		wire.Column(4).(*array.Decimal128).Value(0).ToString(10))
}

// Values Arrow cannot hold are errors naming the column, whichever way they are decoded.
func TestWireDecodingRejectsInfinity(t *testing.T) {
	conn := server(t)
	name := newTable(t, conn, `id integer PRIMARY KEY, ts timestamp`)
	exec(t, conn, "INSERT INTO "+name+` VALUES (1, 'infinity')`)
	ctx := context.Background()
	for _, dsn := range []string{testDSN, testDSN + "&default_query_exec_mode=simple_protocol"} {
		ext, err := postgres.Open(ctx, &configloader.Source{Name: "t", Connection: configloader.Connection{DSN: configloader.Secret(dsn)}})
		require.NoError(t, err)
		table, err := ext.Describe(ctx, name)
		require.NoError(t, err)
		snap, err := ext.Snapshot(ctx)
		require.NoError(t, err)
		_, err = snap.Extract(ctx, table, extract.ReadOptions{}, func(context.Context, arrow.RecordBatch) error { return nil })
		assert.ErrorContains(t, err, "column ts", dsn)
		require.NoError(t, snap.Close())
		require.NoError(t, ext.Close())
	}
}
