package debezium

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
