package anomaly_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/dataquality/anomaly"
)

var monday = time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)

// dailyHistory returns n daily points from monday on: value(i, weekday) with multiplicative
// noise of about 3%, seeded.
func dailyHistory(n int, value func(i int, wd time.Weekday) float64) []anomaly.Observation {
	r := rand.New(rand.NewPCG(1, 2))
	h := make([]anomaly.Observation, n)
	for i := range h {
		at := monday.AddDate(0, 0, i)
		h[i] = anomaly.Observation{At: at, Value: math.Round(value(i, at.Weekday()) * (1 + 0.03*r.NormFloat64()))}
	}
	return h
}

func flat(v float64) func(int, time.Weekday) float64 {
	return func(int, time.Weekday) float64 { return v }
}

func next(h []anomaly.Observation, v float64) anomaly.Observation {
	return anomaly.Observation{At: h[len(h)-1].At.AddDate(0, 0, 1), Value: v}
}

func TestSkippedWithoutEnoughHistory(t *testing.T) {
	h := dailyHistory(5, flat(1000))
	h[1].Exclude = true
	v := anomaly.Detect(h, next(h, 10), anomaly.Config{})
	assert.True(t, v.Skipped)
	assert.False(t, v.Anomalous)
	assert.Equal(t, 4, v.TrainingPoints)
	assert.Equal(t, "not enough history to judge: 4 usable points, 7 needed (1 excluded or invalid)", v.Reason)

	v = anomaly.Detect(dailyHistory(30, flat(1000)), anomaly.Observation{Value: math.NaN()}, anomaly.Config{})
	assert.True(t, v.Skipped)
}

func TestDropAndSpike(t *testing.T) {
	h := dailyHistory(60, flat(1_000_000))
	drop := anomaly.Detect(h, next(h, 200_000), anomaly.Config{Unit: "rows"})
	assert.True(t, drop.Anomalous)
	assert.False(t, drop.Skipped)
	assert.InDelta(t, 1_000_000, drop.Expected, 20_000)
	assert.Less(t, drop.Score, -10.0)
	assert.Contains(t, drop.Reason, "200000 rows is 80% below the expected")

	normal := anomaly.Detect(h, next(h, 1_010_000), anomaly.Config{Unit: "rows"})
	assert.False(t, normal.Anomalous)
	assert.Less(t, normal.Lower, 1_010_000.0)
	assert.Greater(t, normal.Upper, 1_010_000.0)
	assert.Contains(t, normal.Reason, "within the normal range")

	spike := anomaly.Detect(h, next(h, 3_000_000), anomaly.Config{Direction: anomaly.Drop})
	assert.False(t, spike.Anomalous, "a drop-only detector ignores spikes")
	assert.Contains(t, spike.Reason, "but only drops are watched")
	assert.True(t, anomaly.Detect(h, next(h, 3_000_000), anomaly.Config{Direction: anomaly.Spike}).Anomalous)
	assert.False(t, anomaly.Detect(h, next(h, 200_000), anomaly.Config{Direction: anomaly.Spike}).Anomalous)
}

func TestCurrentNeverInItsOwnBaseline(t *testing.T) {
	h := dailyHistory(30, flat(1000))
	cur := next(h, 5000)
	without := anomaly.Detect(h, cur, anomaly.Config{})
	// A history that already holds the current point, and a later one, gives the same verdict.
	with := anomaly.Detect(append(append([]anomaly.Observation{}, h...), cur, anomaly.Observation{At: cur.At.Add(time.Hour), Value: 9999}), cur, anomaly.Config{})
	assert.Equal(t, without, with)
	assert.True(t, with.Anomalous)
}

