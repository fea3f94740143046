package cdc

import (
	"context"
	"fmt"
	"runtime"
	"runtime/pprof"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etlwatch/etlwatch/cdc/debezium"
)

// Decoding is most of a batch's CPU time (JSON), and each record decodes on its own. A batch's
// records are decoded as they are polled, by up to maxDecoders goroutines, each with its own
// Format, while Run waits for the rest of the batch (decoding overlaps Kafka's fetches); the
// batch then collects them in poll order, on the goroutine that commits it (consumer.go).
const (
	maxDecoders = 4
	// decodeChunk is how many records one decoding job holds.
	decodeChunk = 256
)

// ProfileLabel is the pprof label the consumer's goroutines carry (with those of the context
// given to [Consumer.Run]), so that a CPU or goroutine profile of a program that runs a
// consumer tells its parts apart: "decode" (decoding the records Run polls), "batch"
// (collecting, writing and committing a batch, with the goroutines iceberg-go starts for it)
// and "maintenance" (the tables' maintenance). For example:
//
//	go tool pprof -tags prog cpu.prof                          # CPU time by part
//	go tool pprof -tagfocus etlwatch.cdc=batch -top prog cpu.prof # what a batch spends it on
const ProfileLabel = "etlwatch.cdc"

// labelGoroutine labels the calling goroutine (and those it starts) for profiles with ctx's
// labels and ProfileLabel=part, and returns ctx with them.
func labelGoroutine(ctx context.Context, part string) context.Context {
	ctx = pprof.WithLabels(ctx, pprof.Labels(ProfileLabel, part))
	pprof.SetGoroutineLabels(ctx)
	return ctx
}

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
	return nil
}

// decodeJob is a run of records to decode into out (same length); done counts it for its batch.
type decodeJob struct {
	recs []*kgo.Record
	out  []decoded
	done *sync.WaitGroup
}

// decoder decodes the records of the batch Run is holding, in the background, one goroutine per
// format. Only Run's goroutine calls its methods. The formats' hints are reset (resetFormats) only
// while no job is in flight; records decoded before a table was loaded or changed are decoded
// again (refresh).
type decoder struct {
	c     *Consumer
	jobs  chan decodeJob
	wg    sync.WaitGroup  // jobs in flight
	stop  sync.WaitGroup  // decoding goroutines
	segs  []decodeJob     // one per add, in poll order
	batch *sync.WaitGroup // the held batch's jobs in flight
}

// newDecoder starts the consumer's decoding goroutines (labelled for profiles with ctx's
// labels and [ProfileLabel]); close stops them.
func (c *Consumer) newDecoder(ctx context.Context) *decoder {
	d := &decoder{c: c, jobs: make(chan decodeJob, 64), batch: new(sync.WaitGroup)}
	for _, f := range c.formats {
		d.stop.Add(1)
		go func() {
			labelGoroutine(ctx, "decode")
			defer d.stop.Done()
			for j := range d.jobs {
				for i, r := range j.recs {
					j.out[i].ev, j.out[i].err = decodeRecord(f, r)
				}
				j.done.Done()
				d.wg.Done()
			}
		}()
	}
	return d
}

// decodeRecord decodes r with f. A format that panics (one a user wrote, say) sets the record
// aside like any other it cannot decode, instead of taking the process down.
func decodeRecord(f Format, r *kgo.Record) (ev *debezium.Event, err error) {
	defer func() {
		if v := recover(); v != nil {
			ev, err = nil, fmt.Errorf("the format panicked decoding the record: %v", v)
		}
	}()
	return f.Decode(r.Topic, r.Key, r.Value)
}

// add starts decoding recs, polled for the batch being held. With preload (no batch is being
// committed meanwhile), the tables their topics are known to feed are loaded first, so that
// schemaless values are typed by the tables' columns from the first record on (before, a
// restarted consumer decoded its first record of a topic before it had loaded the table: a
// schemaless timestamp then arrived as a number that did not fit); a catalog that cannot answer
// fails the batch's collect later. Without, refresh does it once the commit is over.
func (d *decoder) add(ctx context.Context, recs []*kgo.Record, preload bool) {
	if preload {
		d.preload(ctx, recs)
		d.renew()
	}
	seg := decodeJob{recs: recs, out: make([]decoded, len(recs))}
	d.segs = append(d.segs, seg)
	d.dispatch(seg)
}

// refresh is called when no batch is being committed: it loads the tables the held records' topics
// feed, and decodes the held records again when a table was loaded or changed since they were.
func (d *decoder) refresh(ctx context.Context) {
	for _, s := range d.segs {
		d.preload(ctx, s.recs)
	}
	d.renew()
}

// preload loads the tables recs' topics are known to feed, when not loaded yet ([Consumer.state]).
func (d *decoder) preload(ctx context.Context, recs []*kgo.Record) {
	c := d.c
	var seen map[string]bool
	for _, r := range recs {
		if seen[r.Topic] {
			continue
		}
		if seen == nil {
			seen = map[string]bool{}
		}
		seen[r.Topic] = true
		if name, ok := c.topicTable(r.Topic); ok {
			_, _ = c.state(ctx, name)
		}
	}
}

// renew resets the formats' hints when a table was loaded or changed, and decodes again what
// was decoded with the old ones.
func (d *decoder) renew() {
	if !d.c.hintsStale.Load() {
		return
	}
	d.wg.Wait()
	d.c.hintsStale.Store(false)
	d.c.resetFormats()
	for _, s := range d.segs {
		d.dispatch(s)
	}
}

// dispatch queues seg's records for decoding, in jobs of decodeChunk.
func (d *decoder) dispatch(seg decodeJob) {
	for lo := 0; lo < len(seg.recs); lo += decodeChunk {
		hi := min(lo+decodeChunk, len(seg.recs))
		d.wg.Add(1)
		d.batch.Add(1)
		d.jobs <- decodeJob{seg.recs[lo:hi], seg.out[lo:hi], d.batch}
	}
}

// take hands over the held batch: its records, in poll order, and a function that waits for
// them to be decoded and returns what each decoded to. The decoder is then empty for the next
// batch, which Run polls and decodes while the batch taken waits for its decoding (on the
// goroutine that commits it): Kafka's fetches go on meanwhile.
func (d *decoder) take() ([]*kgo.Record, func() []decoded) {
	segs, wg := d.segs, d.batch
	d.segs, d.batch = nil, new(sync.WaitGroup)
	var recs []*kgo.Record
	for _, s := range segs {
		recs = append(recs, s.recs...)
	}
	return recs, func() []decoded {
		wg.Wait()
		all := make([]decoded, 0, len(recs))
		for _, s := range segs {
			all = append(all, s.out...)
		}
		return all
	}
}

// close waits for the jobs in flight and stops the decoding goroutines.
func (d *decoder) close() {
	d.wg.Wait()
	close(d.jobs)
	d.stop.Wait()
}
