package cdc

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/apache/iceberg-go/catalog"
	"github.com/twmb/franz-go/pkg/kgo"
)

// adjustOffsets makes every assigned partition resume where Iceberg says the last commit left
// it when Kafka's committed offset is behind that (Kafka's commit comes after Iceberg's and may
// have been lost). Kafka's is ahead only when the records after Iceberg's last commit changed no
// table: it is committed after every table's commit of a batch, and only by the group
// generation that owns the partition.
func (c *Consumer) adjustOffsets(ctx context.Context, assigned map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
	recorded, err := c.recorded(ctx)
	if err != nil {
		return nil, err
	}
	for topic, ps := range assigned {
		for p, o := range ps {
			// Kafka's committed offset is ahead of Iceberg's when the records after the last
			// Iceberg commit changed no table (see apply): it was committed after them.
			if next, ok := recorded.Get(topic, p); ok && o.EpochOffset().Offset < next {
				ps[p] = kgo.NewOffset().At(next).WithEpoch(-1)
			}
		}
	}
	c.log(ctx, slog.LevelInfo, "partitions assigned; resuming at the offsets recorded in Iceberg", "offsets", recorded.String())
	return assigned, nil
}

// recorded returns the offsets recorded in the tables of the consumer's namespace.
func (c *Consumer) recorded(ctx context.Context) (Offsets, error) {
	id := c.tm.Identifier("")
	var tables []string
	for t, err := range c.tm.Catalog().ListTables(ctx, id[:len(id)-1]) {
		if errors.Is(err, catalog.ErrNoSuchNamespace) {
			return Offsets{}, nil // nothing was ever committed: Kafka's offsets stand
		}
		if err != nil {
			return nil, fmt.Errorf("cdc: list tables: %w", err)
		}
		tables = append(tables, t[len(t)-1])
	}
	byTable, err := offsetsByTable(ctx, c.tm, tables)
	if err != nil {
		return nil, err
	}
	c.hintTopics(byTable)
	return resumeAt(byTable), nil
}

// hintTopics notes, for each topic the tables record offsets of, the table its events go to: a
// consumer that starts on a record that changes no table (a tombstone, a dead letter) then still
// advances that table's offsets instead of replaying the record after every restart.
func (c *Consumer) hintTopics(byTable map[string]Offsets) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for name, offs := range byTable {
		for topic := range offs {
			c.topicHints[topic] = name
		}
	}
}

// topicTable returns the table topic's events go to, when known.
func (c *Consumer) topicTable(topic string) (string, bool) {
	if name, ok := c.topics[topic]; ok {
		return name, true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	name, ok := c.topicHints[topic]
	return name, ok
}

// DefaultConnectTimeout is how long [Consumer.Run] waits for a Kafka broker to answer when it
// starts, and how long a connection to a broker may take to open ([WithConnectTimeout]).
const DefaultConnectTimeout = 10 * time.Second

// WithConnectTimeout sets how long the consumer waits for a broker of cdc.brokers to answer
// when [Consumer.Run] starts (a broker that accepts connections and never answers, or one that
// never accepts them, is then an error naming the brokers, not a silent wait), and franz-go's
// dial timeout. It wins over cdc.connect_timeout; default: that, else [DefaultConnectTimeout].
func WithConnectTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.connect = d
		}
	}
}

// reachBrokers asks the brokers for their metadata, within the connect timeout.
func (c *Consumer) reachBrokers(ctx context.Context) error {
	d := c.connectTimeout()
	pctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	err := c.client.Ping(pctx)
	if err == nil || ctx.Err() != nil {
		return nil // a stop before the brokers answered is a clean stop
	}
	return fmt.Errorf("cdc: no Kafka broker of %s answered within %s (raise cdc.connect_timeout in sources.yaml, or cdc.WithConnectTimeout): %w",
		strings.Join(c.conf.Brokers, ","), d, err)
}

// connectTimeout is WithConnectTimeout, else cdc.connect_timeout, else the default.
func (c *Consumer) connectTimeout() time.Duration {
	return cmp.Or(c.cfg.connect, c.conf.ConnectTimeout, DefaultConnectTimeout)
}
