package mysql

import (
	"time"

	"github.com/etlwatch/etlwatch/configloader"
)

// Config is the database an [Extractor] reads, for a program without a sources.yaml: [New]
// takes it, and [FromSource] translates a source of sources.yaml into it. The zero value of a
// field is its default.
type Config struct {
	// Name names the source in errors ("mysql: source \"erp\": ..."); optional.
	Name string
	// DSN is a github.com/go-sql-driver/mysql DSN such as "user:pass@tcp(host:3306)/db"; it
	// wins over the fields below it.
	DSN      string
	Host     string
	Port     int // default [DefaultPort]
	Database string
	User     string
	Password string
	// Options are driver DSN parameters (such as tls or timeout) or session variables.
	Options map[string]string
	// ConnectTimeout bounds the dial and the handshake; zero is the timeout of Options or DSN
	// when set, else [configloader.DefaultConnectTimeout] (10s). [WithConnectTimeout]
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
		User: c.Username, Password: c.Password.Reveal(), Options: c.Options,
		ConnectTimeout: c.ConnectTimeout, FirstRowTimeout: c.FirstRowTimeout,
	}
}
