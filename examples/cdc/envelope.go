package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// kind is how a SQLite column's values are written in a Debezium message, from its declared type
// as the SQLite extractor maps it to Arrow (so that the consumer's Iceberg columns match the bulk
// load's).
type kind uint8

const (
	kindText kind = iota
	kindInt
	kindFloat
	kindBool
	kindDate      // io.debezium.time.Date: days since the epoch
	kindTimestamp // io.debezium.time.ZonedTimestamp: ISO-8601 in UTC
	kindDecimal   // org.apache.kafka.connect.data.Decimal: base64 two's complement, scale in the schema
)

var precisionScale = regexp.MustCompile(`\(\s*(\d+)\s*,\s*(\d+)\s*\)`)

// kindOf maps a declared SQLite type as extractors/sqlite does.
func kindOf(declared string) (k kind, precision, scale int) {
	u := strings.ToUpper(strings.TrimSpace(declared))
	switch {
	case u == "":
		return kindText, 0, 0
	case strings.Contains(u, "BOOL"):
		return kindBool, 0, 0
	case strings.Contains(u, "DATETIME"), strings.Contains(u, "TIMESTAMP"):
		return kindTimestamp, 0, 0
	case u == "DATE":
		return kindDate, 0, 0
	case strings.Contains(u, "INT"):
		return kindInt, 0, 0
	case strings.Contains(u, "CHAR"), strings.Contains(u, "CLOB"), strings.Contains(u, "TEXT"):
		return kindText, 0, 0
	case strings.Contains(u, "REAL"), strings.Contains(u, "FLOA"), strings.Contains(u, "DOUB"):
		return kindFloat, 0, 0
	case strings.Contains(u, "DEC"), strings.Contains(u, "NUMERIC"):
		if m := precisionScale.FindStringSubmatch(u); m != nil {
			p, _ := strconv.Atoi(m[1])
			s, _ := strconv.Atoi(m[2])
			if p >= 1 && p <= 38 && s <= p {
				return kindDecimal, p, s
			}
		}
		return kindFloat, 0, 0
	}
	return kindText, 0, 0
}

// column is one column of a source table.
type column struct {
	name             string
	kind             kind
	precision, scale int
	required         bool
}

// tableSpec is a source table as the change generator writes its Debezium messages: its
// columns, its key, and the message schemas derived from them.
type tableSpec struct {
	server, schema, name string // the topic is server.schema.name, Debezium's default routing
	cols                 []column
	key                  []int // indexes into cols, in key order

	valueSchema json.RawMessage
	keySchema   json.RawMessage
}

// Topic is the table's Kafka topic.
func (t *tableSpec) Topic() string { return t.server + "." + t.schema + "." + t.name }

// newTableSpec derives the message schemas of a table.
func newTableSpec(server, schema, name string, cols []column, key []int) *tableSpec {
	t := &tableSpec{server: server, schema: schema, name: name, cols: cols, key: key}
	fields := make([]map[string]any, len(cols))
	for i, c := range cols {
		fields[i] = fieldSchema(c)
	}
	keyFields := make([]map[string]any, len(key))
	for i, k := range key {
		keyFields[i] = fieldSchema(cols[k])
	}
	row := func(field string) map[string]any {
		return map[string]any{"type": "struct", "optional": true, "name": t.Topic() + ".Value", "field": field, "fields": fields}
	}
	str := func(field string, optional bool) map[string]any {
		return map[string]any{"type": "string", "optional": optional, "field": field}
	}
	value := map[string]any{
		"type": "struct", "optional": false, "name": t.Topic() + ".Envelope", "version": 1,
		"fields": []any{
			row("before"), row("after"),
			map[string]any{"type": "struct", "optional": false, "name": "io.debezium.connector.sqlite.Source", "field": "source",
				"fields": []any{
					str("connector", false), str("name", false),
					map[string]any{"type": "int64", "optional": false, "field": "ts_ms"},
					str("snapshot", true), str("db", false), str("schema", false), str("table", false),
				}},
			str("op", false),
			map[string]any{"type": "int64", "optional": true, "field": "ts_ms"},
		},
	}
	t.valueSchema = mustJSON(value)
	t.keySchema = mustJSON(map[string]any{"type": "struct", "optional": false, "name": t.Topic() + ".Key", "fields": keyFields})
	return t
}

