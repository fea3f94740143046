package monitoring

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxTextLine is the longest line [Summary.Text] writes; longer dimension lists are cut.
const maxTextLine = 200

// Text returns the summary as a table a person reads in a terminal: a header with the job, the
// source and the environment, then one line per series with its name, its dimensions (but for
// job_name, source_name and environment, which the header shows) and what the series has:
//
//   - counter: the total;
//   - gauge: the last value, and the number of values set with their minimum and maximum when
//     more than one was;
//   - duration: the number of durations, their total, and their mean, minimum and maximum,
//     written as Go durations (1.5s, 320ms).
//
// Units are written after the value (B, KiB and MiB for bytes, % for percentages, /s for rates).
// No line is longer than 200 characters. [Summary.String] gives the JSON form.
func (s Summary) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "metrics of job %s, source %s, environment %s: %d series\n", s.JobName, s.SourceName, s.Environment, len(s.Series))
	if len(s.Series) == 0 {
		return b.String()
	}
	rows := make([][3]string, 0, len(s.Series)+1)
	rows = append(rows, [3]string{"METRIC", "DIMENSIONS", "VALUE"})
	for _, ss := range s.Series {
		rows = append(rows, [3]string{ss.Name, textDims(ss.Dimensions), textValue(ss)})
	}
	var w [2]int
	for _, r := range rows {
		for i := range w {
			w[i] = max(w[i], utf8.RuneCountInString(r[i]))
		}
	}
	w[0] = min(w[0], 60)
	for _, r := range rows {
		room := maxTextLine - w[0] - 2 - 2 - utf8.RuneCountInString(r[2])
		dims := cut(r[1], max(room, 10))
		line := pad(cut(r[0], w[0]), w[0]) + "  " + pad(dims, min(w[1], max(room, 10))) + "  " + r[2]
		b.WriteString(cut(strings.TrimRight(line, " "), maxTextLine))
		b.WriteByte('\n')
	}
	return b.String()
}

// textDims writes dims as key=value pairs sorted by key, leaving out the ones the header shows.
func textDims(d Dimensions) string {
	var parts []string
	for _, p := range sortedPairs(d) {
		switch p.k {
		case "job_name", "source_name", "environment":
			continue
		}
		parts = append(parts, p.k+"="+p.v)
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

// textValue is what a series has, as [Summary.Text] describes it.
func textValue(ss SeriesSummary) string {
	switch ss.Kind {
	case KindCounter:
		return textNumber(ss.Sum, ss.Unit)
	case KindDuration:
		mean := ss.Sum / float64(max(ss.Count, 1))
		if ss.Count == 1 {
			return "1 × " + textSeconds(ss.Last)
		}
		return fmt.Sprintf("%d × total %s, mean %s, min %s, max %s", ss.Count, textSeconds(ss.Sum),
			textSeconds(mean), textSeconds(ss.Min), textSeconds(ss.Max))
	}
	v := textNumber(ss.Last, ss.Unit)
	if ss.Count > 1 {
		v += fmt.Sprintf(" (last of %d, min %s, max %s)", ss.Count, textNumber(ss.Min, ss.Unit), textNumber(ss.Max, ss.Unit))
	}
	return v
}

// textNumber writes v with its unit: integers without decimals, others with at most 4
// significant digits.
func textNumber(v float64, u Unit) string {
	switch u {
	case UnitSeconds:
		return textSeconds(v)
	case UnitMilliseconds:
		return textSeconds(v / 1000)
	case UnitBytes:
		return textBytes(v)
	}
	var n string
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		n = strconv.FormatFloat(v, 'f', 0, 64)
	} else {
		n = strconv.FormatFloat(v, 'g', 4, 64)
	}
	switch u {
	case UnitPercent:
		return n + "%"
	case UnitCountPerSecond:
		return n + "/s"
	}
	return n
}

// textSeconds writes seconds as a Go duration rounded to three significant digits or so.
func textSeconds(sec float64) string {
	if math.IsNaN(sec) || math.IsInf(sec, 0) || math.Abs(sec) > 1e9 {
		return strconv.FormatFloat(sec, 'g', 4, 64) + "s"
	}
	d := time.Duration(sec * float64(time.Second))
	switch a := max(d, -d); {
	case a >= time.Minute:
		d = d.Round(time.Second)
	case a >= time.Second:
		d = d.Round(10 * time.Millisecond)
	case a >= time.Millisecond:
		d = d.Round(10 * time.Microsecond)
	case a >= time.Microsecond:
		d = d.Round(10 * time.Nanosecond)
	}
	return d.String()
}

// textBytes writes a byte count in B, KiB, MiB or GiB.
func textBytes(v float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for math.Abs(v) >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if i == 0 {
		return strconv.FormatFloat(v, 'f', 0, 64) + " B"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + units[i]
}

// pad right-pads s with spaces to n runes.
func pad(s string, n int) string {
	if k := utf8.RuneCountInString(s); k < n {
		return s + strings.Repeat(" ", n-k)
	}
	return s
}

// cut shortens s to n runes, ending it with "…" when it was longer.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:max(n-1, 0)]) + "…"
}
