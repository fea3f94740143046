// Package mysql reads MySQL and MariaDB tables as Arrow record batches from a consistent
// snapshot. It implements [extract.Extractor] and [extract.Snapshot] with
// github.com/go-sql-driver/mysql, and answers data-quality questions through
// [github.com/etlwatch/etlwatch/dataquality/sqldataset] over the same connections.
//
//	ext, err := mysql.Open(ctx, src)
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
// [Open] uses connection.dsn when it is set, in the driver's form
// "user:password@tcp(host:3306)/database?param=value"; it must name a database. Otherwise it
// builds the configuration from host (a path starting with "/" is a Unix socket), port (default
// [DefaultPort]), database, username, password and every entry of options, which are driver DSN
// parameters (tls, timeout, readTimeout, ...) or, for other names, session variables. host and
// database are required. Either way the extractor sets parseTime=true, loc=UTC,
// interpolateParams=true and the session variable time_zone='+00:00', overriding the DSN, so
// that TIMESTAMP values are read as UTC instants whatever the server's zone. The password never
// appears in an error. Open pings the server before it returns. The extractor lists and reads the
// tables of that one database.
//
// # Type mapping
//
// [Extractor.Describe] maps each column by information_schema.columns data_type and
// column_type:
//
//	MySQL / MariaDB                     Arrow
//	tinyint(1), bool, boolean           bool (0 is false, anything else true)
//	tinyint                             int8
//	tinyint unsigned                    int16
//	smallint                            int16
//	smallint unsigned                   int32
//	mediumint, mediumint unsigned       int32
//	int                                 int32
//	int unsigned                        int64
//	bigint                              int64
//	bigint unsigned                     uint64 (an Iceberg long, as Debezium's default
//	                                    bigint.unsigned.handling.mode=long: writing a value
//	                                    above 2^63-1 to Iceberg is an error naming the column)
//	decimal(p,s), p <= 38               decimal128(p, s)
//	decimal(p,s), p > 38                string (the value as the server prints it) — fallback
//	float                               float32 (read as CAST(... AS DOUBLE): the text protocol
//	                                    prints a float with 6 significant digits only)
//	double, real                        float64
//	char, varchar, *text, enum, set     string
//	json                                string, the JSON text (MariaDB's json is longtext)
//	time                                string "[-]HHH:MM:SS[.ffffff]" — TIME is a duration of
//	                                    up to ±838 hours, which time64 cannot hold
//	binary, varbinary, *blob            binary
//	bit(n)                              binary, the n bits big-endian in ceil(n/8) bytes
//	date                                date32
//	datetime                            timestamp[us] (no time zone: the wall-clock time as if UTC)
//	timestamp                           timestamp[us, UTC]
//	year                                int16
//	anything else                       *extract.UnsupportedTypeError naming table, column and type
//
// Anything else includes the spatial types (geometry, point, ...) and MariaDB's uuid, inet4
// and inet6: Describe fails rather than guess. A column's column_type, such as
// "decimal(12,2)" or "int(10) unsigned", is kept in [extract.Table.SourceTypes]. Zero dates
// ('0000-00-00', '0000-00-00 00:00:00') read as 0001-01-01. DATE, DATETIME and TIMESTAMP values
// are read as text and parsed strictly: a date with a zero month or day ('2024-00-15', which the
// server stores when sql_mode lacks NO_ZERO_IN_DATE) or a day its month lacks ('2024-02-31',
// with ALLOW_INVALID_DATES) makes Extract fail naming the column and the value, where the
// driver would silently read another date (2023-12-15, 2024-03-02). Nullability comes from
// is_nullable; the primary key from
// information_schema.statistics (index PRIMARY), in key order, and is recorded in the schema
// metadata under [extract.PrimaryKeyMetadata].
//
// # Snapshot semantics
//
// [Extractor.Snapshot] takes a connection of its own and runs SET TRANSACTION ISOLATION LEVEL
// REPEATABLE READ and START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY on it, so every
// InnoDB read through the snapshot sees the data as of that moment, whatever commits meanwhile.
// (Non-transactional engines such as MyISAM are read as they are at the time of the read.) The
// snapshot's [extract.Position] is, in order of preference:
//
//   - MariaDB with binary logging on: the position MariaDB records atomically with the snapshot
//     (status binlog_snapshot_file and binlog_snapshot_position), as Kind [extract.PositionGTID]
//     with the GTID position BINLOG_GTID_POS gives for it, such as "0-1-42", or else as Kind
//     [extract.PositionBinlog] "file:offset". It needs no privilege and has no race.
//   - Otherwise the position read on the same connection just before the snapshot starts:
//     MariaDB @@gtid_binlog_pos or, on MySQL with gtid_mode ON, @@gtid_executed (Kind
//     [extract.PositionGTID]); else "file:offset" from SHOW MASTER STATUS (SHOW BINARY LOG
//     STATUS on MySQL 8.4; Kind [extract.PositionBinlog]), which needs the REPLICATION CLIENT
//     (MySQL) or BINLOG MONITOR (MariaDB) privilege; without it Snapshot fails saying so.
//   - Binary logging off (@@log_bin = 0): Kind [extract.PositionNone] with an empty Value. There
//     is no change history to take over from.
//
// In the second case the position and the snapshot are not taken atomically (that would need
// FLUSH TABLES WITH READ LOCK and the RELOAD privilege). Because the position is read first, a
// transaction committing between the two is already in the snapshot and also after the
// position: a change-data-capture consumer taking over there replays it, which is harmless when
// it applies changes idempotently (upsert by key), as it should. No change is lost.
//
// # Partitions
//
// MySQL and MariaDB cannot share one consistent snapshot between connections, so every read
// through a snapshot — each key range of Extract, and RowCount — runs on the snapshot's
// connection, one after the other; concurrent calls on one snapshot wait for each other. A table
// whose primary key is a single integer column (other than bigint unsigned) is split, when
// [extract.ReadOptions].Partitions > 1, into that many ranges of equal width between its
// smallest and largest key, read in turn; any other table is read by one query. Partitions
// changes how the table is read, not how fast: to read tables in parallel, open one snapshot per
// worker (each its own consistent view and position). fn is called from the goroutine that
// called Extract, and memory is bounded by one batch of BatchRows rows plus the driver's buffer.
//
// When fn returns an error, Extract stops and returns it; the rest of the current result is
// read and discarded so the snapshot stays usable. Cancelling ctx while a query runs makes the
// driver close the connection, which ends the snapshot: later reads through it fail.
//
// # Logging
//
// Progress goes to the logger set with [WithLogger], as messages of the form "{TABLE}: message".
// There is none by default.
package mysql
