package configloader

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	// go.yaml.in/yaml/v3 rather than github.com/goccy/go-yaml: decoding into a yaml.Node gives one
	// uniform tree with the resolved tag and the line and column of every key and value, keeps
	// aliases as nodes (never expanded, so an alias bomb costs nothing until we walk it, and our
	// walk is budgeted), and leaves duplicate keys in place so that all of them are reported
	// together. Its parser is the long-fuzzed libyaml port. goccy's parser stops at the first
	// duplicate key and its error text quotes the offending source line, which could hold a secret.
	// The cost: YAML syntax errors carry a line but no column.
	yaml "go.yaml.in/yaml/v3"
)

const (
	// MaxFileSize is the largest sources.yaml accepted, 1 MiB.
	MaxFileSize = 1 << 20
	// MaxErrors is how many mistakes a [LoadError] lists before checking stops.
	MaxErrors = 100
	// maxVisits bounds the values the checks visit, counting each use of an alias again, so that
	// an alias bomb ("billion laughs") ends with an error instead of exhausting time or memory.
	maxVisits = 200_000
	// maxMergeDepth bounds merge keys (<<) that merge mappings that merge mappings.
	maxMergeDepth = 8
	// MaxExpandedSize bounds the bytes of the keys and values checking reads, 8 MiB: each value
	// counts with its ${} references expanded, and each use of an alias (*name) counts again. A
	// file within [MaxFileSize] that uses no alias and no variable stays well under it; a value
	// that names a large variable, used many times, or an alias bomb of long strings ends with a
	// [FieldError] at the value that went over, instead of exhausting memory.
	MaxExpandedSize = 8 << 20
)

// YAML tags of resolved scalars.
const (
	tagNull  = "!!null"
	tagBool  = "!!bool"
	tagInt   = "!!int"
	tagFloat = "!!float"
	tagStr   = "!!str"
	tagMerge = "!!merge"
)

// checker walks a parsed sources.yaml, collecting every mistake.
type checker struct {
	file    string // for FieldError.File
	lookup  func(string) (string, bool)
	errs    []*FieldError
	visits  int
	size    int  // bytes of keys and values read, counted against MaxExpandedSize
	stopped bool // too many mistakes, visits or bytes: no more checks
	full    bool // stopped because of MaxErrors
	// expanded holds the expansion of each scalar already read, so that a value used through many
	// aliases is expanded (and allocated) once.
	expanded map[expandKey]expanded
}

// expanded is the expansion of a scalar and the tag of its text.
type expanded struct {
	expansion
	tag string
}

// expandKey names one expansion of a scalar: its node, and whether it was read as a secret
// (which changes the wording of its problems).
type expandKey struct {
	node   *yaml.Node
	secret bool
}

// fail records a mistake at n (with no position when n is nil). Nothing is recorded once the checker
// has stopped; the MaxErrors+1st mistake stops it.
func (c *checker) fail(n *yaml.Node, path, found, hint, allowed string) {
	if c.stopped {
		return
	}
	if len(c.errs) >= MaxErrors {
		c.stopped, c.full = true, true
		return
	}
	line, col := 0, 0
	if n != nil {
		line, col = n.Line, n.Column
	}
	c.errs = append(c.errs, newFieldError(c.file, line, col, path, found, hint, allowed))
}

// visit counts one value against maxVisits and reports whether checking goes on.
func (c *checker) visit(n *yaml.Node, path string) bool {
	if c.stopped {
		return false
	}
	c.visits++
	if c.visits > maxVisits {
		c.fail(n, path, fmt.Sprintf("more than %d values to check, counting each use of an alias", maxVisits),
			"", "a smaller file, or fewer nested aliases (*name)")
		c.stopped = true
		return false
	}
	return true
}

// charge counts bytes against MaxExpandedSize and reports whether checking goes on. Going over
// is a mistake at n, and stops the checks.
func (c *checker) charge(n *yaml.Node, path string, bytes int) bool {
	if c.stopped {
		return false
	}
	if bytes > MaxExpandedSize-c.size {
		c.fail(n, path, fmt.Sprintf("more than %d bytes (%d MiB) of keys and values, "+
			"counting ${} references expanded and each use of an alias again", MaxExpandedSize, MaxExpandedSize>>20),
			"", "a smaller file, fewer uses of aliases (*name) of long values, or shorter environment variables")
		c.stopped = true
		return false
	}
	c.size += bytes
	return true
}

