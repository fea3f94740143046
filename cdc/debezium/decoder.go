package debezium

import (
	"hash/maphash"
	"strconv"
)

// Decoder decodes Debezium records. It caches parsed schemas, column sets, hints and the
// repeated strings of source blocks, so one Decoder should live as long as the consumer.
// A Decoder is not safe for concurrent use: give each goroutine (e.g. each partition) its own.
type Decoder struct {
	cfg     config
	seed    maphash.Seed
	schemas map[uint64][]*compiledSchema
	recent  [4]*compiledSchema
	colsets map[string]*Columns
	hinted  map[hintKey][]ColumnType
	last    hintKey
	lastT   []ColumnType
	intern  map[string]string
	recentS [8]string   // the last interned string per source field
	lastCol [3]*Columns // the last schemaless column set per row kind

	// chunks shared by successive events (WithChunkedAllocation)
	evChunk  []Event
	valChunk []Value

	// per-message state
	ar      arena
	rows    [3]rawRow // key, before, after
	keyLen  int
	scratch []byte
	digits  []byte
	sig     []byte
}

type hintKey struct {
	table TableID
	cols  *Columns
}

// rawField is a member of a row object, located in the message.
type rawField struct {
	name token
	val  token
}

// rawRow is a row object found by the first pass, converted once the table is known.
type rawRow struct {
	present bool
	wrapped bool // inside a schema/payload wrapper
	data    []byte
	cols    *Columns // from the schema, or nil
	fields  []rawField
}

const (
	rowKey = iota
	rowBefore
	rowAfter
)

const maxInterned = 4096

// NewDecoder returns a Decoder configured by opts.
func NewDecoder(opts ...Option) (*Decoder, error) {
	cfg := config{maxSchemas: 1024}
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Decoder{
		cfg:     cfg,
		seed:    maphash.MakeSeed(),
		schemas: make(map[uint64][]*compiledSchema),
		colsets: make(map[string]*Columns),
		hinted:  make(map[hintKey][]ColumnType),
		intern:  make(map[string]string),
	}, nil
}

// ResetHints forgets the cached answers of the [HintFunc], e.g. after the target table's schema
// changed.
func (d *Decoder) ResetHints() {
	clear(d.hinted)
	d.last, d.lastT = hintKey{}, nil
}

// Decode decodes one Kafka record: its key and value bytes as written by Kafka Connect's JSON
// converter, with or without schemas.enable (detected per message). A nil or empty value (or the
// JSON null) is a tombstone; a nil key means a table without a primary key. The returned Event
// does not reference key or value. Errors are *[DecodeError]; Decode never panics.
func (d *Decoder) Decode(key, value []byte) (*Event, error) {
	var ev *Event
	if d.cfg.chunked {
		if len(d.evChunk) == 0 {
			d.evChunk = make([]Event, eventsPerChunk)
		}
		ev, d.evChunk = &d.evChunk[0], d.evChunk[1:]
	} else {
		ev = new(Event)
	}
	if err := d.DecodeInto(ev, key, value); err != nil {
		return nil, err
	}
	return ev, nil
}

// DecodeInto is [Decoder.Decode] into an existing Event, reusing the memory of its rows: the
// Rows of the previous contents of ev must no longer be in use (strings and bytes taken from them
// stay valid). On error the contents of ev are unspecified.
func (d *Decoder) DecodeInto(ev *Event, key, value []byte) error {
	vals := ev.vals
	*ev = Event{vals: vals[:0]}
	d.resetArena()
	for i := range d.rows {
		d.rows[i] = rawRow{fields: d.rows[i].fields[:0]}
	}
	d.keyLen = len(key)
	if isNull(value) {
		ev.Op = OpTombstone
	} else if err := d.decodeValue(ev, value); err != nil {
		return err
	}
	if !isNull(key) {
		if d.ar.hint == 0 {
			d.ar.hint = len(key)
		}
		if err := d.decodeKey(key); err != nil {
			return err
		}
	}
	if err := d.buildRows(ev); err != nil {
		return err
	}
	d.resetArena()
	return nil
}

// Chunk sizes of WithChunkedAllocation: events (about 500 bytes each) and values (32 bytes).
const (
	eventsPerChunk = 64
	valuesPerChunk = 1024
)

