package compose_test

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/internal/testenv"
)

// TestAlertmanagerInhibits runs Debian's Alertmanager with the compose configuration (as the
// container mounts it), sends it a critical alert of one job and warnings of that job and of
// another, and reads back what it did: the warning of the job with a critical alert is
// suppressed, inhibited by the critical one; the other job's warning stays active.
func TestAlertmanagerInhibits(t *testing.T) {
	bin := testenv.Tool(t, "prometheus-alertmanager", "apt-get install -y prometheus-alertmanager")
	am := loadCompose(t).Services["alertmanager"]
	config := filepath.Join(materialize(t, am), flagValue(t, am.Command, "config.file"))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	logFile, err := os.Create(filepath.Join(t.TempDir(), "alertmanager.log"))
	require.NoError(t, err)
	defer logFile.Close()
	logs := func() string { b, _ := os.ReadFile(logFile.Name()); return string(b) }
	cmd := exec.CommandContext(t.Context(), bin, "--config.file="+config, "--storage.path="+t.TempDir(),
		"--web.listen-address="+addr, "--cluster.listen-address=")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	t.Cleanup(func() {
		if t.Failed() {
			t.Log("Alertmanager's log:\n" + logs())
		}
	})
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	base := "http://" + addr + "/api/v2"
	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/status")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, time.Minute, 100*time.Millisecond, "Alertmanager did not start")

	alert := func(name, severity, job string) map[string]any {
		return map[string]any{"labels": map[string]string{"alertname": name, "severity": severity,
			"job_name": job, "source_name": "etl_process"}}
	}
	body, err := json.Marshal([]map[string]any{
		alert("EtlHealthCheckFailed", "critical", "etl_simulator"),
		alert("EtlNoSuccessIn10Minutes", "warning", "etl_simulator"),
		alert("EtlNoSuccessIn10Minutes", "warning", "nightly_load"),
	})
	require.NoError(t, err)
	resp, err := http.Post(base+"/alerts", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	type state struct {
		Labels map[string]string `json:"labels"`
		Status struct {
			State       string   `json:"state"`
			InhibitedBy []string `json:"inhibitedBy"`
		} `json:"status"`
		Fingerprint string `json:"fingerprint"`
	}
	byKey := map[string]state{}
	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/alerts")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var alerts []state
		if json.NewDecoder(resp.Body).Decode(&alerts) != nil || len(alerts) != 3 {
			return false
		}
		for _, a := range alerts {
			byKey[a.Labels["severity"]+" "+a.Labels["job_name"]] = a
		}
		return byKey["warning etl_simulator"].Status.State == "suppressed"
	}, time.Minute, 100*time.Millisecond, "alerts: %v", byKey)

	critical := byKey["critical etl_simulator"]
	assert.Equal(t, "active", critical.Status.State)
	assert.Equal(t, []string{critical.Fingerprint}, byKey["warning etl_simulator"].Status.InhibitedBy)
	assert.Equal(t, "active", byKey["warning nightly_load"].Status.State, "another job's warning is not inhibited")
	assert.Empty(t, byKey["warning nightly_load"].Status.InhibitedBy)
}
