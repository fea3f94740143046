package configloader

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/etlwatch/etlwatch/internal/redact"
)

// The lineage transports that lineage.transport may name.
const (
	TransportHTTP    = "http"
	TransportConsole = "console"
	TransportFile    = "file"
	TransportKafka   = "kafka"
)

// The keys of the lineage: section and its values.
var (
	lineageKeys       = []string{"transport", "url", "endpoint", "api_key", "namespace", "timeout", "flush_timeout", "running_interval", "disabled", "kafka", "file"}
	lineageKafkaKeys  = []string{"topic", "brokers"}
	lineageFileKeys   = []string{"path", "rotate", "max_size_mb"}
	lineageTransports = []string{TransportHTTP, TransportConsole, TransportFile, TransportKafka}
	lineageRotations  = []string{"none", "daily", "size"}
)

// Lineage configures OpenLineage events (lineage:). The OPENLINEAGE_URL, OPENLINEAGE_ENDPOINT,
// OPENLINEAGE_API_KEY, OPENLINEAGE_NAMESPACE and OPENLINEAGE_DISABLED environment variables
// fill in what the section leaves out (etlwatch.New reads them; the section wins).
type Lineage struct {
	// Transports (transport: one name or a list) are where events go: http, console, file,
	// kafka. When not set: http if url is set, kafka if kafka.topic is, file if file.path is.
	Transports []string
	URL        string // url: the OpenLineage server's base URL, such as http://marquez:5000
	Endpoint   string // endpoint: the path under url; default /api/v1/lineage
	APIKey     Secret // api_key: sent as a bearer token
	Namespace  string // namespace: the jobs' namespace; default "default"
	// Timeout (timeout) bounds each HTTP request; default 5s.
	Timeout time.Duration
	// FlushTimeout (flush_timeout) bounds how long the end of a job waits for lineage events
	// still buffered (a receiver that hangs costs at most this); default 2s.
	FlushTimeout time.Duration
	// RunningInterval (running_interval) is the least time between two RUNNING events of a
	// streaming job (the CDC consumer); default 60s.
	RunningInterval time.Duration
	Disabled        bool // disabled: send no events
	Kafka           LineageKafka
	File            LineageFile
}

// LineageKafka configures the Kafka transport (lineage.kafka:).
type LineageKafka struct {
	Topic   string
	Brokers []string // default: cdc.brokers
}

// LineageFile configures the file transport (lineage.file:).
type LineageFile struct {
	Path      string
	Rotate    string // none (default), daily or size
	MaxSizeMB int    // max_size_mb, with rotate: size; default 100
}

// Redacted returns a copy of l that is safe to print: APIKey holds [Redacted] when set, and
// URL's credentials are masked.
func (l Lineage) Redacted() Lineage {
	l.APIKey = Secret(l.APIKey.String())
	l.URL = redact.URI(l.URL)
	return l
}

// lineageFields is Lineage without its methods, for printing a redacted copy.
type lineageFields Lineage

// Format prints [Lineage.Redacted] with the verb and flags given, as fmt prints a struct.
func (l Lineage) Format(f fmt.State, verb rune) {
	type Lineage lineageFields // so that %#v names the type configloader.Lineage
	_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), Lineage(l.Redacted()))
}

// MarshalJSON encodes [Lineage.Redacted].
func (l Lineage) MarshalJSON() ([]byte, error) { return json.Marshal(lineageFields(l.Redacted())) }

// MarshalYAML encodes [Lineage.Redacted].
func (l Lineage) MarshalYAML() (any, error) { return lineageFields(l.Redacted()), nil }

// lineageNodes are the nodes of the lineage: keys whose presence the checks after the section
// depend on; nil when the key is absent.
type lineageNodes struct {
	transport, url, topic, path, size *yaml.Node
}

