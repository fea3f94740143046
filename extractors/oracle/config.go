package oracle

import (
	"time"

	"github.com/etlwatch/etlwatch/configloader"
)

// Config is the database an [Extractor] reads, for a program without a sources.yaml: [New]
// takes it, and [FromSource] translates a source of sources.yaml into it. The zero value of a
// field is its default.
type Config struct {
	// Name names the source in errors ("oracle: source \"erp\": ..."); optional.
	Name string
	// DSN is a go-ora URL such as "oracle://user:pass@host:1521/service"; it wins over the
	// fields below it.
	DSN  string
	Host string
	Port int // default [DefaultPort]
	// ServiceName is the service to connect to; Database when empty.
	ServiceName string
	Database    string
	User        string
	Password    string
	// Schema is the owner whose tables are read; default the user's own. [WithSchema] wins.
	Schema string
	// Options are go-ora URL parameters, such as SSL.
	Options map[string]string
	// ConnectTimeout bounds the dial and the handshake; zero is [configloader.DefaultConnectTimeout] (10s). [WithConnectTimeout]
	// wins.
	ConnectTimeout time.Duration
	// FirstRowTimeout bounds each read's wait for its first row; zero is
	// [configloader.DefaultFirstRowTimeout] (5m), negative waits without limit.
	// [WithFirstRowTimeout] wins.
	FirstRowTimeout time.Duration
}

// FromSource returns the Config of a source of sources.yaml: the one place that knows its
// shape. [Open] is [New] of it.
func FromSource(src *configloader.Source) Config {
	c := src.Connection
	return Config{
		Name: src.Name, DSN: c.DSN.Reveal(), Host: c.Host, Port: c.Port, ServiceName: c.ServiceName, Database: c.Database,
		User: c.Username, Password: c.Password.Reveal(), Schema: c.Schema, Options: c.Options,
		ConnectTimeout: c.ConnectTimeout, FirstRowTimeout: c.FirstRowTimeout,
	}
}
