package etlwatch

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/etlwatch/etlwatch/configloader"
)

// TestSinkTableNamesEverySink: the table New starts sinks from holds each name of
// monitoring.required_sinks once, in configloader's order, and each entry is off for an empty
// monitoring section and on for a section that configures it.
func TestSinkTableNamesEverySink(t *testing.T) {
	var names []string
	for _, cs := range configuredSinks() {
		names = append(names, cs.name)
		assert.False(t, cs.enabled(configloader.Monitoring{}), "%s is off by default", cs.name)
		assert.NotNil(t, cs.start, cs.name)
	}
	assert.Equal(t, configloader.SinkNames(), names)

	on := map[string]configloader.Monitoring{
		SinkCloudWatch: {EnableCloudWatch: true},
		SinkOTLP:       {OTLP: configloader.OTLP{Endpoint: "http://collector:4318"}},
		SinkDynatrace:  {Dynatrace: configloader.Dynatrace{Endpoint: "https://abc.live.dynatrace.com/api/v2/otlp"}},
		SinkPrometheus: {Prometheus: configloader.Prometheus{Listen: "127.0.0.1:0"}},
	}
	for _, cs := range configuredSinks() {
		for name, mon := range on {
			assert.Equal(t, name == cs.name, cs.enabled(mon), "%s with the section of %s", cs.name, name)
		}
	}
}