func fieldSchema(c column) map[string]any {
	f := map[string]any{"optional": !c.required, "field": c.name}
	switch c.kind {
	case kindInt:
		f["type"] = "int64"
	case kindFloat:
		f["type"] = "float64"
	case kindBool:
		f["type"] = "boolean"
	case kindDate:
		f["type"], f["name"], f["version"] = "int32", "io.debezium.time.Date", 1
	case kindTimestamp:
		f["type"], f["name"], f["version"] = "string", "io.debezium.time.ZonedTimestamp", 1
	case kindDecimal:
		f["type"], f["name"], f["version"] = "bytes", "org.apache.kafka.connect.data.Decimal", 1
		f["parameters"] = map[string]string{"scale": strconv.Itoa(c.scale), "connect.decimal.precision": strconv.Itoa(c.precision)}
	default:
		f["type"] = "string"
	}
	return f
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps of strings, numbers and bools: cannot fail
	}
	return b
}

// describeTable reads a SQLite table's columns and primary key (pragma_table_info).
func describeTable(ctx context.Context, q querier, server, schema, name string) (*tableSpec, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, type, "notnull", pk FROM pragma_table_info(?) ORDER BY cid`, name)
	if err != nil {
		return nil, fmt.Errorf("describe %s: %w", name, err)
	}
	defer rows.Close()
	var cols []column
	type pkCol struct{ idx, pos int }
	var pk []pkCol
	for rows.Next() {
		var n, typ string
		var notNull bool
		var pos int
		if err := rows.Scan(&n, &typ, &notNull, &pos); err != nil {
			return nil, fmt.Errorf("describe %s: %w", name, err)
		}
		k, p, s := kindOf(typ)
		cols = append(cols, column{name: n, kind: k, precision: p, scale: s, required: notNull || pos > 0})
		if pos > 0 {
			pk = append(pk, pkCol{len(cols) - 1, pos})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("describe %s: %w", name, err)
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("describe %s: no such table", name)
	}
	if len(pk) == 0 {
		return nil, fmt.Errorf("describe %s: the table has no primary key", name)
	}
	sort.Slice(pk, func(i, j int) bool { return pk[i].pos < pk[j].pos })
	key := make([]int, len(pk))
	for i, p := range pk {
		key[i] = p.idx
	}
	return newTableSpec(server, schema, name, cols, key), nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Debezium operations.
const (
	opCreate   = "c"
	opUpdate   = "u"
	opDelete   = "d"
	opTruncate = "t"
)

// value returns the message of one change of t: op with the before and after images (nil when
// absent), as Kafka Connect's JSON converter writes it with schemas.enable=true.
func (t *tableSpec) value(op string, before, after []any, ts time.Time) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"schema":`)
	b.Write(t.valueSchema)
	b.WriteString(`,"payload":{"before":`)
	if err := t.writeRow(&b, before, nil); err != nil {
		return nil, fmt.Errorf("%s before image: %w", t.name, err)
	}
	b.WriteString(`,"after":`)
	if err := t.writeRow(&b, after, nil); err != nil {
		return nil, fmt.Errorf("%s after image: %w", t.name, err)
	}
	ms := ts.UnixMilli()
	fmt.Fprintf(&b, `,"source":{"connector":"sqlite","name":%q,"ts_ms":%d,"snapshot":"false","db":"main","schema":%q,"table":%q},"op":%q,"ts_ms":%d}}`,
		t.server, ms, t.schema, t.name, op, ms)
	return b.Bytes(), nil
}

// keyMessage returns the key message of row (a full row of t), nil for none.
func (t *tableSpec) keyMessage(row []any) ([]byte, error) {
	if row == nil {
		return nil, nil
	}
	var b bytes.Buffer
	b.WriteString(`{"schema":`)
	b.Write(t.keySchema)
	b.WriteString(`,"payload":`)
	if err := t.writeRow(&b, row, t.key); err != nil {
		return nil, fmt.Errorf("%s key: %w", t.name, err)
	}
	b.WriteString(`}`)
	return b.Bytes(), nil
}

