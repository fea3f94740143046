package jsonupsert

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/cdc/debezium"
)

// Option configures [New].
type Option func(*format)

// WithTable sets how a topic names its table. Default: the topic's last dot-separated part.
func WithTable(f func(topic string) string) Option {
	return func(fm *format) {
		if f != nil {
			fm.table = f
		}
	}
}

// New returns the format, for [cdc.WithFormat].
func New(opts ...Option) cdc.NewFormat {
	return func(hints debezium.HintFunc) (cdc.Format, error) {
		fm := &format{table: lastPart, sources: map[string][]byte{}}
		for _, o := range opts {
			o(fm)
		}
		d, err := debezium.NewDecoder(debezium.WithHints(hints))
		if err != nil {
			return nil, err
		}
		fm.dec = d
		return fm, nil
	}
}

// lastPart is the topic's last dot-separated part.
func lastPart(topic string) string { return topic[strings.LastIndexByte(topic, '.')+1:] }

// format hands each record to a Debezium decoder as the schemaless envelope it stands for, so
// that typing, column hints and the decoder's limits are the same as for Debezium.
type format struct {
	dec     *debezium.Decoder
	table   func(string) string
	sources map[string][]byte // the envelope's source block, by topic
}

// ResetHints forgets the column types learned from the tables (the consumer calls it when a
// table's schema changed).
func (f *format) ResetHints() { f.dec.ResetHints() }

// Decode turns a record into an upsert (a JSON object value) or a delete (no value).
func (f *format) Decode(topic string, key, value []byte) (*debezium.Event, error) {
	key = bytes.TrimSpace(key)
	if len(key) == 0 {
		return nil, &debezium.DecodeError{Reason: cdc.ReasonMissingKey, Path: "key", Offset: -1, Err: errors.New("a record without a key: the key must be the row's primary key as a JSON object")}
	}
	if err := object(key, "key"); err != nil {
		return nil, err
	}
	src, ok := f.sources[topic]
	if !ok {
		name, _ := json.Marshal(f.table(topic))
		src = append(append([]byte(`{"connector":"jsonupsert","db":"","schema":"","table":`), name...), '}')
		f.sources[topic] = src
	}
	// A new buffer each time: the decoded rows may point into it, and the consumer holds a
	// batch of them.
	b := make([]byte, 0, len(key)+len(value)+len(src)+48)
	if value == nil {
		b = append(b, `{"op":"d","after":null,"before":`...)
		b = append(b, key...)
	} else {
		value = bytes.TrimSpace(value)
		if err := object(value, "value"); err != nil {
			return nil, err
		}
		b = append(b, `{"op":"u","before":null,"after":`...)
		b = append(b, value...)
	}
	b = append(append(append(b, `,"source":`...), src...), '}')
	return f.dec.Decode(key, b)
}

// object checks that b holds a JSON object; the decoder checks the rest.
func object(b []byte, path string) error {
	if len(b) == 0 || b[0] != '{' {
		return &debezium.DecodeError{Reason: debezium.ReasonInvalidEnvelope, Path: path, Offset: 0, Err: errors.New("not a JSON object")}
	}
	return nil
}
