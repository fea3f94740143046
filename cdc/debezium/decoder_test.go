package debezium

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

func newDecoder(t testing.TB, opts ...Option) *Decoder {
	t.Helper()
	d, err := NewDecoder(opts...)
	require.NoError(t, err)
	return d
}

// rowOf builds the expected row: names and values in order.
func rowOf(t testing.TB, r Row) []string {
	t.Helper()
	return r.Columns().Names()
}

// testdataCase is one message of TestTestdata and what it decodes to.
type testdataCase struct {
	file    string
	key     []byte
	op      Op
	schemas bool
	before  map[string]Value // nil: absent
	after   map[string]Value
	cols    []string // after (or before) column order
	check   func(t *testing.T, ev *Event)
}

// postgresTestdata are the PostgreSQL messages of TestTestdata.
func postgresTestdata(t *testing.T) []testdataCase {
	pgKey := readTestdata(t, "06-postgres-key-with-schema.json")
	customers := []string{"id", "first_name", "last_name", "email"}
	return []testdataCase{
		{
			file: "01-postgres-create-value-with-schema.json", key: pgKey, op: OpCreate, schemas: true,
			cols: customers,
			after: map[string]Value{"id": IntValue(1), "first_name": StringValue("Anne"),
				"last_name": StringValue("Kretchmar"), "email": StringValue("annek@noanswer.org")},
			check: func(t *testing.T, ev *Event) {
				assert.Equal(t, Source{Version: "2.7.3.Final", Connector: "postgresql", Name: "PostgreSQL_server",
					DB: "postgres", Schema: "public", Table: "customers", TsMs: 1559033904863, TsUs: 1559033904863123,
					TsNs: 1559033904863123000, Snapshot: SnapshotTrue, TxID: "555", LSN: 24023128,
					Sequence: `["24023119","24023128"]`}, ev.Source)
				assert.Equal(t, [3]int64{1559033904863, 1559033904863841, 1559033904863841257}, [3]int64{ev.TsMs, ev.TsUs, ev.TsNs})
				assert.Equal(t, TableID{"postgres", "public", "customers"}, ev.Source.TableID())
				assert.True(t, ev.After.Columns().Typed())
				assert.Equal(t, "int32", ev.After.Columns().Type(0).Type)
			},
		},
		{
			file: "02-postgres-update-value.json", key: pgKey, op: OpUpdate, schemas: true, cols: customers,
			before: map[string]Value{"id": IntValue(1), "first_name": NullValue(), "last_name": NullValue(), "email": NullValue()},
			after: map[string]Value{"id": IntValue(1), "first_name": StringValue("Anne Marie"),
				"last_name": StringValue("Kretchmar"), "email": StringValue("annek@noanswer.org")},
			check: func(t *testing.T, ev *Event) {
				assert.Equal(t, SnapshotFalse, ev.Source.Snapshot)
				assert.Equal(t, "556", ev.Source.TxID)
				assert.Equal(t, int64(24023128), ev.Source.LSN)
				assert.Equal(t, int64(1465584025523514964), ev.TsNs)
				assert.Same(t, ev.Before.Columns(), ev.After.Columns(), "before and after share one column set")
			},
		},
		{
			file: "03-postgres-delete-value.json", key: pgKey, op: OpDelete, schemas: true, cols: customers,
			before: map[string]Value{"id": IntValue(1), "first_name": NullValue(), "last_name": NullValue(), "email": NullValue()},
			check: func(t *testing.T, ev *Event) {
				assert.Equal(t, int64(46523128), ev.Source.LSN)
				assert.Equal(t, int64(1465581902461), ev.TsMs)
			},
		},
		{
			file: "07-real-postgres-snapshot-read-with-schema.json", op: OpRead, schemas: true,
			cols: []string{"id", "name", "description", "weight"},
			after: map[string]Value{"id": IntValue(101), "name": StringValue("scooter"),
				"description": StringValue("Small 2-wheel scooter"), "weight": FloatValue(3.14)},
			check: func(t *testing.T, ev *Event) {
				assert.Equal(t, SnapshotTrue, ev.Source.Snapshot)
				assert.True(t, ev.Source.Snapshot.IsSnapshot())
				assert.Equal(t, TableID{"postgres", "inventory", "products"}, ev.Source.TableID())
				assert.Equal(t, "601", ev.Source.TxID)
				assert.Equal(t, int64(34078720), ev.Source.LSN)
				assert.Equal(t, "1.2.1.Final", ev.Source.Version)
				assert.Equal(t, int64(1596001099434), ev.TsMs)
				assert.Zero(t, ev.TsUs)
			},
		},
	}
}

