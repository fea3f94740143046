package compose_test

import (
	"encoding/json"
	"net"
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

// flagValue returns the value of --name=VALUE in args.
func flagValue(t *testing.T, args []string, name string) string {
	t.Helper()
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v
		}
	}
	t.Fatalf("%v: no --%s=", args, name)
	return ""
}

// containerPort returns the port svc's container serves on, from its first published port.
func containerPort(t *testing.T, svc service) string {
	t.Helper()
	require.NotEmpty(t, svc.Ports)
	parts := strings.Split(svc.Ports[0], ":")
	return parts[len(parts)-1]
}

// TestPrometheusConfigAsMounted: promtool checks the configuration in a tree laid out as the
// container's mounts, so the rule files are found where Prometheus will look for them.
func TestPrometheusConfigAsMounted(t *testing.T) {
	c := loadCompose(t)
	p := c.Services["prometheus"]
	root := materialize(t, p)
	config := filepath.Join(root, flagValue(t, p.Command, "config.file"))
	rules, err := filepath.Glob(filepath.Join(filepath.Dir(config), "rules", "*.rules.yml"))
	require.NoError(t, err)
	require.Len(t, rules, 4, "the rules of deploy/prometheus/rules, mounted beside the configuration")

	bin := testenv.Tool(t, "promtool", "apt-get install -y prometheus")
	out, err := exec.CommandContext(t.Context(), bin, "check", "config", config).CombinedOutput()
	require.NoError(t, err, "promtool check config:\n%s", out)
	assert.Contains(t, string(out), "4 rule files found")
}

// TestPrometheusTargets: every scrape target and the Alertmanager are services of the stack, on
// the port their container serves; the scrape jobs of the ETL programs start with "etl", which
// EtlMetricsEndpointDown selects.
func TestPrometheusTargets(t *testing.T) {
	c := loadCompose(t)
	b, err := os.ReadFile("prometheus/prometheus.yml")
	require.NoError(t, err)
	var cfg struct {
		Alerting struct {
			Alertmanagers []struct {
				StaticConfigs []struct {
					Targets []string `yaml:"targets"`
				} `yaml:"static_configs"`
			} `yaml:"alertmanagers"`
		} `yaml:"alerting"`
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
			DNSSDConfigs []struct {
				Names []string `yaml:"names"`
				Port  int      `yaml:"port"`
			} `yaml:"dns_sd_configs"`
		} `yaml:"scrape_configs"`
	}
	require.NoError(t, yaml.Unmarshal(b, &cfg))

	check := func(target string) {
		host, port, err := net.SplitHostPort(target)
		require.NoError(t, err)
		if host == "127.0.0.1" {
			host = "prometheus"
		}
		svc, ok := c.Services[host]
		require.True(t, ok, "target %s: no service %s", target, host)
		assert.Equal(t, containerPort(t, svc), port, "target %s", target)
	}
	require.Len(t, cfg.Alerting.Alertmanagers, 1)
	check(cfg.Alerting.Alertmanagers[0].StaticConfigs[0].Targets[0])

	scraped := map[string]string{}
	for _, sc := range cfg.ScrapeConfigs {
		for _, s := range sc.StaticConfigs {
			for _, tg := range s.Targets {
				check(tg)
				scraped[strings.Split(tg, ":")[0]] = sc.JobName
			}
		}
		for _, d := range sc.DNSSDConfigs {
			for _, n := range d.Names {
				check(net.JoinHostPort(n, "8083"))
				scraped[n] = sc.JobName
			}
		}
	}
	for _, name := range []string{"etl-simulator", "etl-metrics", "cdc-consumer"} {
		require.Contains(t, scraped, name, "every etlwatch program is scraped")
		assert.True(t, strings.HasPrefix(scraped[name], "etl"), "%s: job %q", name, scraped[name])
	}
}

func amtool(t *testing.T, args ...string) (string, error) {
	t.Helper()
	bin := testenv.Tool(t, "amtool", "apt-get install -y prometheus-alertmanager")
	out, err := exec.CommandContext(t.Context(), bin, args...).CombinedOutput()
	return string(out), err
}

