package bulkload

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/etlwatch/etlwatch/internal/terminal"
)

// Progress modes of [Config.Progress].
const (
	ProgressAuto = "auto" // bars when stdout is a terminal, log lines otherwise
	ProgressBars = "bars" // one live bar per running table
	ProgressLog  = "log"  // a log line per running table every LogEvery
	ProgressOff  = "off"  // nothing beyond the start and completion lines
)

// progress shows how far each running table is: live bars redrawn in place on a terminal, or a
// plain log line per table now and then. Its methods are safe for concurrent use.
type progress struct {
	mode     string // ProgressBars, ProgressLog or ProgressOff
	out      io.Writer
	log      *slog.Logger // for ProgressLog; set after the logger exists
	logEvery time.Duration
	now      func() time.Time
	columns  func() int // the terminal's width; nil: asked of out

	mu    sync.Mutex
	bars  []*tableProgress
	drawn int // lines of bars on the screen below the cursor's line start
	stop  chan struct{}
	done  chan struct{}
}

// newProgress returns the progress display of mode over out; ProgressAuto picks by out.
func newProgress(mode string, out io.Writer, logEvery time.Duration) *progress {
	if mode == ProgressAuto || mode == "" {
		mode = ProgressLog
		if terminal.Is(out) {
			mode = ProgressBars
		}
	}
	p := &progress{mode: mode, out: out, logEvery: logEvery, now: time.Now}
	if mode == ProgressBars {
		p.stop, p.done = make(chan struct{}), make(chan struct{})
		go p.loop(200 * time.Millisecond)
	}
	return p
}

// Writer is where everything else written to the terminal goes: with bars, each write clears
// them, writes, and draws them again below, so log lines scroll above the bars.
func (p *progress) Writer() io.Writer {
	if p.mode != ProgressBars {
		return p.out
	}
	return writerFunc(func(b []byte) (int, error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.clear()
		n, err := p.out.Write(b)
		p.draw()
		return n, err
	})
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// Close stops redrawing and clears the bars.
func (p *progress) Close() {
	if p.mode != ProgressBars {
		return
	}
	close(p.stop)
	<-p.done
	p.mu.Lock()
	p.clear()
	p.mu.Unlock()
}

func (p *progress) loop(every time.Duration) {
	defer close(p.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.mu.Lock()
			p.clear()
			p.draw()
			p.mu.Unlock()
		}
	}
}

// clear erases the bars drawn last; the caller holds mu.
func (p *progress) clear() {
	if p.drawn > 0 {
		fmt.Fprintf(p.out, "\x1b[%dA\x1b[J", p.drawn)
		p.drawn = 0
	}
}

// draw writes one line per running table; the caller holds mu.
func (p *progress) draw() {
	if len(p.bars) == 0 {
		return
	}
	width := 0
	for _, b := range p.bars {
		width = max(width, len(b.name))
	}
	width = min(width, 24)
	// A line wider than the terminal would wrap, and clear would then erase too few lines.
	cols := p.columns
	if cols == nil {
		cols = func() int { return terminalWidth(p.out) }
	}
	maxLen := cols()
	if maxLen <= 0 {
		maxLen = 80
	}
	var sb strings.Builder
	now := p.now()
	for _, b := range p.bars {
		line := b.line(now, width)
		if r := []rune(line); len(r) >= maxLen {
			line = string(r[:maxLen-1])
		}
		sb.WriteString(line)
		sb.WriteByte('\n')
	}
	_, _ = io.WriteString(p.out, sb.String())
	p.drawn = len(p.bars)
}

// start begins showing table, whose source holds total rows (-1 when unknown).
func (p *progress) start(table string, total int64) *tableProgress {
	t := &tableProgress{p: p, name: table, total: total}
	t.reset()
	if p.mode == ProgressBars {
		p.mu.Lock()
		p.bars = append(p.bars, t)
		p.mu.Unlock()
	}
	return t
}

// tableProgress is one table's progress.
type tableProgress struct {
	p     *progress
	name  string
	total int64
	start atomic.Int64 // Unix nanoseconds
	rows  atomic.Int64

	mu      sync.Mutex
	lastLog time.Time
}

// add counts n more rows read.
func (t *tableProgress) add(n int64) {
	rows := t.rows.Add(n)
	if t.p.mode != ProgressLog || t.p.log == nil {
		return
	}
	now := t.p.now()
	t.mu.Lock()
	due := now.Sub(t.lastLog) >= t.p.logEvery
	if due {
		t.lastLog = now
	}
	t.mu.Unlock()
	if due {
		t.p.log.Info(t.name + ": " + t.status(now, rows))
	}
}

// finish stops showing the table.
func (t *tableProgress) finish() {
	if t.p.mode != ProgressBars {
		return
	}
	t.p.mu.Lock()
	defer t.p.mu.Unlock()
	for i, b := range t.p.bars {
		if b == t {
			t.p.bars = append(t.p.bars[:i], t.p.bars[i+1:]...)
			break
		}
	}
}

// reset starts the count again, for a retry.
func (t *tableProgress) reset() {
	now := t.p.now()
	t.rows.Store(0)
	t.start.Store(now.UnixNano())
	t.mu.Lock()
	t.lastLog = now
	t.mu.Unlock()
}

// status is "450,000 of 1,000,000 rows (45%), 85,000 rows/s, ETA 6s".
func (t *tableProgress) status(now time.Time, rows int64) string {
	elapsed := now.Sub(time.Unix(0, t.start.Load())).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(rows) / elapsed
	}
	var sb strings.Builder
	sb.WriteString(thousands(rows))
	if t.total >= 0 {
		sb.WriteString(" of " + thousands(t.total))
	}
	sb.WriteString(" rows")
	if t.total > 0 {
		fmt.Fprintf(&sb, " (%d%%)", min(100, rows*100/t.total))
	}
	fmt.Fprintf(&sb, ", %s rows/s", thousands(int64(rate)))
	if t.total >= 0 && rate > 0 {
		left := max(0, t.total-rows)
		fmt.Fprintf(&sb, ", ETA %s", (time.Duration(float64(left)/rate) * time.Second).Round(time.Second))
	}
	return sb.String()
}

// line is the table's bar: "orders   [=========>          ]  45%  450,000 of 1,000,000 rows ...".
func (t *tableProgress) line(now time.Time, width int) string {
	const barWidth = 30
	rows := t.rows.Load()
	name := t.name
	if len(name) > width {
		name = name[:width-1] + "~"
	}
	fill := 0
	if t.total > 0 {
		fill = int(min(barWidth, rows*barWidth/t.total))
	}
	bar := strings.Repeat("=", fill)
	if fill < barWidth {
		bar += ">" + strings.Repeat(" ", barWidth-fill-1)
	}
	return fmt.Sprintf("%-*s [%s] %s", width, name, bar, t.status(now, rows))
}

// thousands formats n with comma separators.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var sb strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			sb.WriteByte(',')
		}
		sb.WriteRune(c)
	}
	if neg {
		return "-" + sb.String()
	}
	return sb.String()
}
