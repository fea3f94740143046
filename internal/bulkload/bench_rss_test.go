//go:build unix

package bulkload

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/configloader"
)

// BenchmarkPeakRSS5M builds examples/bulkload, runs it on a 5M-row, 10-column PostgreSQL table
// into a fresh warehouse and reports the process's peak resident set size (getrusage maxrss) and
// its rate. Run it on its own: go test -run '^$' -bench PeakRSS5M -benchtime 1x ./internal/bulkload
func BenchmarkPeakRSS5M(b *testing.B) {
	conn := benchConn(b)
	name := benchTable(b, conn, 5_000_000)
	dir := b.TempDir()
	bin := filepath.Join(dir, "bulkload")
	build := exec.Command("go", "build", "-o", bin, "github.com/etlwatch/etlwatch/examples/bulkload")
	build.Stderr = os.Stderr
	require.NoError(b, build.Run())
	for _, parts := range []int{1, 2} {
		b.Run("partitions="+strconv.Itoa(parts), func(b *testing.B) {
			var maxRSS int64
			var rows float64
			for b.Loop() {
				cfg := b.TempDir()
				require.NoError(b, os.WriteFile(filepath.Join(cfg, configloader.FileName), []byte(fmt.Sprintf(`sources:
  bench:
    database_type: postgres
    connection:
      dsn: %s
    bulk_load:
      parallel_workers: 1
      parallel_partitions: %d
      tables: [%s]
    iceberg:
      warehouse: %s
`, pgURL, parts, name, filepath.Join(cfg, "warehouse"))), 0o600))
				cmd := exec.Command(bin, "--source", "bench", "--config-dir", cfg)
				cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
				start := time.Now()
				require.NoError(b, cmd.Run())
				rows += 5_000_000 / time.Since(start).Seconds()
				maxRSS = max(maxRSS, cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss)
			}
			b.ReportMetric(float64(maxRSS)/1024, "peak_rss_MB")
			b.ReportMetric(rows/float64(b.N), "rows/s")
			b.ReportMetric(0, "ns/op")
		})
	}
}
