package sqlite

import "github.com/etlwatch/etlwatch/configloader"

// Config is the database an [Extractor] reads, for a program without a sources.yaml: [New]
// takes it, and [FromSource] translates a source of sources.yaml into it. [OpenDB] takes a
// *sql.DB of your own instead.
type Config struct {
	// Name names the source in errors ("sqlite: open source \"shop\": ..."); optional.
	Name string
	// Database is the file's path (opened read-only) or ":memory:".
	Database string
	// DSN, when set, is passed to the driver as it is and wins over Database.
	DSN string
}

// FromSource returns the Config of a source of sources.yaml. [Open] is [New] of it.
func FromSource(src *configloader.Source) Config {
	return Config{Name: src.Name, Database: src.Connection.Database, DSN: src.Connection.DSN.Reveal()}
}
