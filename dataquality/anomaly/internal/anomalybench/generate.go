package main

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/etlwatch/etlwatch/dataquality/anomaly"
)

// Labels of the points of a series.
const (
	normal   = 0
	incident = 1
	ignored  = -1 // right after a persistent level shift began: neither an incident nor normal
)

// warmUp is how many points of each series are history only: walk-forward detection starts
// after them. Incidents are injected there too, and a good detector must not learn from them.
const warmUp = 28

// series is one labelled time series of the benchmark.
type series struct {
	Name  string
	Kind  string
	Obs   []anomaly.Observation
	Label []int8
	// Direction is the direction every detector watches for this series: spikes for the hours
	// between writes, both otherwise.
	Direction anomaly.Direction
	// MinAbsolute, MinRelative and Unit are what etlwatch's monitor for this kind of value sets.
	MinAbsolute float64
	MinRelative float64
	Unit        string
}

// kinds lists the families of series and how many of each the benchmark generates.
var kinds = []struct {
	name  string
	count int
	gen   func(r *rand.Rand, s *series)
}{
	{"daily_weekday_shape", 70, genWeekdayShape},
	{"daily_growth", 50, genGrowth},
	{"daily_heavy_noise", 40, genHeavyNoise},
	{"weekly", 30, genWeekly},
	{"small_table", 40, genSmall},
	{"null_rate", 40, genNullRate},
	{"freshness_hours", 40, genFreshness},
}

// generate returns the benchmark's series, the same for the same seed.
func generate(seed uint64) []series {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var out []series
	for _, k := range kinds {
		for i := range k.count {
			s := series{Name: k.name + "_" + strconv.Itoa(i), Kind: k.name, MinAbsolute: 10, Unit: "rows"}
			k.gen(r, &s)
			out = append(out, s)
		}
	}
	return out
}

var start = time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC) // a Monday, 02:00

// daily appends n daily points at 02:00 (± a few minutes) with values from value(i, day).
func daily(r *rand.Rand, s *series, n int, value func(i int, t time.Time) float64) {
	for i := range n {
		t := start.AddDate(0, 0, i).Add(time.Duration(r.IntN(600)) * time.Second)
		s.Obs = append(s.Obs, anomaly.Observation{At: t, Value: value(i, t)})
		s.Label = append(s.Label, normal)
	}
}

func lognormal(r *rand.Rand, sigma float64) float64 {
	return math.Exp(r.NormFloat64()*sigma - sigma*sigma/2)
}

func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + r.Float64()*(hi-lo) }

// injectIncidents puts 1 to 3 incidents of 1 to 3 points each anywhere in the series, warm-up
// included, as drops (to 0-35% of the value) or spikes (2.5-6 times), and labels them.
func injectIncidents(r *rand.Rand, s *series, drops, spikes bool) {
	n := 1 + r.IntN(3)
	for range n {
		length := 1 + r.IntN(3)
		at := 3 + r.IntN(len(s.Obs)-length-3)
		drop := drops && (!spikes || r.IntN(2) == 0)
		factor := uniform(r, 2.5, 6)
		if drop {
			factor = uniform(r, 0, 0.35)
		}
		for j := at; j < at+length; j++ {
			if s.Label[j] != normal {
				continue
			}
			s.Obs[j].Value = math.Round(s.Obs[j].Value * factor)
			s.Label[j] = incident
		}
	}
}

// levelShift multiplies every value from a random point on by factor: the first point is an
// incident, the next six are ignored (a detector may still flag them or not), and the rest is
// the new normal.
func levelShift(r *rand.Rand, s *series, factor float64) {
	at := warmUp + 10 + r.IntN(len(s.Obs)-warmUp-30)
	for j := at; j < len(s.Obs); j++ {
		s.Obs[j].Value = math.Round(s.Obs[j].Value * factor)
		if s.Label[j] == normal && j > at && j <= at+6 {
			s.Label[j] = ignored
		}
	}
	s.Label[at] = incident
}

func genWeekdayShape(r *rand.Rand, s *series) {
	base := math.Round(uniform(r, 2e4, 1e6))
	weekend := uniform(r, 0.2, 0.6)
	noise := uniform(r, 0.03, 0.1)
	daily(r, s, 150, func(_ int, t time.Time) float64 {
		v := base * lognormal(r, noise)
		if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
			v *= weekend
		}
		return math.Round(v)
	})
	injectIncidents(r, s, true, true)
	if r.IntN(4) == 0 {
		levelShift(r, s, []float64{0.5, 1.8}[r.IntN(2)])
	}
}

func genGrowth(r *rand.Rand, s *series) {
	base := math.Round(uniform(r, 1e4, 5e5))
	growth := uniform(r, 0.002, 0.012)
	noise := uniform(r, 0.03, 0.08)
	weekend := 1.0
	if r.IntN(2) == 0 {
		weekend = uniform(r, 0.4, 0.8)
	}
	daily(r, s, 150, func(i int, t time.Time) float64 {
		v := base * math.Pow(1+growth, float64(i)) * lognormal(r, noise)
		if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
			v *= weekend
		}
		return math.Round(v)
	})
	injectIncidents(r, s, true, true)
	if r.IntN(4) == 0 {
		levelShift(r, s, []float64{0.5, 2}[r.IntN(2)])
	}
}

