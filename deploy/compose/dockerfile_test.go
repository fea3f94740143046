package compose_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// instruction is one instruction of the Dockerfile, continuation lines joined.
type instruction struct{ Cmd, Args string }

func parseDockerfile(t *testing.T) []instruction {
	t.Helper()
	f, err := os.Open("../../Dockerfile")
	require.NoError(t, err)
	defer f.Close()
	var out []instruction
	var cur strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || (line == "" && cur.Len() == 0) {
			continue
		}
		if s, ok := strings.CutSuffix(line, "\\"); ok {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(strings.TrimSpace(cur.String()), " ")
		out = append(out, instruction{strings.ToUpper(cmd), strings.TrimSpace(args)})
		cur.Reset()
	}
	require.NoError(t, sc.Err())
	return out
}

// examplePrograms returns the directories of examples/ that hold a main package.
func examplePrograms(t *testing.T) []string {
	t.Helper()
	dirs, err := os.ReadDir("../../examples")
	require.NoError(t, err)
	var progs []string
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join("../../examples", d.Name(), "main.go"))
		if err == nil && regexp.MustCompile(`(?m)^package main$`).Match(b) {
			progs = append(progs, d.Name())
		}
	}
	require.NotEmpty(t, progs)
	return progs
}

// dockerfilePrograms returns the values of PROGRAM the Dockerfile's build stage accepts.
func dockerfilePrograms(t *testing.T, ins []instruction) []string {
	t.Helper()
	for _, in := range ins {
		if in.Cmd != "RUN" || !strings.Contains(in.Args, `case "${PROGRAM}" in`) {
			continue
		}
		m := regexp.MustCompile(`in\s+([a-z|]+)\)`).FindStringSubmatch(in.Args)
		require.NotNil(t, m, "the case of PROGRAM lists its values: %s", in.Args)
		return strings.Split(m[1], "|")
	}
	t.Fatal("no RUN case \"${PROGRAM}\" in the Dockerfile")
	return nil
}

// TestDockerfile: PROGRAM covers every program of examples/ (and the services built from it name
// one), the binary is static, the final stage is FROM scratch, runs as a non-root user, and is
// labelled.
func TestDockerfile(t *testing.T) {
	ins := parseDockerfile(t)
	progs := dockerfilePrograms(t, ins)
	assert.ElementsMatch(t, examplePrograms(t), progs, "the PROGRAM values are the programs of examples/")
	for name, s := range loadCompose(t).Services {
		if s.Build != nil {
			assert.Contains(t, progs, s.Build.Args["PROGRAM"], name)
		}
	}

	var froms []int
	for i, in := range ins {
		if in.Cmd == "FROM" {
			froms = append(froms, i)
		}
	}
	require.Len(t, froms, 2, "a build stage and the final stage")
	assert.Regexp(t, `^golang:\$\{GO_VERSION\}-\S+ AS build$`, ins[froms[0]].Args)
	assert.Equal(t, "scratch", ins[froms[1]].Args)

	build := ins[froms[0]:froms[1]]
	i := slices.IndexFunc(build, func(in instruction) bool { return in.Cmd == "RUN" && strings.Contains(in.Args, "go build") })
	require.GreaterOrEqual(t, i, 0)
	assert.Contains(t, build[i].Args, "CGO_ENABLED=0")
	assert.Contains(t, build[i].Args, `-o /out/usr/local/bin/etlwatch "./examples/${PROGRAM}"`)

	final := ins[froms[1]:]
	var user, entrypoint string
	labels := map[string]bool{}
	for _, in := range final {
		switch in.Cmd {
		case "USER":
			user = in.Args
		case "ENTRYPOINT":
			entrypoint = in.Args
		case "LABEL":
			for _, m := range regexp.MustCompile(`(org\.opencontainers\.image\.[a-z]+)=`).FindAllStringSubmatch(in.Args, -1) {
				labels[m[1]] = true
			}
		}
	}
	require.NotEmpty(t, user, "the final stage sets USER")
	uid, _, _ := strings.Cut(user, ":")
	assert.NotContains(t, []string{"0", "root"}, uid, "USER %s: not root", user)

	// The writable directories are created by a COPY with the user as owner (a COPY into an
	// existing directory leaves the directory's owner alone: seen with podman), under parents
	// that the first COPY brings owned by root.
	for _, dir := range []string{"/var/lib/etlwatch/", "/var/log/etlwatch/"} {
		i := slices.IndexFunc(final, func(in instruction) bool {
			return in.Cmd == "COPY" && strings.HasPrefix(in.Args, "--from=build --chown="+user+" ") && strings.HasSuffix(in.Args, " "+dir)
		})
		assert.GreaterOrEqual(t, i, 0, "COPY --from=build --chown=%s ... %s", user, dir)
	}
	mkdir := build[slices.IndexFunc(build, func(in instruction) bool { return in.Cmd == "RUN" && strings.Contains(in.Args, "mkdir -p /out/") })].Args
	for _, parent := range []string{"/out/var/lib ", "/out/var/log "} {
		assert.Contains(t, mkdir, parent)
	}
	assert.NotContains(t, mkdir, "/out/var/lib/etlwatch", "created by the chown COPY, not the first")
	assert.Equal(t, `["/usr/local/bin/etlwatch"]`, entrypoint)
	for _, l := range []string{"title", "description", "source", "version", "revision"} {
		assert.True(t, labels["org.opencontainers.image."+l], "OCI label %s", l)
	}

	// The Go of the build stage is at least the go directive of go.mod.
	gv := regexp.MustCompile(`(?m)^ARG GO_VERSION=(\d+\.\d+)`).FindStringSubmatch(readFile(t, "../../Dockerfile"))
	require.NotNil(t, gv)
	mod := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(readFile(t, "../../go.mod"))
	require.NotNil(t, mod)
	assert.Equal(t, mod[1], gv[1], "GO_VERSION's minor release is go.mod's")
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return string(b)
}

