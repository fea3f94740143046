package postgres

import (
	"time"

	"github.com/etlwatch/etlwatch/configloader"
)

// Config is the database an [Extractor] reads, for a program without a sources.yaml: [New]
// takes it, and [FromSource] translates a source of sources.yaml into it. The zero value of a
// field is its default.
type Config struct {
	// Name names the source in errors ("postgres: source \"erp\": ..."); optional.
	Name string
	// DSN is a full connection string (a postgres:// URL or libpq keyword/value pairs); it wins
	// over the fields below it.
	DSN      string
	Host     string
	Port     int // default 5432
	Database string
	User     string
	Password string
	// Schema is the schema whose tables are read; default "public". [WithSchema] wins.
	Schema string
	// Options are libpq connection keywords, such as sslmode.
	Options map[string]string
	// ConnectTimeout bounds the dial and the handshake; zero is the connect_timeout of Options
	// or DSN when set, else [configloader.DefaultConnectTimeout] (10s). [WithConnectTimeout]
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
		Name: src.Name, DSN: c.DSN.Reveal(), Host: c.Host, Port: c.Port, Database: c.Database,
		User: c.Username, Password: c.Password.Reveal(), Schema: c.Schema, Options: c.Options,
		ConnectTimeout: c.ConnectTimeout, FirstRowTimeout: c.FirstRowTimeout,
	}
}
