package cdc

import (
	"runtime"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etlwatch/etlwatch/cdc/debezium"
)

// Decoding is most of a batch's CPU time (JSON), and each record decodes on its own: a batch's
// records are decoded by up to maxDecoders goroutines, each with its own Format, before they are
// collected in order. Collecting, collapsing and committing stay on Run's goroutine.
const (
	maxDecoders = 4
	// parallelFrom is the smallest batch worth splitting.
	parallelFrom = 512
)

// decoded is a record's decoded change event, or why it could not be decoded.
type decoded struct {
	ev  *debezium.Event
	err error
}

// newFormats makes the consumer's formats: one per decoding goroutine.
func (c *Consumer) newFormats(newFormat NewFormat) error {
	n := min(runtime.GOMAXPROCS(0), maxDecoders)
	c.formats = make([]Format, 0, n)
	for range n {
		f, err := newFormat(c.hint)
		if err != nil {
			return err
		}
		c.formats = append(c.formats, f)
	}
	c.format = c.formats[0]
	return nil
}

// decodeAll decodes recs, in parallel when they are many. The tables their topics are known to
// feed are loaded first, so that schemaless values are typed by the tables' columns from the
// first record on (before, a restarted consumer decoded its first record of a topic before it
// had loaded the table: a schemaless timestamp then arrived as a number that did not fit).
func (b *batch) decodeAll(recs []*kgo.Record) []decoded {
	c := b.c
	out := make([]decoded, len(recs))
	seen := map[string]bool{}
	for _, r := range recs {
		if seen[r.Topic] {
			continue
		}
		seen[r.Topic] = true
		if name, ok := c.topicTable(r.Topic); ok {
			_, _ = b.table(name) // a catalog that cannot answer fails the collect later
		}
	}
	workers := len(c.formats)
	if len(recs) < parallelFrom || workers < 2 {
		for i, r := range recs {
			out[i].ev, out[i].err = c.format.Decode(r.Topic, r.Key, r.Value)
		}
		return out
	}
	var wg sync.WaitGroup
	chunk := (len(recs) + workers - 1) / workers
	for w := range workers {
		lo, hi := w*chunk, min((w+1)*chunk, len(recs))
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func(f Format, part []*kgo.Record, dst []decoded) {
			defer wg.Done()
			for i, r := range part {
				dst[i].ev, dst[i].err = f.Decode(r.Topic, r.Key, r.Value)
			}
		}(c.formats[w], recs[lo:hi], out[lo:hi])
	}
	wg.Wait()
	return out
}
