package configloader_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/configloader"
)

func TestLineageSection(t *testing.T) {
	t.Setenv("MARQUEZ_KEY", "k-123")
	cfg, err := configloader.Parse("sources.yaml", []byte(`sources:
  shop:
    database_type: postgres
    cdc:
      brokers: [b1:9092]
      topic_prefix: shop
    lineage:
      transport: [http, file, kafka]
      url: http://marquez:5000
      endpoint: /api/v1/lineage
      api_key: ${MARQUEZ_KEY}
      namespace: etl-prod
      timeout: 3s
      running_interval: 10s
      flush_timeout: 500ms
      kafka:
        topic: openlineage
      file:
        path: /var/log/etlwatch/lineage.jsonl
        rotate: size
        max_size_mb: 50
`))
	require.NoError(t, err)
	l := cfg.Sources["shop"].Lineage
	assert.Equal(t, []string{"http", "file", "kafka"}, l.Transports)
	assert.Equal(t, "http://marquez:5000", l.URL)
	assert.Equal(t, "k-123", l.APIKey.Reveal())
	assert.Equal(t, "etl-prod", l.Namespace)
	assert.Equal(t, 3*time.Second, l.Timeout)
	assert.Equal(t, 10*time.Second, l.RunningInterval)
	assert.Equal(t, 500*time.Millisecond, l.FlushTimeout)
	assert.Equal(t, []string{"b1:9092"}, l.Kafka.Brokers, "cdc.brokers by default")
	assert.Equal(t, configloader.LineageFile{Path: "/var/log/etlwatch/lineage.jsonl", Rotate: "size", MaxSizeMB: 50}, l.File)

	// The printed configuration loads back to the same section, the key aside.
	text := cfg.String()
	assert.Contains(t, text, "api_key: '[REDACTED]'")
	again, err := configloader.Parse("again.yaml", []byte(text))
	require.NoError(t, err)
	l2 := again.Sources["shop"].Lineage
	l2.APIKey = l.APIKey
	assert.Equal(t, l, l2)
}

func TestLineageTransportsFromWhatIsSet(t *testing.T) {
	cfg, err := configloader.Parse("sources.yaml", []byte(`sources:
  shop:
    database_type: sqlite
    lineage:
      url: https://lineage.example.com
      file: {path: lineage.jsonl, rotate: daily}
`))
	require.NoError(t, err)
	assert.Equal(t, []string{"http", "file"}, cfg.Sources["shop"].Lineage.Transports)
}

func TestLineageHTTPURLFromEnvironment(t *testing.T) {
	src := []byte("sources:\n  shop:\n    database_type: sqlite\n    lineage:\n      transport: http\n")
	t.Setenv("OPENLINEAGE_URL", "")
	_, err := configloader.Parse("sources.yaml", src)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "sources.yaml:5:18: sources.shop.lineage.url: found transport http and no url; allowed: the lineage server's URL in url, or in the OPENLINEAGE_URL environment variable")
	t.Setenv("OPENLINEAGE_URL", "http://127.0.0.1:5000")
	_, err = configloader.Parse("sources.yaml", src)
	assert.NoError(t, err)
}

func TestLineageMistakes(t *testing.T) {
	t.Setenv("OPENLINEAGE_URL", "")
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown transport", "transport: marquez",
			`sources.yaml:5:18: sources.a.lineage.transport: found "marquez"; allowed: http, console, file or kafka`},
		{"transport twice", "transport: [console, console]",
			`sources.yaml:5:28: sources.a.lineage.transport[1]: found "console" a second time (first at line 5, column 19); allowed: each transport once`},
		{"url not http", "url: localhost:5000",
			`sources.yaml:5:12: sources.a.lineage.url: found "localhost:5000"; allowed: an http:// or https:// URL with a host`},
		{"kafka without topic", "transport: kafka\n      kafka: {brokers: [b:9092]}",
			`sources.yaml:5:18: sources.a.lineage.kafka.topic: found transport kafka and no kafka.topic`},
		{"kafka without brokers", "kafka: {topic: ol}",
			`sources.yaml:5:7: sources.a.lineage.kafka.brokers: found transport kafka and no brokers; allowed: broker addresses in lineage.kafka.brokers or cdc.brokers`},
		{"file without path", "transport: file",
			`sources.a.lineage.file.path: found transport file and no file.path`},
		{"rotation", "file: {path: x, rotate: hourly}",
			`sources.a.lineage.file.rotate: found "hourly"`},
		{"size without size rotation", "file: {path: x, max_size_mb: 10}",
			`sources.a.lineage.file.max_size_mb: found max_size_mb without rotate: size`},
		{"timeout", "url: http://m\n      timeout: 5",
			`sources.a.lineage.timeout: found 5 (did you mean "5s"?)`},
		{"unknown key", "urll: http://m",
			`sources.a.lineage.urll: found unknown key "urll" (did you mean "url"?)`},
		{"disabled", "disabled: maybe", `sources.a.lineage.disabled: found the string "maybe"; allowed: true or false`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := configloader.Parse("sources.yaml", []byte("sources:\n  a:\n    database_type: sqlite\n    lineage:\n      "+tt.yaml+"\n"))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestLineageDisabledNeedsNothing(t *testing.T) {
	t.Setenv("OPENLINEAGE_URL", "")
	cfg, err := configloader.Parse("sources.yaml", []byte("sources:\n  a:\n    database_type: sqlite\n    lineage: {transport: [http, kafka], disabled: true}\n"))
	require.NoError(t, err)
	assert.True(t, cfg.Sources["a"].Lineage.Disabled)
}
