package exposed

import (
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
)

func TestParseQuery(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want Query
	}{
		{`etl_health_status == 0`, Query{Names: []string{"etl_health_status"}}},
		{`up{job=~"etl.*"} == 0`, Query{Names: []string{"up"}, Labels: []string{"job"}}},
		{`rate(etl_records_total[5m]) < 5`, Query{Names: []string{"etl_records_total"}}},
		{`increase(a_count[10m]) - ignoring(le) increase(a_bucket{le=~"30(\\.0)?"}[10m]) > 2.5 and ignoring(le) b offset 1h`,
			Query{Names: []string{"a_count", "a_bucket", "b"}, Labels: []string{"le", "le", "le"}}},
		{`histogram_quantile(0.95, sum by (le, check) (rate(d_bucket[1h]))) > 120`,
			Query{Names: []string{"d_bucket"}, Labels: []string{"le", "check"}}},
		{`label_replace({__name__=~"dq_.+_failed_total"}, "check", "$1", "__name__", "dq_(.+)_failed_total") > 0`,
			Query{NameRegexps: []string{"dq_.+_failed_total"}, Created: []string{"check"}}},
		{`{__name__="x", table!="y"} unless x offset 15m`, Query{Names: []string{"x", "x"}, Labels: []string{"table"}}},
		// Grafana's variables.
		{`sum by (table) (rate(r_total{job_name=~"$job_name", table=~"${table:regex}"}[$__rate_interval]))`,
			Query{Names: []string{"r_total"}, Labels: []string{"table", "job_name", "table"}}},
		{`max without (instance) (g) * $scale`, Query{Names: []string{"g"}, Labels: []string{"instance"}}},
		{`sum(rate(a_total[5m])) / on(job_name) group_left(table) b`,
			Query{Names: []string{"a_total", "b"}, Labels: []string{"job_name", "table"}}},
	} {
		assert.Equal(t, tc.want, ParseQuery(tc.expr), tc.expr)
	}
}

func TestCheck(t *testing.T) {
	series := Series(map[string]Family{
		"r_total": {Type: dto.MetricType_COUNTER, Labels: map[string]bool{"table": true}},
		"d":       {Type: dto.MetricType_HISTOGRAM, Labels: map[string]bool{"check": true}},
	})
	for _, tc := range []struct {
		expr     string
		problems []string
	}{
		{`sum by (table, instance) (rate(r_total[5m]))`, nil},
		{`histogram_quantile(0.9, sum by (le, check) (rate(d_bucket[5m])))`, nil},
		{`rate(r_totl[5m])`, []string{"names r_totl, which nothing exposes"}},
		{`sum by (tabel) (rate(r_total[5m]))`, []string{"uses the label tabel, which its metrics do not have"}},
		{`d_count{table="x"}`, []string{"uses the label table, which its metrics do not have"}},
		{`{__name__=~"dq_.+"}`, []string{`selects __name__=~"dq_.+", which matches nothing exposed`}},
		{`vector(1)`, []string{"names no metric"}},
	} {
		_, problems := Check(series, ParseQuery(tc.expr))
		assert.Equal(t, tc.problems, problems, tc.expr)
	}
}
