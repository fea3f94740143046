package main

import (
	"math"
	"sort"

	"github.com/etlwatch/etlwatch/dataquality/anomaly"
)

// A detector says whether current is anomalous after history (oldest first); skipped means it
// would not judge.
type detector struct {
	name   string
	detect func(history []anomaly.Observation, current anomaly.Observation, s *series) (anomalous, skipped bool)
}

func etlwatchDetector() detector {
	return detector{name: "etlwatch", detect: func(h []anomaly.Observation, cur anomaly.Observation, s *series) (bool, bool) {
		v := anomaly.Detect(h, cur, anomaly.Config{Direction: s.Direction, MinAbsoluteChange: s.MinAbsolute, MinRelativeChange: s.MinRelative, Unit: s.Unit})
		return v.Anomalous, v.Skipped
	}}
}

// elementaryDetector is Elementary's default volume/column anomaly test: the z-score of the
// value against the mean and (sample) standard deviation of the training set, the last 14
// points (training_period 14 days of daily buckets), anomaly_sensitivity 3, at least 7 training
// points (min_training_set_size), no seasonality, no change floor. With leak the tested value is
// part of its own training set, as Elementary's SQL computes it (elementary #1560); without, it
// is held out, a fairer variant.
func elementaryDetector(leak bool) detector {
	name := "elementary"
	if !leak {
		name = "elementary-heldout"
	}
	return detector{name: name, detect: func(h []anomaly.Observation, cur anomaly.Observation, s *series) (bool, bool) {
		const window, minTraining, sensitivity = 14, 7, 3.0
		from := max(len(h)-window, 0)
		var sum, sq float64
		n := 0
		add := func(v float64) { sum += v; sq += v * v; n++ }
		for _, o := range h[from:] {
			add(o.Value)
		}
		if leak {
			add(cur.Value)
		}
		if n < minTraining {
			return false, true
		}
		mean := sum / float64(n)
		variance := (sq - float64(n)*mean*mean) / float64(n-1)
		if variance <= 0 {
			return false, false // stddev 0: the anomaly score is null
		}
		z := (cur.Value - mean) / math.Sqrt(variance)
		return directional(z, sensitivity, s.Direction), false
	}}
}

// reDataDetector is re_data's modified z-score: 0.6745 (x - median) / MAD over the window (the
// last 30 points, re_data's 30-day look-back), anomalous beyond 3.5; a MAD of 0 gives no score.
// Anomalous points stay in the window (re_data #328).
func reDataDetector() detector {
	return detector{name: "re_data", detect: func(h []anomaly.Observation, cur anomaly.Observation, s *series) (bool, bool) {
		const window, minTraining, threshold = 30, 7, 3.5
		from := max(len(h)-window, 0)
		if len(h)-from < minTraining {
			return false, true
		}
		vals := make([]float64, 0, len(h)-from)
		for _, o := range h[from:] {
			vals = append(vals, o.Value)
		}
		med := medianOf(vals)
		for i := range vals {
			vals[i] = math.Abs(vals[i] - med)
		}
		madv := medianOf(vals)
		if madv == 0 {
			return false, false
		}
		z := 0.6745 * (cur.Value - med) / madv
		return directional(z, threshold, s.Direction), false
	}}
}

func directional(z, threshold float64, d anomaly.Direction) bool {
	switch d {
	case anomaly.Drop:
		return z < -threshold
	case anomaly.Spike:
		return z > threshold
	default:
		return math.Abs(z) > threshold
	}
}

func medianOf(v []float64) float64 {
	sort.Float64s(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}