// oracleTestdata are the Oracle messages of TestTestdata.
func oracleTestdata() []testdataCase {
	oraCustomers := []string{"ID", "FIRST_NAME", "LAST_NAME", "EMAIL"}
	return []testdataCase{
		{
			file: "04-oracle-create-value-with-schema.json", op: OpCreate, schemas: true, cols: oraCustomers,
			after: map[string]Value{"ID": IntValue(1004), "FIRST_NAME": StringValue("Anne"),
				"LAST_NAME": StringValue("Kretchmar"), "EMAIL": StringValue("annek@noanswer.org")},
			check: func(t *testing.T, ev *Event) {
				assert.Equal(t, Source{Version: "2.7.3.Final", Name: "server1", TsMs: 1520085154000,
					TsUs: 1520085154000000, TsNs: 1520085154000000000, Snapshot: SnapshotFalse, TxID: "6.28.807",
					SCN: "2122185", CommitSCN: "2122185", StartSCN: "2122185", CommitTsMs: 1520085154000}, ev.Source)
				assert.False(t, ev.HasKey(), "no key message was given")
			},
		},
		{
			file: "05-oracle-truncate-value.json", op: OpTruncate, schemas: true,
			check: func(t *testing.T, ev *Event) {
				assert.Equal(t, Source{Version: "2.7.3.Final", Connector: "oracle", Name: "oracle_server",
					DB: "ORCLPDB1", Schema: "DEBEZIUM", Table: "TEST_TABLE", TsMs: 1638974535000,
					TsUs: 1638974535000000, TsNs: 1638974535000000000, Snapshot: SnapshotFalse,
					TxID: "02000a0037030000", SCN: "13234397", CommitSCN: "13271102", StartSCN: "13234396",
					CommitTsMs: 1638974538971}, ev.Source)
				assert.Equal(t, int64(1638974558961987251), ev.TsNs)
				assert.Equal(t, Transaction{}, ev.Transaction)
			},
		},
		{
			file: "08-real-oracle-read-schemaless.json", op: OpRead, schemas: false,
			cols: []string{"F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "F10", "F11", "F12", "F13", "F14",
				"F16", "F18", "F19", "F20", "F21", "F22", "F23", "F25", "F27", "F28", "F29", "F30", "F31", "F32", "F33"},
			after: map[string]Value{
				"F1": IntValue(1), "F2": DecimalInt64Value(1, 0), "F3": IntValue(1), "F4": IntValue(1),
				"F5": IntValue(1), "F6": IntValue(1), "F7": DecimalInt64Value(1, 0), "F8": IntValue(1),
				"F9": DecimalInt64Value(1, 0), "F10": NullValue(), "F11": StringValue("1"), "F12": StringValue("1"),
				"F13": StringValue("1"), "F14": StringValue("1"), "F16": StringValue("1"), "F18": StringValue("1"),
				"F19": NullValue(), "F20": StringValue("1"), "F21": StringValue("a"), "F22": StringValue("a"),
				"F23": NullValue(), "F25": NullValue(),
				// Without a hint, timestamps stay integers and zoned timestamps strings.
				"F27": IntValue(1734449012000), "F28": IntValue(1734449014000000), "F29": IntValue(1734449015000000),
				"F30": StringValue("2024-12-17T15:23:37.618Z"), "F31": StringValue("2024-12-17T15:23:38.79Z"),
				"F32": StringValue("2024-12-17T15:23:40.28Z"), "F33": StringValue("2024-12-17T15:23:42.119Z"),
			},
			check: func(t *testing.T, ev *Event) {
				assert.Equal(t, Source{Version: "1.6.4.Final", Connector: "oracle", Name: "oracle_logminer",
					DB: "ORCL", Schema: "QA_SOURCE", Table: "ALL_TYPES1", TsMs: 1734509307601,
					Snapshot: SnapshotFalse, SCN: "0", CommitSCN: "0"}, ev.Source)
				assert.False(t, ev.After.Columns().Typed())
			},
		},
	}
}

