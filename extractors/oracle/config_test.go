package oracle

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/etlwatch/etlwatch/configloader"
)

// connection.schema picks the owner; WithSchema wins over it; an empty WithSchema keeps it.
func TestOwnerFromConfig(t *testing.T) {
	src := &configloader.Source{Connection: configloader.Connection{Schema: "SALES"}}
	assert.Equal(t, "SALES", newConfig(FromSource(src), nil).owner)
	assert.Equal(t, "HR", newConfig(FromSource(src), []Option{WithSchema("HR")}).owner)
	assert.Equal(t, "SALES", newConfig(FromSource(src), []Option{WithSchema("")}).owner)
	assert.Empty(t, newConfig(FromSource(&configloader.Source{}), nil).owner, "none: the connection user's, at Open")
}
