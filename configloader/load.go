package configloader

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// FileName is the name of the configuration file in a configuration directory.
const FileName = "sources.yaml"

// DefaultDir is the configuration directory [Load] uses when it is given none and $CONFIG_DIR
// is empty.
const DefaultDir = "config"

// Load reads and checks <dir>/sources.yaml. An empty dir means $CONFIG_DIR, and when that is empty
// too, ./config. See [LoadFile] for the errors.
func Load(dir string) (*Config, error) {
	from := "the directory given"
	if dir == "" {
		dir, from = os.Getenv("CONFIG_DIR"), "$CONFIG_DIR"
	}
	if dir == "" {
		dir, from = DefaultDir, "the default ./"+DefaultDir+", as $CONFIG_DIR is not set"
	}
	path := filepath.Join(dir, FileName)
	cfg, err := LoadFile(path)
	if err != nil && cfg == nil && isReadError(err) {
		return nil, fmt.Errorf("%w (directory from %s)", err, from)
	}
	return cfg, err
}

// readError is the error of LoadFile when the file cannot be read.
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

func isReadError(err error) bool {
	_, ok := err.(*readError)
	return ok
}

// LoadFile reads and checks the sources.yaml at path. The file's mistakes are reported together
// in a [*LoadError] whose [FieldError] values name the base name of path, such as
// sources.yaml:12:28. An error reading the file wraps the error of the os package, so
// errors.Is(err, fs.ErrNotExist) reports a missing file.
func LoadFile(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &readError{fmt.Errorf("configloader: %w", err)}
	}
	defer f.Close()
	// One byte more than allowed, so that Parse sees the file is too large.
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, &readError{fmt.Errorf("configloader: read %s: %w", path, err)}
	}
	cfg, err := parse(filepath.Base(path), path, data)
	if err != nil {
		return nil, err
	}
	cfg.Path = path
	return cfg, nil
}

// Parse checks data as a sources.yaml. name is used in error messages, such as "sources.yaml",
// and as [Config.Path]. ${VAR} references are expanded from the environment. The mistakes are
// reported together in a [*LoadError].
//
// Parse never panics; data larger than [MaxFileSize] is an error.
func Parse(name string, data []byte) (*Config, error) {
	cfg, err := parse(name, name, data)
	if err != nil {
		return nil, err
	}
	cfg.Path = name
	return cfg, nil
}

// parse checks data; file names it in FieldError and path in LoadError.
func parse(file, path string, data []byte) (*Config, error) {
	c := &checker{file: file, lookup: os.LookupEnv}
	var cfg *Config
	if root := c.document(data); root != nil {
		cfg = c.config(root)
	}
	if err := c.result(path); err != nil {
		return nil, err
	}
	return cfg, nil
}

// Source returns the source named name, or an error wrapping [ErrUnknownSource] that lists the
// sources there are. It is safe for concurrent use, as long as the Config is not modified.
func (c *Config) Source(name string) (*Source, error) {
	if s, ok := c.Sources[name]; ok && s != nil {
		return s, nil
	}
	names := c.Names()
	where := "the configuration"
	if c.Path != "" {
		where = baseName(c.Path)
	}
	msg := fmt.Sprintf("%q is not in %s", name, where)
	if hint := suggest(name, names); hint != "" {
		msg += " (" + hint + ")"
	}
	if len(names) == 0 {
		msg += "; it has no sources"
	} else {
		msg += "; sources: " + strings.Join(names, ", ")
	}
	return nil, fmt.Errorf("%w: %s", ErrUnknownSource, msg)
}

// Names returns the names of the sources, sorted.
func (c *Config) Names() []string {
	names := make([]string, 0, len(c.Sources))
	for name := range c.Sources {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// baseName is filepath.Base, except that "" stays "".
func baseName(path string) string {
	if path == "" {
		return ""
	}
	return filepath.Base(path)
}
