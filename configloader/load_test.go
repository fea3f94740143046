package configloader_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/configloader"
)

const minimal = "sources:\n  dev_mydb:\n    database_type: sqlite\n"

// writeConfig writes a sources.yaml holding content into a new directory and returns the directory.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, configloader.FileName), []byte(content), 0o600))
	return dir
}

func TestLoad(t *testing.T) {
	t.Run("explicit directory", func(t *testing.T) {
		dir := writeConfig(t, minimal)
		t.Setenv("CONFIG_DIR", writeConfig(t, "not: read"))
		cfg, err := configloader.Load(dir)
		require.NoError(t, err)
		assert.Equal(t, filepath.Join(dir, "sources.yaml"), cfg.Path)
		assert.Equal(t, []string{"dev_mydb"}, cfg.Names())
	})
	t.Run("CONFIG_DIR", func(t *testing.T) {
		dir := writeConfig(t, minimal)
		t.Setenv("CONFIG_DIR", dir)
		cfg, err := configloader.Load("")
		require.NoError(t, err)
		assert.Equal(t, filepath.Join(dir, "sources.yaml"), cfg.Path)
	})
	t.Run("./config when CONFIG_DIR is not set", func(t *testing.T) {
		unsetenv(t, "CONFIG_DIR")
		work := t.TempDir()
		require.NoError(t, os.Mkdir(filepath.Join(work, "config"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(work, "config", "sources.yaml"), []byte(minimal), 0o600))
		t.Chdir(work)
		cfg, err := configloader.Load("")
		require.NoError(t, err)
		assert.Equal(t, filepath.Join("config", "sources.yaml"), cfg.Path)
	})
	t.Run("./config when CONFIG_DIR is empty", func(t *testing.T) {
		t.Setenv("CONFIG_DIR", "")
		t.Chdir(t.TempDir())
		_, err := configloader.Load("")
		require.ErrorIs(t, err, fs.ErrNotExist)
		assert.Contains(t, err.Error(), filepath.Join("config", "sources.yaml"))
		assert.Contains(t, err.Error(), "$CONFIG_DIR is not set")
	})
	t.Run("missing file under CONFIG_DIR", func(t *testing.T) {
		t.Setenv("CONFIG_DIR", t.TempDir())
		_, err := configloader.Load("")
		require.ErrorIs(t, err, fs.ErrNotExist)
		assert.Contains(t, err.Error(), "from $CONFIG_DIR")
		var le *configloader.LoadError
		assert.False(t, errors.As(err, &le), "a read error is not a LoadError")
	})
	t.Run("mistakes name the base name", func(t *testing.T) {
		dir := writeConfig(t, "sources:\n  a:\n    database_type: db2\n")
		_, err := configloader.Load(dir)
		var le *configloader.LoadError
		require.ErrorAs(t, err, &le)
		assert.Equal(t, filepath.Join(dir, "sources.yaml"), le.Path)
		assert.Equal(t, `sources.yaml:3:20: sources.a.database_type: found "db2"; allowed: oracle, postgres, mysql or sqlite`, err.Error())
	})
}

func TestLoadFileTooLarge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.yaml")
	big := minimal + "#" + strings.Repeat("x", configloader.MaxFileSize) + "\n"
	require.NoError(t, os.WriteFile(path, []byte(big), 0o600))
	_, err := configloader.LoadFile(path)
	var le *configloader.LoadError
	require.ErrorAs(t, err, &le)
	assert.Contains(t, err.Error(), "big.yaml: found a file of 1048577 bytes; allowed: at most 1048576 bytes")
}

// source parses yaml and returns its only source.
func source(t *testing.T, yaml string) *configloader.Source {
	t.Helper()
	cfg, err := configloader.Parse("sources.yaml", []byte(yaml))
	require.NoError(t, err)
	require.Len(t, cfg.Sources, 1)
	for _, s := range cfg.Sources {
		return s
	}
	return nil
}

