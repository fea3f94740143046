//go:build !unix

package bulkload

import "io"

// terminalWidth returns 0: the width is not known on this system, and bars assume 80 columns.
func terminalWidth(io.Writer) int { return 0 }
