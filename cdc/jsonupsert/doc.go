// Package jsonupsert is a change-event format for the CDC consumer ([cdc.WithFormat]): plain
// JSON upserts and deletes, keyed by primary key, with no envelope. Many producers write such
// topics (an application's outbox, a Kafka Connect JDBC source, a stream processor's output):
//
//	key:   {"id": 42}
//	value: {"id": 42, "customer": "ada", "qty": 3}   -> upsert of row 42
//	value: null (a tombstone)                         -> delete of row 42
//
// The value is the whole row, key columns included. The table is named after the topic
// ([WithTable]; by default the topic's last dot-separated part: "shop.public.orders" -> "orders").
// JSON numbers take the type of the column they fill once the table exists; a new table's types
// come from the JSON (integers as long, other numbers as double, strings as string, booleans).
// There is no source position or commit time: within a batch a key's changes keep their Kafka
// order (one key is always on one partition), and cdc_lag_seconds is not reported.
//
//	consumer, err := cdc.Open(src, tables, cdc.WithFormat(jsonupsert.New()))
//
// Exactly once holds as for Debezium: each table's commit records the Kafka offsets it covers.
// A key or value that is not a JSON object, or a record without a key, goes to the dead-letter
// topic (reasons invalid_json, invalid_envelope, missing_key).
package jsonupsert