func TestPastIncidentDoesNotWidenTheBand(t *testing.T) {
	clean := dailyHistory(40, flat(1000))
	dirty := append([]anomaly.Observation{}, clean...)
	for i := 20; i < 23; i++ { // a three-day outage, not marked
		dirty[i].Value = 10
	}
	for i := 30; i < 32; i++ { // a flood, not marked
		dirty[i].Value = 8000
	}
	cur := next(clean, 700)
	a, b := anomaly.Detect(clean, cur, anomaly.Config{}), anomaly.Detect(dirty, cur, anomaly.Config{})
	assert.InDelta(t, a.Lower, b.Lower, 0.02*a.Lower)
	assert.InDelta(t, a.Upper, b.Upper, 0.02*a.Upper)
	assert.Equal(t, a.Anomalous, b.Anomalous)
	assert.Equal(t, 35, b.TrainingPoints, "the five incident points are left out")

	// Marked as excluded, they are not even counted.
	for i := 20; i < 32; i++ {
		dirty[i].Exclude = true
	}
	assert.LessOrEqual(t, anomaly.Detect(dirty, cur, anomaly.Config{}).TrainingPoints, 28)
}

func TestNewLevelIsAcceptedAfterSettling(t *testing.T) {
	h := dailyHistory(60, func(i int, _ time.Weekday) float64 {
		if i >= 50 {
			return 2000
		}
		return 1000
	})
	// Judged one by one, the first points of the new level are anomalous until it settles.
	for j := 50; j < 60; j++ {
		v := anomaly.Detect(h[:j], h[j], anomaly.Config{})
		if j < 50+anomaly.DefaultSettlePoints {
			assert.True(t, v.Anomalous, "point %d: %s", j, v.Reason)
		} else {
			assert.False(t, v.Anomalous, "point %d: %s", j, v.Reason)
			assert.Contains(t, v.Reason, "new level")
			assert.InDelta(t, 2000, v.Expected, 100)
		}
	}
	// At the new level, a drop is still caught.
	assert.True(t, anomaly.Detect(h, next(h, 500), anomaly.Config{}).Anomalous)
	// A value back at the old level is not an anomaly of the new one.
	back := anomaly.Detect(h, next(h, 1000), anomaly.Config{})
	assert.False(t, back.Anomalous, back.Reason)
	assert.Contains(t, back.Reason, "back at the level before")
}

func TestChangeFloors(t *testing.T) {
	h := dailyHistory(30, flat(5))
	for i := range h {
		h[i].Value = 5
	}
	cfg := anomaly.Config{MinAbsoluteChange: 10}
	assert.False(t, anomaly.Detect(h, next(h, 3), cfg).Anomalous, "3 rows against 5 is noise")
	assert.False(t, anomaly.Detect(h, next(h, 14), cfg).Anomalous)
	assert.True(t, anomaly.Detect(h, next(h, 16), cfg).Anomalous)

	// The relative floor: a flat history and a 5% change.
	for i := range h {
		h[i].Value = 1000
	}
	assert.False(t, anomaly.Detect(h, next(h, 1050), anomaly.Config{}).Anomalous)
	assert.True(t, anomaly.Detect(h, next(h, 1050), anomaly.Config{MinRelativeChange: 0.01}).Anomalous)
	assert.True(t, anomaly.Detect(h, next(h, 1050), anomaly.Config{MinRelativeChange: -1}).Anomalous)
}

func TestDayOfWeekSeasonality(t *testing.T) {
	weekend := func(_ int, wd time.Weekday) float64 {
		if wd == time.Saturday || wd == time.Sunday {
			return 300
		}
		return 1000
	}
	h := dailyHistory(55, weekend) // ends on a Saturday
	require.Equal(t, time.Saturday, h[len(h)-1].At.Weekday())
	sunday := next(h, 310)
	v := anomaly.Detect(h, sunday, anomaly.Config{})
	assert.False(t, v.Anomalous, v.Reason)
	assert.InDelta(t, 300, v.Expected, 20)
	assert.Contains(t, v.Reason, "for a Sunday")
	assert.True(t, anomaly.Detect(h, next(h, 1000), anomaly.Config{}).Anomalous, "a weekday's volume on a Sunday")

	// Without seasonality the Sunday's 310 is far from the weekday median.
	assert.True(t, anomaly.Detect(h, sunday, anomaly.Config{Seasonality: anomaly.SeasonalityNone}).Anomalous)

	// A history with no weekday shape gets none in auto mode.
	v = anomaly.Detect(dailyHistory(56, flat(1000)), sunday, anomaly.Config{})
	assert.NotContains(t, v.Reason, "for a")
}