// resetArena starts a new event's strings: in a new allocation, or, with WithChunkedAllocation,
// after the last event's in the same chunk.
func (d *Decoder) resetArena() {
	if d.cfg.chunked {
		d.ar.hint, d.ar.min = 0, chunkBytes
		return
	}
	d.ar = arena{}
}

// values returns n values for an event: a new slice, or, with WithChunkedAllocation, a part of a
// chunk shared with other events (a new chunk when it does not fit, or alone when n is large).
func (d *Decoder) values(n int) []Value {
	if !d.cfg.chunked || n > valuesPerChunk/4 {
		return make([]Value, n)
	}
	if len(d.valChunk) < n {
		d.valChunk = make([]Value, valuesPerChunk)
	}
	v := d.valChunk[:n:n]
	d.valChunk = d.valChunk[n:]
	return v
}

// isNull reports whether a record part is absent: nil, empty, or the JSON null.
func isNull(b []byte) bool {
	s := scanner{data: b}
	s.ws()
	if s.pos == len(b) {
		return true
	}
	if len(b)-s.pos >= 4 && string(b[s.pos:s.pos+4]) == "null" {
		s.pos += 4
		s.ws()
		return s.pos == len(b)
	}
	return false
}

// wrapperFirst reports whether the first member of the object at s.pos is "schema" or "payload",
// without consuming anything.
func wrapperFirst(s *scanner) bool {
	t := *s
	if empty, err := t.objOpen(); err != nil || empty {
		return false
	}
	k, err := t.objKey()
	if err != nil || k.esc() {
		return false
	}
	switch string(t.data[k.start:k.end]) {
	case "schema", "payload":
		return true
	}
	return false
}

// notObject reports a top-level value that is valid JSON but not an object.
func notObject(s *scanner, what string) *DecodeError {
	start := s.pos
	if _, err := s.value(); err != nil {
		return err
	}
	if err := s.end(); err != nil {
		return err
	}
	return &DecodeError{Reason: ReasonInvalidEnvelope, Offset: start, Detail: what + " is not a JSON object"}
}

func (d *Decoder) decodeValue(ev *Event, data []byte) *DecodeError {
	s := scanner{data: data}
	if s.peek() != '{' {
		return notObject(&s, "the value").at("value")
	}
	if wrapperFirst(&s) {
		if err := d.decodeWrapped(ev, &s); err != nil {
			return err
		}
	} else if err := d.decodeEnvelope(ev, &s, nil, false); err != nil {
		return err
	}
	if err := s.end(); err != nil {
		return err.at("value")
	}
	return nil
}

// decodeWrapped reads {"schema":..., "payload":...} of a value.
func (d *Decoder) decodeWrapped(ev *Event, s *scanner) *DecodeError {
	if _, err := s.objOpen(); err != nil {
		return err.at("value")
	}
	var (
		sch         *compiledSchema
		schemaSeen  bool
		payloadSeen bool
		deferred    token
	)
	for {
		k, err := s.objKey()
		if err != nil {
			return err.at("value")
		}
		switch string(s.data[k.start:k.end]) {
		case "schema":
			schemaSeen = true
			if s.peek() == 'n' {
				if _, err := s.lit("null", tokNull); err != nil {
					return err.at("value.schema")
				}
			} else if sch, err = d.schemaAt(s, false); err != nil {
				return err.at("value.schema")
			}
		case "payload":
			payloadSeen = true
			if schemaSeen {
				if err := d.payload(ev, s, sch); err != nil {
					return err
				}
			} else if deferred, err = s.value(); err != nil {
				return err.at("value.payload")
			}
		default:
			return (&DecodeError{Reason: ReasonInvalidEnvelope, Offset: k.start,
				Detail: "unexpected member " + strconv.Quote(string(s.data[k.start:k.end])) +
					" next to schema and payload"}).at("value")
		}
		more, err := s.objNext()
		if err != nil {
			return err.at("value")
		}
		if !more {
			break
		}
	}
	if !payloadSeen {
		return &DecodeError{Reason: ReasonInvalidEnvelope, Offset: -1, Path: "value", Detail: "schema without payload"}
	}
	if deferred.kind != 0 {
		sub := scanner{data: s.data[:deferred.end], pos: deferred.start}
		return d.payload(ev, &sub, sch)
	}
	return nil
}

