package kafka

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etlwatch/etlwatch/lineage"
)

// DefaultDeliveryTimeout bounds how long one event may wait to be produced, retries included.
const DefaultDeliveryTimeout = 10 * time.Second

// Option configures [NewTransport].
type Option func(*Transport)

// WithClient sends through c, a client of the caller's, which Close leaves open. Default: a
// client of the transport's own, on the brokers given, closed by Close.
func WithClient(c *kgo.Client) Option { return func(t *Transport) { t.client = c } }

// WithClientOptions adds options to the transport's own client (TLS, SASL, ...); they come after
// the transport's defaults (the brokers and a delivery timeout of [DefaultDeliveryTimeout]).
func WithClientOptions(opts ...kgo.Opt) Option {
	return func(t *Transport) { t.opts = append(t.opts, opts...) }
}

// Transport produces each event as one record to a Kafka topic: the value is the event's JSON
// and the key names the job at the root of the run's tree ("run:namespace/name": the root of the
// parent facet, else its parent, else the run's own job), so that the events of a job and of its
// child runs land in one partition, in the order they were sent. It is used from one goroutine
// by a [lineage.Client].
type Transport struct {
	topic  string
	client *kgo.Client
	own    bool
	opts   []kgo.Opt
}

// NewTransport returns a transport producing to topic on brokers (ignored with [WithClient]).
func NewTransport(brokers []string, topic string, opts ...Option) (*Transport, error) {
	t := &Transport{topic: topic}
	for _, o := range opts {
		o(t)
	}
	if topic == "" {
		return nil, errors.New("lineage/kafka: empty topic: allowed: the topic to send events to")
	}
	if t.client == nil {
		if len(brokers) == 0 {
			return nil, errors.New("lineage/kafka: no brokers: allowed: one or more host:port addresses")
		}
		kopts := append([]kgo.Opt{kgo.SeedBrokers(brokers...), kgo.RecordDeliveryTimeout(DefaultDeliveryTimeout)}, t.opts...)
		c, err := kgo.NewClient(kopts...)
		if err != nil {
			return nil, fmt.Errorf("lineage/kafka: %w", err)
		}
		t.client, t.own = c, true
	}
	return t, nil
}

// Name returns "kafka".
func (t *Transport) Name() string { return "kafka" }

// Topic returns the topic events go to.
func (t *Transport) Topic() string { return t.topic }

// Key returns the record key of ev: "run:namespace/name" of the root job of its run's tree.
func Key(ev *lineage.RunEvent) string {
	ns, name := ev.Job.Namespace, ev.Job.Name
	if p := ev.Run.Facets.Parent; p != nil {
		ns, name = p.Job.Namespace, p.Job.Name
		if p.Root != nil {
			ns, name = p.Root.Job.Namespace, p.Root.Job.Name
		}
	}
	return "run:" + ns + "/" + name
}

// Send produces m and waits for the brokers to acknowledge it.
func (t *Transport) Send(ctx context.Context, m lineage.Message) error {
	rec := &kgo.Record{Topic: t.topic, Value: m.JSON}
	if m.Event != nil {
		rec.Key = []byte(Key(m.Event))
	}
	if err := t.client.ProduceSync(ctx, rec).FirstErr(); err != nil {
		return fmt.Errorf("lineage/kafka: produce to %s: %w", t.topic, err)
	}
	return nil
}

// Close flushes and closes the transport's own client; a client given with [WithClient] is left
// open.
func (t *Transport) Close(ctx context.Context) error {
	if !t.own {
		return nil
	}
	err := t.client.Flush(ctx)
	t.client.Close()
	return err
}
