package prom

import (
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// gaugeName is the Prometheus name of a Go runtime gauge whose OpenTelemetry name ends in
// ".count", such as go.goroutine.count: Prometheus reserves the _count suffix for histograms and
// summaries (promtool check metrics reports it), so go_goroutine_count is exposed as
// go_goroutines, the name client_golang's Go collector uses. Other names, the application's
// own included, are returned as they are, with false.
func gaugeName(name string) (string, bool) {
	base, ok := strings.CutSuffix(name, "_count")
	if !ok || !strings.HasPrefix(base, "go_") || base == "go_" {
		return name, false
	}
	return base + "s", true
}

// renamingRegisterer registers every collector wrapped in a [renamingCollector].
type renamingRegisterer struct{ prometheus.Registerer }

func (r renamingRegisterer) Register(c prometheus.Collector) error {
	return r.Registerer.Register(renamingCollector{c})
}

func (r renamingRegisterer) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := r.Register(c); err != nil {
			panic(err)
		}
	}
}

// renamingCollector renames the gauges of the collector it wraps as [gaugeName] says.
type renamingCollector struct{ prometheus.Collector }

// Collect passes on what the wrapped collector collects, a renamed copy of each gauge whose
// name ends in _count.
func (c renamingCollector) Collect(ch chan<- prometheus.Metric) {
	inner := make(chan prometheus.Metric)
	go func() {
		defer close(inner)
		c.Collector.Collect(inner)
	}()
	for m := range inner {
		ch <- renamed(m)
	}
}

// renamed returns m, or a copy of it under [gaugeName] when it is a gauge named ..._count.
func renamed(m prometheus.Metric) prometheus.Metric {
	desc := m.Desc().String() // Desc{fqName: "...", help: "...", ...}: the only way to its name
	rest, ok := strings.CutPrefix(desc, `Desc{fqName: `)
	if !ok {
		return m
	}
	q, err := strconv.QuotedPrefix(rest)
	if err != nil {
		return m
	}
	name, _ := strconv.Unquote(q)
	newName, ok := gaugeName(name)
	if !ok {
		return m
	}
	var d dto.Metric
	if err := m.Write(&d); err != nil || d.Gauge == nil {
		return m
	}
	help := ""
	if rest, ok := strings.CutPrefix(rest[len(q):], `, help: `); ok {
		if hq, err := strconv.QuotedPrefix(rest); err == nil {
			help, _ = strconv.Unquote(hq)
		}
	}
	names := make([]string, len(d.Label))
	values := make([]string, len(d.Label))
	for i, l := range d.Label {
		names[i], values[i] = l.GetName(), l.GetValue()
	}
	r, err := prometheus.NewConstMetric(prometheus.NewDesc(newName, help, names, nil), prometheus.GaugeValue, d.Gauge.GetValue(), values...)
	if err != nil {
		return m
	}
	return r
}
