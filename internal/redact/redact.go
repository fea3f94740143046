package redact

import (
	"cmp"
	"errors"
	"net/url"
	"slices"
	"strings"
)

// Mask replaces what is hidden. configloader.Redacted is the same text.
const Mask = "[REDACTED]"

// minSecret is the shortest secret [Error] searches an error's text for: a shorter one would
// match ordinary words.
const minSecret = 4

// keyWords are the parts of a parameter or option name that make it a credential, once the name
// is lowercased and stripped of everything but letters and digits.
var keyWords = []string{"pass", "pwd", "secret", "token", "key", "credential", "auth", "signature",
	"cookie", "bearer", "jwt"}

// keyNames are short names that are credentials only as a whole (Azure's SAS sig, pw).
var keyNames = []string{"sig", "pw"}

// Key reports whether an option or parameter name looks like it holds a credential, such as
// password, sslpassword, PWD, access_key, api-key, X-Amz-Security-Token, token or client_secret.
// It errs on the side of masking.
func Key(name string) bool {
	norm := strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			return r
		case 'A' <= r && r <= 'Z':
			return r + 'a' - 'A'
		}
		return -1
	}, name)
	if slices.Contains(keyNames, norm) {
		return true
	}
	for _, w := range keyWords {
		if strings.Contains(norm, w) {
			return true
		}
	}
	return false
}

// Option returns value masked for printing as the option name: [Mask] when name looks like a
// credential ([Key]), the value with its credentials masked when it is a URI, else value.
func Option(name, value string) string {
	switch {
	case value == "":
		return ""
	case Key(name):
		return Mask
	case strings.Contains(value, "://") || strings.Contains(value, "@"):
		return URI(value)
	}
	return value
}

// URI returns s with its credentials masked (see the package documentation); "" stays "".
func URI(s string) string {
	out, _ := mask(s)
	return out
}

// Secrets returns the parts of s that [URI] masks, longest first, as written and unescaped, for
// removing them from a text that may quote them; s itself comes first when it holds any.
func Secrets(s string) []string {
	_, secrets := mask(s)
	return secrets
}

// mask returns s masked and the secrets it took out.
func mask(s string) (string, []string) {
	if s == "" {
		return "", nil
	}
	var m masker
	out := m.any(s)
	if len(m.secrets) == 0 {
		return out, nil
	}
	secrets := []string{s}
	for _, sec := range m.secrets {
		secrets = append(secrets, sec)
		if u, err := url.PathUnescape(sec); err == nil && u != sec {
			secrets = append(secrets, u)
		}
		if u, err := url.QueryUnescape(sec); err == nil && u != sec {
			secrets = append(secrets, u)
		}
	}
	slices.SortStableFunc(secrets[1:], func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	return out, slices.Compact(secrets)
}

// masker masks one text, gathering what it took out.
type masker struct{ secrets []string }

func (m *masker) hide(secret string) string {
	if secret != "" {
		m.secrets = append(m.secrets, secret)
	}
	return Mask
}

// any masks a URI with a scheme, a key=value data source name, or a path.
func (m *masker) any(s string) string {
	if scheme, rest, ok := cutScheme(s); ok {
		if strings.HasPrefix(rest, "//") {
			return m.hierarchical(s, scheme, rest[2:])
		}
		switch {
		case strings.Contains(rest, "://"): // jdbc:postgresql://...
			return scheme + ":" + m.any(rest)
		case strings.Contains(rest, "@"): // user:password@tcp(host)/db, or mailto: and the like
			return scheme + ":" + m.hide(rest)
		}
		return scheme + ":" + m.tail(rest)
	}
	q := strings.IndexAny(s, "?#")
	if eq := strings.IndexByte(s, '='); eq >= 0 && (q < 0 || eq < q) {
		return m.keyValues(s)
	}
	if strings.Contains(s, "@") {
		return m.hide(s)
	}
	return m.tail(s)
}

// cutScheme splits "scheme:rest", where scheme is a letter followed by letters, digits, +, - and
// ".".
func cutScheme(s string) (scheme, rest string, ok bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return s[:i], s[i+1:], true
		default:
			return "", "", false
		}
	}
	return "", "", false
}

// hierarchical masks scheme://authority/path?query#fragment. A URI that net/url does not accept
// is masked whole but for its scheme.
func (m *masker) hierarchical(s, scheme, rest string) string {
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	auth, tail := rest[:end], rest[end:]
	if at := strings.LastIndexByte(auth, '@'); at >= 0 {
		user, host := auth[:at], auth[at+1:]
		if colon := strings.IndexByte(user, ':'); colon >= 0 {
			auth = user[:colon] + ":" + m.hide(user[colon+1:]) + "@" + host
		} else {
			auth = m.hide(user) + "@" + host
		}
	}
	out := scheme + "://" + auth + m.tail(tail)
	if _, err := url.Parse(s); err != nil {
		return scheme + "://" + m.hide(rest)
	}
	return out
}

