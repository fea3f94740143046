package cloudwatch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/etlwatch/etlwatch/monitoring"
)

// EMFSink is a [monitoring.PushSink] that writes CloudWatch Embedded Metric Format documents, one
// JSON line each, for Lambda, ECS and the CloudWatch agent, which turn them into metrics: no API
// calls, no credentials. Create it with [NewEMFSink].
//
// Series that share their dimensions share a document, up to 100 metrics each. Counters carry the
// export interval's sum and gauges their last value. EMF has no statistic sets, so a duration d is
// written as four metrics: d_sum and d_max, d_min in seconds, and d_count: average it in CloudWatch
// with metric math (d_sum / d_count).
type EMFSink struct {
	w         io.Writer
	namespace string
	name      string

	mu  sync.Mutex
	buf bytes.Buffer
	rep reporter
}

var _ monitoring.PushSink = (*EMFSink)(nil)

// NewEMFSink returns a sink named "cloudwatch-emf" that writes EMF documents to w (stdout for
// Lambda, or the file the CloudWatch agent tails) in namespace (empty means [DefaultNamespace]).
func NewEMFSink(w io.Writer, namespace string) *EMFSink {
	if namespace == "" {
		namespace = DefaultNamespace
	}
	return &EMFSink{w: w, namespace: namespace, name: "cloudwatch-emf"}
}

// Name returns "cloudwatch-emf".
func (s *EMFSink) Name() string { return s.name }

// SetErrorHandler receives the collector's error handler, for data points EMF cannot carry.
func (s *EMFSink) SetErrorHandler(h func(error)) {
	s.mu.Lock()
	s.rep.handler = h
	s.mu.Unlock()
}

// Temporality is delta for counters and histograms, cumulative for up-down counters.
func (s *EMFSink) Temporality(k sdkmetric.InstrumentKind) metricdata.Temporality {
	return sdkmetric.DeltaTemporalitySelector(k)
}

// Aggregation is OpenTelemetry's default.
func (s *EMFSink) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return sdkmetric.DefaultAggregationSelector(k)
}

type emfMetric struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

type emfDirective struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []emfMetric `json:"Metrics"`
}

type emfMeta struct {
	Timestamp         int64          `json:"Timestamp"`
	CloudWatchMetrics []emfDirective `json:"CloudWatchMetrics"`
}

type emfValue struct {
	metric emfMetric
	value  float64
}

// Export writes one or more documents per dimension set. A write error fails the export.
func (s *EMFSink) Export(_ context.Context, rm *metricdata.ResourceMetrics) error {
	pts, probs := points(rm)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rep.problems(probs)

	type group struct {
		dims   map[string]string
		keys   []string
		ts     int64
		values []emfValue
	}
	groups := map[string]*group{}
	var order []string
	for _, p := range pts {
		var kb strings.Builder
		for _, d := range p.dims {
			kb.WriteString(*d.Name)
			kb.WriteByte(0)
			kb.WriteString(*d.Value)
			kb.WriteByte(0)
		}
		key := kb.String()
		g := groups[key]
		if g == nil {
			g = &group{dims: map[string]string{}}
			for _, d := range p.dims {
				g.dims[*d.Name] = *d.Value
				g.keys = append(g.keys, *d.Name)
			}
			groups[key] = g
			order = append(order, key)
		}
		g.ts = max(g.ts, p.ts.UnixMilli())
		if p.stats == nil {
			g.values = append(g.values, emfValue{emfMetric{p.name, string(p.unit)}, p.value})
			continue
		}
		g.values = append(g.values,
			emfValue{emfMetric{p.name + "_sum", string(p.unit)}, *p.stats.Sum},
			emfValue{emfMetric{p.name + "_count", "Count"}, *p.stats.SampleCount},
			emfValue{emfMetric{p.name + "_min", string(p.unit)}, *p.stats.Minimum},
			emfValue{emfMetric{p.name + "_max", string(p.unit)}, *p.stats.Maximum})
	}
	for _, key := range order {
		g := groups[key]
		for chunk := range slices.Chunk(g.values, MaxMetricsPerEMFDoc) {
			if err := s.write(g.dims, g.keys, g.ts, chunk); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *EMFSink) write(dims map[string]string, keys []string, ts int64, values []emfValue) error {
	doc := make(map[string]any, len(dims)+len(values)+1)
	for k, v := range dims {
		doc[k] = v
	}
	dir := emfDirective{Namespace: s.namespace, Dimensions: [][]string{keys}, Metrics: make([]emfMetric, 0, len(values))}
	for _, v := range values {
		if _, clash := doc[v.metric.Name]; clash {
			s.rep.report(fmt.Errorf("cloudwatch: EMF: metric %q not written: a dimension or metric of the same name is in the document", v.metric.Name), "clash|"+v.metric.Name)
			continue
		}
		doc[v.metric.Name] = v.value
		dir.Metrics = append(dir.Metrics, v.metric)
	}
	if dir.Metrics == nil {
		return nil
	}
	if dir.Dimensions[0] == nil {
		dir.Dimensions[0] = []string{}
	}
	doc["_aws"] = emfMeta{Timestamp: ts, CloudWatchMetrics: []emfDirective{dir}}
	s.buf.Reset()
	enc := json.NewEncoder(&s.buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("cloudwatch: EMF: encode: %w", err)
	}
	if _, err := s.w.Write(s.buf.Bytes()); err != nil {
		return fmt.Errorf("cloudwatch: EMF: write: %w", err)
	}
	return nil
}

// ForceFlush does nothing: documents are written by Export.
func (s *EMFSink) ForceFlush(context.Context) error { return nil }

// Shutdown does nothing.
func (s *EMFSink) Shutdown(context.Context) error { return nil }
