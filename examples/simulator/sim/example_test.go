package sim_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/etlwatch/etlwatch/examples/simulator/sim"
	"github.com/etlwatch/etlwatch/monitoring"
)

// A 40-second run on a fake clock (newFakeClock, in this package's tests, advances when slept
// on and cancels the run after 40 s), with the log on stdout: the same seed always gives these
// lines.
func Example() {
	metrics, err := monitoring.NewMetricsCollector("etl_simulator", "etl_process")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer metrics.Shutdown(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clock := newFakeClock(40*time.Second, cancel)
	s, err := sim.New(os.Stdout, metrics, sim.WithSeed(1), sim.WithClock(clock), sim.WithFileSize(100, 300))
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := s.Run(ctx); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {"timestamp":"2025-01-18T04:00:00.000Z","message":"etl_started","total_records":0,"total_files":0,"total_failures":0}
	// {"timestamp":"2025-01-18T04:00:00.000Z","message":"file_processing_started","total_records":0,"total_files":0,"total_failures":0,"file_id":"file_000001","records_expected":106}
	// {"timestamp":"2025-01-18T04:00:11.790Z","message":"file_processing_completed","total_records":106,"total_files":1,"total_failures":0,"file_id":"file_000001","records_processed":106,"processing_time":11.79,"current_rate":8.99}
	// {"timestamp":"2025-01-18T04:00:11.790Z","message":"file_processing_started","total_records":106,"total_files":1,"total_failures":0,"file_id":"file_000002","records_expected":130}
	// {"timestamp":"2025-01-18T04:00:24.843Z","message":"file_processing_completed","total_records":236,"total_files":2,"total_failures":0,"file_id":"file_000002","records_processed":130,"processing_time":13.05,"current_rate":9.96}
	// {"timestamp":"2025-01-18T04:00:24.843Z","message":"file_processing_started","total_records":236,"total_files":2,"total_failures":0,"file_id":"file_000003","records_expected":133}
	// {"timestamp":"2025-01-18T04:00:39.663Z","message":"file_processing_completed","total_records":369,"total_files":3,"total_failures":0,"file_id":"file_000003","records_processed":133,"processing_time":14.82,"current_rate":8.97}
	// {"timestamp":"2025-01-18T04:00:39.663Z","message":"file_processing_started","total_records":369,"total_files":3,"total_failures":0,"file_id":"file_000004","records_expected":231}
	// {"timestamp":"2025-01-18T04:00:40.663Z","message":"etl_stopped","total_records":369,"total_files":3,"total_failures":0}
}
