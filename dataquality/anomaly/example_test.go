package anomaly_test

import (
	"fmt"
	"time"

	"github.com/etlwatch/etlwatch/dataquality/anomaly"
)

func ExampleDetect() {
	// Four weeks of nightly loads of about a million rows on weekdays and 300,000 at weekends.
	start := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC) // a Monday
	var history []anomaly.Observation
	for i := range 28 {
		at := start.AddDate(0, 0, i)
		v := 1_000_000.0 + float64(i%3)*10_000
		if wd := at.Weekday(); wd == time.Saturday || wd == time.Sunday {
			v = 300_000 + float64(i%2)*5_000
		}
		history = append(history, anomaly.Observation{At: at, Value: v})
	}
	monday := start.AddDate(0, 0, 28)
	cfg := anomaly.Config{Unit: "rows"}

	v := anomaly.Detect(history, anomaly.Observation{At: monday, Value: 200_000}, cfg)
	fmt.Println(v.Anomalous, v.Reason)
	v = anomaly.Detect(history, anomaly.Observation{At: monday, Value: 1_005_000}, cfg)
	fmt.Println(v.Anomalous, v.Reason)
	// Output:
	// true 200000 rows is 80% below the expected 1005345 rows for a Monday (normal range 904810 rows to 1105879 rows, score -198.5)
	// false 1005000 rows is within the normal range (expected 1005345 rows for a Monday, range 904810 rows to 1105879 rows)
}
