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
	tooLarge    bool // the text would be longer than the limit given to expand; text is then empty
	problems    []expandProblem
}

// expand replaces ${NAME} with the value of the environment variable NAME, ${NAME:-default} with
// its value or, when it is unset or empty, with default (taken literally up to the first }), and
// $$ with $. A $ followed by anything else is kept. The problems never quote s, which may be a
// secret; they name the variables, and when secret is set not even a malformed name.
//
// The text is at most limit bytes: expand stops as soon as it would be longer and reports
// tooLarge, so that a value that names a large variable many times costs no more than limit.
func expand(s string, lookup func(string) (string, bool), secret bool, limit int) expansion {
	if !strings.Contains(s, "$") {
		if len(s) > limit {
			return expansion{tooLarge: true}
		}
		return expansion{text: s}
	}
	// The text is gathered as parts, each a piece of s or a variable's value, and joined once
	// when its length is known to be within limit.
	var e expansion
	var parts []string
	size := 0
	add := func(p string) bool {
		size += len(p)
		parts = append(parts, p)
		return size <= limit
	}
	lit := 0 // the start of the literal text not yet added
	for i := 0; i < len(s); {
		if s[i] != '$' || i+1 >= len(s) {
			i++
			continue
		}
		switch s[i+1] {
		case '$':
			if !add(s[lit : i+1]) { // up to and with one $
				return expansion{tooLarge: true}
			}
			i += 2
			lit = i
			continue
		case '{':
		default:
			i++
			continue
		}
		if !add(s[lit:i]) {
			return expansion{tooLarge: true}
		}
		lit = i
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 {
			e.problems = append(e.problems, expandProblem{found: "a ${ without a closing }", allowed: allowedReference})
			break
		}
		ref := s[i+2 : i+2+end]
		i += 2 + end + 1
		lit = i
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
			if !add(def) {
				return expansion{tooLarge: true}
			}
		case ok:
			if !add(v) {
				return expansion{tooLarge: true}
			}
			e.fromEnv = e.fromEnv || v != ""
		default:
			e.problems = append(e.problems, expandProblem{
				found:   "${" + name + "}, and " + name + " is not set",
				allowed: "set " + name + ", or give a default: ${" + name + ":-default}",
			})
		}
	}
	if !add(s[lit:]) {
		return expansion{tooLarge: true}
	}
	e.text = strings.Join(parts, "")
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
