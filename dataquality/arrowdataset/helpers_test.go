package arrowdataset_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/dataquality/arrowdataset"
)

// checked returns an allocator that fails t at cleanup if a buffer is still allocated: every
// test that builds arrays proves that the dataset released what it retained.
func checked(t *testing.T) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

// record builds a record batch of schema from rows (nil is NULL); see appendValue for the Go
// values each type takes.
func record(t testing.TB, mem memory.Allocator, schema *arrow.Schema, rows [][]any) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for _, row := range rows {
		require.Len(t, row, schema.NumFields())
		for i, v := range row {
			appendValue(t, b.Field(i), v)
		}
	}
	return b.NewRecordBatch()
}

// appendValue appends v to b: Go integers and floats to numbers, decimal text ("12.50") to
// decimals, time.Time to timestamps and dates, time.Duration to times of day, string to text and
// dictionaries, []byte to binary.
func appendValue(t testing.TB, b array.Builder, v any) {
	t.Helper()
	if v == nil {
		b.AppendNull()
		return
	}
	dec := func() (string, int32, int32) {
		dt := b.Type().(arrow.DecimalType)
		return v.(string), dt.GetPrecision(), dt.GetScale()
	}
	switch b := b.(type) {
	case *array.Int8Builder:
		b.Append(int8(v.(int)))
	case *array.Int16Builder:
		b.Append(int16(v.(int)))
	case *array.Int32Builder:
		b.Append(int32(v.(int)))
	case *array.Int64Builder:
		b.Append(int64(v.(int)))
	case *array.Uint8Builder:
		b.Append(uint8(v.(int)))
	case *array.Uint16Builder:
		b.Append(uint16(v.(int)))
	case *array.Uint32Builder:
		b.Append(uint32(v.(int)))
	case *array.Uint64Builder:
		b.Append(v.(uint64))
	case *array.Float16Builder:
		b.Append(float16.New(v.(float32)))
	case *array.Float32Builder:
		b.Append(v.(float32))
	case *array.Float64Builder:
		b.Append(v.(float64))
	case *array.Decimal32Builder:
		n, err := decimal.Decimal32FromString(dec())
		require.NoError(t, err)
		b.Append(n)
	case *array.Decimal64Builder:
		n, err := decimal.Decimal64FromString(dec())
		require.NoError(t, err)
		b.Append(n)
	case *array.Decimal128Builder:
		n, err := decimal128.FromString(dec())
		require.NoError(t, err)
		b.Append(n)
	case *array.Decimal256Builder:
		n, err := decimal256.FromString(dec())
		require.NoError(t, err)
		b.Append(n)
	case *array.BooleanBuilder:
		b.Append(v.(bool))
	case *array.StringBuilder:
		b.Append(v.(string))
	case *array.LargeStringBuilder:
		b.Append(v.(string))
	case *array.StringViewBuilder:
		b.Append(v.(string))
	case *array.BinaryBuilder:
		b.Append(v.([]byte))
	case *array.BinaryViewBuilder:
		b.Append(v.([]byte))
	case *array.FixedSizeBinaryBuilder:
		b.Append(v.([]byte))
	case *array.TimestampBuilder:
		ts, err := arrow.TimestampFromTime(v.(time.Time), b.Type().(*arrow.TimestampType).Unit)
		require.NoError(t, err)
		b.Append(ts)
	case *array.Date32Builder:
		b.Append(arrow.Date32FromTime(v.(time.Time)))
	case *array.Date64Builder:
		b.Append(arrow.Date64FromTime(v.(time.Time)))
	case *array.Time32Builder:
		b.Append(arrow.Time32(v.(time.Duration) / b.Type().(*arrow.Time32Type).Unit.Multiplier()))
	case *array.Time64Builder:
		b.Append(arrow.Time64(v.(time.Duration) / b.Type().(*arrow.Time64Type).Unit.Multiplier()))
	case *array.BinaryDictionaryBuilder:
		require.NoError(t, b.AppendString(v.(string)))
	default:
		t.Fatalf("appendValue: no case for %T", b)
	}
}

// newDataset returns a dataset of the records, released at cleanup; the records' own
// references are released at once, as a caller would.
func newDataset(t *testing.T, schema *arrow.Schema, recs []arrow.RecordBatch, opts ...arrowdataset.Option) *arrowdataset.Dataset {
	t.Helper()
	ds, err := arrowdataset.New(schema, recs, opts...)
	for _, r := range recs {
		r.Release()
	}
	require.NoError(t, err)
	t.Cleanup(ds.Release)
	return ds
}

// order is one row of the ORDERS test table, with every supported kind of value.
type order struct {
	id      int64
	qty     any // int or nil
	cents   any // int64 or nil: AMOUNT in hundredths
	price   any // float64 or nil
	name    any // string or nil
	data    any // []byte or nil
	active  any // bool or nil
	day     any // time.Time (UTC midnight) or nil
	created any // time.Time or nil
	at      any // time.Duration or nil
}

