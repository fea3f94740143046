package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGeneratorIsSeededAndLabelled(t *testing.T) {
	a, b := generate(1), generate(1)
	require.Equal(t, a, b, "the same seed gives the same series")
	assert.NotEqual(t, a, generate(2))
	assert.GreaterOrEqual(t, len(a), 300)
	incidentsInHistory := 0
	for _, s := range a {
		require.Len(t, s.Label, len(s.Obs))
		for j := range warmUp {
			if s.Label[j] == incident {
				incidentsInHistory++
			}
		}
	}
	assert.Positive(t, incidentsInHistory, "some incidents are only history, never judged")
}

// TestGoal is the goal on the benchmark, for three seeds: F1 at least 0.15 above the
// better peer method, and at most 1 false alarm per 100 normal runs.
func TestGoal(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		res := run(generate(seed), detectors())
		ours := res.Total["etlwatch"]
		best := 0.0
		for _, n := range res.Names[1:] {
			best = max(best, res.Total[n].F1())
		}
		assert.GreaterOrEqual(t, ours.F1(), best+0.15, "seed %d", seed)
		assert.LessOrEqual(t, ours.FalseAlarmsPer100(), 1.0, "seed %d", seed)
		assert.GreaterOrEqual(t, ratio(ours.Caught, ours.Episodes), 0.95, "seed %d: incidents caught", seed)
		assert.Less(t, ours.MeanDelay(), 0.5, "seed %d: points from an incident's start to its first alarm", seed)
		t.Logf("seed %d: etlwatch F1 %.3f, %.2f false alarms/100; best peer F1 %.3f", seed, ours.F1(), ours.FalseAlarmsPer100(), best)
	}
}

func TestPrint(t *testing.T) {
	var buf bytes.Buffer
	print(&buf, run(generate(1)[:20], detectors()), true)
	assert.Contains(t, buf.String(), "precision")
	assert.Contains(t, buf.String(), "re_data")
	assert.Contains(t, buf.String(), "daily_weekday_shape")
}
