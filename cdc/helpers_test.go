package cdc_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/twmb/franz-go/pkg/kfake.(*Cluster).run"))
}

// rowSchema is the Connect schema of the orders rows: id (key), customer, qty, updated_at.
var rowSchema = []map[string]any{
	{"type": "int64", "optional": false, "field": "id"},
	{"type": "string", "optional": true, "field": "customer"},
	{"type": "int32", "optional": true, "field": "qty"},
	{"type": "int64", "optional": true, "name": "io.debezium.time.MicroTimestamp", "version": 1, "field": "updated_at"},
}

// order is one row of the test table; nil fields are NULL.
type order struct {
	ID       int64
	Customer *string
	Qty      *int32
	Updated  int64 // microseconds
}

func (o *order) payload() map[string]any {
	if o == nil {
		return nil
	}
	m := map[string]any{"id": o.ID, "customer": nil, "qty": nil, "updated_at": o.Updated}
	if o.Customer != nil {
		m["customer"] = *o.Customer
	}
	if o.Qty != nil {
		m["qty"] = *o.Qty
	}
	return m
}

func str(s string) *string { return &s }
func i32(i int32) *int32   { return &i }

// envelope returns a Debezium PostgreSQL change event of table with schemas.enable=true.
func envelope(t *testing.T, table, op string, before, after *order, tsMs int64) []byte {
	t.Helper()
	rowStruct := func(field string) map[string]any {
		return map[string]any{"type": "struct", "fields": rowSchema, "optional": true, "name": "pg.public." + table + ".Value", "field": field}
	}
	schema := map[string]any{
		"type": "struct", "optional": false, "name": "pg.public." + table + ".Envelope",
		"fields": []any{
			rowStruct("before"), rowStruct("after"),
			map[string]any{"type": "struct", "optional": false, "name": "io.debezium.connector.postgresql.Source", "field": "source", "fields": []any{
				map[string]any{"type": "string", "optional": false, "field": "connector"},
				map[string]any{"type": "int64", "optional": false, "field": "ts_ms"},
				map[string]any{"type": "string", "optional": false, "field": "db"},
				map[string]any{"type": "string", "optional": false, "field": "schema"},
				map[string]any{"type": "string", "optional": false, "field": "table"},
				map[string]any{"type": "int64", "optional": true, "field": "lsn"},
			}},
			map[string]any{"type": "string", "optional": false, "field": "op"},
			map[string]any{"type": "int64", "optional": true, "field": "ts_ms"},
		},
	}
	payload := map[string]any{
		"before": before.payload(), "after": after.payload(), "op": op, "ts_ms": tsMs,
		"source": map[string]any{"connector": "postgresql", "ts_ms": tsMs, "db": "test", "schema": "public", "table": table, "lsn": 1000 + tsMs},
	}
	b, err := json.Marshal(map[string]any{"schema": schema, "payload": payload})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// keyOf returns the key message of id.
func keyOf(table string, id int64) []byte {
	return []byte(fmt.Sprintf(`{"schema":{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"}],"optional":false,"name":"pg.public.%s.Key"},"payload":{"id":%d}}`, table, id))
}

// change is a record to produce: a key and a value (nil: tombstone).
func change(topic string, key, value []byte) *kgo.Record {
	return &kgo.Record{Topic: topic, Key: key, Value: value}
}
