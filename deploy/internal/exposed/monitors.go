package exposed

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/monitoring"
)

// EmitMonitors records what the anomaly monitors expose: three weeks of nightly loads of orders
// (volume, freshness with a max_age, the null rate of email, schema drift), the last one an
// anomaly, so that every dq_anomaly_* family and the last-write gauges exist.
func EmitMonitors(t testing.TB, m *monitoring.MetricsCollector) {
	t.Helper()
	ctx := context.Background()
	night := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	now := night
	checker := dataquality.NewChecker(dataquality.WithMetrics(m), dataquality.WithClock(func() time.Time { return now }))
	mon, err := dataquality.NewMonitor(checker, dataquality.NewMemoryHistory(), dataquality.Monitors{
		Volume: true, Freshness: true, MaxAge: 26 * time.Hour, SchemaDrift: "warn",
		NullRate: map[string][]string{"orders": {"email"}},
	})
	require.NoError(t, err)
	cols := []dataquality.SchemaColumn{{Name: "id", Type: "integer"}}
	for i := range 22 {
		now = night.AddDate(0, 0, i)
		rows := int64(1000 + i%3)
		if i == 21 {
			rows = 10
		}
		mon.AfterLoad(ctx, "orders", dataquality.Load{Rows: rows, NullRates: map[string]float64{"email": 0.01}, Columns: cols})
	}
	mon.CheckFreshness(ctx, "orders")
}