// result returns the mistakes as a *LoadError sorted by position, or nil.
func (c *checker) result(path string) error {
	if len(c.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(c.errs, func(a, b *FieldError) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return &LoadError{Path: path, Errors: c.errs, Truncated: c.full}
}

// document parses data, which holds at most one YAML document, into its root node: nil for an
// empty document, after recording the mistake.
func (c *checker) document(data []byte) *yaml.Node {
	if len(data) > MaxFileSize {
		c.fail(nil, "", fmt.Sprintf("a file of %d bytes", len(data)), "", fmt.Sprintf("at most %d bytes", MaxFileSize))
		return nil
	}
	doc, second, err := decode(data)
	switch {
	case err != nil:
		c.syntaxError(data, err)
		return nil
	case doc == nil:
		c.fail(nil, "", "an empty file", "", allowedFile)
		return nil
	case second != nil:
		c.fail(second, "", "a second YAML document", "", "one document")
		return nil
	case doc.Kind != yaml.DocumentNode || len(doc.Content) == 0:
		c.fail(doc, "", "an empty document", "", allowedFile)
		return nil
	}
	return doc.Content[0]
}

// decode parses the first document of data, and the second if there is one. doc is nil for an
// empty file.
func decode(data []byte) (doc, second *yaml.Node, err error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	doc = new(yaml.Node)
	if err := dec.Decode(doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, nil
		}
		return nil, nil, err
	}
	second = new(yaml.Node)
	if err := dec.Decode(second); err != nil {
		if errors.Is(err, io.EOF) {
			return doc, nil, nil
		}
		return nil, nil, err
	}
	return doc, second, nil
}

// syntaxLine matches the "line N: " that yaml.v3 puts in its syntax errors.
var syntaxLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// splitSyntaxError returns the line and the problem of a yaml.v3 syntax error.
func splitSyntaxError(err error) (line int, problem string) {
	msg := err.Error()
	if m := syntaxLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		return line, m[2]
	}
	return 0, strings.TrimPrefix(msg, "yaml: ")
}

// syntaxError records a YAML syntax error. yaml.v3's messages never quote the document, but for
// a parser error they name the line where the enclosing mapping or list starts, often the first
// line of the file. The line reported is instead the first whose prefix of the file fails with
// the same problem, found by bisection; yaml.v3's line stands when that search does not settle.
func (c *checker) syntaxError(data []byte, err error) {
	line, problem := splitSyntaxError(err)
	if l := firstFailingLine(data, problem); l > 0 {
		line = l
	}
	c.fail(&yaml.Node{Line: line}, "", "invalid YAML: "+problem, "", "")
}

// firstFailingLine returns the smallest n such that the first n lines of data fail to parse with
// problem, or 0.
func firstFailingLine(data []byte, problem string) int {
	var ends []int // ends[i] is the length of the first i+1 lines
	for i, b := range data {
		if b == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(ends) == 0 || ends[len(ends)-1] != len(data) {
		ends = append(ends, len(data))
	}
	fails := func(i int) bool {
		_, _, err := decode(data[:ends[i]])
		if err == nil {
			return false
		}
		_, p := splitSyntaxError(err)
		return p == problem
	}
	if !fails(len(ends) - 1) {
		return 0
	}
	return sort.Search(len(ends), fails) + 1
}

// resolve follows aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 8; i++ {
		n = n.Alias
	}
	return n
}

// isNull reports whether n is absent, null, ~ or empty.
func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n == nil || n.Kind == yaml.AliasNode || (n.Kind == yaml.ScalarNode && n.Tag == tagNull)
}

// pair is one key of a mapping, with the merge keys (<<) applied.
type pair struct {
	name       string
	key, value *yaml.Node
}

// pairs returns the keys of mapping m: its own, then those merged with <<: *alias (or a list of
// aliases) that it does not set itself, in the YAML merge-key order. Duplicate keys are reported.
func (c *checker) pairs(m *yaml.Node, path string) []pair {
	var out []pair
	c.collect(m, path, 0, map[string]bool{}, &out)
	return out
}