// TestTestdata decodes every message of ../shared/testdata/debezium (placeholders filled, see
// testdata/README.md) and checks the op, the rows value by value, the source block and the
// envelope timestamps.
func TestTestdata(t *testing.T) {
	tests := append(postgresTestdata(t), oracleTestdata()...)
	d := newDecoder(t)
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			ev, err := d.Decode(tc.key, readTestdata(t, tc.file))
			require.NoError(t, err)
			assert.Equal(t, tc.op, ev.Op)
			assert.Equal(t, tc.schemas, ev.Schemas)
			assert.Equal(t, tc.before, ev.Before.Map())
			assert.Equal(t, tc.after, ev.After.Map())
			for _, r := range []Row{ev.Before, ev.After} {
				if r.Present() {
					assert.Equal(t, tc.cols, rowOf(t, r))
				}
			}
			if tc.key != nil {
				require.True(t, ev.HasKey())
				assert.Equal(t, map[string]Value{"id": IntValue(1)}, ev.Key.Map())
			}
			tc.check(t, ev)
		})
	}
}

// TestTestdataOriginals: the documentation examples as published are not JSON; the decoder says
// so with invalid_json (and the two that are valid decode).
func TestTestdataOriginals(t *testing.T) {
	d := newDecoder(t)
	for file, want := range map[string]Reason{
		"01-postgres-create-value-with-schema.json":       "",
		"02-postgres-update-value.json":                   ReasonInvalidJSON,
		"03-postgres-delete-value.json":                   ReasonInvalidJSON,
		"04-oracle-create-value-with-schema.json":         "",
		"05-oracle-truncate-value.json":                   ReasonInvalidJSON,
		"06-postgres-key-with-schema.json":                ReasonInvalidJSON,
		"07-real-postgres-snapshot-read-with-schema.json": "",
		"08-real-oracle-read-schemaless.json":             "",
	} {
		t.Run(file, func(t *testing.T) {
			b := readTestdata(t, "original/"+file)
			if file[:2] == "06" {
				_, err := d.Decode(b, readTestdata(t, "07-real-postgres-snapshot-read-with-schema.json"))
				assert.Equal(t, want, ReasonOf(err))
				return
			}
			_, err := d.Decode(nil, b)
			assert.Equal(t, want, ReasonOf(err), "%v", err)
		})
	}
}

// TestKeys: the key message with and without schemas, Connect's quoted integer, a null key and
// a key whose columns are called schema and payload.
func TestKeys(t *testing.T) {
	value := readTestdata(t, "08-real-oracle-read-schemaless.json")
	tests := []struct {
		name string
		key  string
		want map[string]Value
		cols []string
	}{
		{"schemaless", `{"id":10042}`, map[string]Value{"id": IntValue(10042)}, []string{"id"}},
		{"composite", `{"tenant":"eu","id":7}`, map[string]Value{"tenant": StringValue("eu"), "id": IntValue(7)}, []string{"tenant", "id"}},
		{"with schema", `{"schema":{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"},` +
			`{"type":"string","optional":false,"field":"code"}],"optional":false,"name":"s.public.t.Key"},"payload":{"id":5,"code":"x"}}`,
			map[string]Value{"id": IntValue(5), "code": StringValue("x")}, []string{"id", "code"}},
		{"payload before schema", `{"payload":{"id":5},"schema":{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"}]}}`,
			map[string]Value{"id": IntValue(5)}, []string{"id"}},
		{"decimal key", `{"schema":{"type":"struct","fields":[{"type":"bytes","optional":false,"field":"n",` +
			`"name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}}]},"payload":{"n":"/w=="}}`,
			map[string]Value{"n": DecimalInt64Value(-1, 2)}, []string{"n"}},
		{"columns named schema and payload", `{"schema":"s1","payload":2}`,
			map[string]Value{"schema": StringValue("s1"), "payload": IntValue(2)}, []string{"schema", "payload"}},
		{"null key", `null`, nil, nil},
		{"wrapped null payload", `{"schema":{"type":"struct","fields":[]},"payload":null}`, nil, nil},
	}
	d := newDecoder(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := d.Decode([]byte(tc.key), value)
			require.NoError(t, err)
			assert.Equal(t, tc.want != nil, ev.HasKey())
			assert.Equal(t, tc.want, ev.Key.Map())
			assert.Equal(t, tc.cols, ev.Key.Columns().Names())
		})
	}
	t.Run("nil key on a keyed op", func(t *testing.T) {
		ev, err := d.Decode(nil, value)
		require.NoError(t, err)
		assert.True(t, ev.Op.Keyed())
		assert.False(t, ev.HasKey(), "the event says the key is missing; the consumer decides")
	})
}

