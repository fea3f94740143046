package configloader

import (
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExpand(t *testing.T) {
	env := map[string]string{"HOST": "db.internal", "EMPTY": "", "PORT": "5432"}
	lookup := func(name string) (string, bool) { v, ok := env[name]; return v, ok }
	tests := []struct {
		in, want             string
		substituted, fromEnv bool
		problems             []string // the found part of each problem
	}{
		{"plain", "plain", false, false, nil},
		{"${HOST}", "db.internal", true, true, nil},
		{"${HOST}:${PORT}", "db.internal:5432", true, true, nil},
		{"${MISSING:-fallback}", "fallback", true, false, nil},
		{"${EMPTY:-fallback}", "fallback", true, false, nil},
		{"${EMPTY}", "", true, false, nil},
		{"${HOST:-fallback}", "db.internal", true, true, nil},
		{"${MISSING:-}", "", true, false, nil},
		{"${MISSING:-a:-b}", "a:-b", true, false, nil},
		{"${MISSING:-{x}", "{x", true, false, nil},
		{"$$", "$", false, false, nil},
		{"$${HOST}", "${HOST}", false, false, nil},
		{"$$$${HOST}", "$${HOST}", false, false, nil},
		{"$$${HOST}", "$db.internal", true, true, nil},
		{"cost: $5", "cost: $5", false, false, nil},
		{"trailing $", "trailing $", false, false, nil},
		{"$HOST", "$HOST", false, false, nil},
		{"${MISSING}", "", true, false, []string{"${MISSING}, and MISSING is not set"}},
		{"${A}${B}", "", true, false, []string{"${A}, and A is not set", "${B}, and B is not set"}},
		{"${}", "", false, false, []string{`a ${} reference to "", which is not a variable name`}},
		{"${1ABC}", "", false, false, []string{`a ${} reference to "1ABC", which is not a variable name`}},
		{"${A-B}", "", false, false, []string{`a ${} reference to "A-B", which is not a variable name`}},
		{"x${HOST", "x${HOST", false, false, []string{"a ${ without a closing }"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			e := expand(tt.in, lookup, false, 1<<20)
			var found []string
			for _, p := range e.problems {
				found = append(found, p.found)
				assert.NotEmpty(t, p.allowed)
			}
			assert.Equal(t, tt.problems, found)
			if len(tt.problems) == 0 {
				assert.Equal(t, tt.want, e.text)
			}
			assert.Equal(t, tt.substituted, e.substituted)
			assert.Equal(t, tt.fromEnv, e.fromEnv)
		})
	}
}

func TestExpandSecretProblems(t *testing.T) {
	e := expand("pa${ss word}", func(string) (string, bool) { return "", false }, true, 1<<20)
	assert.Equal(t, []expandProblem{{found: "a ${} reference whose name is not a variable name", allowed: allowedReference}}, e.problems)
}

// TestItem14ExpandsEachValueOnce checks that a value used through many aliases is expanded once
// (issue 11, item 14): the variable is looked up once and every use shares the same text.
func TestItem14ExpandsEachValueOnce(t *testing.T) {
	lookups := 0
	lookup := func(name string) (string, bool) {
		lookups++
		return "db.internal", true
	}
	var b strings.Builder
	b.WriteString("x-host: &host '${HOST}:${PORT:-5432}'\nsources:\n")
	for i := range 100 {
		fmt.Fprintf(&b, "  s%d: {database_type: postgres, connection: {host: *host}}\n", i)
	}
	c := &checker{file: "sources.yaml", lookup: lookup}
	cfg := c.config(c.document([]byte(b.String())))
	require.NoError(t, c.result("sources.yaml"))
	require.Len(t, cfg.Sources, 100)
	assert.Equal(t, 2, lookups, "HOST and PORT, once each")
	first := cfg.Sources["s0"].Connection.Host
	assert.Equal(t, "db.internal:db.internal", first)
	for name, s := range cfg.Sources {
		assert.Same(t, unsafe.StringData(first), unsafe.StringData(s.Connection.Host), "%s shares the expansion", name)
	}
}

func TestExpandLimit(t *testing.T) {
	lookup := func(string) (string, bool) { return "12345", true }
	assert.Equal(t, "12345-12345", expand("${A}-${A}", lookup, false, 11).text)
	for _, limit := range []int{0, 5, 10} {
		e := expand("${A}-${A}", lookup, false, limit)
		assert.True(t, e.tooLarge, "limit %d", limit)
		assert.Empty(t, e.text)
	}
	assert.True(t, expand("plain", lookup, false, 4).tooLarge)
	assert.True(t, expand("$${A}", lookup, false, 3).tooLarge)
	assert.Equal(t, "${A}", expand("$${A}", lookup, false, 4).text)
	assert.True(t, expand("${MISSING:-123456}", func(string) (string, bool) { return "", false }, false, 5).tooLarge)
}
