package configloader_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/configloader"
)

// FuzzParse checks that Parse never panics or hangs, that its mistakes are well formed, and that
// a configuration it accepts prints (Config.String) as a sources.yaml that loads to the same
// configuration. Run it with
//
//	go test -run '^$' -fuzz FuzzParse -fuzztime 60s ./configloader
func FuzzParse(f *testing.F) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	require.NoError(f, err)
	for _, input := range inputs {
		data, err := os.ReadFile(input)
		require.NoError(f, err)
		f.Add(data)
	}
	for _, seed := range []string{
		minimal,
		"sources:\n  a: {database_type: postgres, connection: {port: '${PORT:-5432}'}}\n",
		"x-a: &a {database_type: mysql}\nsources: {a: *a, b: {<<: *a}}\n",
		"sources:\n  a:\n    database_type: oracle\n    monitoring: {export_interval: 1m, prometheus: {listen: ':8083'}}\n",
		aliasBomb(4, 4),
		mergeBomb(4, 4),
		"sources: !!map {a: !!map {database_type: !!str sqlite}}\n",
		"sources:\n  a: &a\n    database_type: sqlite\n    cdc: *a\n",
		"%YAML 1.1\n---\nsources: {}\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := configloader.Parse("sources.yaml", data)
		if err != nil {
			require.Nil(t, cfg)
			var le *configloader.LoadError
			require.True(t, errors.As(err, &le), "%T: %v", err, err)
			require.NotEmpty(t, le.Errors)
			require.LessOrEqual(t, len(le.Errors), configloader.MaxErrors)
			for i, fe := range le.Errors {
				require.Equal(t, "sources.yaml", fe.File)
				require.True(t, strings.HasPrefix(fe.Message, "found "), fe.Message)
				if i > 0 {
					prev := le.Errors[i-1]
					require.True(t, prev.Line < fe.Line || (prev.Line == fe.Line && prev.Column <= fe.Column), "sorted")
				}
			}
			require.NotEmpty(t, err.Error())
			return
		}
		require.NotEmpty(t, cfg.Sources)
		for _, s := range cfg.Sources {
			require.Contains(t, []string{"oracle", "postgres", "mysql", "sqlite"}, s.DatabaseType)
			require.GreaterOrEqual(t, s.BulkLoad.ParallelWorkers, 1)
			require.GreaterOrEqual(t, s.BulkLoad.ParallelPartitions, 1)
			require.GreaterOrEqual(t, s.BulkLoad.MaxRetries, 0)
			require.True(t, s.DataQuality.RowCountTolerance >= 0 && s.DataQuality.RowCountTolerance <= 1)
			require.GreaterOrEqual(t, s.Monitoring.ExportInterval, time.Duration(0))
		}
		text := cfg.String()
		again, err := configloader.Parse("sources.yaml", []byte(text))
		require.NoError(t, err, "Config.String does not load:\n%s", text)
		require.Equal(t, redactAll(cfg), again, "Config.String loads to another configuration:\n%s", text)
	})
}

// aliasBomb is a "billion laughs": levels of lists, each holding width aliases to the one before,
// used as a list of tables and as the columns of many tables.
func aliasBomb(levels, width int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "x-l0: &l0 [%s]\n", strings.TrimSuffix(strings.Repeat("lol, ", width), ", "))
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "x-l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), width), ", "))
	}
	fmt.Fprintf(&b, "x-cols: &cols {")
	for i := range width {
		fmt.Fprintf(&b, "T%d: *l%d, ", i, levels)
	}
	fmt.Fprintf(&b, "}\nx-src: &src {database_type: sqlite, bulk_load: {tables: *l%d}, data_quality: {required_columns: *cols}}\n", levels)
	b.WriteString("sources:\n")
	for i := range width {
		fmt.Fprintf(&b, "  s%d: *src\n", i)
	}
	return b.String()
}

// mergeBomb is a merge-key bomb: levels of mappings, each merging width aliases to the one before.
func mergeBomb(levels, width int) string {
	var b strings.Builder
	b.WriteString("x-m0: &m0 {parallel_workers: 2, max_retries: 1}\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "x-m%d: &m%d {k%d: 1, <<: [%s]}\n", i, i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*m%d, ", i-1), width), ", "))
	}
	b.WriteString("sources:\n")
	for i := range width {
		fmt.Fprintf(&b, "  s%d: {database_type: sqlite, bulk_load: *m%d}\n", i, levels)
	}
	return b.String()
}

// TestAliasBombs checks that inputs that expand to billions of values end quickly with bounded
// memory.
func TestAliasBombs(t *testing.T) {
	tests := []struct {
		name string
		yaml string
	}{
		{"small alias bomb", aliasBomb(3, 3)},
		{"billion laughs", aliasBomb(9, 10)},
		{"merge bomb", mergeBomb(9, 10)},
		{"merge bomb within the depth limit", mergeBomb(7, 10)},
		{"self-merge", "x-a: &a {parallel_workers: 2, <<: [*a, *a, *a, *a]}\nsources: {s: {database_type: sqlite, bulk_load: {<<: [*a, *a, *a, *a]}}}\n"},
		{"recursive alias", "sources: &s {a: *s}\n"},
		{"self-containing list", "x: &x [*x, *x]\nsources: {a: {database_type: sqlite, bulk_load: {tables: *x}}}\n"},
		{"deep nesting", "sources: {a: {database_type: sqlite, bulk_load: {tables: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "}}}\n"},
		{"too deep for YAML", "sources: " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n"},
		{"many mistakes", "sources:\n" + strings.Repeat("  ? [x]\n  : 1\n", 10000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err := configloader.Parse("sources.yaml", []byte(tt.yaml))
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			t.Logf("%v, %d KiB allocated: %.200v", elapsed, (after.TotalAlloc-before.TotalAlloc)/1024, err)
			assert.Less(t, elapsed, 5*time.Second)
			assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(512<<20))
			require.Error(t, err)
		})
	}
}
