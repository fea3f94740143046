package testenv_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/etlwatch/etlwatch/internal/testenv"
)

func TestToolFound(t *testing.T) {
	assert.NotEmpty(t, testenv.Tool(t, "go", "install Go"))
}

func TestRequired(t *testing.T) {
	t.Setenv(testenv.RequireServicesVariable, "1")
	assert.True(t, testenv.Required())
	t.Setenv(testenv.RequireServicesVariable, "")
	assert.False(t, testenv.Required())
}
