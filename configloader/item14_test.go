package configloader_test

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/configloader"
)

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// sourcesOf returns a sources: block of n sources, each "sI: " followed by entry.
func sourcesOf(n int, entry string) string {
	var b strings.Builder
	b.WriteString("sources:\n")
	for i := range n {
		fmt.Fprintf(&b, "  s%d: %s\n", i, entry)
	}
	return b.String()
}

// TestItem14ExpansionBounded checks that ${} expansion and aliases of long values cannot make
// Parse allocate without bound (issue 11, item 14): each value is expanded once however many
// aliases use it, and the bytes read, expanded and counting each alias use, are bounded by
// MaxExpandedSize, with an error that names the file, line, column and field where the budget
// ran out.
func TestItem14ExpansionBounded(t *testing.T) {
	const bigVar = "ETLWATCH_TEST_ITEM14_BIG"
	big := strings.Repeat("z", 1<<20)
	t.Setenv(bigVar, big)
	long := strings.Repeat("x", 100_000)
	tests := []struct {
		name     string
		yaml     string
		wantLine int    // where the budget runs out
		wantPath string // the field there
	}{
		{
			// Aliases of aliases of a value whose default is 100 KB: 10 options of 100 KB in
			// each of 300 sources, 300 MB in all.
			name: "billion laughs of a default",
			yaml: "x-v: &v '${ETLWATCH_TEST_ITEM14_UNSET:-" + long + "}'\n" +
				"x-o: &o {a: *v, b: *v, c: *v, d: *v, e: *v, f: *v, g: *v, h: *v, i: *v, j: *v}\n" +
				"x-s: &s {database_type: sqlite, connection: {options: *o}}\n" +
				sourcesOf(300, "*s"),
			wantLine: 2, wantPath: "options.d",
		},
		{
			name:     "a 1 MiB variable used through an alias 500 times",
			yaml:     "x-v: &v '${" + bigVar + "}'\n" + sourcesOf(500, "{database_type: sqlite, connection: {host: *v}}"),
			wantLine: 10, wantPath: "sources.s7.connection.host",
		},
		{
			name:     "a 1 MiB variable written in 500 values",
			yaml:     sourcesOf(500, "{database_type: sqlite, connection: {host: '${"+bigVar+"}'}}"),
			wantLine: 9, wantPath: "sources.s7.connection.host",
		},
		{
			name:     "a 1 MiB variable named 100 times in one value",
			yaml:     sourcesOf(1, "{database_type: sqlite, connection: {host: '"+strings.Repeat("${"+bigVar+"}", 100)+"'}}"),
			wantLine: 2, wantPath: "sources.s0.connection.host",
		},
		{
			name:     "a 100 KB key used through an alias 2000 times, no variables",
			yaml:     "x-k: &k " + long + "\nx-m: &m {*k : 1}\n" + sourcesOf(2000, "{database_type: sqlite, connection: {options: *m}}"),
			wantLine: 2, wantPath: "sources.s83.connection.options",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			alloc := allocated(func() { _, err = configloader.Parse("sources.yaml", []byte(tt.yaml)) })
			t.Logf("%d KiB allocated", alloc>>10)
			require.Error(t, err)
			var le *configloader.LoadError
			require.True(t, errors.As(err, &le), "%T", err)
			last := le.Errors[len(le.Errors)-1]
			want := fmt.Sprintf("more than %d bytes (8 MiB) of keys and values, counting ${} references expanded and each use of an alias again", configloader.MaxExpandedSize)
			assert.Equal(t, want, last.Found, "%.300v", err)
			assert.Equal(t, "sources.yaml", last.File)
			assert.Equal(t, tt.wantLine, last.Line, "%.300v", err)
			assert.Positive(t, last.Column)
			assert.Contains(t, last.Path, tt.wantPath)
			assert.Contains(t, err.Error(), fmt.Sprintf("sources.yaml:%d:%d: ", last.Line, last.Column))
			assert.NotContains(t, err.Error(), "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", "the variable's value is not shown")
			assert.Less(t, len(err.Error()), 4096)
			// A generous bound: the file, its YAML tree, one expansion of each value and the
			// budget itself; before the fix these allocated 200 MiB to 1.5 GiB.
			assert.Less(t, alloc, uint64(3*configloader.MaxExpandedSize+16*len(tt.yaml)))
		})
	}

	t.Run("a 1 MiB variable used once loads", func(t *testing.T) {
		cfg, err := configloader.Parse("sources.yaml", []byte(sourcesOf(2, "{database_type: sqlite, connection: {host: '${"+bigVar+"}'}}")))
		require.NoError(t, err)
		assert.Equal(t, big, cfg.Sources["s0"].Connection.Host)
		assert.Equal(t, big, cfg.Sources["s1"].Connection.Host)
	})
}
