// Package cliusage gives the example programs' -h one shape: what the program does, one example
// command and the exit codes, then the flags.
package cliusage

import (
	"flag"
	"fmt"
)

// Set makes fs's usage print text (what the program does, an example, the exit codes; it
// should end with a newline), then "Flags:" and the flags with their defaults.
func Set(fs *flag.FlagSet, text string) {
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), text)
		fmt.Fprintln(fs.Output(), "\nFlags:")
		fs.PrintDefaults()
	}
}