func TestParseValues(t *testing.T) {
	t.Setenv("ETLWATCH_TEST_PORT", "6543")
	t.Setenv("ETLWATCH_TEST_EMPTY", "")
	t.Setenv("ETLWATCH_TEST_TRUE", "true")
	t.Setenv("ETLWATCH_TEST_TOL", "0.25")
	unsetenv(t, "ETLWATCH_TEST_UNSET")
	tests := []struct {
		name  string
		yaml  string // under sources: s:
		check func(t *testing.T, s *configloader.Source)
	}{
		{"defaults", "database_type: oracle", func(t *testing.T, s *configloader.Source) {
			assert.Equal(t, "s", s.Name)
			assert.Equal(t, configloader.BulkLoad{ParallelWorkers: 4, ParallelPartitions: 1, MaxRetries: 3}, s.BulkLoad)
			assert.Equal(t, configloader.Iceberg{Catalog: "sql", Warehouse: "./warehouse"}, s.Iceberg)
			assert.Equal(t, configloader.DataQuality{OnFailure: "warn"}, s.DataQuality)
			assert.Equal(t, configloader.Monitoring{}, s.Monitoring, "no cloudwatch namespace unless enabled")
			assert.Equal(t, configloader.Connection{}, s.Connection)
		}},
		{"null sections take the defaults", "database_type: oracle\nbulk_load:\niceberg: ~\ndata_quality: null", func(t *testing.T, s *configloader.Source) {
			assert.Equal(t, 4, s.BulkLoad.ParallelWorkers)
			assert.Equal(t, "sql", s.Iceberg.Catalog)
			assert.Equal(t, "warn", s.DataQuality.OnFailure)
		}},
		{"cloudwatch namespace default", "database_type: oracle\nmonitoring: {enable_cloudwatch: true}", func(t *testing.T, s *configloader.Source) {
			assert.Equal(t, "ETL/Pipeline", s.Monitoring.CloudWatchNamespace)
		}},
		{"explicit zero retries", "database_type: oracle\nbulk_load: {max_retries: 0}", func(t *testing.T, s *configloader.Source) {
			assert.Equal(t, 0, s.BulkLoad.MaxRetries)
		}},
		{"integer forms", "database_type: oracle\nbulk_load: {parallel_workers: 0x10, max_retries: 1_000}\nconnection: {port: +5432}", func(t *testing.T, s *configloader.Source) {
			assert.Equal(t, 16, s.BulkLoad.ParallelWorkers)
			assert.Equal(t, 1000, s.BulkLoad.MaxRetries)
			assert.Equal(t, 5432, s.Connection.Port)
		}},
		{"tolerance bounds", "database_type: oracle\ndata_quality: {row_count_tolerance: 1}", func(t *testing.T, s *configloader.Source) {
			assert.InDelta(t, 1.0, s.DataQuality.RowCountTolerance, 0)
		}},
		{"expansion before conversion", "database_type: oracle\nconnection:\n  port: '${ETLWATCH_TEST_PORT}'\n  host: ${ETLWATCH_TEST_UNSET:-localhost}\n" +
			"monitoring:\n  enable_cloudwatch: ${ETLWATCH_TEST_TRUE}\ndata_quality:\n  row_count_tolerance: ${ETLWATCH_TEST_TOL}",
			func(t *testing.T, s *configloader.Source) {
				assert.Equal(t, 6543, s.Connection.Port)
				assert.Equal(t, "localhost", s.Connection.Host)
				assert.True(t, s.Monitoring.EnableCloudWatch)
				assert.InDelta(t, 0.25, s.DataQuality.RowCountTolerance, 0)
			}},
		{"a default applies to a set but empty variable", "database_type: ${ETLWATCH_TEST_EMPTY:-mysql}", func(t *testing.T, s *configloader.Source) {
			assert.Equal(t, "mysql", s.DatabaseType)
		}},
		{"an empty expansion is absent", "database_type: oracle\nbulk_load: {parallel_workers: '${ETLWATCH_TEST_EMPTY}'}\niceberg: {warehouse: '${ETLWATCH_TEST_UNSET:-}'}",
			func(t *testing.T, s *configloader.Source) {
				assert.Equal(t, 4, s.BulkLoad.ParallelWorkers)
				assert.Equal(t, "./warehouse", s.Iceberg.Warehouse)
			}},
		{"dollar escapes", `database_type: oracle` + "\n" + `bulk_load: {namespace: "a$$b$${X}$c$", table_filter: "^T$"}`, func(t *testing.T, s *configloader.Source) {
			assert.Equal(t, "a$b${X}$c$", s.BulkLoad.Namespace)
			assert.Equal(t, "^T$", s.BulkLoad.TableFilter)
		}},
		{"keys are not expanded", "database_type: oracle\ndata_quality: {required_columns: {'${T}': [A]}}", func(t *testing.T, s *configloader.Source) {
			assert.Equal(t, map[string][]string{"${T}": {"A"}}, s.DataQuality.RequiredColumns)
		}},
		{"strings from other scalars", "database_type: oracle\nconnection: {database: 123, options: {timeout: 10, ssl: true, empty: }}", func(t *testing.T, s *configloader.Source) {
			assert.Equal(t, "123", s.Connection.Database)
			assert.Equal(t, map[string]string{"timeout": "10", "ssl": "true", "empty": ""}, s.Connection.Options)
		}},
		{"durations", "database_type: oracle\nmonitoring: {export_interval: 1m30s}", func(t *testing.T, s *configloader.Source) {
			assert.Equal(t, 90*time.Second, s.Monitoring.ExportInterval)
		}},
		{"listen forms", "database_type: oracle\nmonitoring: {prometheus: {listen: '127.0.0.1:0'}}", func(t *testing.T, s *configloader.Source) {
			assert.Equal(t, "127.0.0.1:0", s.Monitoring.Prometheus.Listen)
		}},
		{"secrets", "database_type: postgres\nconnection: {password: p, dsn: 'postgres://u:p@h/d'}\nmonitoring: {dynatrace: {api_token: t}}",
			func(t *testing.T, s *configloader.Source) {
				assert.Equal(t, "p", s.Connection.Password.Reveal())
				assert.Equal(t, "postgres://u:p@h/d", s.Connection.DSN.Reveal())
				assert.Equal(t, "t", s.Monitoring.Dynatrace.APIToken.Reveal())
			}},
		{"empty lists", "database_type: oracle\nbulk_load: {tables: []}\ndata_quality: {required_columns: {T: []}}", func(t *testing.T, s *configloader.Source) {
			assert.Empty(t, s.BulkLoad.Tables)
			assert.Contains(t, s.DataQuality.RequiredColumns, "T")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, source(t, "sources:\n  s:\n"+indent(tt.yaml, "    ")))
		})
	}
}