// lineage checks the lineage: section of a source; [checker.lineageBrokers] finishes the check
// once the whole source is read.
func (c *checker) lineage(n *yaml.Node, path string, l *Lineage) {
	var nodes lineageNodes
	c.fields(n, path, lineageKeys, func(key string, v *yaml.Node, path string) {
		switch key {
		case "transport":
			nodes.transport = v
			c.lineageTransports(v, path, l)
		case "url":
			nodes.url = v
			c.lineageURL(v, path, l)
		case "endpoint":
			setIf(&l.Endpoint)(c.str(v, path))
		case "api_key":
			setIf(&l.APIKey)(c.secretStr(v, path))
		case "namespace":
			setIf(&l.Namespace)(c.str(v, path))
		case "timeout":
			setIf(&l.Timeout)(c.duration(v, path))
		case "flush_timeout":
			setIf(&l.FlushTimeout)(c.duration(v, path))
		case "running_interval":
			setIf(&l.RunningInterval)(c.duration(v, path))
		case "disabled":
			setIf(&l.Disabled)(c.boolean(v, path))
		case "kafka":
			c.lineageKafka(v, path, l, &nodes)
		case "file":
			c.lineageFile(v, path, l, &nodes)
		}
	})
	if c.stopped {
		return
	}
	if nodes.transport == nil {
		l.Transports = append(l.Transports, impliedTransports(l)...)
	}
	if l.Disabled {
		return
	}
	c.lineageRequirements(n, path, l, nodes)
}

// lineageTransports checks transport: (one name or a list of distinct names) into l.Transports.
func (c *checker) lineageTransports(v *yaml.Node, path string, l *Lineage) {
	if r := resolve(v); r != nil && r.Kind == yaml.SequenceNode {
		seen := map[string]*yaml.Node{}
		c.list(v, path, "one of "+orList(lineageTransports)+", or a list of them", func(_ int, e *yaml.Node, ipath string) {
			if isNull(e) {
				c.fail(e, ipath, "nothing", "", orList(lineageTransports))
				return
			}
			name, ok := c.enum(e, ipath, lineageTransports)
			switch {
			case !ok:
			case seen[name] != nil:
				c.fail(e, ipath, quote(name)+" a second time",
					fmt.Sprintf("first at line %d, column %d", seen[name].Line, seen[name].Column), "each transport once")
			default:
				seen[name] = e
				l.Transports = append(l.Transports, name)
			}
		})
		return
	}
	if name, ok := c.enum(v, path, lineageTransports); ok {
		l.Transports = []string{name}
	}
}

// lineageURL checks url: (an http or https URL with a host) into l.URL; the rejection shows the
// URL with its credentials masked.
func (c *checker) lineageURL(v *yaml.Node, path string, l *Lineage) {
	s, ok := c.scalar(v, path, "an http:// or https:// URL", false)
	if !ok {
		return
	}
	u, err := url.Parse(s.text)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		found := quote(redact.URI(s.text))
		if s.fromEnv {
			found = s.found(true)
		}
		c.fail(v, path, found, "", "an http:// or https:// URL with a host, such as http://localhost:5000")
		return
	}
	l.URL = s.text
}

// lineageKafka checks kafka: into l.Kafka.
func (c *checker) lineageKafka(n *yaml.Node, path string, l *Lineage, nodes *lineageNodes) {
	c.fields(n, path, lineageKafkaKeys, func(key string, v *yaml.Node, path string) {
		switch key {
		case "topic":
			nodes.topic = v
			setIf(&l.Kafka.Topic)(c.str(v, path))
		case "brokers":
			setIf(&l.Kafka.Brokers)(c.strList(v, path, "broker address", "broker addresses"))
		}
	})
}

// lineageFile checks file: into l.File.
func (c *checker) lineageFile(n *yaml.Node, path string, l *Lineage, nodes *lineageNodes) {
	c.fields(n, path, lineageFileKeys, func(key string, v *yaml.Node, path string) {
		switch key {
		case "path":
			nodes.path = v
			setIf(&l.File.Path)(c.str(v, path))
		case "rotate":
			setIf(&l.File.Rotate)(c.enum(v, path, lineageRotations))
		case "max_size_mb":
			nodes.size = v
			setIf(&l.File.MaxSizeMB)(c.integer(v, path, 1, math.MaxInt32, "an integer >= 1"))
		}
	})
}