func genHeavyNoise(r *rand.Rand, s *series) {
	base := math.Round(uniform(r, 5e3, 2e5))
	noise := uniform(r, 0.15, 0.25)
	daily(r, s, 150, func(int, time.Time) float64 { return math.Round(base * lognormal(r, noise)) })
	// Heavy noise hides moderate changes: its incidents are outages and floods.
	n := 1 + r.IntN(3)
	for range n {
		at := 3 + r.IntN(len(s.Obs)-4)
		if r.IntN(2) == 0 {
			s.Obs[at].Value = math.Round(s.Obs[at].Value * uniform(r, 0, 0.1))
		} else {
			s.Obs[at].Value = math.Round(s.Obs[at].Value * uniform(r, 4, 8))
		}
		s.Label[at] = incident
	}
}

func genWeekly(r *rand.Rand, s *series) {
	base := math.Round(uniform(r, 1e3, 1e6))
	noise := uniform(r, 0.03, 0.1)
	for i := range 80 {
		t := start.AddDate(0, 0, 7*i).Add(time.Duration(r.IntN(3600)) * time.Second)
		s.Obs = append(s.Obs, anomaly.Observation{At: t, Value: math.Round(base * lognormal(r, noise))})
		s.Label = append(s.Label, normal)
	}
	injectIncidents(r, s, true, true)
}

// poisson draws a Poisson variate with mean lambda (Knuth's method; lambda is small here).
func poisson(r *rand.Rand, lambda float64) float64 {
	l, k, p := math.Exp(-lambda), 0.0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func genSmall(r *rand.Rand, s *series) {
	mean := uniform(r, 2, 30)
	daily(r, s, 150, func(int, time.Time) float64 { return poisson(r, mean) })
	// Only changes a person would care about are incidents: a flood of rows.
	n := 1 + r.IntN(2)
	for range n {
		at := 3 + r.IntN(len(s.Obs)-4)
		s.Obs[at].Value = math.Round(mean*uniform(r, 6, 12) + 30)
		s.Label[at] = incident
	}
}

func genNullRate(r *rand.Rand, s *series) {
	s.MinAbsolute, s.Unit = 0.01, ""
	base := uniform(r, 0.001, 0.05)
	daily(r, s, 150, func(int, time.Time) float64 { return base * lognormal(r, 0.2) })
	n := 1 + r.IntN(3)
	for range n {
		length := 1 + r.IntN(3)
		at := 3 + r.IntN(len(s.Obs)-length-3)
		jump := uniform(r, 0.15, 0.6)
		for j := at; j < at+length; j++ {
			s.Obs[j].Value = jump
			s.Label[j] = incident
		}
	}
	if r.IntN(4) == 0 {
		// A persistent jump (a new source that leaves the column empty more often).
		at := warmUp + 10 + r.IntN(len(s.Obs)-warmUp-30)
		nb := base + uniform(r, 0.1, 0.3)
		for j := at; j < len(s.Obs); j++ {
			s.Obs[j].Value = nb * lognormal(r, 0.1)
			if s.Label[j] == normal && j > at && j <= at+6 {
				s.Label[j] = ignored
			}
		}
		s.Label[at] = incident
	}
}

// genFreshness makes the hours between successive writes of a table loaded every night
// (sometimes on weekdays only, so Monday's write comes 72 hours after Friday's) with a few
// minutes of jitter; its incidents are late loads (the table went stale).
func genFreshness(r *rand.Rand, s *series) {
	s.Direction, s.MinAbsolute, s.MinRelative, s.Unit = anomaly.Spike, 0.5, 0.05, "h"
	weekdaysOnly := r.IntN(3) == 0
	jitter := uniform(r, 0.05, 0.5) // hours
	prev := start
	t := start
	for len(s.Obs) < 150 {
		t = t.AddDate(0, 0, 1)
		if weekdaysOnly && (t.Weekday() == time.Saturday || t.Weekday() == time.Sunday) {
			continue
		}
		at := t.Add(time.Duration(math.Abs(r.NormFloat64()) * jitter * float64(time.Hour)))
		s.Obs = append(s.Obs, anomaly.Observation{At: at, Value: at.Sub(prev).Hours()})
		s.Label = append(s.Label, normal)
		prev = at
	}
	n := 1 + r.IntN(3)
	for range n {
		at := 3 + r.IntN(len(s.Obs)-5)
		late := uniform(r, 3, 30) // hours
		s.Obs[at].Value += late
		s.Label[at] = incident
		// The next write comes at its usual time, so its interval is shorter: normal.
		s.Obs[at+1].Value = math.Max(s.Obs[at+1].Value-late, 0.5)
	}
}