func (c *checker) collect(m *yaml.Node, path string, depth int, taken map[string]bool, out *[]pair) {
	var merges []*yaml.Node
	own := make(map[string]*yaml.Node, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if !c.visit(k, path) {
			return
		}
		if rk := resolve(k); rk != nil && rk.Kind == yaml.ScalarNode && !c.charge(k, path, len(rk.Value)) {
			return
		}
		if k.Kind == yaml.ScalarNode && k.Tag == tagMerge {
			merges = append(merges, v)
			continue
		}
		rk := resolve(k)
		if rk == nil || rk.Kind != yaml.ScalarNode || rk.Tag == tagNull || rk.Value == "" {
			c.fail(k, path, "a key that is "+describe(k, false), "", "a name")
			continue
		}
		name := rk.Value
		if first, dup := own[name]; dup {
			c.fail(k, joinPath(path, name), "the key "+quote(name)+" a second time",
				fmt.Sprintf("first at line %d, column %d", first.Line, first.Column), "each key once")
			continue
		}
		own[name] = k
		if taken[name] {
			continue // set by the mapping that merges this one
		}
		taken[name] = true
		*out = append(*out, pair{name: name, key: k, value: v})
	}
	for _, mv := range merges {
		c.merge(mv, path, depth, taken, out)
	}
}

// merge applies the value of one merge key.
func (c *checker) merge(mv *yaml.Node, path string, depth int, taken map[string]bool, out *[]pair) {
	const allowed = "an alias to a mapping, such as <<: *defaults, or a list of them"
	t := resolve(mv)
	var targets []*yaml.Node
	switch {
	case t != nil && t.Kind == yaml.MappingNode:
		targets = []*yaml.Node{t}
	case t != nil && t.Kind == yaml.SequenceNode:
		for _, e := range t.Content {
			targets = append(targets, resolve(e))
		}
	default:
		c.fail(mv, joinPath(path, "<<"), describe(mv, false), "", allowed)
		return
	}
	for _, tm := range targets {
		if tm == nil || tm.Kind != yaml.MappingNode {
			c.fail(mv, joinPath(path, "<<"), "a list holding "+describe(tm, false), "", allowed)
			return
		}
	}
	for _, tm := range targets {
		switch {
		case depth >= maxMergeDepth:
			c.fail(mv, joinPath(path, "<<"), fmt.Sprintf("merges nested more than %d deep", maxMergeDepth), "", allowed)
			return
		default:
			c.collect(tm, path, depth+1, taken, out)
		}
	}
}

// entries calls each for every key of the mapping at n. A null n is an absent mapping; anything
// else that is not a mapping is a mistake, described by allowed.
func (c *checker) entries(n *yaml.Node, path, allowed string, each func(p pair, path string)) {
	if isNull(n) || !c.visit(n, path) {
		return
	}
	m := resolve(n)
	if m.Kind != yaml.MappingNode {
		c.fail(n, path, describe(n, false), "", allowed)
		return
	}
	for _, p := range c.pairs(m, path) {
		if c.stopped {
			return
		}
		each(p, joinPath(path, p.name))
	}
}

// fields calls set for each key of the mapping at n that is one of keys, and reports the others
// with a suggestion.
func (c *checker) fields(n *yaml.Node, path string, keys []string, set func(key string, v *yaml.Node, path string)) {
	allowed := "a mapping with the keys " + strings.Join(keys, ", ")
	c.entries(n, path, allowed, func(p pair, fpath string) {
		if slices.Contains(keys, p.name) {
			set(p.name, p.value, fpath)
			return
		}
		c.unknownKey(p, fpath, keys)
	})
}

// unknownKey reports a key that is not one of keys.
func (c *checker) unknownKey(p pair, path string, keys []string) {
	c.fail(p.key, path, "unknown key "+quote(p.name), suggest(p.name, keys), strings.Join(keys, ", "))
}

// scalar is a scalar value after ${} expansion.
type scalar struct {
	node        *yaml.Node // the value as written (an alias is resolved)
	text        string     // after expansion
	tag         string     // resolved tag of text
	substituted bool       // a ${} reference was replaced
	fromEnv     bool       // text holds the value of an environment variable
}

