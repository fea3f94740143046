package monitoring

import (
	"cmp"
	"encoding/json"
	"maps"
	"slices"
	"strings"
)

// Summary is a snapshot of every series a [MetricsCollector] has recorded, the Go form of the
// reference pipeline's get_metrics_summary(). It marshals to JSON.
type Summary struct {
	JobName     string          `json:"job_name"`
	SourceName  string          `json:"source_name"`
	Environment string          `json:"environment"`
	Series      []SeriesSummary `json:"series"` // sorted by name, then by dimensions
}

// SeriesSummary is one series in a [Summary]. What the statistics mean depends on the kind:
//
//   - counter: Sum is the total so far and Last equals it. Count, Min and Max are zero: a
//     counter keeps only its total so that a bound [Counter.Add] stays one atomic addition. Its
//     JSON form carries only the total, as "sum".
//   - gauge: Count values were set; Sum, Min and Max are over them; Last is the current value.
//   - duration: Count durations were recorded; Sum, Min, Max and Last are in seconds, and the JSON
//     form adds their "mean".
type SeriesSummary struct {
	Name       string     `json:"name"`
	Kind       Kind       `json:"kind"`
	Unit       Unit       `json:"unit"`
	Dimensions Dimensions `json:"dimensions"`
	Count      int64      `json:"count"`
	Sum        float64    `json:"sum"`
	Min        float64    `json:"min"`
	Max        float64    `json:"max"`
	Last       float64    `json:"last"`
}

// MarshalJSON writes what the series' kind has: a counter its total ("sum"); a gauge or a
// duration "count", "sum", "min", "max" and "last", and a duration also "mean".
func (ss SeriesSummary) MarshalJSON() ([]byte, error) {
	type head struct {
		Name       string     `json:"name"`
		Kind       Kind       `json:"kind"`
		Unit       Unit       `json:"unit"`
		Dimensions Dimensions `json:"dimensions"`
	}
	h := head{ss.Name, ss.Kind, ss.Unit, ss.Dimensions}
	if ss.Kind == KindCounter {
		return json.Marshal(struct {
			head
			Sum float64 `json:"sum"`
		}{h, ss.Sum})
	}
	type dist struct {
		head
		Count int64   `json:"count"`
		Sum   float64 `json:"sum"`
		Min   float64 `json:"min"`
		Max   float64 `json:"max"`
		Last  float64 `json:"last"`
	}
	d := dist{h, ss.Count, ss.Sum, ss.Min, ss.Max, ss.Last}
	if ss.Kind != KindDuration {
		return json.Marshal(d)
	}
	return json.Marshal(struct {
		dist
		Mean float64 `json:"mean"`
	}{d, ss.Sum / float64(max(ss.Count, 1))})
}

// Find returns the first series named name whose dimensions include every entry of dims.
func (s Summary) Find(name string, dims Dimensions) (SeriesSummary, bool) {
	for _, ss := range s.Series {
		if ss.Name == name && includes(ss.Dimensions, dims) {
			return ss, true
		}
	}
	return SeriesSummary{}, false
}

func includes(have, want Dimensions) bool {
	for k, v := range want {
		if got, ok := have[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// String returns the summary as indented JSON.
func (s Summary) String() string {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// Summary returns a snapshot of every series recorded so far, in a deterministic order. It is safe
// to call at any time, also after Shutdown.
func (c *MetricsCollector) Summary() Summary {
	c.mu.Lock()
	fams := make([]*family, 0, len(c.families))
	for _, f := range c.families {
		fams = append(fams, f)
	}
	c.mu.Unlock()

	sum := Summary{JobName: c.jobName, SourceName: c.sourceName, Environment: c.environment, Series: []SeriesSummary{}}
	for _, f := range fams {
		p := f.series.Load()
		if p == nil {
			continue
		}
		for _, s := range *p {
			ss := SeriesSummary{Name: f.name, Kind: f.kind, Unit: f.unit, Dimensions: maps.Clone(s.dims)}
			switch f.kind {
			case KindCounter:
				ss.Sum = s.counterValue()
				ss.Last = ss.Sum
			default:
				s.mu.Lock()
				ss.Count, ss.Sum, ss.Min, ss.Max, ss.Last = s.count, s.sum, s.min, s.max, s.last
				s.mu.Unlock()
				if ss.Count == 0 {
					continue // a bound gauge or timer that was never used
				}
			}
			sum.Series = append(sum.Series, ss)
		}
	}
	slices.SortFunc(sum.Series, func(a, b SeriesSummary) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(dimsKey(a.Dimensions), dimsKey(b.Dimensions)))
	})
	return sum
}

// dimsKey is a canonical string of dims, for ordering.
func dimsKey(d Dimensions) string {
	var b strings.Builder
	for _, p := range sortedPairs(d) {
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
		b.WriteByte(0)
	}
	return b.String()
}
