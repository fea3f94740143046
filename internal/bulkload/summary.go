package bulkload

import (
	"cmp"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
)

// printSummary writes the few lines a person reads at the end: what was loaded, how fast, the
// checks, where the tables went and where the metrics were served.
func (j *job) printSummary(w io.Writer, completed int, records int64, d time.Duration, results []tableResult) {
	var passed, failed float64
	for _, s := range j.p.Metrics.Summary().Series {
		switch {
		case !strings.HasPrefix(s.Name, "dq_"):
		case strings.HasSuffix(s.Name, "_passed"):
			passed += s.Sum
		case strings.HasSuffix(s.Name, "_failed"):
			failed += s.Sum
		}
	}
	rate := ""
	if secs := d.Seconds(); secs > 0 {
		rate = fmt.Sprintf(" (%.0f rows per second)", float64(records)/secs)
	}
	fmt.Fprintf(w, "\nloaded:     %d of %d tables of source %s, %d rows in %s%s\n",
		completed, len(j.tables), j.src.Name, records, d.Round(time.Millisecond), rate)
	fmt.Fprintf(w, "checks:     %.0f passed, %.0f failed\n", passed, failed)
	where := j.src.Iceberg.Warehouse
	if abs, err := filepath.Abs(where); err == nil && !strings.Contains(where, "://") {
		where = abs
	}
	fmt.Fprintf(w, "iceberg:    namespace %s of the %s catalog, warehouse %s\n", j.ns, cmp.Or(j.src.Iceberg.Catalog, "sql"), where)
	if m, h := j.p.MetricsURLs(); m != "" {
		fmt.Fprintf(w, "metrics:    %s and %s, while the job ran\n", m, h)
	}
	if j.eventsPath != "" {
		fmt.Fprintf(w, "events:     %s (JSON lines)\n", j.eventsPath)
	}
	for _, r := range results {
		if !r.ok && r.err != nil {
			fmt.Fprintln(w, cutLine(fmt.Sprintf("failed:     %s: %v", r.table, r.err), 200))
		}
	}
}

// cutLine shortens s to n runes, ending it with "…" when it was longer.
func cutLine(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// DefaultEventsFile is the file, next to sources.yaml, where the JSON events go when stdout is
// a terminal and --events is not given.
const DefaultEventsFile = "bulkload-events.jsonl"
