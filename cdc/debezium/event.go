package debezium

// Op is the kind of change an [Event] carries.
type Op uint8

// The operations of Debezium envelopes, and the tombstone.
const (
	// OpUnknown is the zero Op; a decoded event never has it.
	OpUnknown Op = iota
	// OpRead is "r": a row read by a snapshot.
	OpRead
	// OpCreate is "c": an insert.
	OpCreate
	// OpUpdate is "u": an update.
	OpUpdate
	// OpDelete is "d": a delete.
	OpDelete
	// OpTruncate is "t": the table was truncated.
	OpTruncate
	// OpMessage is "m": a logical decoding message (PostgreSQL pg_logical_emit_message), to count,
	// not to apply.
	OpMessage
	// OpTombstone is a record with a null value, which follows a delete so that Kafka log
	// compaction can drop the key. Only the key is set.
	OpTombstone
)

var opNames = [...]string{"unknown", "r", "c", "u", "d", "t", "m", "tombstone"}

// String returns the Debezium code of the op ("r", "c", "u", "d", "t", "m") or "tombstone".
func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return "unknown"
}

// Keyed reports whether the op changes one row identified by a key (r, c, u, d).
func (o Op) Keyed() bool { return o >= OpRead && o <= OpDelete }

func parseOp(b []byte) Op {
	if len(b) != 1 {
		return OpUnknown
	}
	switch b[0] {
	case 'r':
		return OpRead
	case 'c':
		return OpCreate
	case 'u':
		return OpUpdate
	case 'd':
		return OpDelete
	case 't':
		return OpTruncate
	case 'm':
		return OpMessage
	}
	return OpUnknown
}

// Snapshot is the normalised source.snapshot field, which Debezium sends as a string enum (or, in
// older versions and in documentation, as a boolean).
type Snapshot uint8

// The values of source.snapshot.
const (
	// SnapshotNone: the field is absent or null.
	SnapshotNone Snapshot = iota
	// SnapshotFalse: "false" or false: a streamed change.
	SnapshotFalse
	// SnapshotTrue: "true" or true: a row of the initial snapshot.
	SnapshotTrue
	// SnapshotFirst: "first": the first row of the snapshot.
	SnapshotFirst
	// SnapshotFirstInDataCollection: "first_in_data_collection".
	SnapshotFirstInDataCollection
	// SnapshotLastInDataCollection: "last_in_data_collection".
	SnapshotLastInDataCollection
	// SnapshotLast: "last": the last row of the snapshot.
	SnapshotLast
	// SnapshotIncremental: "incremental": a row of an incremental (signalled) snapshot.
	SnapshotIncremental
	// SnapshotOther: a string this package does not know; treat it as a snapshot row.
	SnapshotOther
)

var snapshotNames = [...]string{"", "false", "true", "first", "first_in_data_collection",
	"last_in_data_collection", "last", "incremental", "other"}

// String returns the Debezium spelling of s ("" for SnapshotNone).
func (s Snapshot) String() string {
	if int(s) < len(snapshotNames) {
		return snapshotNames[s]
	}
	return "other"
}

// IsSnapshot reports whether the event was produced by a snapshot rather than by streaming.
func (s Snapshot) IsSnapshot() bool { return s >= SnapshotTrue }

func parseSnapshot(b []byte) Snapshot {
	switch string(b) {
	case "false":
		return SnapshotFalse
	case "true":
		return SnapshotTrue
	case "first":
		return SnapshotFirst
	case "first_in_data_collection":
		return SnapshotFirstInDataCollection
	case "last_in_data_collection":
		return SnapshotLastInDataCollection
	case "last":
		return SnapshotLast
	case "incremental":
		return SnapshotIncremental
	}
	return SnapshotOther
}

// TableID names a captured table as the source block does. For PostgreSQL and Oracle, DB is the
// database and Schema the schema; for MySQL, DB is the database and Schema is empty.
type TableID struct {
	DB, Schema, Table string
}

// String returns the non-empty parts joined by dots.
func (t TableID) String() string {
	s := t.DB
	for _, p := range [2]string{t.Schema, t.Table} {
		if p == "" {
			continue
		}
		if s != "" {
			s += "."
		}
		s += p
	}
	return s
}

// Source is the envelope's source block: where and when the database made the change. Numeric
// fields are 0 and strings "" when absent. Oracle's SCNs and transaction IDs are kept as the
// strings Debezium sends (SCNs exceed int64 on some systems).
type Source struct {
	Version   string
	Connector string // "postgresql", "oracle", "mysql", ...
	Name      string // the topic prefix (logical server name)
	DB        string
	Schema    string
	Table     string
	// TsMs is when the database made the change (lag = now - TsMs); TsUs and TsNs are the same
	// instant at finer precision (Debezium 2.6+).
	TsMs, TsUs, TsNs int64
	Snapshot         Snapshot
	// TxID is the transaction ID as text: a number for PostgreSQL ("555"), a hex string for
	// Oracle ("02000a0037030000").
	TxID string

	// PostgreSQL.
	LSN      int64  // lsn
	Sequence string // sequence, a JSON array as a string: ["last committed LSN","current LSN"]

	// Oracle.
	SCN        string // scn
	CommitSCN  string // commit_scn: compare this one with a snapshot SCN
	StartSCN   string // start_scn
	CommitTsMs int64  // commit_ts_ms

	// MySQL.
	File     string // binlog file
	Pos      int64  // binlog position
	Row      int64  // row within the binlog event
	GTID     string
	ServerID int64 // server_id
}

// TableID returns the table the change belongs to.
func (s *Source) TableID() TableID { return TableID{DB: s.DB, Schema: s.Schema, Table: s.Table} }

// Transaction is the envelope's transaction block (provide.transaction.metadata=true).
type Transaction struct {
	ID                  string // e.g. "571:53195829" (PostgreSQL txid:lsn)
	TotalOrder          int64  // position among all events of the transaction
	DataCollectionOrder int64  // position among the transaction's events of this table
}

// Message is the logical decoding message of an [OpMessage] event.
type Message struct {
	Prefix  string
	Content []byte // decoded from base64
}

// Event is one decoded Debezium record. Rows and strings share one buffer per event; an Event
// is independent of the key and value slices it was decoded from.
type Event struct {
	// Op is the change; OpTombstone for a null value.
	Op Op
	// Key is the row of the key message (the primary-key columns); absent for key-less tables.
	// See [Event.HasKey].
	Key Row
	// Before is the row before the change (updates and deletes, when the table's replica identity
	// provides it); After the row after it (reads, inserts, updates).
	Before, After Row
	// Source says where and when the change happened; zero for a tombstone.
	Source Source
	// TsMs, TsUs and TsNs are when Debezium processed the event (envelope ts_*).
	TsMs, TsUs, TsNs int64
	// Transaction is set when the envelope carries a transaction block (ID non-empty).
	Transaction Transaction
	// Message is the logical message of an [OpMessage] event.
	Message Message
	// Schemas reports whether the value came with schemas.enable=true.
	Schemas bool

	vals []Value // backing store of the rows, reused by [Decoder.DecodeInto]
}

// HasKey reports whether the record had a non-null key. A keyed op (r, c, u, d) without a key
// comes from a table without a primary key (or a misconfigured producer): the consumer decides
// whether to append, reject, or use [Event.Before] as the key.
func (e *Event) HasKey() bool { return e.Key.Present() }
