package etlwatch_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/etlwatch/etlwatch"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/lineage"
)

// A job's lineage: New starts its run, the job ends it with its outcome, Shutdown flushes.
// Here the events go to a writer of the caller's; a lineage: section or OPENLINEAGE_URL would
// send them to Marquez.
func ExampleWithLineageTransports() {
	cfg, _ := configloader.Parse("sources.yaml", []byte("sources:\n  shop:\n    database_type: sqlite\n"))
	src, _ := cfg.Source("shop")
	var events bytes.Buffer
	w, _ := lineage.NewWriterTransport(&events)
	p, err := etlwatch.New(context.Background(), "nightly", src, etlwatch.WithLogOutput(io.Discard),
		etlwatch.WithLineageTransports(w))
	if err != nil {
		fmt.Println(err)
		return
	}
	p.LineageRun().End(nil, lineage.Update{}) // the job's outcome: nil is COMPLETE
	_ = p.Shutdown(context.Background())

	sc := bufio.NewScanner(&events)
	for sc.Scan() {
		var ev lineage.RunEvent
		_ = json.Unmarshal(sc.Bytes(), &ev)
		fmt.Println(ev.EventType, ev.Job.Name, ev.Run.Facets.Correlation.CorrelationID == p.CorrelationID())
	}
	// Output:
	// START shop.nightly true
	// COMPLETE shop.nightly true
}

func ExampleLineageJobName() {
	fmt.Println(etlwatch.LineageJobName("shop", "bulk_load"))
	// Output: shop.bulk_load
}