// ignored reports whether the .dockerignore patterns exclude path (slash-separated, relative to
// the context): the subset of the syntax the file uses (a leading / anchors at the root, a leading
// **/ matches at any depth, a match of a directory excludes what is under it).
func ignored(patterns []string, path string) bool {
	parts := strings.Split(path, "/")
	for _, p := range patterns {
		anyDepth := strings.HasPrefix(p, "**/")
		p = strings.TrimPrefix(strings.TrimPrefix(p, "**/"), "/")
		pp := strings.Split(p, "/")
		for start := 0; start < len(parts); start++ {
			if start > 0 && !anyDepth {
				break
			}
			if len(parts)-start < len(pp) {
				break
			}
			ok := true
			for j := range pp {
				if m, _ := filepath.Match(pp[j], parts[start+j]); !m {
					ok = false
					break
				}
			}
			if ok {
				return true
			}
		}
	}
	return false
}

// TestDockerignore: the build context keeps every file the programs are built from, and leaves
// out the data a run leaves behind and the test data.
func TestDockerignore(t *testing.T) {
	var patterns []string
	for _, l := range strings.Split(readFile(t, "../../.dockerignore"), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			require.False(t, strings.HasPrefix(l, "!"), "no exceptions: the matcher of this test does not know them")
			patterns = append(patterns, l)
		}
	}
	for _, p := range []string{"quickstart-data/shop.db", "cdc-demo-data/warehouse/x.parquet", "warehouse/catalog.db",
		"examples/cdc/cdc-demo-data/sources.yaml", "cdc/testdata/x.json", "lineage/lineage_test.go", ".git/HEAD", "quickstart", "etl_process.log"} {
		assert.True(t, ignored(patterns, p), "%s is kept out of the context", p)
	}

	// Every Go and embedded file of the module that the programs need is in the context.
	args := []string{"list", "-deps", "-f", `{{if .Module}}{{if eq .Module.Path "github.com/etlwatch/etlwatch"}}{{.Dir}}|{{join .GoFiles ","}}|{{join .EmbedFiles ","}}{{end}}{{end}}`}
	for _, p := range examplePrograms(t) {
		args = append(args, "./examples/"+p)
	}
	cmd := exec.CommandContext(t.Context(), "go", args...)
	cmd.Dir = "../.."
	out, err := cmd.Output()
	require.NoError(t, err)
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" {
			continue
		}
		f := strings.Split(line, "|")
		rel, err := filepath.Rel(root, f[0])
		require.NoError(t, err)
		for _, name := range slices.Concat(strings.Split(f[1], ","), strings.Split(f[2], ",")) {
			if name != "" {
				n++
				p := filepath.ToSlash(filepath.Join(rel, name))
				assert.False(t, ignored(patterns, p), "%s is needed by the build but left out of the context", p)
			}
		}
	}
	assert.Greater(t, n, 50, "the programs are built from many files")
	for _, p := range []string{"go.mod", "go.sum"} {
		assert.False(t, ignored(patterns, p), p)
	}
}
