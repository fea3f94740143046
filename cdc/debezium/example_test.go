package debezium_test

import (
	"fmt"

	"github.com/etlwatch/etlwatch/cdc/debezium"
)

// A schemaless PostgreSQL update, its key, and a hint that reads the "price" column as a
// NUMERIC(10,2) encoded in base64, as the target table declares it.
func Example() {
	key := []byte(`{"id":42}`)
	value := []byte(`{"before":{"id":42,"price":"BNI=","updated":1700000000000000},` +
		`"after":{"id":42,"price":"BTk=","updated":1700000100000000},` +
		`"source":{"connector":"postgresql","db":"shop","schema":"public","table":"items",` +
		`"ts_ms":1700000100123,"snapshot":"false","txId":771,"lsn":24023128},` +
		`"op":"u","ts_ms":1700000100200}`)

	dec, err := debezium.NewDecoder(debezium.WithHints(
		func(table debezium.TableID, column string) (debezium.Hint, bool) {
			switch column {
			case "price":
				return debezium.Hint{Logical: debezium.LogicalDecimal, Scale: 2}, true
			case "updated":
				return debezium.Hint{Logical: debezium.LogicalMicroTimestamp}, true
			}
			return debezium.Hint{}, false
		}))
	if err != nil {
		panic(err)
	}
	ev, err := dec.Decode(key, value)
	if err != nil {
		panic(err)
	}
	fmt.Println(ev.Op, ev.Source.TableID(), "lsn", ev.Source.LSN, "snapshot:", ev.Source.Snapshot.IsSnapshot())
	fmt.Println("key:   ", ev.Key)
	fmt.Println("before:", ev.Before)
	fmt.Println("after: ", ev.After)
	price, _ := ev.After.Get("price")
	unscaled, scale, _ := price.DecimalInt64()
	fmt.Println("price unscaled", unscaled, "scale", scale)

	// A bad record: the reason goes into the dead-letter header.
	_, err = dec.Decode(key, []byte(`{"op":"x","source":{}}`))
	fmt.Println(debezium.ReasonOf(err))
	// Output:
	// u shop.public.items lsn 24023128 snapshot: false
	// key:    {id=42}
	// before: {id=42 price=12.34 updated=2023-11-14T22:13:20Z}
	// after:  {id=42 price=13.37 updated=2023-11-14T22:15:00Z}
	// price unscaled 1337 scale 2
	// unknown_op
}

// Decoding into a reused Event, as a consumer loop that hands rows on at once would: one
// allocation per event.
func ExampleDecoder_DecodeInto() {
	dec, err := debezium.NewDecoder()
	if err != nil {
		panic(err)
	}
	var ev debezium.Event
	for _, v := range []string{
		`{"schema":{"type":"struct","fields":[{"type":"struct","optional":true,"field":"after","fields":[` +
			`{"type":"int32","optional":false,"field":"id"},` +
			`{"type":"int32","optional":true,"name":"io.debezium.time.Date","field":"born"}]}]},` +
			`"payload":{"op":"c","after":{"id":1,"born":-1},"source":{"table":"people"}}}`,
		`{"op":"t","source":{"table":"people"}}`,
	} {
		if err := dec.DecodeInto(&ev, nil, []byte(v)); err != nil {
			panic(err)
		}
		fmt.Println(ev.Op, ev.Schemas, ev.After, ev.HasKey())
	}
	// Output:
	// c true {id=1 born=1969-12-31} false
	// t false absent false
}

// A batch of changes decoded with shared chunks, then handed on together: the events stay
// valid while the next ones are decoded.
func ExampleWithChunkedAllocation() {
	dec, err := debezium.NewDecoder(debezium.WithChunkedAllocation())
	if err != nil {
		panic(err)
	}
	var batch []*debezium.Event
	for i := range 3 {
		value := fmt.Appendf(nil, `{"after":{"id":%d,"name":"item %d"},"op":"c",`+
			`"source":{"connector":"postgresql","db":"shop","schema":"public","table":"items","lsn":%d}}`, i, i, 100+i)
		ev, err := dec.Decode(fmt.Appendf(nil, `{"id":%d}`, i), value)
		if err != nil {
			panic(err)
		}
		batch = append(batch, ev)
	}
	for _, ev := range batch {
		fmt.Println(ev.Source.LSN, ev.After)
	}
	// Output:
	// 100 {id=0 name="item 0"}
	// 101 {id=1 name="item 1"}
	// 102 {id=2 name="item 2"}
}