// ordersSchema is ORDERS as Arrow: the timestamp in nanoseconds with a time zone, the primary key
// in the schema's metadata.
var ordersSchema = arrow.NewSchema([]arrow.Field{
	{Name: "ID", Type: arrow.PrimitiveTypes.Int64},
	{Name: "QTY", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "AMOUNT", Type: &arrow.Decimal128Type{Precision: 12, Scale: 2}, Nullable: true},
	{Name: "PRICE", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "NAME", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "DATA", Type: arrow.BinaryTypes.Binary, Nullable: true},
	{Name: "ACTIVE", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "DAY", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "CREATED", Type: &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "Europe/Paris"}, Nullable: true},
	{Name: "AT", Type: arrow.FixedWidthTypes.Time64us, Nullable: true},
}, func() *arrow.Metadata {
	md := arrow.NewMetadata([]string{arrowdataset.PrimaryKeyMetadataKey}, []string{"ID"})
	return &md
}())

// ordersTypes are the normalised types of ORDERS' columns.
var ordersTypes = []dataquality.Type{dataquality.TypeInteger, dataquality.TypeInteger, dataquality.TypeDecimal,
	dataquality.TypeFloat, dataquality.TypeString, dataquality.TypeBytes, dataquality.TypeBoolean,
	dataquality.TypeDate, dataquality.TypeTimestamp, dataquality.TypeTime}

// orders returns n rows, the same on every call, with NULLs, negative and zero amounts, empty
// and non-ASCII text, and nanosecond timestamps.
func orders(n int) []order {
	base := time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)
	out := make([]order, n)
	for i := 1; i <= n; i++ {
		o := order{
			id:      int64(i),
			qty:     i % 100,
			cents:   int64((i*37)%100000) * int64(1-2*(i%3/2)),
			price:   float64(i) / 8,
			name:    fmt.Sprintf("order %d ünïcødé", i),
			data:    []byte{byte(i), byte(i >> 8), 0},
			active:  i%3 == 0,
			day:     base.Truncate(24*time.Hour).AddDate(0, 0, i%400),
			created: base.Add(time.Duration(i)*1_234_567_891 + 789),
			at:      time.Duration(i%86400)*time.Second + time.Duration(i)*time.Microsecond,
		}
		switch {
		case i%50 == 0:
			o.qty = nil
		case i%37 == 0:
			o.cents = nil
		case i%41 == 0:
			o.name = ""
		case i%43 == 0:
			o.name = nil
		case i%47 == 0:
			o.created = nil
		case i%53 == 0:
			o.active, o.data, o.day, o.at, o.price = nil, nil, nil, nil, nil
		}
		out[i-1] = o
	}
	return out
}

// arrowOrders returns the rows as a dataset of batches record batches of uneven sizes, in a
// shuffled order (keys are not sorted).
func arrowOrders(t *testing.T, mem memory.Allocator, rows []order, batches int) *arrowdataset.Dataset {
	t.Helper()
	rows = append([]order(nil), rows...)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	var recs []arrow.RecordBatch
	for b := range batches {
		lo, hi := len(rows)*b*b/(batches*batches), len(rows)*(b+1)*(b+1)/(batches*batches)
		vals := make([][]any, 0, hi-lo)
		for _, o := range rows[lo:hi] {
			var amount any
			if o.cents != nil {
				c := o.cents.(int64)
				sign := ""
				if c < 0 {
					sign, c = "-", -c
				}
				amount = fmt.Sprintf("%s%d.%02d", sign, c/100, c%100) // at the column's scale: "12.50"
			}
			vals = append(vals, []any{int(o.id), o.qty, amount, o.price, o.name, o.data, o.active, o.day, o.created, o.at})
		}
		recs = append(recs, record(t, mem, ordersSchema, vals))
	}
	return newDataset(t, ordersSchema, recs)
}

// memoryOrders returns the rows as a MemoryDataset whose values are written differently, as
// another system would return them: amounts with four decimals ("12.5000"), timestamps in a
// +05:30 zone, dates at 23:30 in a +09:00 zone, integers as int64.
func memoryOrders(t *testing.T, rows []order) *dataquality.MemoryDataset {
	t.Helper()
	names := []string{"id", "qty", "amount", "price", "name", "data", "active", "day", "created", "at"}
	cols := make([]dataquality.Column, len(names))
	for i, n := range names {
		cols[i] = dataquality.Column{Name: n, Type: ordersTypes[i]}
	}
	india, tokyo := time.FixedZone("IST", 5*3600+1800), time.FixedZone("JST", 9*3600)
	maps := make([]map[string]any, len(rows))
	for r, o := range rows {
		m := map[string]any{"id": o.id, "price": o.price, "name": o.name, "data": o.data, "active": o.active, "at": o.at}
		if o.qty != nil {
			m["qty"] = int64(o.qty.(int))
		}
		if o.cents != nil {
			c := o.cents.(int64)
			sign := ""
			if c < 0 {
				sign, c = "-", -c
			}
			m["amount"] = fmt.Sprintf("%s%d.%02d00", sign, c/100, c%100)
		}
		if o.day != nil {
			d := o.day.(time.Time)
			m["day"] = time.Date(d.Year(), d.Month(), d.Day(), 23, 30, 0, 0, tokyo)
		}
		if o.created != nil {
			m["created"] = o.created.(time.Time).In(india)
		}
		maps[r] = m
	}
	ds, err := dataquality.NewMemoryDataset(dataquality.MemoryTable{Columns: cols, PrimaryKey: []string{"id"}, Rows: maps})
	require.NoError(t, err)
	return ds
}