func TestTrend(t *testing.T) {
	h := dailyHistory(60, func(i int, _ time.Weekday) float64 { return 1000 * math.Pow(1.02, float64(i)) })
	expected := 1000 * math.Pow(1.02, 60)
	v := anomaly.Detect(h, next(h, expected), anomaly.Config{})
	assert.False(t, v.Anomalous, v.Reason)
	assert.InDelta(t, expected, v.Expected, 0.05*expected)
}

func TestFreshnessOfANightlyTable(t *testing.T) {
	// Hours between writes of a table loaded every night at about 02:00.
	r := rand.New(rand.NewPCG(3, 4))
	var h []anomaly.Observation
	prev := monday
	for i := 1; i <= 40; i++ {
		at := monday.AddDate(0, 0, i).Add(time.Duration(r.IntN(900)) * time.Second)
		h = append(h, anomaly.Observation{At: at, Value: at.Sub(prev).Hours()})
		prev = at
	}
	cfg := anomaly.Config{Direction: anomaly.Spike, MinAbsoluteChange: 0.5, MinRelativeChange: 0.05, Unit: "h"}
	check := func(now time.Time) anomaly.Verdict {
		return anomaly.Detect(h, anomaly.Observation{At: now, Value: now.Sub(prev).Hours()}, cfg)
	}
	nextNight := time.Date(prev.Year(), prev.Month(), prev.Day()+1, 0, 0, 0, 0, time.UTC)
	assert.False(t, check(nextNight.Add(2*time.Hour)).Anomalous, "02:00 the next night is on time")
	stale := check(nextNight.Add(4 * time.Hour))
	assert.True(t, stale.Anomalous, "04:00 the next night is stale: %s", stale.Reason)
	assert.Contains(t, stale.Reason, "above the expected 24")
}

func TestDeterministic(t *testing.T) {
	h := dailyHistory(200, func(i int, wd time.Weekday) float64 { return 1000 + float64(i) + float64(wd)*50 })
	cur := next(h, 1234)
	first := anomaly.Detect(h, cur, anomaly.Config{})
	for range 5 {
		assert.Equal(t, first, anomaly.Detect(h, cur, anomaly.Config{}))
	}
}

func TestAllocationsDoNotGrowWithHistory(t *testing.T) {
	small := dailyHistory(100, flat(1000))
	big := dailyHistory(10_000, flat(1000))
	for _, cfg := range []anomaly.Config{{}, {Window: 10_000}} {
		aSmall := testing.AllocsPerRun(20, func() { anomaly.Detect(small, next(small, 900), cfg) })
		aBig := testing.AllocsPerRun(20, func() { anomaly.Detect(big, next(big, 900), cfg) })
		assert.LessOrEqual(t, aBig, 12.0, "window %d", cfg.Window)
		assert.LessOrEqual(t, aBig, aSmall+1, "window %d", cfg.Window)
	}
}

func TestDirectionAndSeasonalityNames(t *testing.T) {
	assert.Equal(t, "both", anomaly.Both.String())
	assert.Equal(t, "drop", anomaly.Drop.String())
	assert.Equal(t, "spike", anomaly.Spike.String())
	assert.Equal(t, "auto", anomaly.SeasonalityAuto.String())
	assert.Equal(t, "none", anomaly.SeasonalityNone.String())
	assert.Equal(t, "day_of_week", anomaly.SeasonalityDayOfWeek.String())
}

func BenchmarkDetect(b *testing.B) {
	h := dailyHistory(10_000, func(i int, wd time.Weekday) float64 {
		if wd == time.Saturday || wd == time.Sunday {
			return 300
		}
		return 1000
	})
	for _, bc := range []struct {
		name string
		cfg  anomaly.Config
	}{
		{"history=10000/window=60", anomaly.Config{}},
		{"history=10000/window=10000", anomaly.Config{Window: 10_000}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			cur := next(h, 900)
			b.ReportAllocs()
			for b.Loop() {
				anomaly.Detect(h, cur, bc.cfg)
			}
		})
	}
}