// TestTombstones: a null value is a tombstone that carries only the key.
func TestTombstones(t *testing.T) {
	d := newDecoder(t)
	key := readTestdata(t, "06-postgres-key-with-schema.json")
	for name, value := range map[string][]byte{
		"nil": nil, "empty": {}, "json null": []byte(" null\n"),
		"wrapped null": []byte(`{"schema":null,"payload":null}`),
	} {
		t.Run(name, func(t *testing.T) {
			ev, err := d.Decode(key, value)
			require.NoError(t, err)
			assert.Equal(t, OpTombstone, ev.Op)
			assert.Equal(t, "tombstone", ev.Op.String())
			assert.Equal(t, map[string]Value{"id": IntValue(1)}, ev.Key.Map())
			assert.False(t, ev.Before.Present())
			assert.False(t, ev.After.Present())
			assert.Equal(t, Source{}, ev.Source)
		})
	}
}

// TestOps covers every op code, the message op and the transaction block.
func TestOps(t *testing.T) {
	d := newDecoder(t)
	src := `"source":{"connector":"postgresql","db":"db","schema":"public","table":"t","ts_ms":1}`
	for code, want := range map[string]Op{"r": OpRead, "c": OpCreate, "u": OpUpdate, "d": OpDelete, "t": OpTruncate, "m": OpMessage} {
		ev, err := d.Decode(nil, []byte(`{"op":"`+code+`",`+src+`}`))
		require.NoError(t, err, code)
		assert.Equal(t, want, ev.Op)
		assert.Equal(t, code, ev.Op.String())
	}

	t.Run("message", func(t *testing.T) {
		// PostgreSQL pg_logical_emit_message, as the Debezium documentation shows it.
		msg := `{"op":"m","ts_ms":1559033904961,"source":{"version":"2.7.3.Final","connector":"postgresql",` +
			`"name":"PostgreSQL_server","ts_ms":1559033904961,"snapshot":false,"db":"postgres","schema":"",` +
			`"table":"","txId":null,"lsn":46523128,"xmin":null},"message":{"prefix":"foo","content":"YmFy"}}`
		ev, err := d.Decode(nil, []byte(msg))
		require.NoError(t, err)
		assert.Equal(t, OpMessage, ev.Op)
		assert.Equal(t, Message{Prefix: "foo", Content: []byte("bar")}, ev.Message)
		assert.False(t, ev.After.Present())
		assert.Equal(t, int64(46523128), ev.Source.LSN)
		assert.Equal(t, "", ev.Source.TxID)
	})

	t.Run("transaction", func(t *testing.T) {
		ev, err := d.Decode(nil, []byte(`{"op":"c","after":{"id":1},`+src+
			`,"transaction":{"id":"571:53195829","total_order":1,"data_collection_order":2}}`))
		require.NoError(t, err)
		assert.Equal(t, Transaction{ID: "571:53195829", TotalOrder: 1, DataCollectionOrder: 2}, ev.Transaction)
	})

	t.Run("mysql source", func(t *testing.T) {
		ev, err := d.Decode(nil, []byte(`{"op":"c","after":{"id":1},"source":{"connector":"mysql","db":"inventory",`+
			`"table":"customers","server_id":223344,"gtid":"3e11fa47-71ca-11e1-9e33-c80aa9429562:23","file":"mysql-bin.000003",`+
			`"pos":154,"row":0,"snapshot":"incremental","thread":7}}`))
		require.NoError(t, err)
		assert.Equal(t, Source{Connector: "mysql", DB: "inventory", Table: "customers", ServerID: 223344,
			GTID: "3e11fa47-71ca-11e1-9e33-c80aa9429562:23", File: "mysql-bin.000003", Pos: 154,
			Snapshot: SnapshotIncremental}, ev.Source)
		assert.Equal(t, "inventory.customers", ev.Source.TableID().String())
	})
}

