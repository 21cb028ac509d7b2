package price

import (
	"unicode"
	"unicode/utf8"
)

// currencyWord is a currency written as a word or abbreviation rather than
// a symbol or ISO code: "RM 12.90", "Rs. 499", "3.250 KD", "1 299 руб.".
type currencyWord struct {
	word string
	code string // unknownCode when only a hint can tell
	fam  family
	// fold matches ASCII letters case-insensitively ("yen", "Yen", "YEN");
	// abbreviations such as "RM" or "KD" match exactly as written.
	fold bool
	// weak words are also ordinary abbreviations ("Q4", "3 BD 2 BA" for
	// bedrooms and baths). Before a number ("R", "Q", "KD", "BD" ...) they
	// only count when the number cannot be an ordinal or a label (see
	// weakNumberOK); after it only when the number has a decimal part
	// ("3.250 KD").
	weak bool
}

// bothWays are currency words written before or after the number alike.
// Within each list below a word only has to precede another it is a prefix
// (suffixWords) or suffix (prefixWords) of, so this block can sit anywhere.
var bothWays = []currencyWord{
	{word: "KD", code: "KWD", weak: true},
	{word: "BD", code: "BHD", weak: true},
	{word: "JD", code: "JOD", weak: true},
	{word: "RO", code: "OMR", weak: true},
	{word: "LD", code: "LYD", weak: true},
	{word: "DT", code: "TND", weak: true},
	{word: "TL", code: "TRY"},
	{word: "RM", code: "MYR"},
	{word: "kr.", code: unknownCode, fam: famKrona},
	{word: "kr", code: unknownCode, fam: famKrona},
	{word: "د.ك", code: "KWD"},
	{word: "د.ب", code: "BHD"},
	{word: "ر.ع.", code: "OMR"},
	{word: "د.ا", code: "JOD"},
	{word: "د.ت", code: "TND"},
	{word: "ع.د", code: "IQD"},
	{word: "ل.د", code: "LYD"},
	{word: "د.إ", code: "AED"},
	{word: "ر.س", code: "SAR"},
}

// prefixWords are currency words written before the number, longest first
// where one is the prefix of another ("Rs." before "Rs" before "R").
var prefixWords = append([]currencyWord{
	{word: "Rs.", code: "INR", fam: famRupee},
	{word: "Rs", code: "INR", fam: famRupee},
	{word: "RS.", code: "INR", fam: famRupee},
	{word: "Rp.", code: "IDR"},
	{word: "Rp", code: "IDR"},
	{word: "R.O.", code: "OMR"},
	{word: "S/.", code: "PEN"},
	{word: "S/", code: "PEN"},
	{word: "R", code: "ZAR", weak: true},
	{word: "Q", code: "GTQ", weak: true},
}, bothWays...)

// suffixWords are currency words written after the number.
var suffixWords = append([]currencyWord{
	{word: "달러", code: "USD"},
	{word: "유로", code: "EUR"},
	{word: "엔", code: "JPY"},
	{word: "위안", code: "CNY"},
	{word: "yen", code: "JPY", fold: true},
	{word: "won", code: "KRW", fold: true},
	{word: "euros", code: "EUR", fold: true},
	{word: "euro", code: "EUR", fold: true},
	{word: "dollars", code: "USD", fam: famDollar, fold: true},
	{word: "rupees", code: "INR", fam: famRupee, fold: true},
	{word: "R.O.", code: "OMR", weak: true},
	{word: "zł", code: "PLN"},
	{word: "Kč", code: "CZK"},
	{word: "Ft", code: "HUF"},
	{word: "lei", code: "RON"},
	{word: "рублей", code: "RUB"},
	{word: "рубля", code: "RUB"},
	{word: "рубль", code: "RUB"},
	{word: "руб.", code: "RUB"},
	{word: "руб", code: "RUB"},
	{word: "р.", code: "RUB"},
	{word: "грн.", code: "UAH"},
	{word: "грн", code: "UAH"},
	{word: "лв.", code: "BGN"},
	{word: "лв", code: "BGN"},
}, bothWays...)

// hasPrefixFold is strings.HasPrefix, ASCII case-insensitive when fold.
func hasPrefixFold(s, prefix string, fold bool) bool {
	if len(s) < len(prefix) {
		return false
	}
	if !fold {
		return s[:len(prefix)] == prefix
	}
	return indexFold(s[:len(prefix)], prefix) == 0
}

// letterBefore reports whether s[:i] ends with a letter.
func letterBefore(s string, i int) bool {
	if i == 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsLetter(r)
}

// letterAt reports whether s[i:] starts with a letter.
func letterAt(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r)
}

// wordBefore finds a prefix word ending exactly at s[:j] and standing alone
// (no letter before it, and for words ending in a letter, j is the end of
// the word).
func wordBefore(s string, j int) (currencyWord, bool) {
	if j == 0 || !prefixLastBytes[s[j-1]] {
		return currencyWord{}, false
	}
	for _, w := range prefixWords {
		n := len(w.word)
		if n > j {
			continue
		}
		if !hasPrefixFold(s[j-n:j], w.word, w.fold) || letterBefore(s, j-n) {
			continue
		}
		if w.weak && !standsAlone(s, j-n) {
			continue // "SM-R510", "A/R500" are model numbers
		}
		return w, true
	}
	return currencyWord{}, false
}

// standsAlone reports whether s[i:] starts a word of its own: at the start
// of the text or after a blank or an opening bracket or colon.
func standsAlone(s string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return spaceRune(r) || r == '(' || r == '[' || r == ':' || r == '\n' || r == '\r'
}

// wordAfter finds a suffix word starting at s[j:] and standing alone (no
// letter right after it).
func wordAfter(s string, j int) (currencyWord, bool) {
	if j >= len(s) || !suffixFirstBytes[s[j]] {
		return currencyWord{}, false
	}
	rest := s[j:]
	for _, w := range suffixWords {
		if !hasPrefixFold(rest, w.word, w.fold) {
			continue
		}
		last, _ := utf8.DecodeLastRuneInString(w.word)
		if unicode.IsLetter(last) && letterAt(s, j+len(w.word)) {
			continue
		}
		return w, true
	}
	return currencyWord{}, false
}

// weakNumberOK reports whether the number s[c.start:end] may follow a
// single-letter currency ("R 199", "Q125.00") rather than be a label such as
// "Q4" or "R2": at least two digits, and a blank between the letter and the
// number, three or more digits, or a decimal or grouping separator.
func weakNumberOK(s string, c chunk, end int, spaced bool) bool {
	digits := 0
	for i := c.start; i < end; i++ {
		if isDigit(s[i]) {
			digits++
		}
	}
	return digits >= 2 && (spaced || digits >= 3 || c.nDot+c.nComma > 0)
}

// byteSet is a quick filter: a word list can only match where the text has
// one of the bytes its words start (or end) with, ASCII case folded.
type byteSet [256]bool

func firstBytes(words ...string) *byteSet {
	var b byteSet
	for _, w := range words {
		b.add(w[0])
	}
	return &b
}

func (b *byteSet) add(c byte) {
	b[c] = true
	if 'a' <= c && c <= 'z' {
		b[c-'a'+'A'] = true
	} else if 'A' <= c && c <= 'Z' {
		b[c-'A'+'a'] = true
	}
}

var prefixLastBytes, suffixFirstBytes = func() (*byteSet, *byteSet) {
	var last, first byteSet
	for _, w := range prefixWords {
		last.add(w.word[len(w.word)-1])
	}
	for _, w := range suffixWords {
		first.add(w.word[0])
	}
	return &last, &first
}()