// impliedTransports are the transports of a section without transport:: http if url is set,
// kafka if kafka.topic is, file if file.path is.
func impliedTransports(l *Lineage) []string {
	var ts []string
	if l.URL != "" {
		ts = append(ts, TransportHTTP)
	}
	if l.Kafka.Topic != "" {
		ts = append(ts, TransportKafka)
	}
	if l.File.Path != "" {
		ts = append(ts, TransportFile)
	}
	return ts
}

// lineageRequirements reports what the chosen transports need and the section (at n) lacks:
// an error is placed at transport: when present, else at the section.
func (c *checker) lineageRequirements(n *yaml.Node, path string, l *Lineage, nodes lineageNodes) {
	at := n
	if nodes.transport != nil {
		at = nodes.transport
	}
	if slices.Contains(l.Transports, TransportHTTP) && l.URL == "" && nodes.url == nil {
		if v, ok := c.lookup("OPENLINEAGE_URL"); !ok || v == "" {
			c.fail(at, joinPath(path, "url"), "transport http and no url", "",
				"the lineage server's URL in url, or in the OPENLINEAGE_URL environment variable")
		}
	}
	if slices.Contains(l.Transports, TransportKafka) {
		if l.Kafka.Topic == "" && nodes.topic == nil {
			c.fail(at, joinPath(path, "kafka.topic"), "transport kafka and no kafka.topic", "",
				"the topic to send events to in kafka.topic")
		}
	}
	if slices.Contains(l.Transports, TransportFile) && l.File.Path == "" && nodes.path == nil {
		c.fail(at, joinPath(path, "file.path"), "transport file and no file.path", "",
			"the file to append events to in file.path")
	}
	if nodes.size != nil && l.File.Rotate != "size" {
		c.fail(nodes.size, joinPath(path, "file.max_size_mb"), "max_size_mb without rotate: size", "",
			"max_size_mb together with rotate: size")
	}
}

// lineageBrokers gives the Kafka transport of s's lineage section (at n) the source's
// cdc.brokers when it names none, and reports when there are none either.
func (c *checker) lineageBrokers(s *Source, n *yaml.Node, path string) {
	l := &s.Lineage
	if n == nil || l.Disabled || !slices.Contains(l.Transports, TransportKafka) || len(l.Kafka.Brokers) > 0 {
		return
	}
	l.Kafka.Brokers = slices.Clone(s.CDC.Brokers)
	if len(l.Kafka.Brokers) == 0 {
		c.fail(n, joinPath(path, "kafka.brokers"), "transport kafka and no brokers", "",
			"broker addresses in lineage.kafka.brokers or cdc.brokers")
	}
}

// node returns the lineage: section as YAML, with the API key redacted and the URL's
// credentials masked; nil when the section is empty.
func (l Lineage) node() *yaml.Node {
	m := newMapping()
	if len(l.Transports) == 1 {
		m.str("transport", l.Transports[0])
	} else {
		m.list("transport", l.Transports)
	}
	m.str("url", redact.URI(l.URL))
	m.str("endpoint", l.Endpoint)
	m.secret("api_key", l.APIKey)
	m.str("namespace", l.Namespace)
	if l.Timeout != 0 {
		m.str("timeout", formatDuration(l.Timeout))
	}
	if l.FlushTimeout != 0 {
		m.str("flush_timeout", formatDuration(l.FlushTimeout))
	}
	if l.RunningInterval != 0 {
		m.str("running_interval", formatDuration(l.RunningInterval))
	}
	m.bool("disabled", l.Disabled)
	k := newMapping()
	k.str("topic", l.Kafka.Topic)
	k.list("brokers", l.Kafka.Brokers)
	m.add("kafka", k.n)
	f := newMapping()
	f.str("path", l.File.Path)
	f.str("rotate", l.File.Rotate)
	f.int("max_size_mb", l.File.MaxSizeMB, false)
	m.add("file", f.n)
	return m.n
}
