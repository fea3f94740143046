package anomaly

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Detect judges current against history and returns its [Verdict]. It is deterministic, safe
// for concurrent use, reads the history once, newest first, and allocates one scratch buffer
// (two float64 per point of the window, and four per point fitted) plus the Reason text. A
// window of more than 1,024 points is fitted on its 256 newest points and an even sample of the
// older ones.
//
// The baseline is built from the last cfg.Window usable history points before current.At:
// points marked Exclude, NaN and infinite values are skipped, and current itself never belongs
// to its own baseline (history points at or after current.At are ignored). Then:
//
//  1. Day-of-week shape: per-weekday medians, used where cfg.Seasonality allows it and, for
//     [SeasonalityAuto], only when points are about daily, cover four weeks, and the weekday
//     shape cuts the mean absolute deviation by at least 30%.
//  2. Trend: the slope between the medians of the older and newer halves, kept only when it
//     cuts the robust spread by at least 20%.
//  3. Centre and spread: the median, and the median absolute deviation (MAD), of what is left.
//     Points beyond the band of that first fit (past incidents) are dropped, and the centre and
//     spread (a standard deviation) are computed again from the remaining points, so that a
//     past incident does not widen the band.
//  4. New level: when the last cfg.SettlePoints or more points are all outside the band on the
//     same side, the level has moved and stayed: the baseline becomes those points (centre
//     their median, spread the old spread scaled to the new level), and the Reason says
//     "new level".
//  5. Band: Expected ± max(Sensitivity × spread, MinAbsoluteChange,
//     MinRelativeChange × |Expected|); its lower edge is not below 0 when no usable history
//     point is negative. A value outside it, in the watched Direction, is anomalous.
//
// With fewer than cfg.MinHistory usable points the Verdict is Skipped, with a Reason that says
// how many there were.
func Detect(history []Observation, current Observation, cfg Config) Verdict {
	c := cfg.withDefaults()
	if !finite(current.Value) {
		return Verdict{Skipped: true, Reason: "the value " + strconv.FormatFloat(current.Value, 'g', -1, 64) + " is not a finite number, so it was not judged"}
	}
	p, skipped := gather(history, current, &c)
	if skipped != nil {
		return *skipped
	}
	m := model{cfg: &c, timed: p.timed, log: p.positive}
	if p.positive {
		for i := range p.x {
			p.x[i] = math.Log(p.x[i])
		}
	}
	curWeekday := 0
	if p.timed {
		curWeekday = int(current.At.Weekday())
	}
	bl := m.baseline(&p, current)

	// The band and the verdict.
	value := current.Value
	v := m.verdict(bl.f, value, curWeekday, p.nonNegative)
	bl.back = false
	if bl.newLevel && v.Anomalous {
		// A value back at the level before is not an anomaly of the new level.
		if ov := m.verdict(bl.old, value, curWeekday, p.nonNegative); !ov.Anomalous {
			bl.back = true
			v = ov
		}
	}
	v.Reason = m.reason(v, bl, current)
	return v
}

// points are the history points Detect uses, newest first, with the scratch areas of the fits.
type points struct {
	x, age, wd  []float64 // values (logs when positive), ages in seconds, weekdays
	w           work
	timed       bool // the observations carry times
	positive    bool // every value is above 0: the fit is on their logs
	nonNegative bool
}

// gather reads the usable points of history (at most the window), newest first, and samples a
// long window down to maxFitPoints; with too few usable points it returns the Skipped verdict.
func gather(history []Observation, current Observation, c *Config) (points, *Verdict) {
	p := points{timed: !current.At.IsZero(), positive: true, nonNegative: true}
	// The one scratch buffer: values and ages in seconds of every point used (at most the
	// window), then, for the points the fit uses (all of them up to maxFitPoints), weekdays and
	// three work areas. Index 0 is the newest point. Values and ages are read in one pass over
	// the history, newest first.
	bound := min(len(history), c.Window)
	fitN := min(bound, maxFitPoints)
	buf := make([]float64, 2*bound+4*fitN)
	x, age := buf[:bound], buf[bound:2*bound]
	n, excluded := 0, 0
	var now int64
	if p.timed {
		now = current.At.UnixNano()
	}
	for i := len(history) - 1; i >= 0 && n < bound; i-- {
		o := &history[i]
		var at int64
		if p.timed {
			at = o.At.UnixNano()
			if at >= now {
				continue // at or after the current observation: never its baseline
			}
		}
		if o.Exclude || !finite(o.Value) {
			excluded++
			continue
		}
		x[n] = o.Value
		p.positive = p.positive && o.Value > 0
		p.nonNegative = p.nonNegative && o.Value >= 0
		if p.timed {
			age[n] = float64(now-at) / float64(time.Second)
		} else {
			age[n] = float64(n + 1)
		}
		n++
	}
	if n < c.MinHistory {
		reason := "not enough history to judge: " + strconv.Itoa(n) + " usable point"
		if n != 1 {
			reason += "s"
		}
		reason += ", " + strconv.Itoa(c.MinHistory) + " needed"
		if excluded > 0 {
			reason += " (" + strconv.Itoa(excluded) + " excluded or invalid)"
		}
		return p, &Verdict{Skipped: true, TrainingPoints: n, Reason: reason}
	}
	x, age = x[:n], age[:n]
	fitN = min(n, fitN)
	if n > fitN {
		// A long window is fitted on its newest points and an even sample of the older ones.
		stride := (n - newestKept + fitN - newestKept - 1) / (fitN - newestKept)
		j := newestKept
		for i := newestKept; i < n && j < fitN; i += stride {
			x[j], age[j] = x[i], age[i]
			j++
		}
		fitN = j
		x, age = x[:j], age[:j]
	}
	rest := buf[2*bound:]
	p.wd = rest[:fitN]
	p.w = work{y: rest[fitN : 2*fitN], res: rest[2*fitN : 3*fitN], tmp: rest[3*fitN : 4*fitN]}
	if p.timed {
		for i := range fitN {
			p.wd[i] = float64(current.At.Add(-time.Duration(age[i] * float64(time.Second))).Weekday())
		}
	}
	p.x, p.age = x, age
	return p, nil
}

