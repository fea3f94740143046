package debezium

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