// indent prefixes each line of s.
func indent(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n") + "\n"
}

func TestAnchorsAndMerges(t *testing.T) {
	const yaml = `
x-monitoring: &mon
  enable_cloudwatch: true
  environment: prod
x-base: &base
  parallel_workers: 2
  max_retries: 5
x-more: &more
  parallel_workers: 9
  namespace: raw
sources:
  a:
    database_type: postgres
    monitoring: *mon
    bulk_load:
      <<: [*base, *more]
      max_retries: 1
  b:
    database_type: mysql
    monitoring:
      <<: *mon
      environment: prod-eu
`
	cfg, err := configloader.Parse("sources.yaml", []byte(yaml))
	require.NoError(t, err)
	a, b := cfg.Sources["a"], cfg.Sources["b"]
	assert.Equal(t, "prod", a.Monitoring.Environment)
	assert.Equal(t, "ETL/Pipeline", a.Monitoring.CloudWatchNamespace)
	assert.Equal(t, 2, a.BulkLoad.ParallelWorkers, "the first merged mapping wins")
	assert.Equal(t, 1, a.BulkLoad.MaxRetries, "the mapping's own key wins")
	assert.Equal(t, "raw", a.BulkLoad.Namespace)
	assert.Equal(t, "prod-eu", b.Monitoring.Environment)
	assert.True(t, b.Monitoring.EnableCloudWatch)
}