// tail masks the credentials in the query and fragment of a path?query#fragment.
func (m *masker) tail(s string) string {
	path, frag, hasFrag := strings.Cut(s, "#")
	path, query, hasQuery := strings.Cut(path, "?")
	out := path
	if hasQuery {
		out += "?" + m.params(query)
	}
	if hasFrag {
		out += "#" + m.params(frag)
	}
	return out
}

// params masks the values of credential parameters in name=value&name=value (or ; separated).
func (m *masker) params(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		end := strings.IndexAny(s[i:], "&;")
		if end < 0 {
			end = len(s)
		} else {
			end += i
		}
		param := s[i:end]
		if name, value, ok := strings.Cut(param, "="); ok {
			unescaped, err := url.QueryUnescape(name)
			if err != nil {
				unescaped = name
			}
			if Key(unescaped) {
				param = name + "=" + m.hide(value)
			} else if strings.Contains(value, "%40") || strings.Contains(value, "@") {
				param = name + "=" + m.hide(value) // a URI with a user inside a parameter
			}
		}
		b.WriteString(param)
		if end < len(s) {
			b.WriteByte(s[end])
		}
		i = end + 1
	}
	return b.String()
}

// keyValues masks a key=value data source name: PostgreSQL's "host=db password='a b'" (values
// single-quoted with \ escapes) or an ODBC-style "Server=db;Password=pw;". A text that does not
// read as one is masked whole.
func (m *masker) keyValues(s string) string {
	var b strings.Builder
	i := 0
	space := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == ';') {
			b.WriteByte(s[i])
			i++
		}
	}
	for space(); i < len(s); space() {
		start := i
		for i < len(s) && s[i] != '=' && s[i] != ' ' && s[i] != ';' {
			i++
		}
		key := s[start:i]
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if key == "" || i >= len(s) || s[i] != '=' {
			return m.hide(s)
		}
		i++
		for i < len(s) && s[i] == ' ' {
			i++
		}
		b.WriteString(s[start:i])
		vstart := i
		if i < len(s) && (s[i] == '\'' || s[i] == '"') {
			quote := s[i]
			for i++; i < len(s) && s[i] != quote; i++ {
				if s[i] == '\\' {
					i++
				}
			}
			if i >= len(s) {
				return m.hide(s) // an unterminated quote
			}
			i++
		} else {
			for i < len(s) && s[i] != ' ' && s[i] != '\t' && s[i] != ';' {
				i++
			}
		}
		value := s[vstart:i]
		switch {
		case Key(key) && value != "":
			b.WriteString(m.hide(strings.Trim(value, `'"`)))
		case strings.Contains(value, "://"):
			b.WriteString(m.any(value))
		default:
			b.WriteString(value)
		}
	}
	return b.String()
}

// Error returns err with each of secrets (at least a few bytes long) replaced by [Mask] in its
// text, or err itself when its text holds none. The result does not unwrap to err, whose text
// holds a secret, but errors.Is sees through it, so that a caller can still tell a cancelled
// context or a missing file.
func Error(err error, secrets []string) error {
	pairs := make([][2]string, len(secrets))
	for i, s := range secrets {
		pairs[i] = [2]string{s, Mask}
	}
	return replaceError(err, pairs)
}

// URIError is [Error] for the secrets of uri, except that uri itself, where err's text quotes it
// whole, is replaced by [URI]'s masked form rather than by [Mask].
func URIError(err error, uri string) error {
	secrets := Secrets(uri)
	if len(secrets) == 0 {
		return err
	}
	pairs := [][2]string{{uri, URI(uri)}}
	for _, s := range secrets[1:] {
		pairs = append(pairs, [2]string{s, Mask})
	}
	return replaceError(err, pairs)
}

// replaceError replaces each pair's first text (when at least minSecret bytes long) by its
// second in err's text, in order.
func replaceError(err error, pairs [][2]string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	changed := false
	for _, p := range pairs {
		if len(p[0]) >= minSecret && strings.Contains(msg, p[0]) {
			msg = strings.ReplaceAll(msg, p[0], p[1])
			changed = true
		}
	}
	if !changed {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

// redactedError is an error whose text had secrets replaced.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }

// Is reports whether the original error matches target.
func (e *redactedError) Is(target error) bool { return errors.Is(e.err, target) }
