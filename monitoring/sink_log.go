package monitoring

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// NewLogSink returns a [PushSink] named "log" that writes one line per data point per export to w, in
// the reference pipeline's format:
//
//	METRIC: {"metric_name":"table_processed","value":1,"unit":"Count","dimensions":{...},"timestamp":"..."}
//
// It uses delta temporality: a counter's value is its increase over the interval, and a counter that
// did not change is not written. A duration line carries value (the sum of the interval's durations,
// in seconds) plus count, min and max. timestamp is the end of the interval, RFC 3339 UTC. Each line
// is one Write; a write error fails the export.
func NewLogSink(w io.Writer) PushSink { return &logSink{w: w} }

type logSink struct {
	mu  sync.Mutex
	w   io.Writer
	buf bytes.Buffer
}

type logLine struct {
	MetricName string            `json:"metric_name"`
	Value      float64           `json:"value"`
	Unit       string            `json:"unit"`
	Count      *uint64           `json:"count,omitempty"`
	Min        *float64          `json:"min,omitempty"`
	Max        *float64          `json:"max,omitempty"`
	Dimensions map[string]string `json:"dimensions"`
	Timestamp  string            `json:"timestamp"`
}

func (*logSink) Name() string { return "log" }

func (*logSink) Temporality(sdkmetric.InstrumentKind) metricdata.Temporality {
	return metricdata.DeltaTemporality
}

func (*logSink) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return sdkmetric.DefaultAggregationSelector(k)
}

func (s *logSink) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			unit, _ := ParseUnit(m.Unit)
			line := logLine{MetricName: m.Name, Unit: unit.String()}
			switch d := m.Data.(type) {
			case metricdata.Sum[float64]:
				for _, p := range d.DataPoints {
					if p.Value == 0 && d.Temporality == metricdata.DeltaTemporality {
						continue
					}
					line.Value = p.Value
					if err := s.write(line, p.Attributes, p.Time); err != nil {
						return err
					}
				}
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					if p.Value == 0 && d.Temporality == metricdata.DeltaTemporality {
						continue
					}
					line.Value = float64(p.Value)
					if err := s.write(line, p.Attributes, p.Time); err != nil {
						return err
					}
				}
			case metricdata.Gauge[float64]:
				for _, p := range d.DataPoints {
					line.Value = p.Value
					if err := s.write(line, p.Attributes, p.Time); err != nil {
						return err
					}
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					if p.Count == 0 {
						continue
					}
					l := line
					l.Value = p.Sum
					l.Count = &p.Count
					if v, ok := p.Min.Value(); ok {
						l.Min = &v
					}
					if v, ok := p.Max.Value(); ok {
						l.Max = &v
					}
					if err := s.write(l, p.Attributes, p.Time); err != nil {
						return err
					}
				}
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

func (s *logSink) write(l logLine, attrs attribute.Set, t time.Time) error {
	l.Dimensions = make(map[string]string, attrs.Len())
	for _, kv := range attrs.ToSlice() {
		l.Dimensions[string(kv.Key)] = kv.Value.Emit()
	}
	l.Timestamp = t.UTC().Format("2006-01-02T15:04:05.000000Z")
	s.buf.Reset()
	s.buf.WriteString("METRIC: ")
	enc := json.NewEncoder(&s.buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(l); err != nil {
		return fmt.Errorf("log sink: encode %s: %w", l.MetricName, err)
	}
	if _, err := s.w.Write(s.buf.Bytes()); err != nil {
		return fmt.Errorf("log sink: write: %w", err)
	}
	return nil
}

func (*logSink) ForceFlush(context.Context) error { return nil }
func (*logSink) Shutdown(context.Context) error   { return nil }
