package etlwatch_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/extractors/sqlite"
	"github.com/etlwatch/etlwatch/internal/bulkload"
)

// readmeGoBlock returns the first ```go block after heading in README.md.
func readmeGoBlock(t *testing.T, heading string) string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	_, after, ok := strings.Cut(string(b), "\n"+heading+"\n")
	require.True(t, ok, "README.md has no heading %q", heading)
	_, after, ok = strings.Cut(after, "```go\n")
	require.True(t, ok, "no go block after %q", heading)
	block, _, ok := strings.Cut(after, "```\n")
	require.True(t, ok)
	return block
}

// TestREADMEOneCallSetup builds the README's one-call program, unchanged, in a new module that
// requires etlwatch (resolved offline from the module cache), and runs it against a
// sources.yaml whose SQLite source's customers table was bulk-loaded into Iceberg: it connects,
// runs the checks on both sides and they pass.
func TestREADMEOneCallSetup(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program that links iceberg-go")
	}
	ctx := context.Background()
	root, err := os.Getwd()
	require.NoError(t, err)
	mod := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(mod, "main.go"), []byte(readmeGoBlock(t, "## One-call setup from sources.yaml")), 0o644))
	// The new module lists etlwatch's own requirements too, as a user's go mod tidy would: with
	// etlwatch alone, Go walks the unpruned graph below it and wants go.mod files of versions
	// that etlwatch's build never loads (so a fresh module cache does not hold them).
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	_, reqs, ok := strings.Cut(string(gomod), "\nrequire ")
	require.True(t, ok, "go.mod has no require block")
	require.NoError(t, os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module example.com/readme\n\ngo 1.26.0\n\n"+
		"require github.com/etlwatch/etlwatch v0.0.0\n\nreplace github.com/etlwatch/etlwatch => "+root+"\n\nrequire "+reqs), 0o644))
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(mod, "go.sum"), sum, 0o644))
	bin := filepath.Join(mod, "readme")
	build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, ".")
	build.Dir = mod
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build of the README program:\n%s", out)

	data := t.TempDir()
	require.NoError(t, sqlite.CreateSample(ctx, filepath.Join(data, "shop.db"), 300))
	cfgDir := filepath.Join(data, "config")
	require.NoError(t, os.Mkdir(cfgDir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(cfgDir, "sources.yaml"), []byte(`sources:
  dev_mydb:
    database_type: sqlite
    connection: {database: `+filepath.Join(data, "shop.db")+`}
    bulk_load: {namespace: raw, tables: [customers]}
    iceberg: {warehouse: `+filepath.Join(data, "warehouse")+`}
    data_quality: {check_row_count: true, required_columns: {customers: [id]}}
`), 0o644))
	var load bytes.Buffer
	code := bulkload.Run(ctx, []string{"--source", "dev_mydb", "--config-dir", cfgDir, "--progress", "off"}, &load, &load)
	require.Equal(t, 0, code, "the load the program checks:\n%s", load.String())

	run := exec.Command(bin)
	run.Dir = data
	run.Env = append(os.Environ(), "CONFIG_DIR="+cfgDir)
	out, err = run.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "checks passed: true\n")
	assert.Contains(t, string(out), `"event_type":"dq_check_complete"`, "the checks are events too")
}
