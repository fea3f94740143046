package compose_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"go.yaml.in/yaml/v3"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// composeFile is the part of compose.yaml the tests read.
type composeFile struct {
	Services map[string]service `yaml:"services"`
	Volumes  map[string]any     `yaml:"volumes"`
}

type service struct {
	Image       string            `yaml:"image"`
	Build       *build            `yaml:"build"`
	Command     []string          `yaml:"command"`
	Entrypoint  []string          `yaml:"entrypoint"`
	Environment map[string]string `yaml:"environment"`
	Volumes     []string          `yaml:"volumes"`
	Ports       []string          `yaml:"ports"`
	Restart     string            `yaml:"restart"`
	Profiles    []string          `yaml:"profiles"`
	Healthcheck *struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
	DependsOn map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
}

type build struct {
	Context    string            `yaml:"context"`
	Dockerfile string            `yaml:"dockerfile"`
	Args       map[string]string `yaml:"args"`
}

// loadCompose parses compose.yaml (anchors and merge keys resolved by the YAML decoder).
func loadCompose(t *testing.T) composeFile {
	t.Helper()
	b, err := os.ReadFile("compose.yaml")
	require.NoError(t, err)
	var c composeFile
	require.NoError(t, yaml.Unmarshal(b, &c))
	require.NotEmpty(t, c.Services)
	return c
}

// mount is one entry of a service's volumes: a bind mount of a path of the repository (Source
// relative to this directory) or a named volume.
type mount struct {
	Source, Target string
	ReadOnly, Bind bool
}

func parseMount(t *testing.T, v string) mount {
	t.Helper()
	parts := strings.Split(v, ":")
	require.True(t, len(parts) == 2 || len(parts) == 3, "volume %q: want SOURCE:TARGET[:ro]", v)
	m := mount{Source: parts[0], Target: parts[1]}
	m.ReadOnly = len(parts) == 3 && parts[2] == "ro"
	m.Bind = strings.HasPrefix(m.Source, ".") || strings.HasPrefix(m.Source, "/")
	return m
}

// interpolate resolves ${VAR:-default} as Compose does with VAR unset.
var defaultRE = regexp.MustCompile(`\$\{[A-Z_][A-Z0-9_]*:-([^}]*)\}`)

func interpolate(s string) string { return defaultRE.ReplaceAllString(s, "$1") }

// materialize lays out the bind mounts of svc under a new directory as the container sees them
// (TARGET under the directory holds a copy of SOURCE) and returns the directory.
func materialize(t *testing.T, svc service) string {
	t.Helper()
	root := t.TempDir()
	for _, v := range svc.Volumes {
		m := parseMount(t, v)
		if !m.Bind {
			continue
		}
		dst := filepath.Join(root, filepath.FromSlash(m.Target))
		fi, err := os.Stat(m.Source)
		require.NoError(t, err, "%s: the source of a bind mount", m.Source)
		if fi.IsDir() {
			require.NoError(t, os.CopyFS(dst, os.DirFS(m.Source)))
			continue
		}
		b, err := os.ReadFile(m.Source)
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
		require.NoError(t, os.WriteFile(dst, b, 0o644))
	}
	return root
}
