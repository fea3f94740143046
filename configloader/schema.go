package configloader

import (
	"errors"
	"fmt"
	"math"
	"net"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// The keys and values allowed at each level of sources.yaml, in the order the documentation
// shows them.
var (
	topKeys         = []string{"sources"}
	sourceKeys      = []string{"database_type", "connection", "bulk_load", "cdc", "iceberg", "monitoring", "data_quality", "lineage"}
	connectionKeys  = []string{"host", "port", "database", "service_name", "schema", "username", "password", "dsn", "connect_timeout", "first_row_timeout", "options"}
	bulkLoadKeys    = []string{"parallel_workers", "parallel_partitions", "max_retries", "tables", "table_filter", "namespace"}
	cdcKeys         = []string{"brokers", "topics", "topic_prefix", "group_id", "batch_size", "commit_interval", "connect_timeout", "dead_letter_topic", "deletes", "maintenance"}
	maintenanceKeys = []string{"enabled", "every_batches", "max_delete_files", "max_delete_share", "max_snapshots", "expire_older_than", "retain_snapshots", "metadata_versions", "orphan_older_than", "timeout"}
	icebergKeys     = []string{"catalog", "uri", "warehouse", "namespace"}
	monitoringKeys  = []string{"enable_cloudwatch", "cloudwatch_namespace", "otlp", "dynatrace", "prometheus",
		"export_interval", "export_timeout", "environment", "required_sinks"}
	otlpKeys        = []string{"endpoint", "protocol"}
	dynatraceKeys   = []string{"endpoint", "api_token"}
	prometheusKeys  = []string{"listen"}
	dataQualityKeys = []string{"check_row_count", "row_count_tolerance", "required_columns", "checksum_tables", "on_failure", "monitors"}

	databaseTypes = DatabaseTypes()
	catalogTypes  = []string{"sql", "rest", "glue"}
	cdcDeletes    = CDCDeletes()
	otlpProtocols = []string{"grpc", "http"}
	sinkNames     = SinkNames()
	onFailures    = []string{"warn", "fail"}
)

// Defaults for what sources.yaml leaves out.
const (
	// DefaultParallelWorkers is bulk_load.parallel_workers when not set.
	DefaultParallelWorkers = 4
	// DefaultParallelPartitions is bulk_load.parallel_partitions when not set.
	DefaultParallelPartitions = 1
	// DefaultMaxRetries is bulk_load.max_retries when not set.
	DefaultMaxRetries = 3
	// DefaultCatalog is iceberg.catalog when not set.
	DefaultCatalog = "sql"
	// DefaultWarehouse is iceberg.warehouse when not set.
	DefaultWarehouse = "./warehouse"
	// DefaultCloudWatchNamespace is monitoring.cloudwatch_namespace when enable_cloudwatch is true
	// and no namespace is set.
	DefaultCloudWatchNamespace = "ETL/Pipeline"
	// DefaultOnFailure is data_quality.on_failure when not set.
	DefaultOnFailure = "warn"
	// DefaultConnectTimeout is how long the extractors and catalogs wait for a database to accept
	// a connection and answer its handshake when connection.connect_timeout is not set (and no
	// driver option such as PostgreSQL's connect_timeout says otherwise).
	DefaultConnectTimeout = 10 * time.Second
	// DefaultFirstRowTimeout is how long a table's read waits for the database's first row
	// when connection.first_row_timeout is not set.
	DefaultFirstRowTimeout = 5 * time.Minute
)

// allowedFile describes a valid sources.yaml, for mistakes about the whole file.
const allowedFile = "a mapping with a sources: key that holds one entry per source, such as " +
	"sources: {dev_mydb: {database_type: oracle}}"

// config checks the root mapping of a sources.yaml and builds the Config.
func (c *checker) config(root *yaml.Node) *Config {
	cfg := &Config{Sources: map[string]*Source{}}
	if isNull(root) {
		c.fail(root, "", "an empty document", "", allowedFile)
		return cfg
	}
	var sources pair
	c.entries(root, "", allowedFile, func(p pair, path string) {
		switch {
		case p.name == "sources":
			sources = p
		case strings.HasPrefix(p.name, "x-"):
			// Extension keys, such as x-defaults: &defaults {...}, hold anchors; they are not checked.
		default:
			c.fail(p.key, path, "unknown key "+quote(p.name), suggest(p.name, topKeys),
				"sources, or keys starting with x- that hold anchors")
		}
	})
	if c.stopped || resolve(root).Kind != yaml.MappingNode {
		return cfg
	}
	if sources.key == nil {
		c.fail(root, "", "no sources: key", "", allowedFile)
		return cfg
	}
	c.entries(sources.value, "sources", "a mapping of source names to their settings", func(p pair, path string) {
		cfg.Sources[p.name] = c.source(p, path)
	})
	if len(cfg.Sources) == 0 && !c.stopped &&
		(isNull(sources.value) || resolve(sources.value).Kind == yaml.MappingNode) {
		c.fail(sources.key, "sources", "no sources", "", "at least one source, such as dev_mydb: {database_type: oracle}")
	}
	return cfg
}

// source checks one entry under sources:.
func (c *checker) source(p pair, path string) *Source {
	s := &Source{
		Name: p.name,
		BulkLoad: BulkLoad{
			ParallelWorkers:    DefaultParallelWorkers,
			ParallelPartitions: DefaultParallelPartitions,
			MaxRetries:         DefaultMaxRetries,
		},
		Iceberg:     Iceberg{Catalog: DefaultCatalog, Warehouse: DefaultWarehouse},
		DataQuality: DataQuality{OnFailure: DefaultOnFailure},
	}
	hasType := false
	var lineage *yaml.Node
	var lineagePath string
	c.fields(p.value, path, sourceKeys, func(key string, v *yaml.Node, path string) {
		switch key {
		case "database_type":
			hasType = true
			before := len(c.errs)
			if t, ok := c.enum(v, path, databaseTypes); ok {
				s.DatabaseType = t
			} else if len(c.errs) == before { // null, or empty after expansion
				c.fail(v, path, "nothing", "", orList(databaseTypes))
			}
		case "connection":
			c.connection(v, path, &s.Connection)
		case "bulk_load":
			c.bulkLoad(v, path, &s.BulkLoad)
		case "cdc":
			c.cdc(v, path, &s.CDC)
		case "iceberg":
			c.iceberg(v, path, &s.Iceberg)
		case "monitoring":
			c.monitoring(v, path, &s.Monitoring)
		case "data_quality":
			c.dataQuality(v, path, &s.DataQuality)
		case "lineage":
			lineage, lineagePath = v, path
			c.lineage(v, path, &s.Lineage)
		}
	})
	c.lineageBrokers(s, lineage, lineagePath)
	if !hasType && (isNull(p.value) || resolve(p.value).Kind == yaml.MappingNode) {
		c.fail(p.key, joinPath(path, "database_type"), "no database_type", "", orList(databaseTypes))
	}
	return s
}

// setIf returns a function that stores a value read by a checker method when it was read.
func setIf[T any](dst *T) func(T, bool) {
	return func(v T, ok bool) {
		if ok {
			*dst = v
		}
	}
}

func (c *checker) connection(n *yaml.Node, path string, conn *Connection) {
	c.fields(n, path, connectionKeys, func(key string, v *yaml.Node, path string) {
		switch key {
		case "host":
			setIf(&conn.Host)(c.str(v, path))
		case "port":
			setIf(&conn.Port)(c.integer(v, path, 1, 65535, "an integer from 1 to 65535"))
		case "database":
			setIf(&conn.Database)(c.str(v, path))
		case "service_name":
			setIf(&conn.ServiceName)(c.str(v, path))
		case "schema":
			setIf(&conn.Schema)(c.str(v, path))
		case "username":
			setIf(&conn.Username)(c.str(v, path))
		case "password":
			setIf(&conn.Password)(c.secretStr(v, path))
		case "dsn":
			setIf(&conn.DSN)(c.secretStr(v, path))
		case "connect_timeout":
			setIf(&conn.ConnectTimeout)(c.duration(v, path))
		case "first_row_timeout":
			setIf(&conn.FirstRowTimeout)(c.limit(v, path))
		case "options":
			c.entries(v, path, "a mapping of option names to values", func(p pair, path string) {
				before := len(c.errs)
				s, _ := c.str(p.value, path)
				if len(c.errs) == before {
					if conn.Options == nil {
						conn.Options = map[string]string{}
					}
					conn.Options[p.name] = s
				}
			})
		}
	})
}

func (c *checker) bulkLoad(n *yaml.Node, path string, b *BulkLoad) {
	c.fields(n, path, bulkLoadKeys, func(key string, v *yaml.Node, path string) {
		switch key {
		case "parallel_workers":
			setIf(&b.ParallelWorkers)(c.integer(v, path, 1, math.MaxInt32, "an integer >= 1"))
		case "parallel_partitions":
			setIf(&b.ParallelPartitions)(c.integer(v, path, 1, math.MaxInt32, "an integer >= 1"))
		case "max_retries":
			setIf(&b.MaxRetries)(c.integer(v, path, 0, math.MaxInt32, "an integer >= 0"))
		case "tables":
			setIf(&b.Tables)(c.strList(v, path, "table name", "table names"))
		case "table_filter":
			s, ok := c.scalar(v, path, "a regular expression", false)
			if !ok {
				return
			}
			if _, err := regexp.Compile(s.text); err != nil {
				reason := err.Error()
				if se := (*syntax.Error)(nil); errors.As(err, &se) {
					reason = se.Code.String()
				}
				c.fail(v, path, s.found(false)+", which does not compile: "+reason, "",
					"a Go regular expression (RE2 syntax), such as ^(CUSTOMERS|ORDERS)$")
				return
			}
			b.TableFilter = s.text
		case "namespace":
			setIf(&b.Namespace)(c.str(v, path))
		}
	})
}

func (c *checker) cdc(n *yaml.Node, path string, d *CDC) {
	var topics, prefix, dlqNode *yaml.Node
	var prefixFromEnv bool
	var dlq scalar
	c.fields(n, path, cdcKeys, func(key string, v *yaml.Node, path string) {
		switch key {
		case "brokers":
			setIf(&d.Brokers)(c.strList(v, path, "broker address", "broker addresses"))
		case "topics":
			topics = v
			setIf(&d.Topics)(c.strList(v, path, "topic", "topics"))
		case "topic_prefix":
			prefix = v
			if s, ok := c.scalar(v, path, "a string", false); ok {
				d.TopicPrefix, prefixFromEnv = s.text, s.fromEnv
			}
		case "group_id":
			setIf(&d.GroupID)(c.str(v, path))
		case "batch_size":
			setIf(&d.BatchSize)(c.integer(v, path, 1, math.MaxInt32, "an integer >= 1"))
		case "commit_interval":
			setIf(&d.CommitInterval)(c.duration(v, path))
		case "connect_timeout":
			setIf(&d.ConnectTimeout)(c.duration(v, path))
		case "dead_letter_topic":
			if s, ok := c.scalar(v, path, "a string", false); ok {
				d.DeadLetterTopic, dlq, dlqNode = s.text, s, v
			}
		case "deletes":
			setIf(&d.Deletes)(c.enum(v, path, cdcDeletes))
		case "maintenance":
			c.fields(v, path, maintenanceKeys, func(key string, v *yaml.Node, path string) {
				switch key {
				case "enabled":
					if b, ok := c.boolean(v, path); ok {
						d.Maintenance.Disabled = !b
					}
				case "every_batches":
					setIf(&d.Maintenance.EveryBatches)(c.integer(v, path, 1, math.MaxInt32, "an integer >= 1"))
				case "max_delete_files":
					setIf(&d.Maintenance.MaxDeleteFiles)(c.integer(v, path, 1, math.MaxInt32, "an integer >= 1"))
				case "max_delete_share":
					setIf(&d.Maintenance.MaxDeleteShare)(c.number(v, path, math.SmallestNonzeroFloat64, 1, "a number greater than 0 and at most 1, such as 0.1"))
				case "max_snapshots":
					setIf(&d.Maintenance.MaxSnapshots)(c.integer(v, path, 1, math.MaxInt32, "an integer >= 1"))
				case "metadata_versions":
					setIf(&d.Maintenance.MetadataVersions)(c.integer(v, path, 1, math.MaxInt32, "an integer >= 1"))
				case "orphan_older_than":
					setIf(&d.Maintenance.OrphanOlderThan)(c.duration(v, path))
				case "timeout":
					setIf(&d.Maintenance.Timeout)(c.duration(v, path))
				case "expire_older_than":
					setIf(&d.Maintenance.ExpireOlderThan)(c.duration(v, path))
				case "retain_snapshots":
					setIf(&d.Maintenance.RetainSnapshots)(c.integer(v, path, 1, math.MaxInt32, "an integer >= 1"))
				}
			})
		}
	})
	if len(d.Topics) > 0 && d.TopicPrefix != "" {
		at := prefix
		if topics.Line > prefix.Line || (topics.Line == prefix.Line && topics.Column > prefix.Column) {
			at = topics
		}
		c.fail(at, joinPath(path, "topic_prefix"), "both topics and topic_prefix", "", "topics or topic_prefix, not both")
		return
	}
	if dlqNode == nil {
		return
	}
	// The consumer must not read its own dead letters back as changes: each would fail again and
	// be sent again, forever. It reads the topics listed, or every topic that starts with
	// topic_prefix.
	const loop = ": the consumer would read its own dead letters back as changes"
	dpath := joinPath(path, "dead_letter_topic")
	switch d.DeadLetterLoop() {
	case DeadLetterInTopics:
		c.fail(dlqNode, dpath, dlq.found(false)+", which is one of cdc.topics"+loop, "",
			"a topic the consumer does not read: one not listed in cdc.topics")
	case DeadLetterUnderPrefix:
		shown := quote(d.TopicPrefix)
		if prefixFromEnv {
			shown = "(from " + quote(resolve(prefix).Value) + ")"
		}
		c.fail(dlqNode, dpath, dlq.found(false)+", which starts with cdc.topic_prefix "+shown+loop, "",
			"a topic the consumer does not read: one that does not start with cdc.topic_prefix "+shown)
	}
}

func (c *checker) iceberg(n *yaml.Node, path string, ice *Iceberg) {
	var catalog *yaml.Node
	c.fields(n, path, icebergKeys, func(key string, v *yaml.Node, path string) {
		switch key {
		case "catalog":
			catalog = v
			setIf(&ice.Catalog)(c.enum(v, path, catalogTypes))
		case "uri":
			setIf(&ice.URI)(c.str(v, path))
		case "warehouse":
			setIf(&ice.Warehouse)(c.str(v, path))
		case "namespace":
			setIf(&ice.Namespace)(c.str(v, path))
		}
	})
	if catalog != nil && ice.Catalog == "rest" && ice.URI == "" {
		c.fail(catalog, joinPath(path, "uri"), "catalog rest and no uri", "", "the REST catalog's URL in uri")
	}
}

func (c *checker) monitoring(n *yaml.Node, path string, m *Monitoring) {
	var sinks []*yaml.Node // the node of each required sink
	var sinkPaths []string
	c.fields(n, path, monitoringKeys, func(key string, v *yaml.Node, path string) {
		switch key {
		case "enable_cloudwatch":
			setIf(&m.EnableCloudWatch)(c.boolean(v, path))
		case "cloudwatch_namespace":
			setIf(&m.CloudWatchNamespace)(c.str(v, path))
		case "otlp":
			c.fields(v, path, otlpKeys, func(key string, v *yaml.Node, path string) {
				switch key {
				case "endpoint":
					setIf(&m.OTLP.Endpoint)(c.str(v, path))
				case "protocol":
					setIf(&m.OTLP.Protocol)(c.enum(v, path, otlpProtocols))
				}
			})
		case "dynatrace":
			c.fields(v, path, dynatraceKeys, func(key string, v *yaml.Node, path string) {
				switch key {
				case "endpoint":
					setIf(&m.Dynatrace.Endpoint)(c.str(v, path))
				case "api_token":
					setIf(&m.Dynatrace.APIToken)(c.secretStr(v, path))
				}
			})
		case "prometheus":
			c.fields(v, path, prometheusKeys, func(key string, v *yaml.Node, path string) {
				setIf(&m.Prometheus.Listen)(c.listen(v, path))
			})
		case "export_interval":
			setIf(&m.ExportInterval)(c.duration(v, path))
		case "export_timeout":
			setIf(&m.ExportTimeout)(c.duration(v, path))
		case "environment":
			setIf(&m.Environment)(c.str(v, path))
		case "required_sinks":
			seen := map[string]*yaml.Node{}
			c.list(v, path, "a list of sink names, such as [cloudwatch, prometheus]", func(_ int, e *yaml.Node, ipath string) {
				if isNull(e) {
					c.fail(e, ipath, "nothing", "", orList(sinkNames))
					return
				}
				name, ok := c.enum(e, ipath, sinkNames)
				switch {
				case !ok:
				case seen[name] != nil:
					c.fail(e, ipath, quote(name)+" a second time",
						fmt.Sprintf("first at line %d, column %d", seen[name].Line, seen[name].Column), "each sink once")
				default:
					seen[name] = e
					sinks = append(sinks, e)
					sinkPaths = append(sinkPaths, ipath)
					m.RequiredSinks = append(m.RequiredSinks, name)
				}
			})
		}
	})
	if m.EnableCloudWatch && m.CloudWatchNamespace == "" {
		m.CloudWatchNamespace = DefaultCloudWatchNamespace
	}
	for i, name := range m.RequiredSinks {
		if name == SinkCloudWatch && !m.EnableCloudWatch {
			c.fail(sinks[i], sinkPaths[i], `"cloudwatch" without enable_cloudwatch: true`, "",
				"sinks that are enabled; set enable_cloudwatch: true to require cloudwatch")
		}
	}
}

// listen reads a host:port address to listen on.
func (c *checker) listen(n *yaml.Node, path string) (string, bool) {
	const allowed = `host:port, such as ":8083" or "127.0.0.1:8083"`
	s, ok := c.scalar(n, path, allowed, false)
	if !ok {
		return "", false
	}
	host, port, err := net.SplitHostPort(s.text)
	valid := err == nil && !strings.ContainsAny(host, " /")
	if valid {
		_, err = strconv.ParseUint(port, 10, 16)
		valid = err == nil
	}
	if !valid {
		hint := ""
		if _, perr := strconv.ParseUint(s.text, 10, 16); perr == nil && !s.fromEnv {
			hint = `did you mean ":` + s.text + `"?`
		}
		c.fail(n, path, s.found(false), hint, allowed)
		return "", false
	}
	return s.text, true
}

// duration reads a Go duration greater than zero.
func (c *checker) duration(n *yaml.Node, path string) (time.Duration, bool) {
	return c.durationFrom(n, path, false, `a duration greater than zero, such as "60s", "1m" or "1m30s"`)
}

// limit reads a time limit: a Go duration greater than zero, or zero (0, 0s, 0m ...) for no
// limit, which it returns as -1 so that it differs from a key not set.
func (c *checker) limit(n *yaml.Node, path string) (time.Duration, bool) {
	d, ok := c.durationFrom(n, path, true, `a duration greater than zero, such as "60s", "5m" or "1m30s", or 0 for no limit`)
	if ok && d == 0 {
		d = -1
	}
	return d, ok
}

// durationFrom reads a Go duration greater than zero, or equal to zero when zero is true;
// allowed says what is allowed.
func (c *checker) durationFrom(n *yaml.Node, path string, zero bool, allowed string) (time.Duration, bool) {
	s, ok := c.scalar(n, path, allowed, false)
	if !ok {
		return 0, false
	}
	d, err := time.ParseDuration(s.text)
	if err != nil || d < 0 || (d == 0 && !zero) {
		hint := ""
		if s.tag == tagInt && !s.fromEnv {
			hint = `did you mean "` + s.text + `s"?`
		}
		c.fail(n, path, s.found(false), hint, allowed)
		return 0, false
	}
	return d, true
}

func (c *checker) dataQuality(n *yaml.Node, path string, dq *DataQuality) {
	c.fields(n, path, dataQualityKeys, func(key string, v *yaml.Node, path string) {
		switch key {
		case "check_row_count":
			setIf(&dq.CheckRowCount)(c.boolean(v, path))
		case "row_count_tolerance":
			setIf(&dq.RowCountTolerance)(c.number(v, path, 0, 1, "a number from 0 to 1"))
		case "required_columns":
			c.entries(v, path, "a mapping of table names to lists of columns, such as CUSTOMERS: [CUSTOMER_ID]",
				func(p pair, path string) {
					if isNull(p.value) {
						c.fail(p.value, path, "nothing", "", "a list of column names, such as [A, B]")
						return
					}
					cols, ok := c.strList(p.value, path, "column name", "column names")
					if !ok {
						return
					}
					if dq.RequiredColumns == nil {
						dq.RequiredColumns = map[string][]string{}
					}
					dq.RequiredColumns[p.name] = cols
				})
		case "checksum_tables":
			setIf(&dq.ChecksumTables)(c.strList(v, path, "table name", "table names"))
		case "on_failure":
			setIf(&dq.OnFailure)(c.enum(v, path, onFailures))
		case "monitors":
			c.monitors(v, path, &dq.Monitors)
		}
	})
}
