package configloader

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/etlwatch/etlwatch/internal/redact"
)

// String returns the configuration as sources.yaml text, with the defaults filled in, every
// [Secret] shown as [Redacted], and the credentials of iceberg.uri and connection.options masked
// ([Iceberg.Redacted], [Connection.Redacted]). Loading the text gives the same configuration, secrets aside (a $
// that would start a reference is written as $$). fmt's %v and slog's text handler use it.
func (c *Config) String() string {
	if c == nil {
		return "<nil>"
	}
	sources := &yaml.Node{Kind: yaml.MappingNode}
	for _, name := range c.Names() {
		if s := c.Sources[name]; s != nil {
			sources.Content = append(sources.Content, str(name), s.node())
		}
	}
	return encode(&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{str("sources"), sources}})
}

// String returns the source as a sources.yaml entry ("name:" and its settings), like
// [Config.String].
func (s Source) String() string {
	return encode(&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{str(s.Name), s.node()}})
}

// encode writes n as YAML indented by two spaces.
func encode(n *yaml.Node) string {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return "<configloader: " + err.Error() + ">"
	}
	if err := enc.Close(); err != nil {
		return "<configloader: " + err.Error() + ">"
	}
	return b.String()
}

// mapping builds a YAML mapping, leaving out empty values.
type mapping struct{ n *yaml.Node }

func newMapping() mapping { return mapping{&yaml.Node{Kind: yaml.MappingNode}} }

func (m mapping) add(key string, v *yaml.Node) {
	if v != nil && (v.Kind != yaml.MappingNode || len(v.Content) > 0) {
		m.n.Content = append(m.n.Content, str(key), v)
	}
}

func (m mapping) str(key, v string) {
	if v != "" {
		m.add(key, str(escapeDollar(v)))
	}
}

func (m mapping) secret(key string, v Secret) {
	if v != "" {
		m.add(key, str(v.String()))
	}
}

func (m mapping) int(key string, v int, always bool) {
	if v != 0 || always {
		m.add(key, &yaml.Node{Kind: yaml.ScalarNode, Value: strconv.Itoa(v)})
	}
}

func (m mapping) bool(key string, v bool) {
	if v {
		m.add(key, &yaml.Node{Kind: yaml.ScalarNode, Value: "true"})
	}
}

func (m mapping) list(key string, v []string) {
	if len(v) > 0 {
		m.add(key, strList(v))
	}
}

