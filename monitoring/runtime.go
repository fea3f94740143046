package monitoring

import (
	"context"
	"fmt"
	"math"
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"

	otelruntime "go.opentelemetry.io/contrib/instrumentation/runtime"
	"go.opentelemetry.io/otel/metric"
)

// Names of the memory self-metrics that [WithRuntimeMetrics] adds beside OpenTelemetry's Go runtime
// metrics (go.memory.used, go.memory.limit, go.goroutine.count, ...).
const (
	MemoryUsageRatioMetric = "etlwatch_memory_usage_ratio" // memory in use over the limit, 0 to 1
	MemoryLimitMetric      = "etlwatch_memory_limit_bytes" // the limit: GOMEMLIMIT, else the cgroup's
)

// WithRuntimeMetrics exports the Go runtime's metrics (heap, GC, goroutines: the Go form of the Spark
// JVM metrics the reference pipeline read through JMX) through the collector's sinks, using
// go.opentelemetry.io/contrib/instrumentation/runtime, plus [MemoryUsageRatioMetric]: memory in use
// (go.memory.used: total mapped minus released) over the memory limit, which is GOMEMLIMIT when set,
// else the cgroup limit (v2 memory.max or v1 memory.limit_in_bytes). With no limit at all the ratio
// is not reported. It feeds the reference ">90% memory" alert. The Prometheus sink serves
// go.goroutine.count as go_goroutines (Prometheus keeps the _count suffix for histograms and
// summaries); the other sinks keep OpenTelemetry's name. Default: off. It cannot be combined
// with [WithMeterProvider]: start the runtime instrumentation on that provider yourself.
func WithRuntimeMetrics() Option {
	return optionFunc(func(c *collectorConfig) { c.runtimeMetrics = true })
}

func (c *MetricsCollector) startRuntimeMetrics() error {
	if err := otelruntime.Start(otelruntime.WithMeterProvider(c.provider)); err != nil {
		return fmt.Errorf("monitoring: start runtime metrics: %w", err)
	}
	ratio, err := c.meter.Float64ObservableGauge(MemoryUsageRatioMetric, metric.WithUnit("1"),
		metric.WithDescription("Memory in use by the Go runtime over the memory limit (GOMEMLIMIT, else the cgroup limit)."))
	if err != nil {
		return fmt.Errorf("monitoring: runtime metrics: %w", err)
	}
	limitG, err := c.meter.Int64ObservableGauge(MemoryLimitMetric, metric.WithUnit("By"),
		metric.WithDescription("The memory limit the usage ratio is computed against."))
	if err != nil {
		return fmt.Errorf("monitoring: runtime metrics: %w", err)
	}
	attrs := metric.WithAttributes(c.baseAttrs()...)
	cgroup := cgroupMemoryLimit()
	var mu sync.Mutex
	samples := []metrics.Sample{
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
		{Name: "/gc/gomemlimit:bytes"},
	}
	_, err = c.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		mu.Lock()
		defer mu.Unlock()
		metrics.Read(samples)
		used := samples[0].Value.Uint64() - samples[1].Value.Uint64()
		limit := cgroup
		if l := samples[2].Value.Uint64(); l < math.MaxInt64 && (limit == 0 || l < limit) {
			limit = l
		}
		if limit > 0 {
			o.ObserveFloat64(ratio, float64(used)/float64(limit), attrs)
			o.ObserveInt64(limitG, int64(min(limit, math.MaxInt64)), attrs)
		}
		return nil
	}, ratio, limitG)
	if err != nil {
		return fmt.Errorf("monitoring: runtime metrics: %w", err)
	}
	return nil
}

// cgroupMemoryLimit returns the memory limit of this process's cgroup, 0 when there is none.
func cgroupMemoryLimit() uint64 {
	for _, path := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		s := strings.TrimSpace(string(b))
		if s == "max" {
			return 0
		}
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil || v >= 1<<62 { // cgroup v1 writes a huge number for "no limit"
			return 0
		}
		return v
	}
	return 0
}
