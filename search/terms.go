package search

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Term weights: a gram of the title counts more than one of the brand, and
// a whole word matched adds to its grams.
const (
	weightTitleGram = 2
	weightBrandGram = 1
	weightTitleWord = 4
	weightBrandWord = 2
)

// wordPrefix marks whole-word terms, so they never collide with grams.
const wordPrefix = "="

// maxTermRunes bounds a stored term (the column is VARCHAR(32)); longer
// words are indexed by their grams and their first maxTermRunes-1 runes.
const maxTermRunes = 31

// maxQueryWords bounds how many words of a query are searched.
const maxQueryWords = 8

// words splits s into lower-case NFKC words of letters and digits.
func words(s string) []string {
	s = strings.ToLower(norm.NFKC.String(s))
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) })
}

// grams is every two-rune substring of word; a one-rune word is its own gram.
func grams(word string) []string {
	r := []rune(word)
	if len(r) < 2 {
		return []string{word}
	}
	out := make([]string, 0, len(r)-1)
	for i := 0; i+1 < len(r); i++ {
		out = append(out, string(r[i:i+2]))
	}
	return out
}

func wordTerm(w string) string {
	r := []rune(w)
	if len(r) > maxTermRunes {
		r = r[:maxTermRunes]
	}
	return wordPrefix + string(r)
}

// Terms are a product's search terms and their weights: the grams and
// words of its title and brand (a term in both gets both weights).
func Terms(title, brand string) map[string]int {
	out := map[string]int{}
	add := func(text string, gramW, wordW int) {
		seen := map[string]bool{}
		for _, w := range words(text) {
			for _, t := range append(grams(w), wordTerm(w)) {
				if seen[t] {
					continue
				}
				seen[t] = true
				if t[:1] == wordPrefix {
					out[t] += wordW
				} else {
					out[t] += gramW
				}
			}
		}
	}
	add(title, weightTitleGram, weightTitleWord)
	add(brand, weightBrandGram, weightBrandWord)
	return out
}

// Query is a parsed search: the grams a product must all have, and the
// query's whole-word terms (the API ranks by where the rarest gram
// matched and does not use them yet).
type Query struct {
	Grams []string
	Words []string
}

// ParseQuery normalizes q as Terms does. An empty Query (no letters or
// digits) matches nothing.
func ParseQuery(q string) Query {
	var out Query
	seen := map[string]bool{}
	ws := words(q)
	if len(ws) > maxQueryWords {
		ws = ws[:maxQueryWords]
	}
	for _, w := range ws {
		for _, g := range grams(w) {
			if !seen[g] {
				seen[g] = true
				out.Grams = append(out.Grams, g)
			}
		}
		if t := wordTerm(w); !seen[t] {
			seen[t] = true
			out.Words = append(out.Words, t)
		}
	}
	return out
}

// Empty reports whether the query has nothing to search for.
func (q Query) Empty() bool { return len(q.Grams) == 0 }