// writeRow writes row's columns idx (all when nil) as a JSON object, or null for a nil row.
func (t *tableSpec) writeRow(b *bytes.Buffer, row []any, idx []int) error {
	if row == nil {
		b.WriteString("null")
		return nil
	}
	if idx == nil {
		idx = make([]int, len(t.cols))
		for i := range idx {
			idx[i] = i
		}
	}
	b.WriteByte('{')
	for n, i := range idx {
		if n > 0 {
			b.WriteByte(',')
		}
		c := t.cols[i]
		b.Write(mustJSON(c.name))
		b.WriteByte(':')
		v, err := debeziumValue(c, row[i])
		if err != nil {
			return fmt.Errorf("column %s: %w", c.name, err)
		}
		b.Write(mustJSON(v))
	}
	b.WriteByte('}')
	return nil
}

// debeziumValue converts a value read from SQLite to what Debezium writes for c.
func debeziumValue(c column, v any) (any, error) {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	if v == nil {
		return nil, nil
	}
	switch c.kind {
	case kindInt:
		switch x := v.(type) {
		case int64:
			return x, nil
		case bool:
			return map[bool]int64{false: 0, true: 1}[x], nil
		}
	case kindFloat:
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		}
	case kindBool:
		switch x := v.(type) {
		case int64:
			return x != 0, nil
		case bool:
			return x, nil
		}
	case kindDate:
		t, err := asTime(v, time.DateOnly)
		if err != nil {
			return nil, err
		}
		y, m, d := t.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400, nil
	case kindTimestamp:
		t, err := asTime(v, time.DateTime)
		if err != nil {
			return nil, err
		}
		return t.UTC().Format(time.RFC3339Nano), nil
	case kindDecimal:
		var f float64
		switch x := v.(type) {
		case float64:
			f = x
		case int64:
			f = float64(x)
		case string:
			var err error
			if f, err = strconv.ParseFloat(x, 64); err != nil {
				return nil, fmt.Errorf("decimal %q: %w", x, err)
			}
		default:
			return nil, fmt.Errorf("a %T is not a decimal", v)
		}
		unscaled := big.NewInt(int64(math.Round(f * math.Pow10(c.scale))))
		return base64.StdEncoding.EncodeToString(twosComplement(unscaled)), nil
	default:
		switch x := v.(type) {
		case string:
			return x, nil
		case time.Time:
			return x.UTC().Format(time.DateTime), nil
		default:
			return fmt.Sprint(x), nil
		}
	}
	return nil, fmt.Errorf("a %T value %v does not fit a %s column", v, v, kindName(c.kind))
}

func kindName(k kind) string {
	return [...]string{"text", "integer", "float", "boolean", "date", "timestamp", "decimal"}[k]
}

// asTime reads a SQLite date or timestamp: text in layout (or RFC 3339), or a time.Time when the
// driver parsed it.
func asTime(v any, layout string) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x.UTC(), nil
	case string:
		for _, l := range []string{layout, time.DateTime, time.RFC3339Nano, time.DateOnly} {
			if t, err := time.Parse(l, x); err == nil {
				return t, nil
			}
		}
		return time.Time{}, fmt.Errorf("%q is not a %s", x, layout)
	}
	return time.Time{}, fmt.Errorf("a %T is not a time", v)
}

// twosComplement returns n as big-endian two's complement in the fewest bytes, as Kafka
// Connect's Decimal writes its unscaled value.
func twosComplement(n *big.Int) []byte {
	if n.Sign() >= 0 {
		b := n.Bytes()
		if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b
	}
	// -n = 2^(8k) - |n| for the smallest k whose top bit is set.
	k := (n.BitLen() + 8) / 8
	mod := new(big.Int).Lsh(big.NewInt(1), uint(8*k))
	b := new(big.Int).Add(mod, n).Bytes()
	for len(b) < k {
		b = append([]byte{0xff}, b...)
	}
	return b
}
