package dataquality

import "strings"

// descriptions are the HELP texts of the metrics with fixed names that a [Checker] and the
// monitors record.
var descriptions = map[string]string{
	CheckDurationMetric:   "Time to run one data-quality check, by table and check.",
	AnomalyValueMetric:    "The value an anomaly monitor judged (rows, hours, a fraction), by table and monitor.",
	AnomalyScoreMetric:    "How far the judged value is from its baseline, in units of the baseline's spread, by table and monitor.",
	AnomalyExpectedMetric: "The centre of an anomaly monitor's baseline, by table and monitor.",
	AnomalyLowerMetric:    "The lower edge of an anomaly monitor's normal band, by table and monitor.",
	AnomalyUpperMetric:    "The upper edge of an anomaly monitor's normal band, by table and monitor.",
	AnomalyDetectedMetric: "Anomalies an anomaly monitor detected, by table and monitor.",
	LastWriteMetric:       "Time of a table's last successful write, in seconds since 1970.",
	MaxAgeMetric:          "The configured maximum age of a table's data (freshness), in seconds.",
}

// Describe returns the description (Prometheus' HELP text) of a metric that a [Checker] or a
// monitor records, such as dq_row_count_passed or dq_check_duration, and "" for any other
// name. Pass it to monitoring.WithDescriber, which etlwatch.New does, so that the per-check
// counters, whose names are made from the check's name, are described too:
//
//	metrics, err := monitoring.NewMetricsCollector("bulk_load", "dev_mydb",
//		monitoring.WithDescriber(dataquality.Describe))
func Describe(name string) string {
	if d, ok := descriptions[name]; ok {
		return d
	}
	check, ok := strings.CutPrefix(name, "dq_")
	if !ok || check == "" {
		return ""
	}
	if c, ok := strings.CutSuffix(check, "_passed"); ok && c != "" {
		return "Data-quality checks " + c + " that passed, by table."
	}
	if c, ok := strings.CutSuffix(check, "_failed"); ok && c != "" {
		return "Data-quality checks " + c + " that failed, by table."
	}
	return ""
}
