package etlwatch_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/internal/blackhole"
	"github.com/etlwatch/etlwatch/monitoring"
)

// monitoring.export_timeout reaches the push sinks: an OTLP collector and a Dynatrace endpoint
// that accept the connection and never answer fail the flush with an ExportTimeoutError that
// carries the configured timeout and names host:port, and the job goes on.
func TestExportTimeoutFromSources(t *testing.T) {
	ctx := context.Background()
	collector, dynatrace := blackhole.Silent(t), blackhole.Silent(t)
	src := &configloader.Source{Name: "dev_mydb", Monitoring: configloader.Monitoring{
		OTLP:          configloader.OTLP{Endpoint: "http://" + collector, Protocol: "http"},
		Dynatrace:     configloader.Dynatrace{Endpoint: "http://" + dynatrace + "/api/v2/otlp/v1/metrics", APIToken: "dt0c01.TOKEN"},
		ExportTimeout: 300 * time.Millisecond,
	}}
	p, err := etlwatch.New(ctx, "bulk_load", src)
	require.NoError(t, err)
	defer p.Shutdown(ctx)
	assert.Subset(t, p.Sinks(), []string{"otlp", "dynatrace"})

	p.Metrics.EmitCounter(p.Context(), "records_processed", 10, monitoring.Dimensions{"table": "CUSTOMERS"})
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err = p.Metrics.ForceFlush(fctx)
	require.Error(t, err)
	require.NoError(t, fctx.Err(), "the flush ended by the sinks' timeout, not the caller's")
	var te *monitoring.ExportTimeoutError
	require.True(t, errors.As(err, &te), "%v", err)
	assert.Equal(t, 300*time.Millisecond, te.Timeout)
	assert.Contains(t, []string{collector, dynatrace}, te.Address)
	// The timeout came from sources.yaml: the error says to raise it there.
	assert.Equal(t, "monitoring.export_timeout in sources.yaml", te.Setting)
	assert.Contains(t, err.Error(), "raise monitoring.export_timeout in sources.yaml")
}
