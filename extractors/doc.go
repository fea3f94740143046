// Package extractors opens the extractor a sources.yaml source asks for and re-exports the
// contract of [github.com/etlwatch/etlwatch/extractors/extract]: an [Extractor] lists tables,
// describes them as Arrow schemas with their primary key, starts a consistent [Snapshot] with its
// change-history [Position], and streams a table as Arrow record batches read by several key-range
// readers at once, memory bounded by the batch size, not the table.
//
//	ext, err := extractors.Open(ctx, src, extractors.WithLogger(logger.Slog()))
//	if err != nil {
//		return err
//	}
//	defer ext.Close()
//
// # Databases
//
//   - postgres: [github.com/etlwatch/etlwatch/extractors/postgres] (pgx): an exported snapshot
//     shared by every reader, and pg_current_wal_lsn().
//   - sqlite: [github.com/etlwatch/etlwatch/extractors/sqlite] (modernc, pure Go): the embedded
//     default, nothing to install.
//   - mysql: [github.com/etlwatch/etlwatch/extractors/mysql] (MySQL and MariaDB): a consistent-snapshot
//     transaction and the binlog position or GTID recorded with it.
//   - oracle: [github.com/etlwatch/etlwatch/extractors/oracle] (go-ora, pure Go): flashback
//     queries AS OF one SCN, shared by readers on separate connections. Its SQL and value
//     conversion are unit-tested; it has not yet been run against a live Oracle database.
//
// # Your own database code
//
// [Connect] gives your own database/sql code a *sql.DB for the same source, with the same
// connection settings and connect timeout, and [Dataset] turns one of its tables into the
// source side of the data-quality checks (counts, null counts and checksums run in the database):
//
//	db, err := extractors.Connect(ctx, src)
//	if err != nil {
//		return err
//	}
//	defer db.Close()
//	source, err := extractors.Dataset(db, src, "orders")
//
// # Timeouts
//
// Opening a database waits at most the connect timeout for it to accept the TCP connection and
// answer its handshake: [WithConnectTimeout], else the source's connection.connect_timeout, else
// the driver's own option (PostgreSQL connect_timeout, MySQL timeout), else 10s. A server that
// never answers fails [Open] with a [ConnectTimeoutError] naming host:port, what did not answer
// and the setting to raise. Statements have no timeout: a big table may read for hours, but
// the wait for each read's first row does: [WithFirstRowTimeout], else the source's
// connection.first_row_timeout, else 5m (0 waits without limit). A table another session holds
// locked fails the read with a [FirstRowTimeoutError] naming host:port and the
// setting to raise; the MySQL snapshot it read in ends, as after a cancelled read. SQLite needs
// no such limit: its snapshot holds its read lock from the start, and a lock wait is bounded by
// its busy timeout (5s).
//
// # How to add an extractor
//
// A new database is one package beside the four, plus three registrations:
//
//   - extractors/NAME/config.go: its Config (what connects to it) and FromSource, the one
//     translation of a [configloader.Source].
//   - extractors/NAME/extractor.go: New(ctx, Config, ...Option), Open(ctx, src, ...Option) as
//     New(ctx, FromSource(src)), Connect, and the [Extractor] methods; openset.Set's Start and
//     CloseAll for its snapshots, secrets.Redact on every driver error that may quote the DSN.
//   - extractors/NAME/types.go: the column types to Arrow types, and an arrowappend.Decoding
//     (how a driver value becomes a Go value of a column's kind); arrowappend.For and
//     AppendRow do the rest.
//   - extractors/NAME/snapshot.go: the [Snapshot]; each read starts a firstrow.Watch.
//   - extractors/NAME/doc.go, example_test.go, and tests that run connecttest.Run and
//     connecttest.RunFirstRow against the real server.
//   - configloader/dbtypes.go: the database_type constant, in DatabaseTypes.
//   - extractors/open.go ([Open]) and extractors/connect.go ([Connect], [Dataset]): a case
//     each; the dialect in dataquality/sqldataset for the pushdown dataset.
//
// The shared pieces are internal: extractors/internal/arrowappend, firstrow, openset,
// secrets, connecttest.
//
// Each database package documents its type mapping. Importing this package compiles every
// database driver it opens; import a database package directly to compile only that one.
package extractors
