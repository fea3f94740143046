package lineage

import (
	"fmt"
	"strconv"

	"github.com/etlwatch/etlwatch/dataquality"
)

// Severities of tests and assertions: what a failure does to the job.
const (
	SeverityError = "error" // a failure fails the job (on_failure: fail)
	SeverityWarn  = "warn"  // a failure is reported and the job goes on (on_failure: warn)
)

// Severity returns the severity of a data_quality.on_failure setting: [SeverityError] for
// "fail", [SeverityWarn] otherwise.
func Severity(onFailure string) string {
	if onFailure == "fail" {
		return SeverityError
	}
	return SeverityWarn
}

// Quality is what a run's data-quality results become in its events ([QualityOf]).
type Quality struct {
	// Tests is every result, for the run's test facet; the test's name is check:table.
	Tests []TestExecution
	// Assertions are the results of the checks that compare the input with the output (row
	// count, checksum), for the dataQualityAssertions facet of the input dataset; nil without.
	Assertions *DataQualityAssertionsDatasetFacet
	// InputMetrics is the input's row count as the row-count check counted it, nil without.
	InputMetrics *DataQualityMetricsInputDatasetFacet
	// OutputMetrics is the output's row count and per-column null counts as the checks counted
	// them, for the output dataset's dataQualityMetrics facet; nil without.
	OutputMetrics *DataQualityMetricsDatasetFacet
}

// QualityOf turns the results of data-quality checks of one table into lineage facets: the
// checks of dataquality.Checker and the anomaly monitors' results alike (a monitor's test is
// named after it, such as null_rate:email:customers, expected is its normal range and actual
// the value judged). severity is [SeverityError] or [SeverityWarn] ([Severity] of on_failure or
// on_anomaly).
func QualityOf(results []dataquality.Result, severity string) Quality {
	var q Quality
	for _, r := range results {
		expected, actual := expectedActual(r)
		status := "pass"
		if !r.Passed {
			status = "fail"
		}
		desc := r.Details
		if r.Err != nil {
			desc = r.Err.Error()
		}
		name := r.Check
		if m, ok := r.Observed["monitor"].(string); ok && m != "" { // an anomaly monitor, such as null_rate:email
			name = m
		}
		q.Tests = append(q.Tests, TestExecution{
			Name: name + ":" + r.Table, Status: status, Severity: severity, Type: r.Check,
			Description: desc, Expected: expected, Actual: actual,
		})
		switch r.Check {
		case dataquality.CheckRowCount, dataquality.CheckChecksum:
			if q.Assertions == nil {
				q.Assertions = &DataQualityAssertionsDatasetFacet{}
			}
			q.Assertions.Assertions = append(q.Assertions.Assertions, Assertion{
				Assertion: r.Check, Success: r.Passed, Severity: severity, Name: r.Check + ":" + r.Table,
				Description: desc, Expected: expected, Actual: actual,
			})
		}
		switch r.Check {
		case dataquality.CheckRowCount:
			if n, ok := r.Observed["source"].(int64); ok {
				q.InputMetrics = &DataQualityMetricsInputDatasetFacet{RowCount: Int64(n), ColumnMetrics: map[string]ColumnMetrics{}}
			}
			if n, ok := r.Observed["dest"].(int64); ok {
				q.output().RowCount = Int64(n)
			}
		case dataquality.CheckRequiredColumns:
			if counts, ok := r.Observed["null_counts"].(map[string]int64); ok {
				out := q.output()
				for col, n := range counts {
					out.ColumnMetrics[col] = ColumnMetrics{NullCount: Int64(n)}
				}
			}
		}
	}
	return q
}

func (q *Quality) output() *DataQualityMetricsDatasetFacet {
	if q.OutputMetrics == nil {
		q.OutputMetrics = &DataQualityMetricsDatasetFacet{ColumnMetrics: map[string]ColumnMetrics{}}
	}
	return q.OutputMetrics
}

// expectedActual returns what a check expected and what it found, as text.
func expectedActual(r dataquality.Result) (expected, actual string) {
	o := r.Observed
	switch r.Check {
	case dataquality.CheckRowCount:
		return text(o["source"]), text(o["dest"])
	case dataquality.CheckRequiredColumns:
		return "0", text(o["null_rows"])
	case dataquality.CheckChecksum:
		if _, ok := o["missing_in_dest"]; ok {
			return "0", fmt.Sprintf("%s missing in dest, %s missing in source, %s changed",
				text(o["missing_in_dest"]), text(o["missing_in_source"]), text(o["changed"]))
		}
	}
	// The anomaly monitors: the value and the normal range it was judged against.
	if v, ok := o["value"]; ok {
		lo, okLo := o["lower"]
		hi, okHi := o["upper"]
		if okLo && okHi {
			return text(lo) + " to " + text(hi), text(v)
		}
		return "", text(v)
	}
	return "", ""
}

func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case int64:
		return strconv.FormatInt(v, 10)
	case int:
		return strconv.Itoa(v)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case string:
		return v
	}
	return fmt.Sprint(v)
}