// TestSnapshotField: source.snapshot as a string enum, a boolean, or absent.
func TestSnapshotField(t *testing.T) {
	d := newDecoder(t)
	for raw, want := range map[string]Snapshot{
		`true`: SnapshotTrue, `false`: SnapshotFalse, `"true"`: SnapshotTrue, `"false"`: SnapshotFalse,
		`"first"`: SnapshotFirst, `"last"`: SnapshotLast, `"incremental"`: SnapshotIncremental,
		`"first_in_data_collection"`: SnapshotFirstInDataCollection,
		`"last_in_data_collection"`:  SnapshotLastInDataCollection,
		`"something_new"`:            SnapshotOther, `null`: SnapshotNone,
	} {
		ev, err := d.Decode(nil, []byte(`{"op":"r","source":{"snapshot":`+raw+`}}`))
		require.NoError(t, err, raw)
		assert.Equal(t, want, ev.Source.Snapshot, raw)
		assert.Equal(t, want != SnapshotNone && want != SnapshotFalse, ev.Source.Snapshot.IsSnapshot(), raw)
	}
}

// TestColumnsShared: rows of one table share one *Columns across events, with and without schema,
// so the next stage can detect a schema change by pointer.
func TestColumnsShared(t *testing.T) {
	d := newDecoder(t)
	for _, file := range []string{"bench-postgres-schemaless.json", "bench-postgres-with-schema.json", "07-real-postgres-snapshot-read-with-schema.json"} {
		v := readTestdata(t, file)
		a, err := d.Decode(nil, v)
		require.NoError(t, err)
		b, err := d.Decode(nil, v)
		require.NoError(t, err)
		assert.Same(t, a.After.Columns(), b.After.Columns(), file)
	}
}

// TestEventIndependentOfInput: an event keeps its values after the caller reuses the buffers.
func TestEventIndependentOfInput(t *testing.T) {
	d := newDecoder(t)
	v := readTestdata(t, "bench-postgres-schemaless.json")
	k := []byte(`{"id":10042}`)
	ev, err := d.Decode(k, v)
	require.NoError(t, err)
	want := ev.After.String() + ev.Key.String() + ev.Source.Sequence + ev.Transaction.ID
	for i := range v {
		v[i] = 'x'
	}
	for i := range k {
		k[i] = 'x'
	}
	assert.Equal(t, want, ev.After.String()+ev.Key.String()+ev.Source.Sequence+ev.Transaction.ID)
}

// TestBenchEnvelope pins what the benchmark decodes, in both forms.
func TestBenchEnvelope(t *testing.T) {
	d := newDecoder(t, WithHints(func(_ TableID, col string) (Hint, bool) {
		switch col {
		case "amount":
			return Hint{Logical: LogicalDecimal, Scale: 2}, true
		case "created_at":
			return Hint{Logical: LogicalMicroTimestamp}, true
		case "updated_at":
			return Hint{Logical: LogicalZonedTimestamp}, true
		case "ship_date":
			return Hint{Logical: LogicalDate}, true
		}
		return Hint{}, false
	}))
	want := "{id=10042 customer_id=317 status=\"shipped\" amount=12345.67 currency=\"EUR\" " +
		"created_at=2024-11-23T15:00:00.123456Z updated_at=2026-11-23T14:05:09.123456Z ship_date=2025-11-23 " +
		"note=\"leave at the door, ring twice \\\"please\\\"\" paid=true weight=2.75}"
	for _, f := range []string{"bench-postgres-with-schema.json", "bench-postgres-schemaless.json"} {
		ev, err := d.Decode(readTestdata(t, "bench-postgres-key-schemaless.json"), readTestdata(t, f))
		require.NoError(t, err)
		assert.Equal(t, want, ev.After.String(), f)
		assert.Equal(t, Transaction{ID: "5571:24023128", TotalOrder: 3, DataCollectionOrder: 2}, ev.Transaction)
	}
}

