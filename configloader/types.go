package configloader

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/etlwatch/etlwatch/internal/redact"
)

// Config is a loaded and validated sources.yaml.
type Config struct {
	// Sources by name, the keys under sources:.
	Sources map[string]*Source
	// Path is the file the configuration was loaded from.
	Path string
}

// Source is one entry under sources: a database to extract from and what to do with it.
type Source struct {
	Name         string // the key under sources:
	DatabaseType string // database_type: oracle, postgres, mysql or sqlite
	Connection   Connection
	BulkLoad     BulkLoad
	CDC          CDC
	Iceberg      Iceberg
	Monitoring   Monitoring
	DataQuality  DataQuality
	Lineage      Lineage
}

// Connection is how to reach the source database (connection:). It is checked when an extractor
// opens it, not at load time.
type Connection struct {
	Host        string
	Port        int
	Database    string
	ServiceName string // service_name, for Oracle
	// Schema is the schema whose tables are read: PostgreSQL's schema (default public) or
	// Oracle's owner (default the user's own). MySQL and SQLite have none: database names it.
	Schema   string
	Username string
	Password Secret
	DSN      Secret // a full data source name; wins over the other fields
	// ConnectTimeout (connect_timeout) bounds how long opening the database waits for it to
	// accept the TCP connection and answer the handshake; a server that never answers fails the
	// job with an error naming host:port and this setting. Zero means the driver's own option
	// in Options or DSN (PostgreSQL connect_timeout, MySQL timeout) when set, else
	// [DefaultConnectTimeout]. Statements themselves have no timeout: a big table may read for
	// hours.
	ConnectTimeout time.Duration
	// FirstRowTimeout (first_row_timeout) bounds how long each read of a table waits for the
	// database's first row (a lock held by another session, a server that stopped answering);
	// the rows after it have no timeout. Zero means [DefaultFirstRowTimeout]; a negative value,
	// written 0 in sources.yaml, waits without limit.
	FirstRowTimeout time.Duration
	// Options are passed to the driver. When printed, the value of an option whose name looks
	// like a credential (password, sslpassword, token, access_key, ...) shows as [Redacted].
	Options map[string]string
}

// Redacted returns a copy of c that is safe to print: Password and DSN hold [Redacted] when set,
// and Options a copy whose credentials are masked (see [Connection.Options]).
func (c Connection) Redacted() Connection {
	c.Password = Secret(c.Password.String())
	c.DSN = Secret(c.DSN.String())
	if c.Options != nil {
		opts := maps.Clone(c.Options)
		for k, v := range opts {
			opts[k] = redact.Option(k, v)
		}
		c.Options = opts
	}
	return c
}

// connectionFields is Connection without its methods, for printing a redacted copy.
type connectionFields Connection

// Format prints [Connection.Redacted] with the verb and flags given, as fmt prints a struct.
func (c Connection) Format(f fmt.State, verb rune) {
	type Connection connectionFields // so that %#v names the type configloader.Connection
	_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), Connection(c.Redacted()))
}

// MarshalJSON encodes [Connection.Redacted] (encoding/json and slog's JSON handler use it).
func (c Connection) MarshalJSON() ([]byte, error) {
	return json.Marshal(connectionFields(c.Redacted()))
}

// MarshalYAML encodes [Connection.Redacted].
func (c Connection) MarshalYAML() (any, error) { return connectionFields(c.Redacted()), nil }

// BulkLoad configures the parallel bulk load (bulk_load:).
type BulkLoad struct {
	ParallelWorkers    int // parallel_workers, >= 1
	ParallelPartitions int // parallel_partitions, >= 1
	MaxRetries         int // max_retries, >= 0
	Tables             []string
	TableFilter        string // table_filter, a regular expression
	Namespace          string
}