// TestAlertmanagerConfig: amtool accepts the configuration as the container sees it, routes a
// critical and a warning alert to their receivers and anything else to the default, and the
// inhibition rule silences warnings with criticals.
func TestAlertmanagerConfig(t *testing.T) {
	am := loadCompose(t).Services["alertmanager"]
	config := filepath.Join(materialize(t, am), flagValue(t, am.Command, "config.file"))
	out, err := amtool(t, "check-config", config)
	require.NoError(t, err, "amtool check-config:\n%s", out)
	assert.Contains(t, out, "SUCCESS")

	for _, tc := range []struct{ labels, receiver string }{
		{"severity=critical", "critical"},
		{"severity=warning", "warning"},
		{"severity=info", "default"},
	} {
		t.Run(tc.labels, func(t *testing.T) {
			out, err := amtool(t, "config", "routes", "test", "--config.file="+config,
				"--verify.receivers="+tc.receiver, "alertname=EtlHealthCheckFailed", "job_name=etl_simulator", tc.labels)
			require.NoError(t, err, "amtool config routes test:\n%s", out)
			assert.Equal(t, tc.receiver, lastLine(out))
		})
	}

	b, err := os.ReadFile(config)
	require.NoError(t, err)
	var cfg struct {
		InhibitRules []struct {
			SourceMatchers []string `yaml:"source_matchers"`
			TargetMatchers []string `yaml:"target_matchers"`
			Equal          []string `yaml:"equal"`
		} `yaml:"inhibit_rules"`
		Receivers []struct {
			Name     string `yaml:"name"`
			Webhooks []struct {
				URL string `yaml:"url"`
			} `yaml:"webhook_configs"`
		} `yaml:"receivers"`
	}
	require.NoError(t, yaml.Unmarshal(b, &cfg))
	require.Len(t, cfg.InhibitRules, 1)
	assert.Equal(t, []string{`severity="critical"`}, cfg.InhibitRules[0].SourceMatchers)
	assert.Equal(t, []string{`severity="warning"`}, cfg.InhibitRules[0].TargetMatchers)
	assert.NotEmpty(t, cfg.InhibitRules[0].Equal, "only warnings of the same job")
	for _, r := range cfg.Receivers {
		require.Len(t, r.Webhooks, 1, r.Name)
		assert.Contains(t, r.Webhooks[0].URL, ".invalid/", "%s: a placeholder that can never be delivered to", r.Name)
	}
}

// dashVar is a template variable of a dashboard; the query of a query variable is an object.
type dashVar struct {
	Name, Type string
	Query      json.RawMessage
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// TestGrafanaProvisioning: the provisioning files, read where the container mounts them, name the
// stack's Prometheus as the default data source and a dashboard directory that holds the
// generated dashboards, the ETL one with uid etl-monitoring (the README's /d/etl-monitoring).
func TestGrafanaProvisioning(t *testing.T) {
	c := loadCompose(t)
	g := c.Services["grafana"]
	root := materialize(t, g)
	prov := filepath.Join(root, "etc", "grafana", "provisioning")

	var ds struct {
		APIVersion  int `yaml:"apiVersion"`
		Datasources []struct {
			Name, Type, URL, UID string
			IsDefault            bool `yaml:"isDefault"`
		} `yaml:"datasources"`
	}
	b, err := os.ReadFile(filepath.Join(prov, "datasources", "prometheus.yaml"))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(b, &ds))
	assert.Equal(t, 1, ds.APIVersion)
	require.Len(t, ds.Datasources, 1)
	d := ds.Datasources[0]
	assert.Equal(t, "prometheus", d.Type)
	assert.True(t, d.IsDefault, "the dashboards' DS_PROMETHEUS variable picks the default Prometheus")
	assert.Equal(t, "http://prometheus:"+containerPort(t, c.Services["prometheus"]), d.URL)

	var dp struct {
		APIVersion int `yaml:"apiVersion"`
		Providers  []struct {
			Name, Type string
			Options    struct {
				Path string `yaml:"path"`
			} `yaml:"options"`
		} `yaml:"providers"`
	}
	b, err = os.ReadFile(filepath.Join(prov, "dashboards", "etlwatch.yaml"))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(b, &dp))
	assert.Equal(t, 1, dp.APIVersion)
	require.Len(t, dp.Providers, 1)
	assert.Equal(t, "file", dp.Providers[0].Type)
	dir := filepath.Join(root, dp.Providers[0].Options.Path)

	uids := map[string]string{}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	require.NoError(t, err)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		var dash struct {
			UID        string `json:"uid"`
			Templating struct {
				List []dashVar `json:"list"`
			} `json:"templating"`
		}
		require.NoError(t, json.Unmarshal(b, &dash), f)
		uids[filepath.Base(f)] = dash.UID
		i := slices.IndexFunc(dash.Templating.List, func(v dashVar) bool { return v.Name == "DS_PROMETHEUS" })
		require.GreaterOrEqual(t, i, 0, "%s: a DS_PROMETHEUS variable", f)
		assert.Equal(t, "datasource", dash.Templating.List[i].Type, f)
		assert.JSONEq(t, `"`+d.Type+`"`, string(dash.Templating.List[i].Query), "%s: it lists data sources of the provisioned type", f)
	}
	assert.Equal(t, "etl-monitoring", uids["etl-monitoring.json"])
	assert.Equal(t, "etlwatch-cdc", uids["cdc.json"])
	assert.Equal(t, "etlwatch-bulk-load", uids["bulk-load.json"])

	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(readme), "http://localhost:3000/d/etl-monitoring"), "the README links the ETL dashboard at http://localhost:3000/d/etl-monitoring")
}
