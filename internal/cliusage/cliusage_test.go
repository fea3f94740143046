package cliusage_test

import (
	"bytes"
	"flag"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/etlwatch/etlwatch/internal/cliusage"
)

func TestSet(t *testing.T) {
	fs := flag.NewFlagSet("prog", flag.ContinueOnError)
	var out bytes.Buffer
	fs.SetOutput(&out)
	fs.Int("n", 1, "how many")
	cliusage.Set(fs, "prog does things.\n\nExample:\n  prog -n 2\n\nExit codes: 0 done.\n")
	assert.ErrorIs(t, fs.Parse([]string{"-h"}), flag.ErrHelp)
	assert.Equal(t, "prog does things.\n\nExample:\n  prog -n 2\n\nExit codes: 0 done.\n\nFlags:\n  -n int\n    \thow many (default 1)\n", out.String())
	fs.SetOutput(io.Discard)
}
