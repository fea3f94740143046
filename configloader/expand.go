package configloader

import (
	"strings"
)

// expandProblem is one reference in a value that could not be expanded.
type expandProblem struct {
	found, allowed string
}

// allowedReference says how a reference is written, for the errors of [expand].
const allowedReference = "${NAME} or ${NAME:-default}, where NAME is letters, digits and _ and does not " +
	"start with a digit; $$ for a literal $"

// expansion is the result of [expand].
type expansion struct {
	text        string
	substituted bool // a reference was replaced: the caller resolves the text's type again
	fromEnv     bool // the text holds the value of a variable, which error messages must not show
	problems    []expandProblem
}

// expand replaces ${NAME} with the value of the environment variable NAME, ${NAME:-default} with
// its value or, when it is unset or empty, with default (taken literally up to the first }), and
// $$ with $. A $ followed by anything else is kept. The problems never quote s, which may be a
// secret; they name the variables, and when secret is set not even a malformed name.
func expand(s string, lookup func(string) (string, bool), secret bool) expansion {
	if !strings.Contains(s, "$") {
		return expansion{text: s}
	}
	var e expansion
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != '$' || i+1 >= len(s) {
			b.WriteByte(c)
			i++
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i += 2
			continue
		case '{':
		default:
			b.WriteByte('$')
			i++
			continue
		}
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 {
			e.problems = append(e.problems, expandProblem{found: "a ${ without a closing }", allowed: allowedReference})
			b.WriteString(s[i:])
			break
		}
		ref := s[i+2 : i+2+end]
		i += 2 + end + 1
		name, def, hasDefault := strings.Cut(ref, ":-")
		if !validName(name) {
			found := "a ${} reference to " + quoteName(name) + ", which is not a variable name"
			if secret {
				found = "a ${} reference whose name is not a variable name"
			}
			e.problems = append(e.problems, expandProblem{found: found, allowed: allowedReference})
			continue
		}
		e.substituted = true
		v, ok := lookup(name)
		switch {
		case hasDefault && (!ok || v == ""):
			b.WriteString(def)
		case ok:
			b.WriteString(v)
			e.fromEnv = e.fromEnv || v != ""
		default:
			e.problems = append(e.problems, expandProblem{
				found:   "${" + name + "}, and " + name + " is not set",
				allowed: "set " + name + ", or give a default: ${" + name + ":-default}",
			})
		}
	}
	e.text = b.String()
	return e
}

// validName reports whether name is an environment variable name as ${} takes it.
func validName(name string) bool {
	if name == "" || len(name) > 256 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// quoteName quotes what stood between ${ and }, shortened, for an error message.
func quoteName(name string) string {
	if len(name) > 32 {
		return quote(name[:32] + "...")
	}
	return quote(name)
}
