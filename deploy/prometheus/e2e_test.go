package prometheus_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/etlwatch/etlwatch/examples/simulator/sim"
	"github.com/etlwatch/etlwatch/internal/testenv"
	"github.com/etlwatch/etlwatch/monitoring/prom"
)

// testRules writes the shipped rule files into dir with every "for" shortened to forDuration,
// leaving everything else as shipped, and returns their paths. Waiting minutes for an alert does
// not fit a test; what the alert expressions select and compute is unchanged.
func testRules(t *testing.T, dir, forDuration string) []string {
	t.Helper()
	files, err := filepath.Glob("rules/*.rules.yml")
	require.NoError(t, err)
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		var doc yaml.Node
		require.NoError(t, yaml.Unmarshal(b, &doc), f)
		shortenFor(&doc, forDuration)
		b, err = yaml.Marshal(&doc)
		require.NoError(t, err)
		p := filepath.Join(dir, filepath.Base(f))
		require.NoError(t, os.WriteFile(p, b, 0o644))
		out = append(out, p)
	}
	return out
}

func shortenFor(n *yaml.Node, d string) {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "for" && n.Content[i+1].Kind == yaml.ScalarNode {
				n.Content[i+1].Value = d
			}
		}
	}
	for _, c := range n.Content {
		shortenFor(c, d)
	}
}

// syncBuffer is a bytes.Buffer safe for a process's output and the test's reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startSimulator serves a fast simulator on 127.0.0.1 as examples/simulator does, and returns
// its address and a function that stops it.
func startSimulator(t *testing.T) (addr string, stop func()) {
	t.Helper()
	var log bytes.Buffer
	s, reg, health := newSimulator(t, &log, sim.WithRate(2000), sim.WithFailureInterval(250*time.Millisecond),
		sim.WithTick(100*time.Millisecond), sim.WithSeed(11))
	h, err := prom.NewHandler(reg, health)
	require.NoError(t, err)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" {
			s.Refresh()
		}
		h.ServeHTTP(w, r)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = s.Run(ctx) }()
	go func() { defer wg.Done(); _ = prom.Serve(ctx, ln, handler) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); wg.Wait() }) }
	t.Cleanup(stop)
	return ln.Addr().String(), stop
}

type alertsResponse struct {
	Status string `json:"status"`
	Data   struct {
		Alerts []struct {
			Labels map[string]string `json:"labels"`
			State  string            `json:"state"`
		} `json:"alerts"`
	} `json:"data"`
}

// waitFiring polls Prometheus' /api/v1/alerts until alertname is firing.
func waitFiring(ctx context.Context, t *testing.T, client *http.Client, base, alertname string, logs *syncBuffer) {
	t.Helper()
	var last string
	for {
		resp, err := client.Get(base + "/api/v1/alerts")
		if err == nil {
			var ar alertsResponse
			err = json.NewDecoder(resp.Body).Decode(&ar)
			resp.Body.Close()
			if err == nil {
				var states []string
				for _, a := range ar.Data.Alerts {
					states = append(states, a.Labels["alertname"]+"="+a.State)
					if a.Labels["alertname"] == alertname && a.State == "firing" {
						t.Logf("%s firing (alerts: %s)", alertname, strings.Join(states, ", "))
						return
					}
				}
				last = strings.Join(states, ", ")
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s did not fire in time; last alerts: [%s]; error: %v\nprometheus output:\n%s", alertname, last, err, logs.String())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// Debian's Prometheus server, with the shipped rules, scrapes the simulator: the high-failure-rate
// alert reaches firing, and once the simulator is stopped, the endpoint-down alert fires.
func TestEndToEndWithPrometheus(t *testing.T) {
	bin := testenv.Tool(t, "prometheus", "apt-get install -y prometheus")
	ctx, cancel := context.WithTimeout(t.Context(), 85*time.Second)
	defer cancel()
	dir := t.TempDir()
	rules := testRules(t, dir, "1s")

	simAddr, stopSim := startSimulator(t)
	port := freePort(t)
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [%q, %q, %q]
scrape_configs:
  - job_name: etl-simulator
    static_configs:
      - targets: [%q]
`, rules[0], rules[1], rules[2], simAddr)
	cfgPath := filepath.Join(dir, "prometheus.yml")
	require.NoError(t, os.WriteFile(cfgPath, []byte(config), 0o644))

	var logs syncBuffer
	cmd := exec.Command(bin, "--config.file="+cfgPath, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port), "--log.level=warn")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("prometheus output:\n%s", logs.String())
		}
	})

	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	start := time.Now()
	waitFiring(ctx, t, client, base, "EtlHighFailureRate", &logs)
	t.Logf("EtlHighFailureRate firing after %v", time.Since(start).Round(time.Millisecond))

	// Every shipped rule evaluates without error in the real server.
	resp, err := client.Get(base + "/api/v1/rules")
	require.NoError(t, err)
	var rr struct {
		Data struct {
			Groups []struct {
				Rules []struct {
					Name      string `json:"name"`
					Health    string `json:"health"`
					LastError string `json:"lastError"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&rr))
	resp.Body.Close()
	n := 0
	for _, g := range rr.Data.Groups {
		for _, r := range g.Rules {
			n++
			require.Equal(t, "ok", r.Health, "%s: %s", r.Name, r.LastError)
		}
	}
	require.Equal(t, 20, n, "rules loaded")

	stopSim()
	stopped := time.Now()
	waitFiring(ctx, t, client, base, "EtlMetricsEndpointDown", &logs)
	t.Logf("EtlMetricsEndpointDown firing %v after the simulator stopped", time.Since(stopped).Round(time.Millisecond))
}
