package cdc_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/cdc"
)

// Every dead-letter reason is documented where a user looks for it: the package doc and the
// CdcEventsFailed runbook. The reasons are stable values, each listed once.
func TestDeadLetterReasonsDocumented(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	runbooks, err := os.ReadFile("../docs/runbooks.md")
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, r := range cdc.DeadLetterReasons() {
		assert.False(t, seen[string(r)], "%s listed twice", r)
		seen[string(r)] = true
		assert.Contains(t, string(doc), string(r), "cdc/doc.go lists %s", r)
		assert.Contains(t, string(runbooks), "| `"+string(r)+"` |", "docs/runbooks.md (CdcEventsFailed) lists %s", r)
	}
	assert.Len(t, seen, 18)
}