// scalar reads the scalar at n and expands it. ok is false when n is null, or empty after
// expansion (both mean absent), and when there was a mistake, which is recorded. allowed describes
// the field, for the wrong-type error.
func (c *checker) scalar(n *yaml.Node, path, allowed string, secret bool) (s scalar, ok bool) {
	if isNull(n) || !c.visit(n, path) {
		return s, false
	}
	r := resolve(n)
	if r.Kind != yaml.ScalarNode {
		c.fail(n, path, describe(n, secret), "", allowed)
		return s, false
	}
	e := c.expand(r, secret)
	size := len(e.text)
	if e.tooLarge {
		size = MaxExpandedSize + 1
	}
	if !c.charge(n, path, size) {
		return s, false
	}
	for _, pr := range e.problems {
		c.fail(n, path, pr.found, "", pr.allowed)
	}
	if len(e.problems) > 0 {
		return s, false
	}
	s = scalar{node: r, text: e.text, tag: e.tag, substituted: e.substituted, fromEnv: e.fromEnv}
	if s.tag == tagNull || e.text == "" {
		return s, false
	}
	return s, true
}

// expand expands the scalar r once, however many aliases use it: later calls return the same
// text, without allocating it again. tag is r's tag, or the tag of the text when a reference was
// replaced.
func (c *checker) expand(r *yaml.Node, secret bool) expanded {
	key := expandKey{r, secret}
	if e, ok := c.expanded[key]; ok {
		return e
	}
	e := expanded{expansion: expand(r.Value, c.lookup, secret, MaxExpandedSize-c.size), tag: r.Tag}
	if e.tooLarge {
		return e // checking stops
	}
	if e.substituted {
		e.tag = resolvePlain(e.text)
	}
	if c.expanded == nil {
		c.expanded = map[expandKey]expanded{}
	}
	c.expanded[key] = e
	return e
}

// numberBytes are the bytes of the texts strconv.ParseInt and strconv.ParseFloat accept:
// digits, signs, points, exponents, hexadecimal digits and prefixes, underscores, Inf and NaN.
const numberBytes = "0123456789+-._eEpPxXabcdfABCDFiInNtTyY"

// resolvePlain is the YAML 1.2 core schema tag of text as a plain scalar, for values produced by
// ${} expansion.
func resolvePlain(text string) string {
	switch text {
	case "", "~", "null", "Null", "NULL":
		return tagNull
	case "true", "True", "TRUE", "false", "False", "FALSE":
		return tagBool
	}
	if strings.Trim(text, numberBytes) != "" {
		return tagStr // not a number, and strconv need not copy a long text into its error
	}
	if _, err := strconv.ParseInt(text, 10, 64); err == nil {
		return tagInt
	}
	if _, err := strconv.ParseFloat(text, 64); err == nil && strings.ContainsAny(text, "0123456789") {
		return tagFloat
	}
	return tagStr
}

// found describes s for an error message. A string that holds the value of an environment
// variable is described, not quoted, as variables often hold credentials: it is shown with the
// reference it came from instead.
func (s scalar) found(secret bool) string {
	d := describeScalar(s.text, s.tag, secret || (s.fromEnv && s.tag == tagStr))
	if s.substituted && !secret {
		d += " (from " + quote(s.node.Value) + ")"
	}
	return d
}

// str reads a string field: any scalar is taken as its text.
func (c *checker) str(n *yaml.Node, path string) (string, bool) {
	s, ok := c.scalar(n, path, "a string", false)
	return s.text, ok
}

// secretStr reads a secret; mistakes do not show its value.
func (c *checker) secretStr(n *yaml.Node, path string) (Secret, bool) {
	s, ok := c.scalar(n, path, "a string", true)
	return Secret(s.text), ok
}

// integer reads an integer from lo to hi.
func (c *checker) integer(n *yaml.Node, path string, lo, hi int, allowed string) (int, bool) {
	s, ok := c.scalar(n, path, allowed, false)
	if !ok {
		return 0, false
	}
	if s.tag != tagInt {
		c.fail(n, path, s.found(false), "", allowed)
		return 0, false
	}
	v, err := strconv.ParseInt(s.text, 0, 64)
	if err != nil || v < int64(lo) || v > int64(hi) {
		c.fail(n, path, s.found(false), "", allowed)
		return 0, false
	}
	return int(v), true
}

// number reads a float from lo to hi.
func (c *checker) number(n *yaml.Node, path string, lo, hi float64, allowed string) (float64, bool) {
	s, ok := c.scalar(n, path, allowed, false)
	if !ok {
		return 0, false
	}
	if s.tag != tagInt && s.tag != tagFloat {
		c.fail(n, path, s.found(false), "", allowed)
		return 0, false
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(s.text, "_", ""), 64)
	if err != nil || !(v >= lo && v <= hi) { // also rejects NaN
		c.fail(n, path, s.found(false), "", allowed)
		return 0, false
	}
	return v, true
}

