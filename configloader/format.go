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

	conn := newMapping()
	conn.str("host", s.Connection.Host)
	conn.int("port", s.Connection.Port, false)
	conn.str("database", s.Connection.Database)
	conn.str("service_name", s.Connection.ServiceName)
	conn.str("schema", s.Connection.Schema)
	conn.str("username", s.Connection.Username)
	conn.secret("password", s.Connection.Password)
	conn.secret("dsn", s.Connection.DSN)
	if d := s.Connection.ConnectTimeout; d != 0 {
		conn.str("connect_timeout", formatDuration(d))
	}
	if d := s.Connection.FirstRowTimeout; d != 0 {
		conn.str("first_row_timeout", formatDuration(max(d, 0))) // 0s: no timeout
	}
	opts := newMapping()
	keys := make([]string, 0, len(s.Connection.Options))
	for k := range s.Connection.Options {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		opts.add(k, str(escapeDollar(redact.Option(k, s.Connection.Options[k]))))
	}
	conn.add("options", opts.n)
	m.add("connection", conn.n)

	bl := newMapping()
	bl.int("parallel_workers", s.BulkLoad.ParallelWorkers, true)
	bl.int("parallel_partitions", s.BulkLoad.ParallelPartitions, true)
	bl.int("max_retries", s.BulkLoad.MaxRetries, true)
	bl.list("tables", s.BulkLoad.Tables)
	bl.str("table_filter", s.BulkLoad.TableFilter)
	bl.str("namespace", s.BulkLoad.Namespace)
	m.add("bulk_load", bl.n)

	cdc := newMapping()
	cdc.list("brokers", s.CDC.Brokers)
	cdc.list("topics", s.CDC.Topics)
	cdc.str("topic_prefix", s.CDC.TopicPrefix)
	cdc.str("group_id", s.CDC.GroupID)
	cdc.int("batch_size", s.CDC.BatchSize, false)
	if d := s.CDC.CommitInterval; d != 0 {
		cdc.str("commit_interval", formatDuration(d))
	}
	if d := s.CDC.ConnectTimeout; d != 0 {
		cdc.str("connect_timeout", formatDuration(d))
	}
	cdc.str("dead_letter_topic", s.CDC.DeadLetterTopic)
	maint := newMapping()
	mt := s.CDC.Maintenance
	if mt.Disabled {
		maint.add("enabled", &yaml.Node{Kind: yaml.ScalarNode, Value: "false"})
	}
	maint.int("every_batches", mt.EveryBatches, false)
	maint.int("max_delete_files", mt.MaxDeleteFiles, false)
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
	cdc.add("maintenance", maint.n)
	m.add("cdc", cdc.n)

	ice := newMapping()
	ice.str("catalog", s.Iceberg.Catalog)
	ice.str("uri", redact.URI(s.Iceberg.URI))
	ice.str("warehouse", s.Iceberg.Warehouse)
	ice.str("namespace", s.Iceberg.Namespace)
	m.add("iceberg", ice.n)

	mon := newMapping()
	mon.bool("enable_cloudwatch", s.Monitoring.EnableCloudWatch)
	mon.str("cloudwatch_namespace", s.Monitoring.CloudWatchNamespace)
	otlp := newMapping()
	otlp.str("endpoint", s.Monitoring.OTLP.Endpoint)
	otlp.str("protocol", s.Monitoring.OTLP.Protocol)
	mon.add("otlp", otlp.n)
	dt := newMapping()
	dt.str("endpoint", s.Monitoring.Dynatrace.Endpoint)
	dt.secret("api_token", s.Monitoring.Dynatrace.APIToken)
	mon.add("dynatrace", dt.n)
	prom := newMapping()
	prom.str("listen", s.Monitoring.Prometheus.Listen)
	mon.add("prometheus", prom.n)
	if d := s.Monitoring.ExportInterval; d != 0 {
		mon.str("export_interval", formatDuration(d))
	}
	mon.str("environment", s.Monitoring.Environment)
	mon.list("required_sinks", s.Monitoring.RequiredSinks)
	m.add("monitoring", mon.n)

	dq := newMapping()
	dq.bool("check_row_count", s.DataQuality.CheckRowCount)
	if t := s.DataQuality.RowCountTolerance; t != 0 {
		dq.add("row_count_tolerance", &yaml.Node{Kind: yaml.ScalarNode, Value: strconv.FormatFloat(t, 'g', -1, 64)})
	}
	cols := newMapping()
	tables := make([]string, 0, len(s.DataQuality.RequiredColumns))
	for t := range s.DataQuality.RequiredColumns {
		tables = append(tables, t)
	}
	slices.Sort(tables)
	for _, t := range tables {
		cols.add(t, strList(s.DataQuality.RequiredColumns[t]))
	}
	dq.add("required_columns", cols.n)
	dq.list("checksum_tables", s.DataQuality.ChecksumTables)
	dq.str("on_failure", s.DataQuality.OnFailure)
	dq.add("monitors", s.DataQuality.Monitors.node())
	m.add("data_quality", dq.n)
	m.add("lineage", s.Lineage.node())
	return m.n
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
