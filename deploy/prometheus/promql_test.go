package prometheus_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// query is what a rule expression refers to, as far as the name checks need: the metric names
// it selects, the regular expressions it matches __name__ against, the labels it selects on or
// groups by, and the labels label_replace creates.
type query struct {
	names, nameRegexps, labels, created []string
}

var promqlKeywords = map[string]bool{
	"and": true, "or": true, "unless": true, "offset": true, "bool": true, "inf": true, "nan": true, "atan2": true,
}

// aggregators may be followed by "by (...)" before their parenthesis.
var aggregators = map[string]bool{
	"sum": true, "min": true, "max": true, "avg": true, "count": true, "stddev": true, "stdvar": true,
	"topk": true, "bottomk": true, "quantile": true, "count_values": true, "group": true,
}

var labelListKeywords = map[string]bool{
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
}

func isIdentStart(c byte) bool {
	return c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdent(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

// skipString returns the index after the string literal starting at q[i].
func skipString(q string, i int) int {
	quote := q[i]
	for j := i + 1; j < len(q); j++ {
		switch {
		case q[j] == '\\' && quote != '`':
			j++
		case q[j] == quote:
			return j + 1
		}
	}
	return len(q)
}

// unquote returns the value of the string literal q[i:j].
func unquote(s string) string {
	s = s[1 : len(s)-1]
	return strings.ReplaceAll(s, `\\`, `\`)
}

func skipSpace(q string, i int) int {
	for i < len(q) && (q[i] == ' ' || q[i] == '\t' || q[i] == '\n' || q[i] == '\r') {
		i++
	}
	return i
}

// parseQuery scans a PromQL expression. It is no PromQL parser, only enough of one for the
// expressions of the shipped rules; TestParseQuery pins what it understands.
func parseQuery(q string) query {
	var res query
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			i = skipString(q, i)
		case c == '[':
			i = strings.IndexByte(q[i:], ']') + i + 1
		case c == '{':
			i = res.matchers(q, i+1)
		case c >= '0' && c <= '9' || c == '.':
			for i < len(q) && (isIdent(q[i]) || q[i] == '.') {
				i++
			}
		case isIdentStart(c):
			j := i
			for j < len(q) && isIdent(q[j]) {
				j++
			}
			word := q[i:j]
			k := skipSpace(q, j)
			switch {
			case labelListKeywords[word] && k < len(q) && q[k] == '(':
				end := strings.IndexByte(q[k:], ')') + k
				for _, l := range strings.Split(q[k+1:end], ",") {
					if l = strings.TrimSpace(l); l != "" {
						res.labels = append(res.labels, l)
					}
				}
				j = end + 1
			case k < len(q) && q[k] == '(':
				if word == "label_replace" {
					if args := splitArgs(q, k); len(args) > 1 {
						res.created = append(res.created, unquote(strings.TrimSpace(args[1])))
					}
				}
			case promqlKeywords[strings.ToLower(word)] || aggregators[word]:
			default:
				res.names = append(res.names, word)
			}
			i = j
		default:
			i++
		}
	}
	return res
}

// matchers reads the label matchers from q[i:] up to the closing brace and returns the index
// after it.
func (res *query) matchers(q string, i int) int {
	for {
		i = skipSpace(q, i)
		if i >= len(q) || q[i] == '}' {
			return i + 1
		}
		if q[i] == ',' {
			i++
			continue
		}
		j := i
		for j < len(q) && isIdent(q[j]) {
			j++
		}
		name := q[i:j]
		k := skipSpace(q, j)
		op := k
		for k < len(q) && strings.IndexByte("=!~", q[k]) >= 0 {
			k++
		}
		operator := q[op:k]
		k = skipSpace(q, k)
		end := skipString(q, k)
		value := unquote(q[k:end])
		switch {
		case name == "__name__" && operator == "=~":
			res.nameRegexps = append(res.nameRegexps, value)
		case name == "__name__" && operator == "=":
			res.names = append(res.names, value)
		case name != "":
			res.labels = append(res.labels, name)
		}
		i = end
	}
}

// splitArgs returns the arguments of the call whose opening parenthesis is q[open].
func splitArgs(q string, open int) []string {
	var args []string
	depth, start := 0, open+1
	for i := open; i < len(q); i++ {
		switch c := q[i]; {
		case c == '"' || c == '\'' || c == '`':
			i = skipString(q, i) - 1
		case c == '(' || c == '{' || c == '[':
			depth++
		case c == ')' || c == '}' || c == ']':
			depth--
			if depth == 0 {
				return append(args, q[start:i])
			}
		case c == ',' && depth == 1:
			args = append(args, q[start:i])
			start = i + 1
		}
	}
	return args
}

func TestParseQuery(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want query
	}{
		{`etl_health_status == 0`, query{names: []string{"etl_health_status"}}},
		{`up{job=~"etl.*"} == 0`, query{names: []string{"up"}, labels: []string{"job"}}},
		{`rate(etl_records_total[5m]) < 5`, query{names: []string{"etl_records_total"}}},
		{`increase(a_count[10m]) - ignoring(le) increase(a_bucket{le=~"30(\\.0)?"}[10m]) > 2.5 and ignoring(le) b offset 1h`,
			query{names: []string{"a_count", "a_bucket", "b"}, labels: []string{"le", "le", "le"}}},
		{`histogram_quantile(0.95, sum by (le, check) (rate(d_bucket[1h]))) > 120`,
			query{names: []string{"d_bucket"}, labels: []string{"le", "check"}}},
		{`label_replace({__name__=~"dq_.+_failed_total"}, "check", "$1", "__name__", "dq_(.+)_failed_total") > 0`,
			query{nameRegexps: []string{"dq_.+_failed_total"}, created: []string{"check"}}},
		{`{__name__="x", table!="y"} unless x offset 15m`, query{names: []string{"x", "x"}, labels: []string{"table"}}},
	} {
		assert.Equal(t, tc.want, parseQuery(tc.expr), tc.expr)
	}
}
