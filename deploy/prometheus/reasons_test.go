package prometheus_test

import (
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/cdc/debezium"
)

// The dead-letter reasons the rules' tests feed to CdcEventsFailed are reasons the consumer
// really gives (cdc.DeadLetterReasons), so a renamed reason fails here, not in production.
func TestRuleTestsUseRealDeadLetterReasons(t *testing.T) {
	raw, err := os.ReadFile("tests/cdc.test.yml")
	require.NoError(t, err)
	used := regexp.MustCompile(`reason(?:="|: )([a-z_]+)`).FindAllStringSubmatch(string(raw), -1)
	require.NotEmpty(t, used, "the CdcEventsFailed tests give their series a reason")
	for _, m := range used {
		assert.True(t, slices.Contains(cdc.DeadLetterReasons(), debezium.Reason(m[1])), "reason %q is not one of cdc.DeadLetterReasons()", m[1])
	}
}