// CDC configures the Debezium/Kafka consumer (cdc:).
type CDC struct {
	Brokers     []string
	Topics      []string
	TopicPrefix string // topic_prefix; topics or topic_prefix
	GroupID     string // group_id
	BatchSize   int    // batch_size
	// CommitInterval (commit_interval) is the longest a change waits before its batch is
	// committed when fewer than BatchSize records arrive; 0 means the consumer's default.
	CommitInterval time.Duration
	// ConnectTimeout (connect_timeout) is how long the consumer waits for a broker to answer
	// when it starts; 0 means the consumer's default (10s).
	ConnectTimeout  time.Duration
	DeadLetterTopic string // dead_letter_topic
	// Deletes (deletes) is how a commit removes the rows its changes replace or delete:
	// [DeletesEquality] (the default when empty) or [DeletesVectors].
	Deletes string
	// Maintenance (maintenance:) tunes how the consumer keeps its tables healthy (compaction,
	// snapshot expiry, metadata and orphan-file cleanup); zero values mean the defaults.
	Maintenance CDCMaintenance
}

// The values of cdc.deletes ([CDC.Deletes]).
const (
	// DeletesEquality writes equality deletes: the keys of the rows replaced, matched by readers
	// against every older row. Any Iceberg v2 reader reads them.
	DeletesEquality = "equality"
	// DeletesVectors writes deletion vectors: the positions of the rows replaced. Scans stay as
	// fast as on the compacted table, the consumer keeps each data file's keys in memory, and the
	// tables become Iceberg format version 3, which their readers must read.
	DeletesVectors = "vectors"
)

// CDCDeletes lists the values cdc.deletes accepts.
func CDCDeletes() []string { return []string{DeletesEquality, DeletesVectors} }

// The ways a dead-letter topic can loop back into the consumer ([CDC.DeadLetterLoop]).
const (
	DeadLetterInTopics    = "in_topics"    // it is one of Topics
	DeadLetterUnderPrefix = "under_prefix" // it starts with TopicPrefix
)

// DeadLetterLoop reports whether the consumer would read its own dead letters back as changes,
// each failing again and being sent again, forever: [DeadLetterInTopics] when DeadLetterTopic is
// one of Topics, [DeadLetterUnderPrefix] when it starts with TopicPrefix, "" when neither. The
// loader and the CDC consumer both refuse such a configuration.
func (c CDC) DeadLetterLoop() string {
	switch t := c.DeadLetterTopic; {
	case t == "":
		return ""
	case slices.Contains(c.Topics, t):
		return DeadLetterInTopics
	case c.TopicPrefix != "" && strings.HasPrefix(t, c.TopicPrefix):
		return DeadLetterUnderPrefix
	}
	return ""
}

// CDCMaintenance configures the CDC consumer's table maintenance (cdc.maintenance:).
type CDCMaintenance struct {
	Disabled         bool          // enabled: false turns maintenance off
	EveryBatches     int           // every_batches: also a round every so many batches, >= 1
	MaxDeleteFiles   int           // max_delete_files: merge a table's deletes once it has this many delete files
	MaxDeleteShare   float64       // max_delete_share: compact in full, not merge, once deletes hold this share of the rows
	MaxSnapshots     int           // max_snapshots: expire the oldest beyond this many snapshots
	ExpireOlderThan  time.Duration // expire_older_than: snapshots older than this are expired
	RetainSnapshots  int           // retain_snapshots: the newest snapshots always kept, >= 1
	MetadataVersions int           // metadata_versions: previous metadata.json files kept
	OrphanOlderThan  time.Duration // orphan_older_than: unreferenced files older than this are removed
	Timeout          time.Duration // timeout: the longest one table's maintenance may take
}

// Iceberg configures the Iceberg catalog (iceberg:).
type Iceberg struct {
	Catalog string // sql, rest or glue
	// URI is the REST catalog's URL, or the SQL catalog's database URL. It may hold credentials
	// (user:password@, ?token=...): it prints with them masked, as [Iceberg.Redacted] shows it.
	URI       string
	Warehouse string
	Namespace string
}

// Redacted returns a copy of i that is safe to print: the password of URI's user information is
// [Redacted] (the whole user information when it holds no password), and so are the values of
// query parameters that look like credentials (password, token, secret, sslpassword,
// access_key, ...); a key=value data source name has the values of such keys masked, and a
// URI that cannot be read as either is [Redacted] whole, but for its scheme.
func (i Iceberg) Redacted() Iceberg {
	i.URI = redact.URI(i.URI)
	return i
}

