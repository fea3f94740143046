// Package oracle reads Oracle tables as Arrow record batches from a consistent snapshot: an SCN
// (system change number) read by flashback queries. It implements [extract.Extractor] and
// [extract.Snapshot] with github.com/sijms/go-ora/v2 (pure Go, no Oracle client libraries), and
// answers data-quality questions through [github.com/etlwatch/etlwatch/dataquality/sqldataset]
// over the same connections.
//
// This package has not been exercised against a live Oracle database: there is none where it
// was written. Its SQL text, type mapping, value conversion, partitioning and connection URL
// are unit-tested as pure functions, and the value conversion is fed the values go-ora decodes
// (NUMBER as text made by go-ora's own encoder and decoder). Run it against a test database
// before trusting it with production data.
//
//	ext, err := oracle.Open(ctx, src, oracle.WithSchema("SALES"))
//	if err != nil {
//		return err
//	}
//	defer ext.Close()
//	table, err := ext.Describe(ctx, "ORDERS")
//	...
//	snap, err := ext.Snapshot(ctx)
//	...
//	defer snap.Close()
//	rows, err := snap.Extract(ctx, table, extract.ReadOptions{Partitions: 4}, write)
//
// # Connecting
//
// [Open] uses connection.dsn when it is set: a go-ora URL such as
// "oracle://user:password@host:1521/service?PREFETCH_ROWS=1000". Otherwise it builds the URL with
// go_ora.BuildUrl from host, port (default [DefaultPort]), service_name (or database when
// service_name is empty), username and password, and appends every entry of options, sorted, as
// go-ora URL parameters (SSL, "SSL VERIFY", WALLET, "TRACE FILE", PREFETCH_ROWS, ...; go-ora
// fetches 25 rows per round trip by default, PREFETCH_ROWS=1000 reads a large table faster).
// host and service_name are required. "LOB FETCH" may only be PRE (the default): CLOB and BLOB
// values are read inline, as text and bytes. The password never appears in an error. Open pings
// the server before it returns.
//
// The extractor lists and reads the tables of one schema (owner): the one [WithSchema] names,
// or else the connection user's, its name upper-cased (the result of SELECT USER FROM DUAL when
// the username is not known). Table and schema names are used exactly as the catalog spells
// them, so the table created as orders is "ORDERS". Identifiers are double-quoted in every
// statement (an embedded double quote is doubled, although Oracle allows none).
//
// # Type mapping
//
// [Extractor.Describe] maps each column by ALL_TAB_COLUMNS data_type, data_precision and
// data_scale:
//
//	Oracle                                Arrow
//	NUMBER(p,s), s > 0, max(p,s) <= 38    decimal128(max(p,s), s)
//	NUMBER(p,0), p <= 18 (also NUMBER(p)) int64
//	NUMBER(p,0), 18 < p <= 38             decimal128(p, 0)
//	NUMBER(*,0), INTEGER, INT, SMALLINT   decimal128(38, 0) (up to 38 digits)
//	NUMBER(p,s), s < 0                    as NUMBER(p-s, 0): int64 up to 18 digits, else
//	                                      decimal128(p-s, 0), else string
//	NUMBER(p,s), s > 38                   string (the value as go-ora prints it) — fallback
//	NUMBER (no precision, no scale)       string, the exact decimal as go-ora prints it, such as
//	                                      "-12.5" or "1" followed by 30 zeros — fallback: such a
//	                                      column holds up to 40 significant digits at any scale,
//	                                      which no fixed Arrow decimal holds exactly
//	FLOAT(b), REAL, DOUBLE PRECISION      float64 (FLOAT is a decimal of up to 38 digits: values
//	                                      with more than 15-17 significant digits are rounded)
//	BINARY_DOUBLE                         float64
//	BINARY_FLOAT                          float32
//	VARCHAR2, NVARCHAR2, CHAR, NCHAR      string (CHAR blank-padded as Oracle stores it)
//	CLOB, NCLOB                           string
//	JSON (21c)                            string, the JSON text (JSON_SERIALIZE)
//	ROWID, UROWID                         string
//	RAW, BLOB                             binary
//	DATE                                  timestamp[s] (no time zone: an Oracle DATE holds a
//	                                      date and a time of day to the second)
//	TIMESTAMP(n)                          timestamp[us] (no time zone: the wall-clock time as if
//	                                      UTC)
//	TIMESTAMP(n) WITH TIME ZONE           timestamp[us, UTC], the instant (SYS_EXTRACT_UTC)
//	TIMESTAMP(n) WITH LOCAL TIME ZONE     timestamp[us, UTC], the instant
//	BOOLEAN (23ai)                        bool
//	anything else                         *extract.UnsupportedTypeError naming table, column and type
//
// Anything else includes INTERVAL YEAR TO MONTH and INTERVAL DAY TO SECOND, LONG and LONG RAW,
// BFILE, XMLTYPE, VECTOR, and object, REF and collection types (any column whose type has an
// owner): Describe fails rather than guess. Fractional seconds beyond microseconds
// (TIMESTAMP(7) to (9)) are truncated. Oracle has no boolean type before 23ai: flags stored as
// NUMBER(1) or CHAR(1) map as those types do (int64, string). Oracle stores an empty string as
// NULL, so an empty VARCHAR2 reads as null. A column's declared type, such as "NUMBER(12,2)" or
// "VARCHAR2(40)", is kept in [extract.Table.SourceTypes] (Extract relies on it for JSON and the
// time zone types). Nullability comes from ALL_TAB_COLUMNS.NULLABLE; the primary key from
// ALL_CONSTRAINTS (constraint_type 'P') and ALL_CONS_COLUMNS, in POSITION order, and is recorded
// in the schema metadata under [extract.PrimaryKeyMetadata].
//
// # Snapshot semantics
//
// [Extractor.Snapshot] reads the current SCN with SELECT CURRENT_SCN FROM V$DATABASE, or, when
// the user may not read V$DATABASE, SELECT DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER FROM DUAL; one
// of SELECT on V_$DATABASE or EXECUTE on DBMS_FLASHBACK is needed. The SCN is the snapshot's
// [extract.Position] (Kind [extract.PositionSCN], Value the SCN in decimal). Every read through
// the snapshot — each reader of Extract, the key bounds, and RowCount — is a flashback query
// SELECT ... FROM "OWNER"."TABLE" AS OF SCN :scn, with the SCN as a bind parameter, so readers on
// separate connections all see the data committed at that SCN and nothing later. The snapshot
// holds no connection and no transaction. A change committed at a higher SCN is not in the
// snapshot: a Debezium consumer taking over compares an event's commit_scn with the position.
//
// A flashback read needs the undo of every change since the SCN: a snapshot older than the
// database's undo retention (UNDO_RETENTION, 900 seconds by default, longer with a guarantee)
// fails with ORA-01555, and DDL on the table after the SCN with ORA-01466; the error says so.
// Reading another schema's tables as of an SCN needs the FLASHBACK privilege on them (or
// FLASHBACK ANY TABLE) besides SELECT.
//
// # Partitions
//
// When [extract.ReadOptions].Partitions is more than 1, a table whose primary key is a single
// column read as int64 (NUMBER(p,0), p <= 18) is split into that many ranges of equal width
// between its smallest and largest key (SELECT MIN, MAX ... AS OF SCN first), each read by
// WHERE key BETWEEN :lo AND :hi. Any other table is split by ROWID hash: reader i of n reads
// WHERE ORA_HASH(ROWID, n-1) = i. This needs no privilege and no DBMS_PARALLEL_EXECUTE task
// (which would write to the database), and every row is in exactly one bucket; the cost is that
// each reader scans the whole table and keeps its share, so hash partitions spread the
// conversion and the network transfer, not the scan. Readers run at once (errgroup with a
// limit of Partitions) on connections of the database/sql pool. Each fills Arrow builders and
// hands a record batch of at most BatchRows rows to a channel of capacity Partitions, from which
// fn is called by one goroutine at a time, so memory is bounded by about 2 x Partitions batches.
// When fn returns an error, or a reader fails, every reader stops and Extract returns the error.
//
// # Logging
//
// Progress goes to the logger set with [WithLogger], as messages of the form "{TABLE}: message".
// There is none by default.
package oracle