func TestParseErrors(t *testing.T) {
	unsetenv(t, "ETLWATCH_TEST_UNSET")
	tests := []struct {
		name string
		yaml string
		want []string // lines of the error, in order
	}{
		{"database_type missing", "sources:\n  a:\n    connection: {host: h}\n",
			[]string{`sources.yaml:2:3: sources.a.database_type: found no database_type; allowed: oracle, postgres, mysql or sqlite`}},
		{"database_type null", "sources:\n  a:\n    database_type:\n",
			[]string{`sources.yaml:3:19: sources.a.database_type: found nothing; allowed: oracle, postgres, mysql or sqlite`}},
		{"float for integer", "sources:\n  a:\n    database_type: sqlite\n    cdc: {batch_size: 1.5}\n",
			[]string{`sources.yaml:4:23: sources.a.cdc.batch_size: found 1.5; allowed: an integer >= 1`}},
		{"integer overflow", "sources:\n  a:\n    database_type: sqlite\n    bulk_load: {max_retries: 99999999999999999999}\n",
			[]string{`sources.yaml:4:30: sources.a.bulk_load.max_retries: found 99999999999999999999; allowed: an integer >= 0`}},
		{"quoted boolean", "sources:\n  a:\n    database_type: sqlite\n    monitoring: {enable_cloudwatch: 'true'}\n",
			[]string{`sources.yaml:4:37: sources.a.monitoring.enable_cloudwatch: found the string "true"; allowed: true or false`}},
		{"null list item", "sources:\n  a:\n    database_type: sqlite\n    bulk_load: {tables: [A, ~]}\n",
			[]string{`sources.yaml:4:29: sources.a.bulk_load.tables[1]: found nothing; allowed: a table name`}},
		{"non-scalar key", "sources:\n  ? [a, b]\n  : {database_type: sqlite}\n",
			[]string{`sources.yaml:1:1: sources: found no sources`, `sources.yaml:2:5: sources: found a key that is a list; allowed: a name`}},
		{"sources is a list", "sources: [a]\n",
			[]string{`sources.yaml:1:10: sources: found a list; allowed: a mapping of source names to their settings`}},
		{"unset variable", "sources:\n  a:\n    database_type: ${ETLWATCH_TEST_UNSET}\n",
			[]string{`sources.yaml:3:20: sources.a.database_type: found ${ETLWATCH_TEST_UNSET}, and ETLWATCH_TEST_UNSET is not set; allowed: set ETLWATCH_TEST_UNSET, or give a default: ${ETLWATCH_TEST_UNSET:-default}`}},
		{"expanded enum", "sources:\n  a:\n    database_type: ${ETLWATCH_TEST_UNSET:-db2}\n",
			[]string{`sources.yaml:3:20: sources.a.database_type: found "db2" (from "${ETLWATCH_TEST_UNSET:-db2}"); allowed: oracle, postgres, mysql or sqlite`}},
		{"merge of a scalar", "sources:\n  a:\n    database_type: sqlite\n    cdc: {<<: 1}\n",
			[]string{`sources.yaml:4:15: sources.a.cdc.<<: found 1; allowed: an alias to a mapping, such as <<: *defaults, or a list of them`}},
		{"unknown anchor", "sources: *nope\n",
			[]string{`sources.yaml:1: found invalid YAML: unknown anchor 'nope' referenced`}},
		{"tab indentation", "sources:\n  a:\n\tdatabase_type: sqlite\n",
			[]string{`sources.yaml:3: found invalid YAML: found character that cannot start any token`}},
		{"unknown key without suggestion", "sources:\n  a:\n    database_type: sqlite\n    frobnicate: 1\n",
			[]string{`sources.yaml:4:5: sources.a.frobnicate: found unknown key "frobnicate"; allowed: database_type, connection, bulk_load, cdc, iceberg, monitoring, data_quality`}},
		{"camel case key", "sources:\n  a:\n    databaseType: sqlite\n",
			[]string{`sources.yaml:2:3: sources.a.database_type: found no database_type`, `sources.yaml:3:5: sources.a.databaseType: found unknown key "databaseType" (did you mean "database_type"?)`}},
		{"long value is shortened", "sources:\n  a:\n    database_type: " + strings.Repeat("x", 100) + "\n",
			[]string{`found "` + strings.Repeat("x", 40) + `..."; allowed`}},
		{"a duplicate required column", "sources:\n  a:\n    database_type: sqlite\n    data_quality: {required_columns: {T: [A, A]}}\n",
			[]string{`sources.yaml:4:46: sources.a.data_quality.required_columns.T[1]: found "A" a second time (first at line 4, column 43); allowed: each column name once`}},
		{"a duplicate required sink", "sources:\n  a:\n    database_type: sqlite\n    monitoring: {required_sinks: [otlp, otlp]}\n",
			[]string{`sources.yaml:4:41: sources.a.monitoring.required_sinks[1]: found "otlp" a second time (first at line 4, column 35); allowed: each sink once`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := configloader.Parse("sources.yaml", []byte(tt.yaml))
			require.Error(t, err)
			assert.Nil(t, cfg)
			lines := strings.Split(err.Error(), "\n")
			require.Len(t, lines, len(tt.want), err.Error())
			for i, w := range tt.want {
				assert.Contains(t, lines[i], w)
			}
		})
	}
}