func (d *Decoder) payload(ev *Event, s *scanner, sch *compiledSchema) *DecodeError {
	ev.Schemas = sch != nil
	switch s.peek() {
	case 'n':
		if _, err := s.lit("null", tokNull); err != nil {
			return err.at("value.payload")
		}
		ev.Op = OpTombstone
		return nil
	case '{':
		return d.decodeEnvelope(ev, s, sch, true)
	}
	return notObject(s, "the payload").at("value.payload")
}

func (d *Decoder) decodeEnvelope(ev *Event, s *scanner, sch *compiledSchema, wrapped bool) *DecodeError {
	prefix := "value"
	if wrapped {
		prefix = "value.payload"
	}
	d.ar.hint = len(s.data) - s.pos + d.keyLen
	empty, err := s.objOpen()
	if err != nil {
		return err.at(prefix)
	}
	haveSource, haveOp := false, false
	for !empty {
		k, err := s.objKey()
		if err != nil {
			return err.at(prefix)
		}
		name := d.memberName(s.data, k)
		switch string(name) {
		case "before", "after":
			idx, cols := rowBefore, (*Columns)(nil)
			if name[0] == 'a' {
				idx = rowAfter
			}
			if sch != nil {
				cols = sch.before
				if idx == rowAfter {
					cols = sch.after
				}
			}
			if err := d.rawRowAt(s, idx, cols, wrapped); err != nil {
				return err.at(prefix, string(name))
			}
		case "source":
			if s.peek() == 'n' {
				if _, err := s.lit("null", tokNull); err != nil {
					return err.at(prefix, "source")
				}
				break
			}
			if err := d.source(s, &ev.Source); err != nil {
				return err.at(prefix, "source")
			}
			haveSource = true
		case "op":
			t, err := s.value()
			if err != nil {
				return err.at(prefix, "op")
			}
			if t.kind == tokNull {
				break
			}
			haveOp = true
			if t.kind == tokString {
				ev.Op = parseOp(s.data[t.start:t.end])
			}
			if ev.Op == OpUnknown {
				return &DecodeError{Reason: ReasonUnknownOp, Path: prefix + ".op", Offset: t.start,
					Detail: "found " + quoteTok(s.data, t) + ", want one of r, c, u, d, t, m"}
			}
		case "ts_ms", "ts_us", "ts_ns":
			i, err := d.intMember(s)
			if err != nil {
				return err.at(prefix, string(name))
			}
			switch name[3] {
			case 'm':
				ev.TsMs = i
			case 'u':
				ev.TsUs = i
			default:
				ev.TsNs = i
			}
		case "transaction":
			if err := d.transaction(s, &ev.Transaction); err != nil {
				return err.at(prefix, "transaction")
			}
		case "message":
			if err := d.message(s, &ev.Message); err != nil {
				return err.at(prefix, "message")
			}
		default:
			if err := s.skip(0); err != nil {
				return err.at(prefix, string(name))
			}
		}
		more, err := s.objNext()
		if err != nil {
			return err.at(prefix)
		}
		empty = !more
	}
	if !haveOp {
		return &DecodeError{Reason: ReasonMissingOp, Path: prefix + ".op", Offset: -1, Detail: "the envelope has no op"}
	}
	if !haveSource {
		return &DecodeError{Reason: ReasonMissingSource, Path: prefix + ".source", Offset: -1, Detail: "the envelope has no source block"}
	}
	return nil
}

func quoteTok(data []byte, t token) string {
	b := data[t.start:t.end]
	if len(b) > 32 {
		b = b[:32]
	}
	if t.kind == tokString {
		return strconv.Quote(string(b))
	}
	return string(b)
}

// name returns a member name, unescaped into scratch memory when needed.
func (d *Decoder) name(data []byte, k token) []byte {
	if !k.esc() {
		return data[k.start:k.end]
	}
	d.scratch = appendUnescaped(d.scratch[:0], data[k.start:k.end])
	return d.scratch
}

// memberName is name for a member whose name must survive later uses of the scratch memory.
func (d *Decoder) memberName(data []byte, k token) []byte {
	if !k.esc() {
		return data[k.start:k.end]
	}
	return appendUnescaped(nil, data[k.start:k.end])
}
