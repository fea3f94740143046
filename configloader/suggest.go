package configloader

import (
	"strings"
	"unicode/utf8"
)

// maxSuggestLen bounds the words [suggest] compares, so that a long key costs nothing.
const maxSuggestLen = 64

// suggest returns the option closest to got, as a hint such as `did you mean "check_row_count"?`,
// or "" when none is close. Close means equal once case, "_" and "-" are ignored, or within an
// optimal-string-alignment (Damerau-Levenshtein with adjacent transpositions) distance of about one
// edit per six characters of the option. Ties go to the earlier option.
func suggest(got string, options []string) string {
	if got == "" || len(got) > maxSuggestLen {
		return ""
	}
	norm := normalizeKey(got)
	best, bestDist := "", maxSuggestLen
	for _, opt := range options {
		if normalizeKey(opt) == norm {
			return `did you mean "` + opt + `"?`
		}
		limit := min(1+utf8.RuneCountInString(opt)/6, 3)
		if d := osaDistance(got, opt); d <= limit && d < bestDist {
			best, bestDist = opt, d
		}
	}
	if best == "" {
		return ""
	}
	return `did you mean "` + best + `"?`
}

// normalizeKey lowercases s and drops "_", "-" and spaces, so that CheckRowCount and
// check-row-count both match check_row_count.
func normalizeKey(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '_', '-', ' ':
			return -1
		}
		return toLower(r)
	}, s)
}

// toLower lowercases ASCII letters only; keys are ASCII.
func toLower(r rune) rune {
	if 'A' <= r && r <= 'Z' {
		return r + 'a' - 'A'
	}
	return r
}

// osaDistance is the optimal string alignment distance between a and b, in runes: the number of
// insertions, deletions, substitutions and transpositions of adjacent runes that turn a into b,
// with no substring edited twice.
func osaDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// Three rows of the (len(ra)+1) x (len(rb)+1) matrix: two back, one back, current.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d = min(d, prev2[j-2]+1)
			}
			cur[j] = d
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
