package debezium

import (
	"bytes"
	"encoding/json"
	"hash/maphash"
	"strconv"
	"strings"
)

// compiledSchema is a parsed Connect schema of a key or an envelope, cached by its raw bytes.
type compiledSchema struct {
	raw           []byte
	key           bool
	row           *Columns // key schema: the key columns
	before, after *Columns // envelope schema
}

// connectSchema is the JSON converter's schema description. The field descriptors of Debezium's
// documentation ({"name":..,"index":..,"schema":{..}}) are accepted too.
type connectSchema struct {
	Type       string          `json:"type"`
	Optional   json.RawMessage `json:"optional"`
	Name       string          `json:"name"`
	Field      string          `json:"field"`
	Parameters map[string]any  `json:"parameters"`
	Fields     []connectSchema `json:"fields"`
	Schema     *connectSchema  `json:"schema"`
}

// fieldName and def resolve both field styles.
func (c *connectSchema) fieldName() string {
	if c.Field == "" && c.Schema != nil {
		return c.Name
	}
	return c.Field
}

func (c *connectSchema) def() *connectSchema {
	if c.Field == "" && c.Schema != nil {
		return c.Schema
	}
	return c
}

// schemaAt reads the schema at s.pos, from the cache when its bytes were seen before.
func (d *Decoder) schemaAt(s *scanner, key bool) (*compiledSchema, *DecodeError) {
	s.ws()
	rest := s.data[s.pos:]
	for _, c := range d.recent {
		if c != nil && c.key == key && len(rest) >= len(c.raw) && string(rest[:len(c.raw)]) == string(c.raw) {
			s.pos += len(c.raw)
			return c, nil
		}
	}
	start := s.pos
	if err := s.skip(0); err != nil {
		return nil, err
	}
	raw := s.data[start:s.pos]
	h := maphash.Bytes(d.seed, raw)
	for _, c := range d.schemas[h] {
		if c.key == key && bytes.Equal(c.raw, raw) {
			d.remember(c)
			return c, nil
		}
	}
	c, err := d.compile(raw, key)
	if err != nil {
		err.Offset = start
		return nil, err
	}
	if len(d.schemas) >= d.cfg.maxSchemas {
		clear(d.schemas)
	}
	d.schemas[h] = append(d.schemas[h], c)
	d.remember(c)
	return c, nil
}

// remember puts c first in the short list of schemas checked by prefix before hashing.
func (d *Decoder) remember(c *compiledSchema) {
	if d.recent[0] == c {
		return
	}
	i := len(d.recent) - 1
	for j, r := range d.recent {
		if r == c {
			i = j
			break
		}
	}
	copy(d.recent[1:i+1], d.recent[:i])
	d.recent[0] = c
}

func (d *Decoder) compile(raw []byte, key bool) (*compiledSchema, *DecodeError) {
	var cs connectSchema
	if err := json.Unmarshal(raw, &cs); err != nil {
		return nil, &DecodeError{Reason: ReasonInvalidSchema, Detail: "cannot read the schema", Err: err}
	}
	if !strings.EqualFold(cs.Type, "struct") {
		return nil, &DecodeError{Reason: ReasonInvalidSchema,
			Detail: "the schema type is " + strconv.Quote(cs.Type) + ", want struct"}
	}
	c := &compiledSchema{raw: bytes.Clone(raw), key: key}
	if key {
		cols, err := d.schemaColumns(&cs)
		if err != nil {
			return nil, err
		}
		c.row = cols
		return c, nil
	}
	for i := range cs.Fields {
		f := &cs.Fields[i]
		name := f.fieldName()
		if name != "before" && name != "after" {
			continue
		}
		def := f.def()
		if !strings.EqualFold(def.Type, "struct") {
			return nil, &DecodeError{Reason: ReasonInvalidSchema,
				Detail: "field " + name + " has type " + strconv.Quote(def.Type) + ", want struct"}
		}
		cols, err := d.schemaColumns(def)
		if err != nil {
			return nil, err
		}
		if name == "before" {
			c.before = cols
		} else {
			c.after = cols
		}
	}
	return c, nil
}

// schemaColumns builds (or finds) the Columns of a struct schema.
func (d *Decoder) schemaColumns(cs *connectSchema) (*Columns, *DecodeError) {
	names := make([]string, len(cs.Fields))
	types := make([]ColumnType, len(cs.Fields))
	sig := d.sig[:0]
	sig = append(sig, 1)
	for i := range cs.Fields {
		f := &cs.Fields[i]
		def := f.def()
		names[i] = f.fieldName()
		if names[i] == "" {
			return nil, &DecodeError{Reason: ReasonInvalidSchema, Detail: "field " + strconv.Itoa(i) + " has no name"}
		}
		t := ColumnType{Type: strings.ToLower(def.Type), Name: def.Name}
		t.Logical = logicalOf(def.Name, t.Type)
		t.Optional = isTrue(def.Optional)
		if v, ok := def.Parameters["scale"]; ok {
			n, ok := paramInt(v)
			if !ok {
				return nil, &DecodeError{Reason: ReasonInvalidSchema, Detail: "field " + names[i] + ": invalid scale parameter"}
			}
			t.Scale = n
		}
		if v, ok := def.Parameters["connect.decimal.precision"]; ok {
			t.Precision, _ = paramInt(v)
		}
		types[i] = t
		sig = append(sig, names[i]...)
		sig = append(sig, 0)
		sig = append(sig, t.Type...)
		sig = append(sig, 0)
		sig = append(sig, t.Name...)
		sig = strconv.AppendInt(append(sig, 0), int64(t.Scale), 10)
		sig = strconv.AppendInt(append(sig, 0), int64(t.Precision), 10)
		sig = strconv.AppendBool(append(sig, 0), t.Optional)
		sig = append(sig, 0)
	}
	d.sig = sig
	if c, ok := d.colsets[string(sig)]; ok {
		return c, nil
	}
	c := newColumns(names, types, true)
	d.storeColumns(string(sig), c)
	return c, nil
}

func (d *Decoder) storeColumns(sig string, c *Columns) {
	if len(d.colsets) >= maxColumnSets {
		clear(d.colsets)
	}
	d.colsets[sig] = c
}

const maxColumnSets = 4096

func isTrue(raw json.RawMessage) bool {
	s := strings.Trim(string(raw), `"`)
	return s == "true"
}

func paramInt(v any) (int32, bool) {
	switch x := v.(type) {
	case string:
		n, err := strconv.ParseInt(x, 10, 32)
		return int32(n), err == nil
	case float64:
		if x == float64(int32(x)) {
			return int32(x), true
		}
	}
	return 0, false
}
