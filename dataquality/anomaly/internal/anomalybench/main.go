// Command anomalybench is the labelled benchmark of issue 13: it generates 310 seeded series
// (daily loads with a weekday/weekend shape, growth trends, heavy noise, weekly loads, small
// tables, null rates, hours between writes) with labelled incidents (drops, spikes, late loads,
// persistent level shifts, null-rate jumps; some in the history before detection starts), runs
// walk-forward detection over every point after a four-week warm-up with etlwatch's detector
// ([anomaly.Detect] with the monitors' defaults) and with reimplementations of Elementary's and
// re_data's defaults, and prints precision, recall, F1 and false alarms per 100 normal runs for
// each, overall and per kind of series.
//
//	go run ./dataquality/anomaly/internal/anomalybench [-seed 1] [-kinds]
//
// It needs nothing but Go.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"text/tabwriter"

	"github.com/etlwatch/etlwatch/dataquality/anomaly"
)

func main() {
	seed := flag.Uint64("seed", 1, "seed of the generator")
	perKind := flag.Bool("kinds", false, "also print F1 and false alarms per kind of series")
	explainKind := flag.String("explain", "", "print etlwatch's wrong verdicts on the series of this kind (for tuning)")
	flag.Parse()
	all := generate(*seed)
	if *explainKind != "" {
		explain(os.Stdout, all, *explainKind, 40)
		return
	}
	res := run(all, detectors())
	print(os.Stdout, res, *perKind)
}

func detectors() []detector {
	return []detector{etlwatchDetector(), elementaryDetector(true), elementaryDetector(false), reDataDetector()}
}

// score counts a detector's verdicts against the labels, and its detection latency: of the
// incidents (runs of consecutive incident points), how many it caught at all and, summed, how
// many points after an incident's first it first alarmed.
type score struct {
	TP, FP, FN, TN, Skipped int
	Episodes, Caught, Delay int
}

func (s *score) add(o score) {
	s.TP += o.TP
	s.FP += o.FP
	s.FN += o.FN
	s.TN += o.TN
	s.Skipped += o.Skipped
	s.Episodes += o.Episodes
	s.Caught += o.Caught
	s.Delay += o.Delay
}

// MeanDelay is the mean number of points between an incident's first point and its first
// alarm, over the incidents caught (0: caught on its first point).
func (s score) MeanDelay() float64 { return ratio(s.Delay, s.Caught) }

// Precision is the share of alarms that were incidents.
func (s score) Precision() float64 { return ratio(s.TP, s.TP+s.FP) }

// Recall is the share of incident points alarmed on.
func (s score) Recall() float64 { return ratio(s.TP, s.TP+s.FN) }