func TestFieldError(t *testing.T) {
	_, err := configloader.Parse("sources.yaml", []byte("sources:\n  dev_mydb:\n    database_type: oracle\n    data_quality:\n      row_count_tolerance: 1.5\n"))
	var fe *configloader.FieldError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, &configloader.FieldError{
		File:    "sources.yaml",
		Line:    5,
		Column:  28,
		Path:    "sources.dev_mydb.data_quality.row_count_tolerance",
		Found:   "1.5",
		Allowed: "a number from 0 to 1",
		Message: "found 1.5; allowed: a number from 0 to 1",
	}, fe)
	assert.Equal(t, "sources.yaml:5:28: sources.dev_mydb.data_quality.row_count_tolerance: found 1.5; allowed: a number from 0 to 1", fe.Error())
}

func TestErrorsSortedByPosition(t *testing.T) {
	// The cross-check on required_sinks is made after the walk, yet is listed in its place.
	_, err := configloader.Parse("s.yaml", []byte(`sources:
  a:
    monitoring:
      required_sinks: [cloudwatch]
    database_type: db2
  b:
    database_type: nope
`))
	var le *configloader.LoadError
	require.ErrorAs(t, err, &le)
	var lines []int
	for _, fe := range le.Errors {
		lines = append(lines, fe.Line)
	}
	assert.Equal(t, []int{4, 5, 7}, lines, err.Error())
}

func TestMaxErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString("sources:\n")
	for i := range configloader.MaxErrors + 50 {
		b.WriteString("  s" + strings.Repeat("x", i) + ":\n    database_type: db2\n")
	}
	_, err := configloader.Parse("sources.yaml", []byte(b.String()))
	var le *configloader.LoadError
	require.ErrorAs(t, err, &le)
	assert.True(t, le.Truncated)
	assert.Len(t, le.Errors, configloader.MaxErrors)
	assert.True(t, strings.HasSuffix(err.Error(), "\nsources.yaml: too many mistakes; stopped after the first 100"))
}

func TestConfigSource(t *testing.T) {
	cfg, err := configloader.Parse("config/sources.yaml", []byte(`sources:
  prod_pg: {database_type: postgres}
  dev_mydb: {database_type: oracle}
  analytics: {database_type: mysql}
`))
	require.NoError(t, err)
	tests := []struct {
		name    string
		wantErr string
	}{
		{"dev_mydb", ""},
		{"dev_mydbb", `configloader: unknown source: "dev_mydbb" is not in sources.yaml (did you mean "dev_mydb"?); sources: analytics, dev_mydb, prod_pg`},
		{"staging", `configloader: unknown source: "staging" is not in sources.yaml; sources: analytics, dev_mydb, prod_pg`},
		{"", `configloader: unknown source: "" is not in sources.yaml; sources: analytics, dev_mydb, prod_pg`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := cfg.Source(tt.name)
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.name, s.Name)
				return
			}
			require.ErrorIs(t, err, configloader.ErrUnknownSource)
			assert.Nil(t, s)
			assert.EqualError(t, err, tt.wantErr)
		})
	}
	_, err = (&configloader.Config{}).Source("x")
	assert.EqualError(t, err, `configloader: unknown source: "x" is not in the configuration; it has no sources`)
}

// TestStringRoundTrip checks that Config.String is a sources.yaml that loads to the same
// configuration, secrets aside.
func TestStringRoundTrip(t *testing.T) {
	setGoldenEnv(t)
	for _, name := range []string{"full", "reference"} {
		t.Run(name, func(t *testing.T) {
			cfg, err := configloader.LoadFile(filepath.Join("testdata", name+".yaml"))
			require.NoError(t, err)
			again, err := configloader.Parse(cfg.Path, []byte(cfg.String()))
			require.NoError(t, err, cfg.String())
			assert.Equal(t, redactAll(cfg), again)
		})
	}
}

// redactAll returns a copy of cfg with each secret replaced by how it prints.
func redactAll(cfg *configloader.Config) *configloader.Config {
	out := &configloader.Config{Path: cfg.Path, Sources: map[string]*configloader.Source{}}
	for name, s := range cfg.Sources {
		c := *s
		c.Connection = c.Connection.Redacted()
		c.Iceberg = c.Iceberg.Redacted()
		c.Monitoring.Dynatrace.APIToken = configloader.Secret(c.Monitoring.Dynatrace.APIToken.String())
		out.Sources[name] = &c
	}
	return out
}