// boolean reads true or false.
func (c *checker) boolean(n *yaml.Node, path string) (bool, bool) {
	const allowed = "true or false"
	s, ok := c.scalar(n, path, allowed, false)
	if !ok {
		return false, false
	}
	v, err := strconv.ParseBool(s.text)
	if s.tag != tagBool || err != nil {
		c.fail(n, path, s.found(false), "", allowed)
		return false, false
	}
	return v, true
}

// enum reads one of options.
func (c *checker) enum(n *yaml.Node, path string, options []string) (string, bool) {
	allowed := orList(options)
	s, ok := c.scalar(n, path, allowed, false)
	if !ok {
		return "", false
	}
	if slices.Contains(options, s.text) {
		return s.text, true
	}
	found, hint := quote(s.text), suggest(s.text, options)
	if s.fromEnv {
		found, hint = s.found(false), ""
	} else if s.substituted {
		found += " (from " + quote(s.node.Value) + ")"
	}
	c.fail(n, path, found, hint, allowed)
	return "", false
}

// list reads a list, calling item for each element.
func (c *checker) list(n *yaml.Node, path, allowed string, item func(i int, v *yaml.Node, path string)) bool {
	if isNull(n) || !c.visit(n, path) {
		return false
	}
	seq := resolve(n)
	if seq.Kind != yaml.SequenceNode {
		c.fail(n, path, describe(n, false), "", allowed)
		return false
	}
	for i, e := range seq.Content {
		if c.stopped {
			return false
		}
		item(i, e, path+"["+strconv.Itoa(i)+"]")
	}
	return true
}

// strList reads a list of distinct non-empty strings; what names one, such as "table name", and
// whats several.
func (c *checker) strList(n *yaml.Node, path, what, whats string) ([]string, bool) {
	allowed := "a list of " + whats + ", such as [A, B]"
	var out []string
	seen := map[string]*yaml.Node{}
	ok := c.list(n, path, allowed, func(_ int, e *yaml.Node, ipath string) {
		s, ok := c.scalar(e, ipath, "a "+what, false)
		switch {
		case !ok && isNull(e):
			c.fail(e, ipath, "nothing", "", "a "+what)
		case !ok:
		case seen[s.text] != nil:
			first := seen[s.text]
			c.fail(e, ipath, quote(s.text)+" a second time",
				fmt.Sprintf("first at line %d, column %d", first.Line, first.Column), "each "+what+" once")
		default:
			seen[s.text] = e
			out = append(out, s.text)
		}
	})
	return out, ok
}

// describe says what n is, for an error message, without showing a secret's value.
func describe(n *yaml.Node, secret bool) string {
	n = resolve(n)
	switch {
	case n == nil:
		return "nothing"
	case n.Kind == yaml.MappingNode && len(n.Content) == 0:
		return "an empty mapping"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode && len(n.Content) == 0:
		return "an empty list"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Kind == yaml.ScalarNode:
		return describeScalar(n.Value, n.Tag, secret)
	}
	return "an alias"
}

// describeScalar says what a scalar is: numbers and booleans as written, strings quoted.
func describeScalar(text, tag string, secret bool) string {
	switch {
	case tag == tagNull:
		return "nothing"
	case secret:
		return fmt.Sprintf("a string of %d characters", utf8.RuneCountInString(text))
	case tag == tagStr:
		return "the string " + quote(text)
	case tag == tagInt || tag == tagFloat || tag == tagBool:
		return truncate(text)
	}
	return "a " + strings.TrimPrefix(tag, "!!") + " value " + quote(text)
}

// quote returns s double-quoted, shortened to 40 characters.
func quote(s string) string {
	return strconv.Quote(truncate(s))
}

// truncate shortens s to 40 characters. It reads no further than the 41st, however long s is.
func truncate(s string) string {
	const max = 40
	for i, n := 0, 0; i < len(s); n++ {
		if n == max {
			return strings.ToValidUTF8(s[:i], "\uFFFD") + "..."
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s
}

// joinPath appends key to a dotted path.
func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// orList returns "a, b or c".
func orList(options []string) string {
	if len(options) < 2 {
		return strings.Join(options, "")
	}
	return strings.Join(options[:len(options)-1], ", ") + " or " + options[len(options)-1]
}