// baselined is the baseline Detect judges against: the fit, the fit before a new level, and
// whether (and since when, over how many points) the level moved.
type baselined struct {
	f, old   fit
	run      int // the newest points outside the band on one side
	newLevel bool
	back     bool // the value is back at the level before the new one
	since    time.Time
}

// baseline fits p, again without the newest points while they lie outside it on one side, so
// that a level that moved is measured against the level before it.
func (m *model) baseline(p *points, current Observation) baselined {
	c := m.cfg
	x, age, wd, w := p.x, p.age, p.wd, &p.w
	n := len(x)
	f := m.fit(x, age, wd, w)
	run, _ := m.run(f, x, age, wd)
	for range 3 {
		if run == 0 || n-run < c.MinHistory {
			break
		}
		g := m.fit(x[run:], age[run:], wd[run:], w)
		r2, _ := m.run(g, x, age, wd)
		f = g
		if r2 == run {
			break
		}
		run = r2
	}
	bl := baselined{old: f, run: run, newLevel: run >= c.SettlePoints}
	if bl.newLevel {
		if run >= 14 {
			f = m.fit(x[:run], age[:run], wd[:run], w)
		} else {
			// Too few points for a shape of their own: the old shape and relative spread at
			// the new centre.
			for i := range run {
				w.tmp[i] = x[i] - f.offset[int(wd[i])]
			}
			centre := median(w.tmp[:run])
			if !m.log {
				ratio := 1.0
				if f.centre != 0 {
					ratio = math.Min(math.Max(math.Abs(centre/f.centre), 0.01), 100)
				}
				f.spread = math.Max(f.spread*ratio, spreadFloor(centre))
				for d := range f.offset {
					f.offset[d] *= ratio
				}
			}
			f.centre, f.slope, f.training = centre, 0, run
		}
		if p.timed {
			bl.since = current.At.Add(-time.Duration(age[run-1] * float64(time.Second)))
		}
	}
	bl.f = f
	return bl
}

// reason says in words why v is what it is.
func (m *model) reason(v Verdict, bl baselined, current Observation) string {
	c, value, run := m.cfg, current.Value, bl.run
	below, above := value < v.Lower, value > v.Upper
	var b strings.Builder
	switch {
	case bl.back:
		b.WriteString("back at the level before the new level of the last " + strconv.Itoa(run) + " points; ")
	case bl.newLevel:
		b.WriteString("new level: ")
		if m.timed {
			b.WriteString("since " + bl.since.Format("2006-01-02 15:04") + " ")
		} else {
			b.WriteString("for the last " + strconv.Itoa(run) + " points ")
		}
		b.WriteString("values settled around " + c.num(m.back(bl.f.centre)) + " (before: " + c.num(m.back(bl.old.centre)) + "); ")
	}
	b.WriteString(c.num(value) + " is ")
	switch {
	case below || above:
		diff := value - v.Expected
		if v.Expected != 0 {
			b.WriteString(strconv.FormatFloat(math.Round(math.Abs(diff)/math.Abs(v.Expected)*100), 'f', -1, 64) + "% ")
		} else {
			b.WriteString(c.num(math.Abs(diff)) + " ")
		}
		if below {
			b.WriteString("below")
		} else {
			b.WriteString("above")
		}
		b.WriteString(" the expected " + c.num(v.Expected))
	default:
		b.WriteString("within the normal range (expected " + c.num(v.Expected))
	}
	if bl.f.seasonal && m.timed {
		b.WriteString(" for a " + current.At.Weekday().String())
	}
	if below || above {
		b.WriteString(" (normal range " + c.num(v.Lower) + " to " + c.num(v.Upper) + ", score " + strconv.FormatFloat(math.Round(v.Score*10)/10, 'f', -1, 64) + ")")
		if !v.Anomalous {
			b.WriteString(", but only " + c.Direction.String() + "s are watched")
		}
	} else {
		b.WriteString(", range " + c.num(v.Lower) + " to " + c.num(v.Upper) + ")")
	}
	if !bl.newLevel && run > 0 && (below || above) {
		b.WriteString("; the " + strconv.Itoa(run) + " before it " + plural(run, "was", "were") + " outside too, a new level is accepted after " + strconv.Itoa(c.SettlePoints))
	}
	return b.String()
}

// work holds the scratch areas the fits share.
type work struct{ y, res, tmp []float64 }

// model is how one call of Detect fits and judges.
type model struct {
	cfg   *Config
	timed bool
	log   bool // values are logarithms
}

// fit is a baseline: value(age, weekday) = centre - slope*age + offset[weekday], with a spread.
type fit struct {
	centre, slope, spread float64
	offset                [7]float64
	seasonal              bool
	training              int
}

func (m *model) back(v float64) float64 {
	if m.log {
		return math.Exp(v)
	}
	return v
}

// fit fits a baseline to the points x (newest first) with their ages and weekdays.
func (m *model) fit(x, age, wd []float64, w *work) fit {
	c := m.cfg
	n := len(x)
	y, res, tmp := w.y[:n], w.res[:n], w.tmp[:n]
	var f fit

	// 1. Day-of-week shape, measured on the values without a rough trend (growth would hide
	// it).
	rough := 0.0
	if m.timed && n >= 14 {
		rough = halvesSlope(x, age, tmp)
	}
	for i := range n {
		res[i] = x[i] + rough*age[i]
	}
	copy(tmp, res)
	level := median(tmp)
	// The shape is judged by the mean absolute deviation, which, unlike the MAD, sees the two
	// weekend days of seven.
	spread := meanAbsDev(res, level)
	if m.timed && c.Seasonality != SeasonalityNone && n >= 14 && (c.Seasonality == SeasonalityDayOfWeek || n >= 28) {
		m.weekdayShape(&f, x, age, wd, y, res, tmp, level, spread)
	}
	if !f.seasonal {
		copy(y, x)
	}

	// 2. Trend, per second of age (positive when values grow).
	if m.timed && n >= 14 {
		copy(tmp, y)
		l0 := median(tmp)
		spread = mad(y, l0, tmp)
		if cand := halvesSlope(y, age, tmp); cand != 0 {
			for i := range n {
				res[i] = y[i] + cand*age[i]
			}
			copy(tmp, res)
			a := median(tmp)
			if mad(res, a, tmp) < 0.8*spread {
				f.slope = cand
			}
		}
	}

	// 3. Centre and spread, then again without the points outside the first band.
	for i := range n {
		res[i] = y[i] + f.slope*age[i] // each point moved to the current time
	}
	copy(tmp, res)
	f.centre = median(tmp)
	f.spread = math.Max(mad(res, f.centre, tmp), m.floor(f.centre))
	cut := math.Max(c.Sensitivity, 3) * f.spread
	cnt := 0
	for i := range n {
		if math.Abs(res[i]-f.centre) <= cut {
			tmp[cnt] = res[i]
			cnt++
		}
	}
	f.training = n
	if cnt >= 3 {
		f.training = cnt
		centre := median(tmp[:cnt])
		var ss float64
		for i := range n {
			if math.Abs(res[i]-f.centre) <= cut {
				d := res[i] - centre
				ss += d * d
			}
		}
		f.centre = centre
		f.spread = math.Max(math.Sqrt(ss/float64(cnt-1)), m.floor(centre))
	}
	return f
}

// weekdayShape sets f's day-of-week offsets when the points (res: x without the rough trend, at
// level and spread) are about daily and the shape explains enough of their spread (or the
// seasonality is forced), and then y to x without the shape.
func (m *model) weekdayShape(f *fit, x, age, wd, y, res, tmp []float64, level, spread float64) {
	c, n := m.cfg, len(x)
	for i := 0; i < n-1; i++ {
		tmp[i] = age[i+1] - age[i]
	}
	gap := median(tmp[:n-1])
	if gap > 0 && gap <= 2*86400 {
		// Every weekday with points needs two of them (a table loaded on weekdays only has
		// no Saturday and Sunday points).
		var offset [7]float64
		ok, days := true, 0
		for d := 0; d < 7 && ok; d++ {
			cnt := 0
			for i := range n {
				if int(wd[i]) == d {
					tmp[cnt] = res[i] - level
					cnt++
				}
			}
			switch {
			case cnt == 0:
			case cnt < 2:
				ok = false
			default:
				offset[d] = median(tmp[:cnt])
				days++
			}
		}
		if ok && days >= 2 {
			for i := range n {
				res[i] -= offset[int(wd[i])]
			}
			copy(tmp, res)
			l1 := median(tmp)
			s1 := meanAbsDev(res, l1)
			if c.Seasonality == SeasonalityDayOfWeek || s1 < 0.7*spread {
				f.seasonal, f.offset = true, offset
				for i := range n {
					y[i] = x[i] - offset[int(wd[i])]
				}
			}
		}
	}
}

// halvesSlope is the slope between the medians of the newer and older halves of x, per second
// of age (positive when values grow); 0 when the ages do not allow one.
func halvesSlope(x, age, tmp []float64) float64 {
	n := len(x)
	h := n / 2
	copy(tmp, x[:h])
	newer := median(tmp[:h])
	copy(tmp, x[h:])
	older := median(tmp[:n-h])
	dt := age[h+(n-h)/2] - age[h/2]
	if !(dt > 0) {
		return 0
	}
	return (newer - older) / dt
}

func (m *model) floor(centre float64) float64 {
	if m.log {
		return 1e-3
	}
	return spreadFloor(centre)
}

// bounds returns the expected value and the band at an age and weekday, in the values' own
// unit.
func (m *model) bounds(f fit, age float64, weekday int) (expected, lower, upper float64) {
	c := m.cfg
	e := f.centre - f.slope*age + f.offset[weekday]
	h := c.Sensitivity * f.spread
	expected, lower, upper = m.back(e), m.back(e-h), m.back(e+h)
	floor := math.Max(c.MinAbsoluteChange, c.MinRelativeChange*math.Abs(expected))
	lower = math.Min(lower, expected-floor)
	upper = math.Max(upper, expected+floor)
	return expected, lower, upper
}

// run counts the newest points outside the band of f on one side.
func (m *model) run(f fit, x, age, wd []float64) (int, float64) {
	run, side := 0, 0.0
	for i := range x {
		_, lo, hi := m.bounds(f, age[i], int(wd[i]))
		v := m.back(x[i])
		var s float64
		switch {
		case v < lo:
			s = -1
		case v > hi:
			s = 1
		default:
			return run, side
		}
		if run > 0 && s != side {
			break
		}
		run, side = run+1, s
	}
	return run, side
}

// verdict judges value against f at the current time.
func (m *model) verdict(f fit, value float64, weekday int, nonNegative bool) Verdict {
	expected, lower, upper := m.bounds(f, 0, weekday)
	if nonNegative && lower < 0 {
		lower = 0
	}
	v := Verdict{Expected: expected, Lower: lower, Upper: upper, TrainingPoints: f.training}
	switch {
	case !m.log:
		v.Score = (value - expected) / f.spread
	case value > 0:
		v.Score = (math.Log(value) - math.Log(expected)) / f.spread
	default:
		v.Score = math.Inf(-1)
	}
	if math.IsInf(v.Score, -1) {
		v.Score = -1e6 // a value of 0 or less where every value was positive: far below
	}
	below, above := value < lower, value > upper
	v.Anomalous = (below && m.cfg.Direction != Spike) || (above && m.cfg.Direction != Drop)
	return v
}

// maxFitPoints bounds the points a baseline is fitted on; newestKept of them are the newest
// points (for the level-shift test), the others an even sample of the older ones.
const (
	maxFitPoints = 1024
	newestKept   = 256
)

// spreadFloor keeps the spread of a flat history above zero: one thousandth of the centre.
func spreadFloor(centre float64) float64 {
	return math.Max(1e-3*math.Abs(centre), 1e-9)
}

// num formats v for a Reason: whole numbers as they are, others with 3 significant digits,
// followed by the unit; hours below one in minutes or seconds.
func (c Config) num(v float64) string {
	if c.Unit == "h" && v != 0 && math.Abs(v) < 1 {
		// Less than an hour reads better in minutes or seconds.
		if math.Abs(v) < 1.0/60 {
			return strconv.FormatFloat(math.Round(v*3600), 'f', 0, 64) + " s"
		}
		return strconv.FormatFloat(math.Round(v*60), 'f', 0, 64) + " min"
	}
	var s string
	switch {
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		s = strconv.FormatFloat(v, 'f', 0, 64)
	case math.Abs(v) >= 100:
		s = strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	default:
		s = strconv.FormatFloat(v, 'g', 3, 64)
	}
	if c.Unit != "" {
		s += " " + c.Unit
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
