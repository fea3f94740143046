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
	ev := new(Event)
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
	d.ar = arena{}
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
	d.ar = arena{}
	return nil
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

// rawRowAt records the members of a row object (or nothing for null).
func (d *Decoder) rawRowAt(s *scanner, idx int, cols *Columns, wrapped bool) *DecodeError {
	r := &d.rows[idx]
	switch s.peek() {
	case 'n':
		_, err := s.lit("null", tokNull)
		return err
	case '{':
	default:
		start := s.pos
		if _, err := s.value(); err != nil {
			return err
		}
		return &DecodeError{Reason: ReasonInvalidEnvelope, Offset: start, Detail: "a row must be an object or null"}
	}
	r.present, r.wrapped, r.data, r.cols = true, wrapped, s.data, cols
	r.fields = r.fields[:0]
	empty, err := s.objOpen()
	if err != nil || empty {
		return err
	}
	for {
		k, err := s.objKey()
		if err != nil {
			return err
		}
		v, err := s.value()
		if err != nil {
			return err
		}
		r.fields = append(r.fields, rawField{name: k, val: v})
		more, err := s.objNext()
		if err != nil || !more {
			return err
		}
	}
}

// decodeKey reads the key message: {"schema":..,"payload":{..}} or the bare key object.
func (d *Decoder) decodeKey(data []byte) *DecodeError {
	s := scanner{data: data}
	if s.peek() != '{' {
		return notObject(&s, "the key").at("key")
	}
	if wrapperFirst(&s) {
		t := s
		ok, err := d.keyWrapped(&t)
		if err != nil {
			return err
		}
		if ok {
			return t.end().at("key")
		}
		d.rows[rowKey] = rawRow{fields: d.rows[rowKey].fields[:0]}
	}
	if err := d.rawRowAt(&s, rowKey, nil, false); err != nil {
		return err.at("key")
	}
	return s.end().at("key")
}

// keyWrapped reads a wrapped key; ok is false if the object turns out to be a bare key whose
// columns happen to be called schema or payload.
func (d *Decoder) keyWrapped(s *scanner) (ok bool, _ *DecodeError) {
	if _, err := s.objOpen(); err != nil {
		return false, err.at("key")
	}
	var (
		sch                    *compiledSchema
		schemaSeen, payloadSet bool
		deferred               token
	)
	for {
		k, err := s.objKey()
		if err != nil {
			return false, err.at("key")
		}
		switch string(s.data[k.start:k.end]) {
		case "schema":
			schemaSeen = true
			if s.peek() != '{' {
				return false, nil
			}
			if sch, err = d.schemaAt(s, true); err != nil {
				return false, err.at("key.schema")
			}
		case "payload":
			payloadSet = true
			if deferred, err = s.value(); err != nil {
				return false, err.at("key.payload")
			}
		default:
			return false, nil
		}
		more, err := s.objNext()
		if err != nil {
			return false, err.at("key")
		}
		if !more {
			break
		}
	}
	if !schemaSeen || !payloadSet {
		return false, nil
	}
	switch deferred.kind {
	case tokNull:
		return true, nil
	case tokObject:
	default:
		return false, &DecodeError{Reason: ReasonInvalidEnvelope, Path: "key.payload", Offset: deferred.start, Detail: "the key payload is not an object"}
	}
	sub := scanner{data: s.data[:deferred.end], pos: deferred.start}
	var cols *Columns
	if sch != nil {
		cols = sch.row
	}
	if err := d.rawRowAt(&sub, rowKey, cols, true); err != nil {
		return false, err.at("key.payload")
	}
	return true, nil
}

// intMember reads an integer or null member.
func (d *Decoder) intMember(s *scanner) (int64, *DecodeError) {
	t, err := s.value()
	if err != nil {
		return 0, err
	}
	if t.kind == tokNull {
		return 0, nil
	}
	if i, ok := intOf(s.data, t); ok {
		return i, nil
	}
	return 0, &DecodeError{Reason: ReasonInvalidEnvelope, Offset: t.start, Detail: "found " + quoteTok(s.data, t) + ", want an integer"}
}

// textMember reads a string, number or null member as text in the arena.
func (d *Decoder) textMember(s *scanner) (string, *DecodeError) {
	t, err := s.value()
	if err != nil {
		return "", err
	}
	switch t.kind {
	case tokNull:
		return "", nil
	case tokString:
		return d.ar.text(s.data, t), nil
	case tokNumber:
		return d.ar.str(s.data[t.start:t.end]), nil
	}
	return "", &DecodeError{Reason: ReasonInvalidEnvelope, Offset: t.start, Detail: "found " + quoteTok(s.data, t) + ", want a string"}
}

