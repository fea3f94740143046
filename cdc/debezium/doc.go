// Package debezium decodes Debezium change events as a Kafka consumer receives them: the record's
// key and value bytes, written by Kafka Connect's JSON converter with or without schemas.enable.
// It depends on nothing but the standard library (no Kafka client, Arrow or Iceberg), so the CDC
// consumer, its tests and its benchmarks can use it anywhere.
//
// # Decoding
//
// A [Decoder] turns a key and a value into an [Event]:
//
//	dec, err := debezium.NewDecoder()
//	if err != nil {
//		return err
//	}
//	for _, rec := range fetches.Records() {
//		ev, err := dec.Decode(rec.Key, rec.Value)
//		if err != nil {
//			// *debezium.DecodeError: send rec to the dead-letter topic with
//			// header reason=debezium.ReasonOf(err) and count it; go on.
//			continue
//		}
//		switch ev.Op {
//		case debezium.OpRead, debezium.OpCreate, debezium.OpUpdate:
//			upsert(ev.Source.TableID(), ev.Key, ev.After)
//		case debezium.OpDelete:
//			remove(ev.Source.TableID(), ev.Key)
//		case debezium.OpTruncate:
//			truncate(ev.Source.TableID())
//		case debezium.OpMessage, debezium.OpTombstone:
//			// count, do not apply
//		}
//	}
//
// Each message is examined on its own: a value whose first member is "schema" or "payload" is the
// schemas.enable wrapper, anything else a bare envelope; keys likewise (a key whose columns are
// really called schema and payload is recognised as such). A nil, empty or JSON-null value is a
// tombstone ([OpTombstone]); a nil key is a table without a primary key, and [Event.HasKey] says
// so for the consumer to decide.
//
// # Rows and values
//
// [Event.Before], [Event.After] and [Event.Key] are [Row]s: a shared, immutable [Columns] (names
// and, with a schema, [ColumnType]s) and one [Value] per column. A Value is a small tagged union
// ([Kind]): null, bool, int64, float64, string, bytes, decimal (unscaled big-endian two's
// complement bytes and a scale), date (days), time (microseconds of day), timestamp (microseconds
// since the epoch in UTC, plus the nanoseconds below) and JSON text. The decoder returns the same
// *Columns for the same schema (or, schemaless, the same member names in the same order), so a
// stage that builds Arrow batches per table can compare pointers to notice a schema change, and
// [Columns.Index] finds key columns in after-images for collapsing to the last state per key.
//
// Strings and bytes of an event live in one buffer allocated per event; [Decoder.Decode]
// allocates three times per event and [Decoder.DecodeInto], which reuses an Event, once. With
// [WithChunkedAllocation], successive events share chunks of about 32 KB instead (a few
// allocations per hundred events), for a program that drops its events together. The event never
// refers to the key and value slices, which the caller may reuse.
//
// # Logical types
//
// With a schema, Debezium's and Kafka Connect's logical types are decoded ([Logical]): Decimal
// (base64 with the scale from the schema), VariableScaleDecimal ({"scale":s,"value":b64}, e.g.
// Oracle NUMBER without scale), Date, Time, MicroTime, NanoTime, ZonedTime, Timestamp,
// MicroTimestamp, NanoTimestamp, ZonedTimestamp (ISO-8601 to UTC microseconds), Json, Uuid, Bits
// and bytes. Without a schema, values keep their JSON types, except that {"scale":s,"value":b64}
// is read as a decimal; a [HintFunc] given with [WithHints] supplies the logical type and decimal
// scale per table and column, typically from the target Iceberg table (a Decimal's scale is not
// in a schemaless message at all).
//
// # Errors
//
// Decode never panics. Invalid JSON (the decoder is strict: no trailing commas, valid UTF-8), a
// value that is not an envelope, an unknown or missing op, a missing source block, a schema it
// cannot read, a field its schema does not declare, and a value that does not fit its type or
// logical type are reported as a *[DecodeError] with a stable [Reason] for a dead-letter header,
// the dotted path of the field ("value.payload.after.price") and the byte offset.
//
// The work is linear in the size of the message: a JSON number longer than [MaxNumberLength]
// characters, which no Debezium connector writes but which would take time quadratic in its
// length to turn into a decimal, is rejected as [ReasonNumberTooLong] after one pass over it.
//
// # Source blocks
//
// [Source] normalises the source block: snapshot as a [Snapshot] whether sent as a string enum or
// a boolean; PostgreSQL lsn, txId and sequence; Oracle scn, commit_scn and start_scn as strings
// and the hex transaction ID; MySQL binlog file, position and GTID. Lag is now - Source.TsMs.
//
// # Concurrency
//
// A Decoder caches schemas, column sets, hints and repeated strings and is not safe for
// concurrent use: use one per goroutine. Events, Rows, Columns and Values may be shared once
// decoded.
package debezium
