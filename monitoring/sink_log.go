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
			var err error
			switch d := m.Data.(type) {
			case metricdata.Sum[float64]:
				err = writeSums(s, line, d)
			case metricdata.Sum[int64]:
				err = writeSums(s, line, d)
			case metricdata.Gauge[float64]:
				err = writeGauges(s, line, d.DataPoints)
			case metricdata.Gauge[int64]:
				err = writeGauges(s, line, d.DataPoints)
			case metricdata.Histogram[float64]:
				err = writeHistograms(s, line, d.DataPoints)
			case metricdata.Histogram[int64]:
				err = writeHistograms(s, line, d.DataPoints)
			}
			if err != nil {
				return err
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

func writeSums[N int64 | float64](s *logSink, line logLine, d metricdata.Sum[N]) error {
	for _, p := range d.DataPoints {
		if p.Value == 0 && d.Temporality == metricdata.DeltaTemporality {
			continue // nothing happened in the interval
		}
		line.Value = float64(p.Value)
		if err := s.write(line, p.Attributes, p.Time); err != nil {
			return err
		}
	}
	return nil
}

func writeGauges[N int64 | float64](s *logSink, line logLine, dps []metricdata.DataPoint[N]) error {
	for _, p := range dps {
		line.Value = float64(p.Value)
		if err := s.write(line, p.Attributes, p.Time); err != nil {
			return err
		}
	}
	return nil
}

func writeHistograms[N int64 | float64](s *logSink, line logLine, dps []metricdata.HistogramDataPoint[N]) error {
	for _, p := range dps {
		if p.Count == 0 {
			continue
		}
		l := line
		l.Value = float64(p.Sum)
		l.Count = &p.Count
		if v, ok := p.Min.Value(); ok {
			f := float64(v)
			l.Min = &f
		}
		if v, ok := p.Max.Value(); ok {
			f := float64(v)
			l.Max = &f
		}
		if err := s.write(l, p.Attributes, p.Time); err != nil {
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