// internMember reads a string member that repeats across events (connector, db, table, ...);
// slot names the field, whose last value is checked before the intern table.
func (d *Decoder) internMember(s *scanner, slot int) (string, *DecodeError) {
	t, err := s.value()
	if err != nil {
		return "", err
	}
	switch t.kind {
	case tokNull:
		return "", nil
	case tokString:
		if t.esc() {
			return d.ar.text(s.data, t), nil
		}
		b := s.data[t.start:t.end]
		if last := d.recentS[slot]; last == string(b) {
			return last, nil
		}
		if v, ok := d.intern[string(b)]; ok {
			d.recentS[slot] = v
			return v, nil
		}
		if len(d.intern) >= maxInterned {
			return d.ar.str(b), nil
		}
		v := string(b)
		d.intern[v] = v
		d.recentS[slot] = v
		return v, nil
	}
	return "", &DecodeError{Reason: ReasonInvalidEnvelope, Offset: t.start, Detail: "found " + quoteTok(s.data, t) + ", want a string"}
}

func (d *Decoder) source(s *scanner, src *Source) *DecodeError {
	if s.peek() != '{' {
		start := s.pos
		if _, err := s.value(); err != nil {
			return err
		}
		return &DecodeError{Reason: ReasonInvalidEnvelope, Offset: start, Detail: "source is not an object"}
	}
	empty, err := s.objOpen()
	for !empty {
		if err != nil {
			return err
		}
		k, err := s.objKey()
		if err != nil {
			return err
		}
		name := d.memberName(s.data, k)
		var derr *DecodeError
		switch string(name) {
		case "version":
			src.Version, derr = d.internMember(s, 0)
		case "connector":
			src.Connector, derr = d.internMember(s, 1)
		case "name":
			src.Name, derr = d.internMember(s, 2)
		case "db":
			src.DB, derr = d.internMember(s, 3)
		case "schema":
			src.Schema, derr = d.internMember(s, 4)
		case "table":
			src.Table, derr = d.internMember(s, 5)
		case "ts_ms":
			src.TsMs, derr = d.intMember(s)
		case "ts_us":
			src.TsUs, derr = d.intMember(s)
		case "ts_ns":
			src.TsNs, derr = d.intMember(s)
		case "snapshot":
			src.Snapshot, derr = d.snapshot(s)
		case "txId":
			src.TxID, derr = d.textMember(s)
		case "lsn":
			src.LSN, derr = d.intMember(s)
		case "sequence":
			src.Sequence, derr = d.textMember(s)
		case "scn":
			src.SCN, derr = d.textMember(s)
		case "commit_scn":
			src.CommitSCN, derr = d.textMember(s)
		case "start_scn":
			src.StartSCN, derr = d.textMember(s)
		case "commit_ts_ms":
			src.CommitTsMs, derr = d.intMember(s)
		case "file":
			src.File, derr = d.internMember(s, 6)
		case "pos":
			src.Pos, derr = d.intMember(s)
		case "row":
			src.Row, derr = d.intMember(s)
		case "gtid":
			src.GTID, derr = d.textMember(s)
		case "server_id":
			src.ServerID, derr = d.intMember(s)
		default:
			derr = s.skip(0)
		}
		if derr != nil {
			return derr.at("", string(name))
		}
		var more bool
		more, err = s.objNext()
		empty = !more
	}
	return err
}

func (d *Decoder) snapshot(s *scanner) (Snapshot, *DecodeError) {
	t, err := s.value()
	if err != nil {
		return 0, err
	}
	switch t.kind {
	case tokNull:
		return SnapshotNone, nil
	case tokTrue:
		return SnapshotTrue, nil
	case tokFalse:
		return SnapshotFalse, nil
	case tokString:
		return parseSnapshot(d.name(s.data, t)), nil
	}
	return 0, &DecodeError{Reason: ReasonInvalidEnvelope, Offset: t.start, Detail: "found " + quoteTok(s.data, t) + ", want a string or boolean"}
}

// nullableObject reads a JSON object, or null, at s, calling member with the name of each member
// (the member's value is next in s: member reads or skips it); what names the object in the error
// when the value is something else.
func (d *Decoder) nullableObject(s *scanner, what string, member func(name []byte) *DecodeError) *DecodeError {
	switch s.peek() {
	case 'n':
		_, err := s.lit("null", tokNull)
		return err
	case '{':
	default:
		start := s.pos
		if _, err := s.value(); err != nil {
			return err
		}
		return &DecodeError{Reason: ReasonInvalidEnvelope, Offset: start, Detail: what + " is not an object"}
	}
	empty, err := s.objOpen()
	for !empty {
		if err != nil {
			return err
		}
		k, err := s.objKey()
		if err != nil {
			return err
		}
		name := d.memberName(s.data, k)
		if derr := member(name); derr != nil {
			return derr.at("", string(name))
		}
		var more bool
		more, err = s.objNext()
		empty = !more
	}
	return err
}

func (d *Decoder) transaction(s *scanner, tx *Transaction) *DecodeError {
	return d.nullableObject(s, "transaction", func(name []byte) (derr *DecodeError) {
		switch string(name) {
		case "id":
			tx.ID, derr = d.textMember(s)
		case "total_order":
			tx.TotalOrder, derr = d.intMember(s)
		case "data_collection_order":
			tx.DataCollectionOrder, derr = d.intMember(s)
		default:
			derr = s.skip(0)
		}
		return derr
	})
}

