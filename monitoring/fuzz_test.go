package monitoring_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/etlwatch/etlwatch/monitoring"
)

// FuzzEmit feeds arbitrary names, dimensions and values to every Emit method and bound handle: the
// collector must never panic, and whatever it accepted must read back from the summary.
//
//	go test -run '^$' -fuzz FuzzEmit -fuzztime 30s ./monitoring
func FuzzEmit(f *testing.F) {
	f.Add("rows", "table", "CUSTOMERS", 1.0, int64(1))
	f.Add("", "", "", math.NaN(), int64(-1))
	f.Add("a/b.c-d_e", "k", "\x00\xff", math.Inf(1), int64(math.MaxInt64))
	f.Add("1bad", "ké", "v", -0.0, int64(0))
	f.Fuzz(func(t *testing.T, name, key, value string, v float64, n int64) {
		ctx := context.Background()
		c, err := monitoring.NewMetricsCollector("j", "s", monitoring.WithErrorHandler(func(error) {}), monitoring.WithCardinalityLimit(4))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Shutdown(ctx)
		dims := monitoring.Dimensions{key: value}
		c.EmitCounter(ctx, name, v, dims)
		c.EmitGauge(ctx, name+"_g", v, monitoring.Unit(n&0xff), dims)
		c.EmitDuration(ctx, name+"_d", time.Duration(n), dims)
		c.EmitSuccess(ctx, name, dims)
		c.EmitFailure(ctx, name, value, dims)
		c.Counter(name, dims).Add(n)
		c.Gauge(name+"_g", monitoring.UnitSeconds, nil).Set(v)
		c.Timer(name+"_d", dims).Record(time.Duration(n))
		if err := c.ForceFlush(ctx); err != nil {
			t.Fatal(err)
		}
		for _, s := range c.Summary().Series {
			if math.IsNaN(s.Sum) || math.IsInf(s.Sum, 0) || s.Sum < 0 && s.Kind == monitoring.KindCounter {
				t.Fatalf("impossible series %+v", s)
			}
		}
	})
}
