package debezium

import "strconv"

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
		ev.vals = d.values(n)
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