// F1 is the harmonic mean of precision and recall.
func (s score) F1() float64 {
	p, r := s.Precision(), s.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// FalseAlarmsPer100 is the false alarms per 100 normal points judged.
func (s score) FalseAlarmsPer100() float64 { return 100 * ratio(s.FP, s.FP+s.TN) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// result holds each detector's scores, overall and by kind of series.
type result struct {
	Series, Points, Incidents int
	Names                     []string
	Total                     map[string]score
	ByKind                    map[string]map[string]score
}

// run judges every point after the warm-up of every series with every detector, given the
// points before it as history.
func run(all []series, ds []detector) result {
	res := result{Series: len(all), Total: map[string]score{}, ByKind: map[string]map[string]score{}}
	for _, d := range ds {
		res.Names = append(res.Names, d.name)
	}
	for i := range all {
		s := &all[i]
		if res.ByKind[s.Kind] == nil {
			res.ByKind[s.Kind] = map[string]score{}
		}
		// The incident being walked through: where it began, and per detector when it first
		// alarmed in it (-1: not yet).
		episodeStart := -1
		firstAlarm := make([]int, len(ds))
		closeEpisode := func() {
			if episodeStart < 0 {
				return
			}
			for di, d := range ds {
				sc := score{Episodes: 1}
				if firstAlarm[di] >= 0 {
					sc.Caught, sc.Delay = 1, firstAlarm[di]-episodeStart
				}
				t := res.Total[d.name]
				t.add(sc)
				res.Total[d.name] = t
				k := res.ByKind[s.Kind][d.name]
				k.add(sc)
				res.ByKind[s.Kind][d.name] = k
			}
			episodeStart = -1
		}
		for j := warmUp; j < len(s.Obs); j++ {
			if s.Label[j] != incident {
				closeEpisode()
			} else if episodeStart < 0 {
				episodeStart = j
				for di := range firstAlarm {
					firstAlarm[di] = -1
				}
			}
			if s.Label[j] == ignored {
				continue
			}
			res.Points++
			if s.Label[j] == incident {
				res.Incidents++
			}
			for di, d := range ds {
				alarm, skipped := d.detect(s.Obs[:j], s.Obs[j], s)
				if alarm && !skipped && s.Label[j] == incident && firstAlarm[di] < 0 {
					firstAlarm[di] = j
				}
				var sc score
				switch {
				case skipped:
					sc.Skipped++
					if s.Label[j] == incident {
						sc.FN++
					} else {
						sc.TN++
					}
				case alarm && s.Label[j] == incident:
					sc.TP++
				case alarm:
					sc.FP++
				case s.Label[j] == incident:
					sc.FN++
				default:
					sc.TN++
				}
				t := res.Total[d.name]
				t.add(sc)
				res.Total[d.name] = t
				k := res.ByKind[s.Kind][d.name]
				k.add(sc)
				res.ByKind[s.Kind][d.name] = k
			}
		}
		closeEpisode()
	}
	return res
}

func print(w io.Writer, res result, perKind bool) {
	fmt.Fprintf(w, "%d series, %d points judged (%d incidents, %d normal)\n\n", res.Series, res.Points, res.Incidents, res.Points-res.Incidents)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "detector\tprecision\trecall\tF1\tfalse alarms/100 normal\tTP\tFP\tFN\tskipped\tincidents caught\tmean delay (points)\t")
	for _, n := range res.Names {
		s := res.Total[n]
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\t%.2f\t%d\t%d\t%d\t%d\t%d/%d\t%.2f\t\n", n, s.Precision(), s.Recall(), s.F1(), s.FalseAlarmsPer100(), s.TP, s.FP, s.FN, s.Skipped, s.Caught, s.Episodes, s.MeanDelay())
	}
	tw.Flush()
	if !perKind {
		return
	}
	fmt.Fprintln(w, "\nF1 (false alarms/100 normal) by kind of series")
	kindNames := make([]string, 0, len(res.ByKind))
	for k := range res.ByKind {
		kindNames = append(kindNames, k)
	}
	sort.Strings(kindNames)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "kind\t")
	for _, n := range res.Names {
		fmt.Fprint(tw, n+"\t")
	}
	fmt.Fprintln(tw)
	for _, k := range kindNames {
		fmt.Fprint(tw, k+"\t")
		for _, n := range res.Names {
			s := res.ByKind[k][n]
			fmt.Fprintf(tw, "%.3f (%.2f)\t", s.F1(), s.FalseAlarmsPer100())
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}

// explain prints etlwatch's wrong verdicts on the series of one kind, for tuning.
func explain(w io.Writer, all []series, kind string, limit int) {
	for i := range all {
		s := &all[i]
		if s.Kind != kind {
			continue
		}
		for j := warmUp; j < len(s.Obs) && limit > 0; j++ {
			if s.Label[j] == ignored {
				continue
			}
			v := anomaly.Detect(s.Obs[:j], s.Obs[j], anomaly.Config{Direction: s.Direction, MinAbsoluteChange: s.MinAbsolute, MinRelativeChange: s.MinRelative, Unit: s.Unit})
			if v.Anomalous != (s.Label[j] == incident) {
				limit--
				fmt.Fprintf(w, "%s #%d label %d: %s\n", s.Name, j, s.Label[j], v.Reason)
			}
		}
	}
}