// TestAllocations pins the allocations per envelope: Decode allocates the Event, its values and
// one buffer for its strings; DecodeInto only the buffer.
func TestAllocations(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("allocation counts differ under -cover and -race")
	}
	for _, c := range benchInputs(t) {
		d := newDecoder(t)
		var ev Event
		require.NoError(t, d.DecodeInto(&ev, c.key, c.value))
		assert.Equal(t, 3.0, testing.AllocsPerRun(200, func() { _, _ = d.Decode(c.key, c.value) }), c.name)
		assert.Equal(t, 1.0, testing.AllocsPerRun(200, func() { _ = d.DecodeInto(&ev, c.key, c.value) }), c.name)
	}
}

// TestChunkedAllocation: with WithChunkedAllocation, events decoded one after another share
// chunks, yet each keeps exactly what it decoded (nothing is overwritten by the events after it,
// nor by reusing the input buffers), and the decoder allocates far less than three times per
// event.
func TestChunkedAllocation(t *testing.T) {
	var inputs [][2][]byte
	for _, c := range benchInputs(t) {
		inputs = append(inputs, [2][]byte{c.key, c.value})
	}
	files, err := filepath.Glob("testdata/0*-value*.json")
	require.NoError(t, err)
	for _, f := range files {
		inputs = append(inputs, [2][]byte{nil, readTestdata(t, filepath.Base(f))})
	}
	require.Greater(t, len(inputs), 5)
	// The escapes, base64 and decimal of the bench envelope go through every arena path.
	chunked, plain := newDecoder(t, WithChunkedAllocation()), newDecoder(t)
	// The rows hold the values; the backing store's length differs after DecodeInto.
	same := func(want, got *Event, msg string, args ...any) {
		t.Helper()
		w, g := *want, *got
		w.vals, g.vals = nil, nil
		require.Equal(t, w, g, append([]any{msg}, args...)...)
	}
	const n = 3000 // several chunks of each kind
	got := make([]*Event, n)
	for i := range got {
		in := inputs[i%len(inputs)]
		k, v := slices.Clone(in[0]), slices.Clone(in[1])
		ev, err := chunked.Decode(k, v)
		require.NoError(t, err)
		clear(k)
		clear(v)
		got[i] = ev
	}
	for i, ev := range got {
		in := inputs[i%len(inputs)]
		want, err := plain.Decode(in[0], in[1])
		require.NoError(t, err)
		same(want, ev, "event %d", i)
	}
	// DecodeInto an event of a chunk keeps its neighbours intact.
	require.NoError(t, chunked.DecodeInto(got[1], inputs[0][0], inputs[0][1]))
	want0, err := plain.Decode(inputs[0][0], inputs[0][1])
	require.NoError(t, err)
	same(want0, got[1], "event 1 decoded again")
	want2, err := plain.Decode(inputs[2%len(inputs)][0], inputs[2%len(inputs)][1])
	require.NoError(t, err)
	same(want2, got[2], "event 2")

	if testing.CoverMode() != "" || raceEnabled {
		return // allocation counts differ under -cover and -race
	}
	for _, c := range benchInputs(t) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range n {
			_, _ = chunked.Decode(c.key, c.value)
		}
		runtime.ReadMemStats(&after)
		per := float64(after.Mallocs-before.Mallocs) / n
		assert.Less(t, per, 0.2, "%s: allocations per event", c.name)
	}
}

// TestSchemalessColumnChange: a new column gives a new column set; the old one comes back as the
// same pointer.
func TestSchemalessColumnChange(t *testing.T) {
	d := newDecoder(t)
	dec := func(after string) *Columns {
		ev, err := d.Decode(nil, []byte(`{"op":"c","source":{"table":"t"},"after":`+after+`}`))
		require.NoError(t, err)
		return ev.After.Columns()
	}
	ab := dec(`{"a":1,"b":2}`)
	abc := dec(`{"a":1,"b":2,"c":3}`)
	assert.NotSame(t, ab, abc)
	assert.Equal(t, []string{"a", "b", "c"}, abc.Names())
	assert.Same(t, ab, dec(`{"a":5,"b":6}`))
	assert.Same(t, abc, dec(`{"a":1,"b":2,"c":4}`))
	ba := dec(`{"b":1,"a":2}`)
	assert.NotSame(t, ab, ba, "order matters")
	i, ok := ba.Index("a")
	assert.True(t, ok)
	assert.Equal(t, 1, i)
	esc := dec(`{"\u0061":1,"b":2}`)
	assert.Same(t, ab, esc, "escaped names are compared unescaped")
}
