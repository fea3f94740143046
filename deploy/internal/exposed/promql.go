package exposed

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Query is what a PromQL expression refers to, as far as the name checks need: the metric
// names it selects, the regular expressions it matches __name__ against, the labels it selects
// on, groups by or joins on, and the labels label_replace creates.
type Query struct {
	Names, NameRegexps, Labels, Created []string
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

// unquote returns the value of the string literal s.
func unquote(s string) string {
	if len(s) < 2 {
		return s
	}
	s = s[1 : len(s)-1]
	return strings.ReplaceAll(s, `\\`, `\`)
}

func skipSpace(q string, i int) int {
	for i < len(q) && (q[i] == ' ' || q[i] == '\t' || q[i] == '\n' || q[i] == '\r') {
		i++
	}
	return i
}

// ParseQuery scans a PromQL expression. It is no PromQL parser, only enough of one for the
// expressions of the shipped rules and dashboards; its test pins what it understands. Grafana's
// variables ($__rate_interval, ${table}) may appear in range brackets and label values.
func ParseQuery(q string) Query {
	var res Query
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			i = skipString(q, i)
		case c == '[':
			i = strings.IndexByte(q[i:], ']') + i + 1
			if i == 0 { // no closing bracket
				i = len(q)
			}
		case c == '{':
			i = res.matchers(q, i+1)
		case c == '$': // a Grafana variable where a number goes
			i++
			for i < len(q) && (isIdent(q[i]) || q[i] == '{' || q[i] == '}') {
				i++
			}
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
						res.Labels = append(res.Labels, l)
					}
				}
				j = end + 1
			case k < len(q) && q[k] == '(':
				if word == "label_replace" {
					if args := splitArgs(q, k); len(args) > 1 {
						res.Created = append(res.Created, unquote(strings.TrimSpace(args[1])))
					}
				}
			case promqlKeywords[strings.ToLower(word)] || aggregators[word]:
			default:
				res.Names = append(res.Names, word)
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
func (res *Query) matchers(q string, i int) int {
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
		if k >= len(q) || (q[k] != '"' && q[k] != '\'' && q[k] != '`') {
			return len(q) // not a matcher list this scanner understands; Check reports no name
		}
		end := skipString(q, k)
		value := unquote(q[k:end])
		switch {
		case name == "__name__" && operator == "=~":
			res.NameRegexps = append(res.NameRegexps, value)
		case name == "__name__" && operator == "=":
			res.Names = append(res.Names, value)
		case name != "":
			res.Labels = append(res.Labels, name)
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

// Check returns what is wrong with q against the exposed series: a query that names no metric,
// a name no family exposes, a __name__ regular expression that matches none, a label that none
// of the query's series has. It also returns the labels the query's series have (with those
// label_replace creates), for checks of what shows them, such as alert annotations or legends.
func Check(series map[string]Family, q Query) (labels map[string]bool, problems []string) {
	labels = map[string]bool{}
	if len(q.Names)+len(q.NameRegexps) == 0 {
		problems = append(problems, "names no metric")
	}
	for _, n := range q.Names {
		f, ok := series[n]
		if !ok {
			problems = append(problems, fmt.Sprintf("names %s, which nothing exposes", n))
			continue
		}
		for l := range f.Labels {
			labels[l] = true
		}
	}
	for _, re := range q.NameRegexps {
		rx, err := regexp.Compile("^(?:" + re + ")$")
		if err != nil {
			problems = append(problems, fmt.Sprintf("__name__=~%q: %v", re, err))
			continue
		}
		var matched []string
		for n, f := range series {
			if rx.MatchString(n) {
				matched = append(matched, n)
				for l := range f.Labels {
					labels[l] = true
				}
			}
		}
		if len(matched) == 0 {
			problems = append(problems, fmt.Sprintf("selects __name__=~%q, which matches nothing exposed", re))
		}
	}
	for _, l := range q.Created {
		labels[l] = true
	}
	seen := map[string]bool{}
	for _, l := range q.Labels {
		if !labels[l] && !seen[l] {
			seen[l] = true
			problems = append(problems, fmt.Sprintf("uses the label %s, which its metrics do not have", l))
		}
	}
	sort.Strings(problems)
	return labels, problems
}
