package bulkload

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -45000: "-45,000"} {
		assert.Equal(t, want, thousands(n))
	}
}

// Bars: one line per running table with rows, rate and ETA from the source count; a log line
// written meanwhile scrolls above them (the bars are erased, the line written, the bars drawn
// again); a finished table's bar goes away.
func TestProgressBars(t *testing.T) {
	var out bytes.Buffer
	p := &progress{mode: ProgressBars, out: &out, columns: func() int { return 120 }}
	clock := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	p.now = func() time.Time { return clock }
	orders := p.start("orders", 1_000_000)
	items := p.start("order_items", -1)
	clock = clock.Add(10 * time.Second)
	orders.add(450_000)
	items.add(1234)

	w := p.Writer()
	_, err := fmt.Fprintln(w, "first log line")
	require.NoError(t, err)
	_, err = fmt.Fprintln(w, "second log line")
	require.NoError(t, err)
	lines := strings.Split(out.String(), "\n")
	assert.Equal(t, "first log line", lines[0])
	assert.Equal(t, "orders      [=============>                ] 450,000 of 1,000,000 rows (45%), 45,000 rows/s, ETA 12s", lines[1])
	assert.Equal(t, "order_items [>                             ] 1,234 rows, 123 rows/s", lines[2])
	// The second write first erased the two bar lines.
	assert.Equal(t, "\x1b[2A\x1b[Jsecond log line", lines[3])

	orders.finish()
	out.Reset()
	_, _ = fmt.Fprintln(w, "third")
	assert.Equal(t, "\x1b[2A\x1b[Jthird\norder_items [>                             ] 1,234 rows, 123 rows/s\n", out.String())
	// On a narrow terminal the line is cut, so that it does not wrap.
	p.columns = func() int { return 40 }
	out.Reset()
	_, _ = fmt.Fprintln(w, "narrow")
	narrow := strings.Split(out.String(), "\n")
	require.Len(t, narrow, 3)
	assert.Equal(t, "\x1b[1A\x1b[Jnarrow", narrow[0])
	assert.Len(t, narrow[1], 39)
	assert.True(t, strings.HasPrefix(narrow[1], "order_items [>"), narrow[1])
	p.columns = func() int { return 120 }

	items.finish()
	out.Reset()
	_, _ = fmt.Fprintln(w, "fourth")
	assert.Equal(t, "\x1b[1A\x1b[Jfourth\n", out.String())
}

// Not a terminal: each running table's progress is a plain log line now and then.
func TestProgressLogLines(t *testing.T) {
	saved := progressEvery
	progressEvery = 0 // a line for every batch
	t.Cleanup(func() { progressEvery = saved })
	ctx := t.Context()
	dir, _ := sampleSource(t, 20000, `    bulk_load:
      tables: [orders]
`)

	var stdout, stderr bytes.Buffer
	code := Run(ctx, []string{"--source", "src", "--config-dir", dir}, &stdout, &stderr)
	require.Equal(t, 0, code, "stderr: %s", stderr.String())
	assert.NotContains(t, stdout.String(), "\x1b[", "no terminal escapes when stdout is not a terminal")
	var progressLines []string
	for _, l := range strings.Split(stdout.String(), "\n") {
		if strings.Contains(l, "orders: ") && strings.Contains(l, " rows/s") {
			progressLines = append(progressLines, l)
		}
	}
	require.NotEmpty(t, progressLines, stdout.String())
	assert.Regexp(t, `orders: [0-9,]+ of [0-9,]+ rows \(\d+%\), [0-9,]+ rows/s, ETA \d+`, progressLines[0])

	// --progress off: none.
	stdout.Reset()
	code = Run(ctx, []string{"--source", "src", "--config-dir", dir, "--progress", "off"}, &stdout, &stderr)
	require.Equal(t, 0, code, "stderr: %s", stderr.String())
	assert.NotContains(t, stdout.String(), " rows/s")

	code = Run(ctx, []string{"--source", "src", "--progress", "loud"}, &stdout, &stderr)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr.String(), `--progress: found "loud"; allowed: auto, bars, log or off`)
}
