// Package postgres reads PostgreSQL tables as Arrow record batches from a consistent snapshot. It
// implements [extract.Extractor] and [extract.Snapshot] with github.com/jackc/pgx/v5 (binary
// protocol, a pgxpool pool), and answers data-quality questions through
// [github.com/etlwatch/etlwatch/dataquality/sqldataset] over the same pool.
//
//	ext, err := postgres.Open(ctx, src, postgres.WithSchema("sales"))
//	if err != nil {
//		return err
//	}
//	defer ext.Close()
//	table, err := ext.Describe(ctx, "orders")
//	...
//	snap, err := ext.Snapshot(ctx)
//	...
//	defer snap.Close()
//	rows, err := snap.Extract(ctx, table, extract.ReadOptions{Partitions: 4}, write)
//
// # Connecting
//
// [Open] uses connection.dsn when it is set (a URL or libpq keyword/value string; pgxpool's
// pool_* parameters work there). Otherwise it builds a keyword/value string from host, port
// (default 5432), database, username, password and every entry of options (libpq keywords such
// as sslmode, connect_timeout or application_name). host and database are required. The password
// never appears in an error. Open pings the server before it returns.
//
// # Type mapping
//
// [Extractor.Describe] maps each column by its type (domains, arrays and other types are not
// followed):
//
//	PostgreSQL                      Arrow
//	smallint                        int16
//	integer                         int32
//	bigint                          int64
//	numeric(p,s), p <= 38           decimal128(p, s)
//	numeric(p,s), p > 38            string (the value as PostgreSQL prints it) — fallback
//	numeric (unconstrained)         string (the value as PostgreSQL prints it) — fallback
//	real                            float32
//	double precision                float64
//	boolean                         bool
//	text, varchar(n), name          string
//	char(n)                         string, blank-padded to n as PostgreSQL stores it
//	bytea                           binary
//	date                            date32
//	timestamp                       timestamp[us] (no time zone: the wall-clock time as if UTC)
//	timestamptz                     timestamp[us, UTC]
//	time                            time64[us]
//	uuid                            string, canonical form "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
//	json, jsonb                     string, the JSON text (jsonb as PostgreSQL normalises it)
//	anything else                   *extract.UnsupportedTypeError naming table, column and type
//
// Anything else includes interval, arrays, enums, domains, geometric, network and range types,
// and timetz: Describe fails rather than guess. A column's declared type, such as
// "numeric(12,2)", is kept in [extract.Table.SourceTypes]. Values Arrow cannot hold (the dates
// and timestamps ±infinity, numeric NaN) make Extract fail naming the column. Nullability comes
// from NOT NULL; the primary key from pg_index, in key order, and is recorded in the schema
// metadata under [extract.PrimaryKeyMetadata].
//
// # Snapshot semantics
//
// [Extractor.Snapshot] begins a REPEATABLE READ, READ ONLY transaction on a connection it keeps,
// and calls pg_export_snapshot() and pg_current_wal_lsn() in it. The LSN is the snapshot's
// [extract.Position] (Kind [extract.PositionLSN]). Every reader — each partition of Extract, and
// RowCount — begins its own REPEATABLE READ, READ ONLY transaction and imports the exported
// snapshot with SET TRANSACTION SNAPSHOT, so all of them see exactly the data the exporting
// transaction sees, whatever commits meanwhile. The exporting transaction stays open (holding
// one pool connection, and holding back VACUUM) until the snapshot is closed.
//
// The LSN was current when the snapshot was taken; as for any PostgreSQL snapshot, a transaction
// that was in progress then can commit later with changes below that LSN, so a change-data-capture
// consumer taking over at the position should apply changes idempotently (upsert by key).
//
// # Partitions
//
// A table whose primary key is a single smallint, integer or bigint column is split, when
// [extract.ReadOptions].Partitions > 1, into that many ranges of equal width between its smallest
// and largest key, read at once (errgroup with a limit of Partitions); any other table is read by
// one reader. Each reader fills Arrow builders and hands a record batch of at most BatchRows rows
// to a channel of capacity Partitions, from which fn is called by one goroutine at a time, so
// memory is bounded by about 2 x Partitions batches. Readers use connections from the pool
// (pgxpool's default size is max(4, number of CPUs), set pool_max_conns in the DSN for more), and
// the snapshot holds one.
//
// Values are decoded from PostgreSQL's binary wire format straight into the builders (integers,
// floats, booleans, text, bytea, date, time, timestamps and numeric, with no Go value in between);
// anything else, or text-format results (the simple protocol), goes through pgx's own codecs, and
// a test proves both ways give equal batches. On a 200k-row table (bigint key, numeric(12,2),
// text, timestamptz), one reader read 2.65M rows/s and four readers 2.26M rows/s, on a shared
// 2-core machine that also runs the server (go test -run '^$' -bench Extract -benchtime=3x
// ./extractors/postgres, 2026-11-23; 0.91M rows/s one reader when decoding through rows.Values).
// The load into Iceberg is measured against pgx alone in docs/BENCHMARKS.md.
//
// # Logging
//
// Progress goes to the logger set with [WithLogger], as messages of the form "{TABLE}: message".
// There is none by default.
package postgres