// str is a string scalar; the encoder quotes it when it would read as another type. "<<" is
// quoted by hand, as the encoder would write it plain, which reads as a merge key.
func str(v string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: tagStr, Value: strings.ToValidUTF8(v, "\uFFFD")}
	if v == "<<" {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

func strList(v []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, s := range v {
		n.Content = append(n.Content, str(escapeDollar(s)))
	}
	return n
}

// escapeDollar writes a $ followed by { or $ as $$, so that loading the text again gives s: a $
// followed by anything else is kept as it is.
func escapeDollar(s string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '$' && i+1 < len(s) && (s[i+1] == '$' || s[i+1] == '{') {
			b.WriteByte('$')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// node is the source's settings as a YAML mapping.
func (s *Source) node() *yaml.Node {
	m := newMapping()
	m.str("database_type", s.DatabaseType)
	m.add("connection", s.Connection.node())
	m.add("bulk_load", s.BulkLoad.node())
	m.add("cdc", s.CDC.node())
	m.add("iceberg", s.Iceberg.node())
	m.add("monitoring", s.Monitoring.node())
	m.add("data_quality", s.DataQuality.node())
	m.add("lineage", s.Lineage.node())
	return m.n
}

// node is the connection: section as YAML, with the secrets and the options' credentials
// redacted.
func (c Connection) node() *yaml.Node {
	conn := newMapping()
	conn.str("host", c.Host)
	conn.int("port", c.Port, false)
	conn.str("database", c.Database)
	conn.str("service_name", c.ServiceName)
	conn.str("schema", c.Schema)
	conn.str("username", c.Username)
	conn.secret("password", c.Password)
	conn.secret("dsn", c.DSN)
	if d := c.ConnectTimeout; d != 0 {
		conn.str("connect_timeout", formatDuration(d))
	}
	if d := c.FirstRowTimeout; d != 0 {
		conn.str("first_row_timeout", formatDuration(max(d, 0))) // 0s: no timeout
	}
	opts := newMapping()
	keys := make([]string, 0, len(c.Options))
	for k := range c.Options {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		opts.add(k, str(escapeDollar(redact.Option(k, c.Options[k]))))
	}
	conn.add("options", opts.n)
	return conn.n
}

// node is the bulk_load: section as YAML.
func (b BulkLoad) node() *yaml.Node {
	bl := newMapping()
	bl.int("parallel_workers", b.ParallelWorkers, true)
	bl.int("parallel_partitions", b.ParallelPartitions, true)
	bl.int("max_retries", b.MaxRetries, true)
	bl.list("tables", b.Tables)
	bl.str("table_filter", b.TableFilter)
	bl.str("namespace", b.Namespace)
	return bl.n
}

// node is the cdc: section as YAML.
func (c CDC) node() *yaml.Node {
	cdc := newMapping()
	cdc.list("brokers", c.Brokers)
	cdc.list("topics", c.Topics)
	cdc.str("topic_prefix", c.TopicPrefix)
	cdc.str("group_id", c.GroupID)
	cdc.int("batch_size", c.BatchSize, false)
	if d := c.CommitInterval; d != 0 {
		cdc.str("commit_interval", formatDuration(d))
	}
	if d := c.ConnectTimeout; d != 0 {
		cdc.str("connect_timeout", formatDuration(d))
	}
	cdc.str("dead_letter_topic", c.DeadLetterTopic)
	cdc.str("deletes", c.Deletes)
	cdc.add("maintenance", c.Maintenance.node())
	return cdc.n
}

// node is the cdc.maintenance: section as YAML.
func (mt CDCMaintenance) node() *yaml.Node {
	maint := newMapping()
	if mt.Disabled {
		maint.add("enabled", &yaml.Node{Kind: yaml.ScalarNode, Value: "false"})
	}
	maint.int("every_batches", mt.EveryBatches, false)
	maint.int("max_delete_files", mt.MaxDeleteFiles, false)
	if s := mt.MaxDeleteShare; s != 0 {
		maint.add("max_delete_share", &yaml.Node{Kind: yaml.ScalarNode, Value: strconv.FormatFloat(s, 'g', -1, 64)})
	}
	maint.int("max_snapshots", mt.MaxSnapshots, false)
	if d := mt.ExpireOlderThan; d != 0 {
		maint.str("expire_older_than", formatDuration(d))
	}
	maint.int("retain_snapshots", mt.RetainSnapshots, false)
	maint.int("metadata_versions", mt.MetadataVersions, false)
	if d := mt.OrphanOlderThan; d != 0 {
		maint.str("orphan_older_than", formatDuration(d))
	}
	if d := mt.Timeout; d != 0 {
		maint.str("timeout", formatDuration(d))
	}
	return maint.n
}

// node is the iceberg: section as YAML, with the URI's credentials masked.
func (i Iceberg) node() *yaml.Node {
	ice := newMapping()
	ice.str("catalog", i.Catalog)
	ice.str("uri", redact.URI(i.URI))
	ice.str("warehouse", i.Warehouse)
	ice.str("namespace", i.Namespace)
	return ice.n
}

// node is the monitoring: section as YAML, with the Dynatrace API token redacted.
func (mc Monitoring) node() *yaml.Node {
	mon := newMapping()
	mon.bool("enable_cloudwatch", mc.EnableCloudWatch)
	mon.str("cloudwatch_namespace", mc.CloudWatchNamespace)
	otlp := newMapping()
	otlp.str("endpoint", mc.OTLP.Endpoint)
	otlp.str("protocol", mc.OTLP.Protocol)
	mon.add("otlp", otlp.n)
	dt := newMapping()
	dt.str("endpoint", mc.Dynatrace.Endpoint)
	dt.secret("api_token", mc.Dynatrace.APIToken)
	mon.add("dynatrace", dt.n)
	prom := newMapping()
	prom.str("listen", mc.Prometheus.Listen)
	mon.add("prometheus", prom.n)
	if d := mc.ExportInterval; d != 0 {
		mon.str("export_interval", formatDuration(d))
	}
	if d := mc.ExportTimeout; d != 0 {
		mon.str("export_timeout", formatDuration(d))
	}
	mon.str("environment", mc.Environment)
	mon.list("required_sinks", mc.RequiredSinks)
	return mon.n
}

// node is the data_quality: section as YAML, the required columns' tables in sorted order.
func (q DataQuality) node() *yaml.Node {
	dq := newMapping()
	dq.bool("check_row_count", q.CheckRowCount)
	if t := q.RowCountTolerance; t != 0 {
		dq.add("row_count_tolerance", &yaml.Node{Kind: yaml.ScalarNode, Value: strconv.FormatFloat(t, 'g', -1, 64)})
	}
	cols := newMapping()
	tables := make([]string, 0, len(q.RequiredColumns))
	for t := range q.RequiredColumns {
		tables = append(tables, t)
	}
	slices.Sort(tables)
	for _, t := range tables {
		cols.add(t, strList(q.RequiredColumns[t]))
	}
	dq.add("required_columns", cols.n)
	dq.list("checksum_tables", q.ChecksumTables)
	dq.str("on_failure", q.OnFailure)
	dq.add("monitors", q.Monitors.node())
	return dq.n
}

// formatDuration writes d the way people write it: 60s, 1m30s, 1h, not 1m0s or 1h0m0s.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
