package configloader

import (
	"testing"

	"github.com/stretchr/testify/assert"
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
			e := expand(tt.in, lookup, false)
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
	e := expand("pa${ss word}", func(string) (string, bool) { return "", false }, true)
	assert.Equal(t, []expandProblem{{found: "a ${} reference whose name is not a variable name", allowed: allowedReference}}, e.problems)
}
