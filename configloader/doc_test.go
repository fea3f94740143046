package configloader_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/configloader"
)

// docExample returns the indented block of doc.go that starts with the line start.
func docExample(t *testing.T, start string) string {
	t.Helper()
	src, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	var b strings.Builder
	in := false
	for _, line := range strings.Split(string(src), "\n") {
		code, isCode := strings.CutPrefix(line, "//\t")
		switch {
		case !in && isCode && code == start:
			in = true
		case in && !isCode:
			return b.String()
		}
		if in {
			b.WriteString(code + "\n")
		}
	}
	require.Failf(t, "no example in doc.go", "starting with %q", start)
	return ""
}

// TestDocExamples checks that the sources.yaml examples of the package documentation load.
func TestDocExamples(t *testing.T) {
	t.Setenv("ORACLE_PASSWORD", "from-env")
	t.Setenv("DT_API_TOKEN", "dt0c01.x")
	t.Setenv("MARQUEZ_API_KEY", "ol-key")
	unsetenv(t, "ORACLE_PORT")

	t.Run("the file", func(t *testing.T) {
		cfg, err := configloader.Parse("sources.yaml", []byte(docExample(t, "sources:")))
		require.NoError(t, err)
		s, err := cfg.Source("dev_mydb")
		require.NoError(t, err)
		assert.Equal(t, 1521, s.Connection.Port)
		assert.Equal(t, "from-env", s.Connection.Password.Reveal())
		assert.Equal(t, ":8083", s.Monitoring.Prometheus.Listen)
		assert.Equal(t, "^(CUSTOMERS|ORDERS)$", s.BulkLoad.TableFilter)
		assert.Equal(t, []string{"cloudwatch"}, s.Monitoring.RequiredSinks)
		assert.Equal(t, map[string]string{"SSL": "true"}, s.Connection.Options)
		assert.Equal(t, 10*time.Second, s.Connection.ConnectTimeout)
	})
	t.Run("anchors", func(t *testing.T) {
		cfg, err := configloader.Parse("sources.yaml", []byte(docExample(t, "x-monitoring: &monitoring")))
		require.NoError(t, err)
		assert.Equal(t, "prod", cfg.Sources["orders_db"].Monitoring.Environment)
		assert.Equal(t, "prod-eu", cfg.Sources["billing_db"].Monitoring.Environment)
		assert.True(t, cfg.Sources["billing_db"].Monitoring.EnableCloudWatch)
	})
}