func (d *Decoder) message(s *scanner, m *Message) *DecodeError {
	return d.nullableObject(s, "message", func(name []byte) (derr *DecodeError) {
		switch string(name) {
		case "prefix":
			m.Prefix, derr = d.textMember(s)
		case "content":
			var t token
			if t, derr = s.value(); derr == nil {
				switch t.kind {
				case tokNull:
				case tokString:
					b, err := d.ar.base64(d.scratchBytes(s.data, t))
					if err != nil {
						derr = convError(s.data, t, "bytes (base64)", err)
					}
					m.Content = b
				default:
					derr = convError(s.data, t, "bytes (base64)", nil)
				}
			}
		default:
			derr = s.skip(0)
		}
		return derr
	})
}

// buildRows converts the recorded rows into typed values, now that the table is known.
func (d *Decoder) buildRows(ev *Event) *DecodeError {
	n := 0
	for i := range d.rows {
		r := &d.rows[i]
		if !r.present {
			continue
		}
		if r.cols == nil {
			if c := d.lastCol[i]; c != nil && sameNames(c, r) {
				r.cols = c
			} else {
				r.cols = d.schemalessColumns(r)
				d.lastCol[i] = r.cols
			}
		}
		n += r.cols.Len()
	}
	if n == 0 && !d.rows[rowKey].present && !d.rows[rowBefore].present && !d.rows[rowAfter].present {
		return nil
	}
	if cap(ev.vals) < n {
		ev.vals = make([]Value, n)
	}
	vals := ev.vals[:n]
	tid := ev.Source.TableID()
	off := 0
	for i := range d.rows {
		r := &d.rows[i]
		if !r.present {
			continue
		}
		k := r.cols.Len()
		row := Row{cols: r.cols, vals: vals[off : off+k : off+k]}
		off += k
		if err := d.convertRow(r, row.vals, tid, i); err != nil {
			return err
		}
		switch i {
		case rowKey:
			ev.Key = row
		case rowBefore:
			ev.Before = row
		default:
			ev.After = row
		}
	}
	return nil
}

// sameNames reports whether the row's member names are c's names, in order.
func sameNames(c *Columns, r *rawRow) bool {
	if len(c.names) != len(r.fields) || c.typed {
		return false
	}
	for i, f := range r.fields {
		if f.name.esc() || c.names[i] != string(r.data[f.name.start:f.name.end]) {
			return false
		}
	}
	return true
}

// schemalessColumns finds (or makes) the Columns of a row by its member names.
func (d *Decoder) schemalessColumns(r *rawRow) *Columns {
	sig := append(d.sig[:0], 2)
	for _, f := range r.fields {
		sig = append(sig, d.name(r.data, f.name)...)
		sig = append(sig, 0)
	}
	d.sig = sig
	if c, ok := d.colsets[string(sig)]; ok {
		return c
	}
	names := make([]string, len(r.fields))
	for i, f := range r.fields {
		names[i] = string(d.name(r.data, f.name))
	}
	c := newColumns(names, make([]ColumnType, len(names)), false)
	d.storeColumns(string(sig), c)
	return c
}

func (d *Decoder) hintTypes(tid TableID, cols *Columns) []ColumnType {
	if d.cfg.hints == nil {
		return nil
	}
	k := hintKey{tid, cols}
	if k == d.last {
		return d.lastT
	}
	t, ok := d.hinted[k]
	if !ok {
		t = make([]ColumnType, cols.Len())
		any := false
		for i, name := range cols.names {
			if h, ok := d.cfg.hints(tid, name); ok {
				t[i] = ColumnType{Logical: h.Logical, Scale: h.Scale}
				any = true
			}
		}
		if !any {
			t = nil
		}
		if len(d.hinted) >= maxColumnSets {
			clear(d.hinted)
		}
		d.hinted[k] = t
	}
	d.last, d.lastT = k, t
	return t
}

var rowPaths = [2][3]string{
	{"key", "value.before", "value.after"},
	{"key.payload", "value.payload.before", "value.payload.after"},
}

func (d *Decoder) convertRow(r *rawRow, vals []Value, tid TableID, idx int) *DecodeError {
	clear(vals)
	cols := r.cols
	types := cols.types
	if !cols.typed {
		types = d.hintTypes(tid, cols)
	}
	for fi, f := range r.fields {
		at := fi
		if cols.typed {
			name := d.name(r.data, f.name)
			if fi >= len(cols.names) || cols.names[fi] != string(name) {
				j, ok := cols.index[string(name)]
				if !ok {
					return &DecodeError{Reason: ReasonSchemaMismatch, Offset: f.name.start,
						Path:   rowPath(r, idx, string(name)),
						Detail: "the schema has no field " + strconv.Quote(string(name))}
				}
				at = j
			}
		}
		var ct *ColumnType
		if types != nil {
			ct = &types[at]
		}
		v, err := d.convert(r.data, f.val, ct)
		if err != nil {
			return err.at(rowPath(r, idx, cols.names[at]))
		}
		vals[at] = v
	}
	return nil
}

func rowPath(r *rawRow, idx int, col string) string {
	w := 0
	if r.wrapped {
		w = 1
	}
	return rowPaths[w][idx] + "." + col
}
