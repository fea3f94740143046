package cdc

import (
	"github.com/etlwatch/etlwatch/cdc/debezium"
)

// Format is the wire format of the change events on the consumer's topics ([WithFormat]). It
// decodes one Kafka record into the consumer's change event, a [debezium.Event]: an op (create,
// update, delete, truncate, tombstone, message), the source table and, when the format has one,
// the change's source position and commit time, the key and the before and after rows. Debezium
// JSON is the default ([DebeziumJSON]); [github.com/etlwatch/etlwatch/cdc/jsonupsert] reads plain
// JSON upserts keyed by primary key.
//
// An error from Decode sends the record to the dead-letter topic; a [*debezium.DecodeError]
// gives its reason code (the etlwatch.error.reason header and the reason of
// cdc_events_failed), any other error the reason invalid_envelope; so does a panic in Decode,
// whose record is set aside instead of taking the process down. A Format is used by one
// goroutine at a time; the hints function it is given is safe for concurrent use. A format whose decoded types depend on the target tables' columns (a
// schemaless message, whose JSON numbers are typed by the column they fill) may also implement
// ResetHints() (as [debezium.Decoder] does): the consumer calls it when a table's schema changed.
// The consumer makes one Format per decoding goroutine (up to 4, GOMAXPROCS permitting).
//
// # Adding a format
//
// Write a package beside cdc/debezium (cdc/jsonupsert is the example to copy): a constructor
// with the signature of [NewFormat] returning a type with Decode, building rows with
// [debezium.NewRow] and [debezium.NewColumns] or by handing a Debezium envelope to a
// [debezium.Decoder]; a doc.go; and an end-to-end test on kfake and a local Iceberg catalog as
// cdc/jsonupsert/jsonupsert_test.go does. Users select it with [WithFormat]. Nothing in the
// consumer changes.
type Format interface {
	Decode(topic string, key, value []byte) (*debezium.Event, error)
}

// NewFormat makes a [Format] for a consumer. hints gives, for a source table and column, the type
// of the Iceberg column it fills, for formats whose messages do not carry their types.
type NewFormat func(hints debezium.HintFunc) (Format, error)

// WithFormat sets the wire format of the change events. Default: [DebeziumJSON].
func WithFormat(f NewFormat) Option { return func(c *config) { c.format = f } }

// DebeziumJSON is Debezium's JSON converter format, with or without schemas
// (value.converter.schemas.enable): the consumer's default. Its events share memory chunks
// ([debezium.WithChunkedAllocation]): a batch's events are dropped together.
func DebeziumJSON(hints debezium.HintFunc) (Format, error) {
	d, err := debezium.NewDecoder(debezium.WithHints(hints), debezium.WithChunkedAllocation())
	if err != nil {
		return nil, err
	}
	return debeziumJSON{d}, nil
}

type debeziumJSON struct{ *debezium.Decoder }

func (d debeziumJSON) Decode(_ string, key, value []byte) (*debezium.Event, error) {
	return d.Decoder.Decode(key, value)
}

// resetHints notes that a table was loaded or its schema changed: the decoder resets the formats'
// hints (resetFormats) once none is decoding, and decodes again what it decoded before.
func (c *Consumer) resetHints() { c.hintsStale.Store(true) }

// resetFormats tells the formats that a table's schema changed, when they care. Only while none
// is decoding.
func (c *Consumer) resetFormats() {
	for _, f := range c.formats {
		if r, ok := f.(interface{ ResetHints() }); ok {
			r.ResetHints()
		}
	}
}
