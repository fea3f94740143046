package cdc

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/etlwatch/etlwatch/configloader"
)

// Config is what a [Consumer] reads and how, for a program without a sources.yaml: [New] takes
// it. [FromSource] translates a sources.yaml source into it, and [Open] does both. The names in
// its errors are the sources.yaml keys (cdc.brokers, ...), which its fields mirror.
type Config struct {
	// Source names the source in errors and observers, and is the default Namespace.
	Source string
	// DatabaseType is the source database's type (postgresql, mysql, oracle, ...), passed to
	// observers ([StartInfo]); optional.
	DatabaseType string
	// Namespace is the Iceberg namespace named in metrics and events; default: Source.
	// [WithNamespace] wins over it. The tables go to the namespace of the table manager.
	Namespace string
	// Brokers are the Kafka seed brokers, host:port; required.
	Brokers []string
	// Topics are the Debezium topics to consume; or TopicPrefix: every topic whose name starts
	// with it. One of the two is required.
	Topics      []string
	TopicPrefix string
	// GroupID is the Kafka consumer group; required.
	GroupID string
	// BatchSize is how many records make a batch; default [DefaultBatchSize].
	BatchSize int
	// CommitInterval is the longest a record waits for its batch's commit when fewer than
	// BatchSize records arrive; default [DefaultCommitInterval]. [WithCommitInterval] wins.
	CommitInterval time.Duration
	// ConnectTimeout bounds the wait for a broker when the consumer starts and each dial;
	// default [DefaultConnectTimeout]. [WithConnectTimeout] wins.
	ConnectTimeout time.Duration
	// DeadLetterTopic receives the events that cannot be applied (with the reason in their
	// headers); empty: they are counted and logged only. It must not be a topic the consumer
	// reads.
	DeadLetterTopic string
	// Maintenance tunes the upkeep of the tables; zero fields take the defaults.
	// [WithMaintenance] wins over it.
	Maintenance Maintenance
	// Deletes is how a commit removes the rows its changes replace or delete:
	// configloader.DeletesEquality (the default when empty) writes equality deletes, which any
	// Iceberg v2 reader reads, and which every scan matches against every older row;
	// configloader.DeletesVectors writes deletion vectors ([iceberg.DeleteByPosition]): scans
	// stay close to the compacted table's speed, the consumer keeps the keys of each data file
	// it changes in memory (about 43 bytes a row of an integer key, [KeyIndexRows] rows at
	// most), and each table is upgraded to Iceberg format version 3, which its readers must read.
	Deletes string
}

// KeyIndexRows is the most rows whose keys a consumer with deletion vectors (Config.Deletes)
// keeps in memory. A change touching a data file of more rows is written with equality deletes.
const KeyIndexRows = 10_000_000

// FromSource is src's cdc: block (and its name, database type and namespace) as a Config: the
// one translation of sources.yaml for this package.
func FromSource(src *configloader.Source) Config {
	cc := src.CDC
	return Config{
		Source: src.Name, DatabaseType: src.DatabaseType,
		Namespace: cmp.Or(src.BulkLoad.Namespace, src.Iceberg.Namespace),
		Brokers:   cc.Brokers, Topics: cc.Topics, TopicPrefix: cc.TopicPrefix, GroupID: cc.GroupID,
		BatchSize: cc.BatchSize, CommitInterval: cc.CommitInterval, ConnectTimeout: cc.ConnectTimeout,
		DeadLetterTopic: cc.DeadLetterTopic, Maintenance: maintenanceOf(cc.Maintenance), Deletes: cc.Deletes,
	}
}

// validate says what is missing or contradictory in cfg.
func (cfg Config) validate() error {
	switch {
	case len(cfg.Brokers) == 0:
		return fmt.Errorf("cdc: source %q: cdc.brokers is empty", cfg.Source)
	case len(cfg.Topics) == 0 && cfg.TopicPrefix == "":
		return fmt.Errorf("cdc: source %q: cdc.topics or cdc.topic_prefix is required", cfg.Source)
	case cfg.GroupID == "":
		return fmt.Errorf("cdc: source %q: cdc.group_id is required", cfg.Source)
	}
	if cfg.Deletes != "" && !slices.Contains(configloader.CDCDeletes(), cfg.Deletes) {
		return fmt.Errorf("cdc: source %q: cdc.deletes %q: allowed: %s", cfg.Source, cfg.Deletes, strings.Join(configloader.CDCDeletes(), " or "))
	}
	// One rule with the loader's: configloader.CDC.DeadLetterLoop.
	switch (configloader.CDC{Topics: cfg.Topics, TopicPrefix: cfg.TopicPrefix, DeadLetterTopic: cfg.DeadLetterTopic}).DeadLetterLoop() {
	case configloader.DeadLetterInTopics:
		return fmt.Errorf("cdc: source %q: cdc.dead_letter_topic %q is also in cdc.topics: the consumer would read its own dead letters back; use a topic it does not read", cfg.Source, cfg.DeadLetterTopic)
	case configloader.DeadLetterUnderPrefix:
		return fmt.Errorf("cdc: source %q: cdc.dead_letter_topic %q starts with cdc.topic_prefix %q: the consumer would read its own dead letters back; use a name without that prefix", cfg.Source, cfg.DeadLetterTopic, cfg.TopicPrefix)
	}
	return nil
}
