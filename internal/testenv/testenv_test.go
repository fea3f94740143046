package testenv_test

import (
	"fmt"
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

func TestJSONLines(t *testing.T) {
	testenv.JSONLines(t, "{\"a\":1}\n\n[2]\n")
	var rec recorder
	testenv.JSONLines(&rec, "{\"a\":1}\nmetrics of job x\n")
	assert.Equal(t, []string{"stdout holds a line that is not JSON: metrics of job x"}, rec.errors)
}

// recorder is a testing.TB that keeps what Errorf reports.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
