package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

// TestHelp: -h says what the program does, shows one command and the exit codes, then the flags.
func TestHelp(t *testing.T) {
	var stderr bytes.Buffer
	assert.Equal(t, 0, run(t.Context(), []string{"-h"}, io.Discard, &stderr))
	help := stderr.String()
	assert.True(t, strings.HasPrefix(help, "quickstart shows the whole SDK"), help)
	assert.Contains(t, help, "\nExample:\n  quickstart -")
	assert.Contains(t, help, "\nExit codes: 0 ")
	assert.Contains(t, help, "\nFlags:\n  -")
	for _, line := range strings.Split(help, "\n") {
		assert.LessOrEqual(t, utf8.RuneCountInString(line), 200, line)
	}
}
