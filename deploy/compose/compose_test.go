package compose_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/etlwatch/etlwatch/internal/testenv"
)

// The services of the reference stack, started by a plain "up -d".
var defaultServices = []string{"alertmanager", "etl-metrics", "etl-simulator", "grafana", "prometheus"}

// The services the cdc profile adds.
var cdcServices = []string{"cdc-changes", "cdc-consumer", "connect", "connect-register", "kafka", "postgres"}

func dockerCompose(t *testing.T, args ...string) string {
	t.Helper()
	bin := testenv.Tool(t, "docker-compose", "apt-get install -y docker-compose")
	cmd := exec.CommandContext(t.Context(), bin, append([]string{"-f", "compose.yaml"}, args...)...)
	// No variable of the caller's environment changes what is validated.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "docker-compose %v:\n%s", args, out)
	return string(out)
}

// TestDockerComposeConfig: Compose accepts the file with and without the cdc profile, and in the
// configuration it resolves, the services without a profile are the reference stack's and the
// others are in the cdc profile.
func TestDockerComposeConfig(t *testing.T) {
	for _, profile := range [][]string{nil, {"--profile", "cdc"}} {
		dockerCompose(t, append(slices.Clone(profile), "config", "-q")...)
	}
	var resolved composeFile
	require.NoError(t, yaml.Unmarshal([]byte(dockerCompose(t, "--profile", "cdc", "config")), &resolved))
	var plain, cdc []string
	for name, s := range resolved.Services {
		switch {
		case len(s.Profiles) == 0:
			plain = append(plain, name)
		case slices.Equal(s.Profiles, []string{"cdc"}):
			cdc = append(cdc, name)
		default:
			t.Errorf("%s: profiles %v", name, s.Profiles)
		}
	}
	assert.ElementsMatch(t, defaultServices, plain)
	assert.ElementsMatch(t, cdcServices, cdc)
}

// oneShot reports whether name runs to completion rather than as a service: it restarts only on
// failure and another service waits for its successful completion.
func oneShot(c composeFile, name string) bool {
	if c.Services[name].Restart != "on-failure" {
		return false
	}
	for _, s := range c.Services {
		if d, ok := s.DependsOn[name]; ok && d.Condition == "service_completed_successfully" {
			return true
		}
	}
	return false
}

func TestServices(t *testing.T) {
	c := loadCompose(t)
	var names []string
	for name := range c.Services {
		names = append(names, name)
	}
	assert.ElementsMatch(t, append(slices.Clone(defaultServices), cdcServices...), names)

	hostPorts := map[string]string{}
	for name, s := range c.Services {
		t.Run(name, func(t *testing.T) {
			// A pinned image: a tag, and not latest.
			require.NotEmpty(t, s.Image, "every service names its image (a built one is tagged with it)")
			repo, tag, ok := strings.Cut(s.Image[strings.LastIndex(s.Image, "/")+1:], ":")
			require.True(t, ok, "image %q has no tag", s.Image)
			assert.NotEmpty(t, repo)
			assert.NotEqual(t, "latest", tag, "image %q", s.Image)
			if s.Build == nil {
				assert.Regexp(t, `^v?\d+(\.\d+)+`, tag, "image %q: pin a version", s.Image)
				if host, _, ok := strings.Cut(s.Image, "/"); ok {
					assert.NotContains(t, host, ".", "image %q: the official image name, without a registry host", s.Image)
				}
			}

			if oneShot(c, name) {
				assert.Nil(t, s.Healthcheck, "a one-shot service has nothing to check while it runs")
			} else {
				assert.Equal(t, "unless-stopped", s.Restart)
				require.NotNil(t, s.Healthcheck, "every long-running service has a health check")
				assert.NotEmpty(t, s.Healthcheck.Test)
			}

			if slices.Contains(cdcServices, name) {
				assert.Equal(t, []string{"cdc"}, s.Profiles)
			} else {
				assert.Empty(t, s.Profiles)
			}

			for _, v := range s.Volumes {
				m := parseMount(t, v)
				assert.True(t, strings.HasPrefix(m.Target, "/"), "%s: the target is an absolute path", v)
				if !m.Bind {
					assert.Contains(t, c.Volumes, m.Source, "%s: a named volume declared under volumes:", v)
					continue
				}
				assert.True(t, m.ReadOnly, "%s: bind mounts of the repository are read-only", v)
				abs, err := filepath.Abs(m.Source)
				require.NoError(t, err)
				root, err := filepath.Abs("../..")
				require.NoError(t, err)
				assert.True(t, strings.HasPrefix(abs, root+string(filepath.Separator)), "%s: inside the repository", v)
				_, err = os.Stat(m.Source)
				assert.NoError(t, err, "%s: the mounted path exists", v)
			}

			for _, p := range s.Ports {
				parts := strings.Split(p, ":")
				require.Len(t, parts, 3, "port %q: want 127.0.0.1:HOST:CONTAINER", p)
				assert.Equal(t, "127.0.0.1", parts[0], "port %q: published on the loopback interface only", p)
				if other, dup := hostPorts[parts[1]]; dup {
					t.Errorf("host port %s published by %s and %s", parts[1], other, name)
				}
				hostPorts[parts[1]] = name
			}

			for dep := range s.DependsOn {
				assert.Contains(t, c.Services, dep)
			}
		})
	}
}