// icebergFields is Iceberg without its methods, for printing a redacted copy.
type icebergFields Iceberg

// Format prints [Iceberg.Redacted] with the verb and flags given, as fmt prints a struct.
func (i Iceberg) Format(f fmt.State, verb rune) {
	type Iceberg icebergFields // so that %#v names the type configloader.Iceberg
	_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), Iceberg(i.Redacted()))
}

// MarshalJSON encodes [Iceberg.Redacted] (encoding/json and slog's JSON handler use it).
func (i Iceberg) MarshalJSON() ([]byte, error) { return json.Marshal(icebergFields(i.Redacted())) }

// MarshalYAML encodes [Iceberg.Redacted].
func (i Iceberg) MarshalYAML() (any, error) { return icebergFields(i.Redacted()), nil }

// Monitoring configures metrics and events (monitoring:).
type Monitoring struct {
	EnableCloudWatch    bool   // enable_cloudwatch
	CloudWatchNamespace string // cloudwatch_namespace
	OTLP                OTLP
	Dynatrace           Dynatrace
	Prometheus          Prometheus
	ExportInterval      time.Duration // export_interval, such as 60s
	// ExportTimeout (export_timeout) bounds each export request of the CloudWatch, OTLP and
	// Dynatrace sinks (dial, handshake, answer); 0 means each sink's default (10s). A backend
	// that never answers fails the export, not the pipeline.
	ExportTimeout time.Duration
	Environment   string
	// RequiredSinks (required_sinks) names the sinks that must start: cloudwatch, otlp, dynatrace,
	// prometheus. Others that cannot start are reported and skipped.
	RequiredSinks []string
}

// OTLP configures an OTLP metrics sink (monitoring.otlp:).
type OTLP struct {
	Endpoint string
	Protocol string // grpc or http
}

// Dynatrace configures the Dynatrace sink (monitoring.dynatrace:).
type Dynatrace struct {
	Endpoint string // the full OTLP metrics URL
	APIToken Secret // api_token
}

// Prometheus configures the /metrics and /health server (monitoring.prometheus:).
type Prometheus struct {
	Listen string // listen, such as ":8083"
}

// DataQuality configures the checks after each load (data_quality:).
type DataQuality struct {
	CheckRowCount     bool                // check_row_count
	RowCountTolerance float64             // row_count_tolerance, 0 to 1
	RequiredColumns   map[string][]string // required_columns: table -> columns that must not be null
	ChecksumTables    []string            // checksum_tables
	OnFailure         string              // on_failure: warn (default) or fail
	Monitors          Monitors            // monitors: anomaly monitors against each table's history
}

// Secret is a configuration value that must not be shown: String, every fmt verb, JSON, YAML and
// slog all print it redacted. Reveal returns the value. The password, dsn and api_token keys of
// sources.yaml are secrets; error messages about them describe the value (a string of 12
// characters) instead of quoting it.
//
// One way round it: %p on a value that is not a pointer (a Secret, or a struct holding one) makes
// fmt print the value without calling any method. go vet reports that misuse.
type Secret string

// Redacted is how a non-empty [Secret] prints, and what replaces a credential in a printed URI
// or connection option.
const Redacted = redact.Mask

// Reveal returns the secret's value, for the code that connects.
func (s Secret) Reveal() string { return string(s) }

// String returns [Redacted], or "" for an empty secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return Redacted
}

// GoString is String, so that %#v does not show the value either.
func (s Secret) GoString() string { return `"` + s.String() + `"` }

// MarshalText encodes the secret redacted (JSON, YAML and slog's text and JSON handlers use it).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Format prints [Redacted] (or nothing for an empty secret) for every verb, so that no width,
// flag or verb of fmt shows the value; %q quotes it and %#v prints GoString.
func (s Secret) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = io.WriteString(f, s.GoString())
	case verb == 'q':
		_, _ = io.WriteString(f, strconv.Quote(s.String()))
	default:
		_, _ = io.WriteString(f, s.String())
	}
}

// LogValue is String, for log/slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }
