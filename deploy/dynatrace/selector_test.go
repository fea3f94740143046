package dynatrace_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// selector is what a Dynatrace metric selector or metric expression refers to: the metric
// keys it reads and, per key, the dimension keys it splits by or filters on, and the
// aggregations (:avg, :max, ...) applied to it.
type selector struct {
	Keys []string
	Dims map[string][]string // by metric key
	Aggs map[string][]string // by metric key
}

// conditions are the filter conditions whose first argument is a dimension key.
var conditions = map[string]bool{
	"eq": true, "ne": true, "in": true, "prefix": true, "suffix": true, "contains": true,
	"existsKey": true, "startsWith": true, "endsWith": true,
}

var aggregations = map[string]bool{
	"avg": true, "min": true, "max": true, "sum": true, "count": true, "value": true, "median": true, "percentile": true,
}

func isKeyChar(c byte) bool {
	return c == '_' || c == '.' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// parseSelector scans a metric selector, a metric expression ((a:max)/(b:max)) or a tile's
// metricExpressions entry (resolution=...&(sel):limit(100):names,(sel):...). It is no full
// parser of Dynatrace's selector language, only enough of one for the shipped dashboard and
// metric events; TestParseSelector pins what it understands.
func parseSelector(s string) selector {
	if i := strings.IndexByte(s, '&'); i >= 0 && strings.HasPrefix(s, "resolution=") {
		s = s[i+1:]
	}
	res := selector{Dims: map[string][]string{}, Aggs: map[string][]string{}}
	type frame struct {
		fn       string // the function the parenthesis belongs to; "" for grouping
		argIndex int
	}
	var stack []frame
	key := "" // the metric key the transformations apply to
	inTransform := func() bool {
		for _, f := range stack {
			if f.fn != "" {
				return true
			}
		}
		return false
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			lit := s[i+1 : min(j, len(s))]
			if n := len(stack); n > 0 && key != "" {
				top := stack[n-1]
				if top.fn == "splitBy" || conditions[top.fn] && top.argIndex == 0 {
					res.Dims[key] = append(res.Dims[key], lit)
				}
			}
			i = j + 1
		case c == '(':
			stack = append(stack, frame{})
			i++
		case c == ')':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			i++
		case c == ',':
			if n := len(stack); n > 0 {
				stack[n-1].argIndex++
			}
			i++
		case isKeyChar(c):
			j := i
			for j < len(s) && isKeyChar(s[j]) {
				j++
			}
			word := s[i:j]
			afterColon := i > 0 && s[i-1] == ':'
			switch {
			case j < len(s) && s[j] == '(':
				// a function: a transformation after ':', else a condition or an argument
				stack = append(stack, frame{fn: word})
				if afterColon && aggregations[word] && key != "" {
					res.Aggs[key] = append(res.Aggs[key], word)
				}
				j++
			case afterColon:
				if aggregations[word] && key != "" {
					res.Aggs[key] = append(res.Aggs[key], word)
				}
			case c >= '0' && c <= '9' || inTransform():
				// a number, or an argument such as avg in sort(value(avg,descending))
			default:
				key = word
				res.Keys = append(res.Keys, word)
			}
			i = j
		default:
			i++
		}
	}
	return res
}

func TestParseSelector(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want selector
	}{
		{`cdc_lag_seconds:splitBy("job_name","table"):max`,
			selector{Keys: []string{"cdc_lag_seconds"}, Dims: map[string][]string{"cdc_lag_seconds": {"job_name", "table"}},
				Aggs: map[string][]string{"cdc_lag_seconds": {"max"}}}},
		{`resolution=null&(a.b:filter(and(eq("x","1"),in("y",array("2","3")))):splitBy("z"):avg:sort(value(avg,descending)):limit(20)):limit(100):names,(c:splitBy():sum:rate(1s)):limit(100):names`,
			selector{Keys: []string{"a.b", "c"}, Dims: map[string][]string{"a.b": {"x", "y", "z"}},
				Aggs: map[string][]string{"a.b": {"avg"}, "c": {"sum"}}}},
		{`(a:splitBy("t"):max)/(b:splitBy("t"):max)*100`,
			selector{Keys: []string{"a", "b"}, Dims: map[string][]string{"a": {"t"}, "b": {"t"}},
				Aggs: map[string][]string{"a": {"max"}, "b": {"max"}}}},
	} {
		assert.Equal(t, tc.want, parseSelector(tc.in), tc.in)
	}
}