// TestETLServices: the simulator and the exporter are the repository's programs, share the log
// volume at the path the simulator writes and the exporter follows, serve on every interface of
// their container, and are checked by their own -healthcheck.
func TestETLServices(t *testing.T) {
	c := loadCompose(t)
	sim, exp := c.Services["etl-simulator"], c.Services["etl-metrics"]
	require.NotNil(t, sim.Build)
	require.NotNil(t, exp.Build)
	assert.Equal(t, "simulator", sim.Build.Args["PROGRAM"])
	assert.Equal(t, "logexporter", exp.Build.Args["PROGRAM"])

	logOf := func(s service) string {
		i := slices.Index(s.Command, "-log")
		require.GreaterOrEqual(t, i, 0, "%v: -log", s.Command)
		return s.Command[i+1]
	}
	assert.Equal(t, logOf(sim), logOf(exp))
	shared := func(s service) mount {
		for _, v := range s.Volumes {
			if m := parseMount(t, v); !m.Bind && strings.HasPrefix(logOf(s), m.Target+"/") {
				return m
			}
		}
		t.Fatalf("%v: no named volume holds the log %s", s.Volumes, logOf(s))
		return mount{}
	}
	ms, me := shared(sim), shared(exp)
	assert.Equal(t, ms.Source, me.Source, "one volume")
	assert.False(t, ms.ReadOnly, "the simulator writes the log")
	assert.True(t, me.ReadOnly, "the exporter only reads it")
	assert.Equal(t, "127.0.0.1:8083:8083", exp.Ports[0], "the reference's http://localhost:8083/metrics is the exporter")

	for _, name := range []string{"etl-simulator", "etl-metrics", "cdc-consumer"} {
		s := c.Services[name]
		require.NotNil(t, s.Build, name)
		assert.Equal(t, "../..", s.Build.Context, "%s: the repository root", name)
		assert.Equal(t, "Dockerfile", s.Build.Dockerfile, name)
		assert.Equal(t, []string{"CMD", "/usr/local/bin/etlwatch", "-healthcheck"}, s.Healthcheck.Test,
			"%s: the image's own check of its /health on 127.0.0.1:8083", name)
		if name != "cdc-consumer" {
			i := slices.Index(s.Command, "-listen")
			require.GreaterOrEqual(t, i, 0, "%s: -listen", name)
			assert.Equal(t, ":8083", s.Command[i+1], "%s: reachable from the other containers", name)
		}
	}
}

// TestGrafanaService: anonymous access is off unless asked for, and the home dashboard is the
// mounted ETL dashboard.
func TestGrafanaService(t *testing.T) {
	g := loadCompose(t).Services["grafana"]
	assert.Equal(t, "false", interpolate(g.Environment["GF_AUTH_ANONYMOUS_ENABLED"]))
	assert.Equal(t, "false", g.Environment["GF_USERS_ALLOW_SIGN_UP"])
	root := materialize(t, g)
	_, err := os.Stat(filepath.Join(root, g.Environment["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]))
	assert.NoError(t, err, "the home dashboard is a mounted file")
}
