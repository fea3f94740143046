package monitoringtest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/monitoringtest"
)

func TestSinkLookups(t *testing.T) {
	ctx := context.Background()
	sink := monitoringtest.NewSink()
	c, err := monitoring.NewMetricsCollector("job", "src", monitoring.WithSinks(sink), monitoring.WithEnvironment("test"))
	require.NoError(t, err)
	defer c.Shutdown(ctx)

	c.EmitCounter(ctx, "rows", 10, monitoring.Dimensions{"table": "A"})
	c.EmitCounter(ctx, "rows", 5, monitoring.Dimensions{"table": "B"})
	c.EmitDuration(ctx, "d", 3*time.Second, nil)
	_, ok := sink.Value("rows", nil)
	assert.False(t, ok, "nothing before a flush")
	require.NoError(t, c.ForceFlush(ctx))
	assert.Equal(t, 1, sink.Exports())

	v, ok := sink.Value("rows", monitoring.Dimensions{"table": "A"})
	assert.True(t, ok)
	assert.Equal(t, 10.0, v)
	_, ok = sink.Value("rows", nil)
	assert.False(t, ok, "two series match: Value refuses to guess")
	assert.Equal(t, 15.0, sink.Total("rows", nil))
	assert.Equal(t, 0.0, sink.Total("missing", nil))
	_, ok = sink.Value("rows", monitoring.Dimensions{"table": "A", "environment": "prod"})
	assert.False(t, ok)

	d := sink.Find("d", nil)
	require.Len(t, d, 1)
	assert.Equal(t, monitoring.KindDuration, d[0].Kind)
	assert.Equal(t, uint64(1), d[0].Count)
	assert.Equal(t, 3.0, d[0].Min)
	assert.Equal(t, 3.0, d[0].Max)

	pts := sink.Points()
	for i := 1; i < len(pts); i++ {
		assert.LessOrEqual(t, pts[i-1].Name, pts[i].Name, "sorted by name")
	}

	sink.FailWith(errors.New("down"))
	c.EmitCounter(ctx, "rows", 1, monitoring.Dimensions{"table": "A"})
	require.Error(t, c.ForceFlush(ctx))
	v, _ = sink.Value("rows", monitoring.Dimensions{"table": "A"})
	assert.Equal(t, 10.0, v, "a failed export keeps the last good points")
	assert.Equal(t, 2, sink.Exports())
}
