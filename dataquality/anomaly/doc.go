// Package anomaly judges a measurement of a table against the table's own history: is tonight's
// row count, the time since the last write, or a column's null rate abnormal compared with the
// loads before it? It uses only the standard library.
//
//	history := []anomaly.Observation{{At: monday, Value: 1_000_000}, ...} // oldest first
//	v := anomaly.Detect(history, anomaly.Observation{At: now, Value: 200_000}, anomaly.Config{Unit: "rows"})
//	if v.Anomalous {
//		log.Print(v.Reason) // 200000 rows is 80% below the expected 1000000 rows for a Tuesday (normal range ...)
//	}
//
// # Method
//
// [Detect] builds a robust baseline (median and median absolute deviation rather than mean and
// standard deviation) from the most recent usable points, with a day-of-week shape and a trend
// only where the history shows them. It leaves out points marked [Observation.Exclude] and
// points far outside the baseline (past incidents), so that an incident does not widen the band
// for the loads after it; it accepts a level that has moved and stayed for
// [Config.SettlePoints] points as the new normal; and it alarms only when the change exceeds
// both [Config.MinAbsoluteChange] and [Config.MinRelativeChange], so that a small table does
// not alarm on 3 rows against 5. With too little history the [Verdict] is Skipped and says so.
//
// The peers' defaults, which the labelled benchmark in internal/anomalybench compares with
// this method, are mean and standard deviation over the last 14 points with a 3-sigma band
// (Elementary) and a modified z-score of 3.5 over median and MAD of the window (re_data).
//
// # Cost
//
// Detect is deterministic, allocates one scratch buffer for the points it uses (at most
// [Config.Window]) and the Reason text, and judges a value against 10,000 points of history in
// microseconds (see BenchmarkDetect).
package anomaly
