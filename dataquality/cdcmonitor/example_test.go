package cdcmonitor_test

import (
	"context"
	"fmt"
	"time"

	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/dataquality/cdcmonitor"
)

// The observer a consumer calls after each commit (cdc.Open(src, tables, cdc.WithObserver(obs))),
// fed here by hand: a day of commits every 10 minutes, then none for two hours.
func ExampleNew() {
	ctx := context.Background()
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	now := start
	checker := dataquality.NewChecker(dataquality.WithClock(func() time.Time { return now }))
	monitor, _ := dataquality.NewMonitor(checker, dataquality.NewMemoryHistory(), dataquality.Monitors{Volume: true, Freshness: true})
	obs, _ := cdcmonitor.New(monitor, cdcmonitor.WithTables("orders"))
	for i := range 24 * 6 {
		now = start.Add(time.Duration(i) * 10 * time.Minute)
		obs.Committed(ctx, cdc.CommitInfo{Table: "orders", Upserted: 100, CommittedAt: now})
	}
	now = now.Add(2 * time.Hour)
	for _, r := range obs.CheckFreshness(ctx) {
		fmt.Println(r.Passed, r.Observed["reason"])
	}
	// Output:
	// false 2 h is 1100% above the expected 10 min (normal range 0 h to 40 min, score 2484.9)
}
