package main

import (
	"fmt"
	"io"

	"github.com/etlwatch/etlwatch/lineage"
)

// printLineage reports where the load's OpenLineage events went: delivered, could not be
// delivered (the load is not affected), or lineage off.
func printLineage(w io.Writer, sum *summary) {
	if sum.loaded == nil || sum.loaded.Pipeline == nil {
		return
	}
	c := sum.loaded.Pipeline.Lineage
	if c == nil || !c.Enabled() {
		fmt.Fprintln(w, "lineage:    off (OPENLINEAGE_URL=http://127.0.0.1:5000 sends OpenLineage events to Marquez there)")
		return
	}
	for _, st := range c.Stats() {
		switch {
		case st.Failed == 0:
			fmt.Fprintf(w, "lineage:    %d OpenLineage events delivered (%s)\n", st.Delivered, st.Transport)
		default:
			var dropped string
			if st.Dropped > 0 {
				dropped = fmt.Sprintf(", %d of them dropped from a full buffer", st.Dropped)
			}
			fmt.Fprintf(w, "lineage:    could not be delivered (%s): %d of %d events failed%s, counted in %s; the load is not affected\n",
				st.Transport, st.Failed, st.Failed+st.Delivered, dropped, lineage.EventsFailedMetric)
		}
	}
}
